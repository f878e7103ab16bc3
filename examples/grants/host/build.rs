fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::host().compile_protos(&["../tasks.proto"], &[".."])?;
    Ok(())
}
