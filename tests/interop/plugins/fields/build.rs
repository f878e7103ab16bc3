//! The plugin interface is go-plugin's own `.proto` file, from the Go module cache.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = wasm_plugin_testing::go_plugin_dir().join("tests/fields/proto/fields.proto");
    let include = proto.parent().ok_or("no parent directory")?.to_owned();
    wasm_plugin_build::guest().compile_protos(&[proto], &[include])?;
    Ok(())
}
