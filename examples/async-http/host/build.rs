fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::host()
        .async_calls(true)
        .compile_protos(&["../pages.proto"], &[".."])?;
    Ok(())
}
