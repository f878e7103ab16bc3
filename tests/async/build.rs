fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The glue of an async host (under Bazel: `calls = "async"` on the test target).
    wasm_plugin_build::host()
        .async_calls(true)
        .compile_protos(&["hostfn.proto", "faults.proto"], &["../proto"])?;
    Ok(())
}
