fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::guest()
        .bytes([".bench.Chunk"])
        .compile_protos(&["bench.proto"], &["../../proto"])?;
    Ok(())
}
