fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::guest().compile_protos(&["../../proto/greet_v2.proto"], &["../../proto"])?;
    Ok(())
}
