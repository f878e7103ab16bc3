fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::guest().compile_protos(
        &["imports/foo/foo.proto", "imports/bar/bar.proto"],
        &["../../proto"],
    )?;
    Ok(())
}
