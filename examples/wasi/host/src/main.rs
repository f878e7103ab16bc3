//! Grants a plugin one directory, read-only, as `/data`, and shows that nothing else is visible.
//!
//! Usage: `example-wasi PLUGIN.wasm` (scripts/run-example.sh wasi builds it).

mod cat {
    wasm_plugin_runtime::include_proto!("cat");
}

use std::path::Path;

use cat::{CatRequest, FileCatPlugin};
use wasm_plugin_runtime::{DirAccess, Loader};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: example-wasi PLUGIN.wasm"))?;
    // In the runfiles under Bazel (its launcher sets RUNFILES_DIR); next to the sources under
    // Cargo.
    let testdata = match (
        std::env::var_os("RUNFILES_DIR"),
        option_env!("CARGO_MANIFEST_DIR"),
    ) {
        (Some(runfiles), _) => {
            Path::new(&runfiles).join("rules_wasm_plugin/examples/wasi/testdata")
        }
        (None, Some(manifest_dir)) => Path::new(manifest_dir).join("../testdata"),
        (None, None) => Path::new("examples/wasi/testdata").to_owned(),
    };
    let loader = Loader::builder()
        .preopened_dir(testdata, "/data", DirAccess::ReadOnly)
        .build()?;
    let plugin = FileCatPlugin::load(&loader, path)?;
    for file in ["/data/hello.txt", "/data/../host/Cargo.toml", "/etc/passwd"] {
        match plugin.cat(CatRequest { path: file.into() }) {
            Ok(reply) => print!("{file}: {}", reply.content),
            Err(error) => match error.plugin_message() {
                Some(message) => println!("error: {message}"),
                None => return Err(error.into()),
            },
        }
    }
    Ok(())
}
