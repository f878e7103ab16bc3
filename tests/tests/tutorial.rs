//! Runs the README's tutorial as written: its files in a fresh directory next to this
//! repository, the plugin built with its command, the host run with its command.

use std::path::Path;
use std::process::Command;

/// The code blocks of the README that follow a `<!-- tutorial: NAME -->` marker.
fn tutorial_blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(wasm_plugin_testing::workspace_root().join("README.md"))
        .expect("read README.md");
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("<!-- tutorial: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().expect("a code block follows the marker");
        assert!(
            fence.starts_with("```"),
            "{name}: expected a code block, got {fence}"
        );
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        blocks.push((name.to_owned(), body.join("\n") + "\n"));
    }
    blocks
}

/// `cargo` in `dir`, without the settings of the `cargo test` that runs this test.
fn cargo(dir: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for variable in [
        "CARGO_TARGET_DIR",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
    ] {
        command.env_remove(variable);
    }
    command.current_dir(dir);
    command
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run the tutorial's command");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn shell_words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn the_readme_tutorial_works_as_written() {
    let blocks = tutorial_blocks();
    let names: Vec<&str> = blocks.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "greeting.proto",
            "plugin/Cargo.toml",
            "plugin/build.rs",
            "plugin/src/lib.rs",
            "host/Cargo.toml",
            "host/build.rs",
            "host/src/main.rs",
            "run",
            "output"
        ]
    );

    // A checkout of this repository and the tutorial's directory side by side.
    let root = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(
        wasm_plugin_testing::workspace_root(),
        root.path().join("rules_wasm_plugin"),
    )
    .expect("symlink the checkout");
    let tutorial = root.path().join("tutorial");
    for (name, content) in &blocks[..7] {
        let path = tutorial.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
        std::fs::write(&path, content).expect("write tutorial file");
    }
    // Start from the versions this repository is tested with.
    let lock = wasm_plugin_testing::workspace_root().join("Cargo.lock");
    for crate_dir in ["plugin", "host"] {
        std::fs::copy(&lock, tutorial.join(crate_dir).join("Cargo.lock")).expect("seed Cargo.lock");
    }

    // Compiled dependencies are kept between test runs: `plugin/target` is a link into this
    // repository's target directory, where the commands below still find it.
    let kept = wasm_plugin_testing::workspace_root().join("target/tutorial-plugin");
    std::fs::create_dir_all(&kept).expect("mkdir");
    std::os::unix::fs::symlink(&kept, tutorial.join("plugin/target")).expect("link plugin/target");

    // Step 2: `cd plugin && cargo build --target wasm32-wasip1 --release`.
    run(cargo(&tutorial.join("plugin")).args([
        "build",
        "--quiet",
        "--target",
        "wasm32-wasip1",
        "--release",
    ]));
    assert!(tutorial
        .join("plugin/target/wasm32-wasip1/release/greeter_plugin.wasm")
        .is_file());

    // Step 4, as written.
    let run_line = blocks[7].1.trim();
    let (cd, command) = run_line.split_once(" && ").expect("cd DIR && COMMAND");
    let dir = cd.strip_prefix("cd ").expect("cd");
    let words = shell_words(command);
    assert_eq!(words[0], "cargo");
    // Only the host's compiled dependencies are kept elsewhere, between test runs.
    let stdout = run(cargo(&tutorial.join(dir)).args(&words[1..]).env(
        "CARGO_TARGET_DIR",
        wasm_plugin_testing::workspace_root().join("target/tutorial"),
    ));
    assert_eq!(stdout, blocks[8].1);
}
