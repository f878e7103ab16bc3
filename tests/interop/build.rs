//! Host glue generated from go-plugin's own `.proto` files, read from the Go module cache.

use std::path::{Path, PathBuf};

fn generate(name: &str, proto: &Path) -> Result<(), Box<dyn std::error::Error>> {
    generate_with(name, proto, false)
}

fn generate_with(
    name: &str,
    proto: &Path,
    async_calls: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?).join(name);
    wasm_plugin_build::host()
        .async_calls(async_calls)
        .out_dir(out_dir)
        .emit_cargo_directives(true)
        .compile_protos(&[proto], &[proto.parent().ok_or("no parent")?])?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let go_plugin = wasm_plugin_testing::go_plugin_dir();
    println!("cargo:rerun-if-changed=go/go.sum");
    generate("fields", &go_plugin.join("tests/fields/proto/fields.proto"))?;
    generate(
        "wellknown",
        &go_plugin.join("tests/well-known/proto/known.proto"),
    )?;
    generate(
        "hostfunctions",
        &go_plugin.join("tests/host-functions/proto/host.proto"),
    )?;
    // The same, for an async host.
    generate_with(
        "hostfunctions_async",
        &go_plugin.join("tests/host-functions/proto/host.proto"),
        true,
    )?;
    generate(
        "helloworld",
        &go_plugin.join("examples/helloworld/greeting/greet.proto"),
    )?;
    generate("helloworld_v2", Path::new("proto/greet_v2.proto"))?;
    Ok(())
}
