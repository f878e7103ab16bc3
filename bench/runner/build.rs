fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::host()
        .bytes([".bench.Chunk"])
        .compile_protos(&["bench.proto"], &["../proto"])?;
    // The async handle, on the same messages.
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?).join("async");
    std::fs::create_dir_all(&out_dir)?;
    wasm_plugin_build::host()
        .async_calls(true)
        .extern_path(".bench", "crate::bench")
        .out_dir(out_dir)
        .compile_protos(&["bench.proto"], &["../proto"])?;
    Ok(())
}
