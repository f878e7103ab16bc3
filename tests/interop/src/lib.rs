//! Host glue for go-plugin's test interfaces, generated from its own `.proto` files, and the
//! plugins of both systems that the tests exchange.

use std::path::PathBuf;
use std::sync::OnceLock;

/// go-plugin's tests/fields interface.
pub mod fields {
    include!(concat!(env!("OUT_DIR"), "/fields/wasm_plugin.rs"));
}

/// go-plugin's tests/well-known interface.
pub mod wellknown {
    include!(concat!(env!("OUT_DIR"), "/wellknown/wasm_plugin.rs"));
}

/// go-plugin's tests/host-functions interface.
pub mod hostfunctions {
    include!(concat!(env!("OUT_DIR"), "/hostfunctions/wasm_plugin.rs"));
}

/// go-plugin's tests/host-functions interface, for an async host (`async_calls`).
pub mod hostfunctions_async {
    include!(concat!(
        env!("OUT_DIR"),
        "/hostfunctions_async/wasm_plugin.rs"
    ));
}

/// go-plugin's examples/helloworld interface.
pub mod helloworld {
    include!(concat!(env!("OUT_DIR"), "/helloworld/wasm_plugin.rs"));
}

/// The helloworld interface at version 2 (`proto/greet_v2.proto`).
pub mod helloworld_v2 {
    include!(concat!(env!("OUT_DIR"), "/helloworld_v2/wasm_plugin.rs"));
}

/// A plugin of go-plugin's own repository, built with Go for wasip1: `tests/fields/plugin`.
pub fn go_plugin(package: &str) -> PathBuf {
    wasm_plugin_testing::build_go_plugin(&format!("github.com/knqyf263/go-plugin/{package}"))
}

/// Our Rust plugins built from go-plugin's `.proto` files (`tests/interop/plugins`).
pub const RUST_PLUGINS: [&str; 5] = [
    "fields",
    "wellknown",
    "hostfunctions",
    "helloworld",
    "helloworld-v2",
];

/// Builds every Rust interop plugin once and returns the directory that holds them, as
/// `<name>.wasm`.
pub fn rust_plugins() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let packages: Vec<String> = RUST_PLUGINS
                .iter()
                .map(|p| format!("interop-plugin-{p}"))
                .collect();
            let packages: Vec<&str> = packages.iter().map(String::as_str).collect();
            let built = wasm_plugin_testing::build_plugins(&packages);
            let dir = wasm_plugin_testing::workspace_root().join("target/interop-plugins");
            std::fs::create_dir_all(&dir).expect("create target/interop-plugins");
            for (name, wasm) in RUST_PLUGINS.iter().zip(built) {
                std::fs::copy(wasm, dir.join(format!("{name}.wasm"))).expect("copy plugin");
            }
            dir
        })
        .clone()
}

/// The path of one Rust interop plugin.
pub fn rust_plugin(name: &str) -> PathBuf {
    rust_plugins().join(format!("{name}.wasm"))
}

/// A loader with the default sandbox.
pub fn loader() -> wasm_plugin_runtime::Loader {
    wasm_plugin_runtime::Loader::new().expect("default loader")
}
