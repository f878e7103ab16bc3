//! Builds the workspace's plugin crates for `wasm32-wasip1`, so that `cargo test` alone runs
//! tests that load real plugins.
//!
//! Plugins are built with the workspace's `plugin` profile into `target/wasm-plugins`, a target
//! directory of their own: the `cargo test` that runs the tests holds the lock of `target`.

pub mod alloc;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The target the plugins are built for.
pub const TARGET: &str = "wasm32-wasip1";

/// The Cargo profile plugins are built with (see the workspace `Cargo.toml`).
pub const PROFILE: &str = "plugin";

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    match option_env!("CARGO_MANIFEST_DIR") {
        Some(manifest_dir) => Path::new(manifest_dir)
            .ancestors()
            .nth(2)
            .expect("tests/support is two levels below the workspace root")
            .to_owned(),
        // Compiled by Bazel's rules, which set no CARGO_MANIFEST_DIR: tests run in the runfiles
        // tree, laid out like the workspace.
        None => std::env::current_dir().expect("the current directory is readable"),
    }
}

/// Where built plugins land.
pub fn plugin_dir() -> PathBuf {
    workspace_root()
        .join("target/wasm-plugins")
        .join(TARGET)
        .join(PROFILE)
}

/// Builds the plugin packages (Cargo package names) and returns the path of each `.wasm`, in
/// the same order. Panics with cargo's output if the build fails: this is test code.
pub fn build_plugins(packages: &[&str]) -> Vec<PathBuf> {
    // Test threads of one binary ask for plugins at the same time; one build at a time.
    static BUILD: Mutex<()> = Mutex::new(());
    let _guard = BUILD
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "--locked",
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .env(
            "CARGO_TARGET_DIR",
            workspace_root().join("target/wasm-plugins"),
        )
        // Flags meant for the host build do not apply to plugins.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    for package in packages {
        command.args(["--package", package]);
    }
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo to build test plugins: {error}"));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint =
            if stderr.contains("wasm32-wasip1") && stderr.contains("target may not be installed") {
                "\nhint: run `rustup target add wasm32-wasip1`, or scripts/setup.sh"
            } else {
                ""
            };
        panic!("building plugins {packages:?} failed:\n{stderr}{hint}");
    }
    packages
        .iter()
        .map(|package| plugin_dir().join(format!("{}.wasm", package.replace('-', "_"))))
        .collect()
}

/// Builds one plugin package and returns the path of its `.wasm`.
pub fn build_plugin(package: &str) -> PathBuf {
    build_plugins(&[package]).remove(0)
}

/// Builds an example's plugins, runs its host binary with their paths, and returns what the
/// host printed on stdout. Panics, with stderr, if the host fails.
pub fn run_example(host_binary: &str, plugin_packages: &[&str]) -> String {
    let plugins = build_plugins(plugin_packages);
    let output = Command::new(host_binary)
        .args(&plugins)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {host_binary}: {error}"));
    assert!(
        output.status.success(),
        "{host_binary} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the example prints UTF-8")
}

/// The Go module of the interoperability tests, which pins go-plugin in its go.sum.
pub fn go_module_dir() -> PathBuf {
    workspace_root().join("tests/interop/go")
}

/// The directory of go-plugin in the Go module cache, downloaded through the module proxy if
/// needed: its `.proto` files and plugins are used from there, never copied.
pub fn go_plugin_dir() -> PathBuf {
    let output = Command::new("go")
        .args([
            "list",
            "-m",
            "-f",
            "{{.Dir}}",
            "github.com/knqyf263/go-plugin",
        ])
        .current_dir(go_module_dir())
        .output()
        .unwrap_or_else(|error| panic!("cannot run go (scripts/setup.sh checks for it): {error}"));
    assert!(
        output.status.success(),
        "go list failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// Builds a Go plugin package (an import path such as
/// `github.com/knqyf263/go-plugin/tests/fields/plugin`) for `wasip1` as go-plugin does, with
/// `-buildmode=c-shared`, and returns the `.wasm` path.
pub fn build_go_plugin(package: &str) -> PathBuf {
    let out_dir = workspace_root().join("target/go-plugins");
    std::fs::create_dir_all(&out_dir).expect("create target/go-plugins");
    let wasm = out_dir.join(format!("{}.wasm", package.replace(['/', '.'], "_")));
    let output = Command::new("go")
        .args(["build", "-buildmode=c-shared", "-o"])
        .arg(&wasm)
        .arg(package)
        .current_dir(go_module_dir())
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .output()
        .unwrap_or_else(|error| panic!("cannot run go: {error}"));
    assert!(
        output.status.success(),
        "go build {package} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    wasm
}
