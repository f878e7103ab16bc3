fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::guest().compile_protos(&["../pages.proto"], &[".."])?;
    Ok(())
}
