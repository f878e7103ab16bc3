fn main() -> Result<(), Box<dyn std::error::Error>> {
    wasm_plugin_build::host().compile_protos(
        &[
            "fields.proto",
            "wellknown.proto",
            "imports/foo/foo.proto",
            "imports/bar/bar.proto",
            "extras.proto",
            "hostfn.proto",
            "faults.proto",
            "raw.proto",
            "mismatch/v1.proto",
            "conformance.proto",
            "wrongtypes.proto",
        ],
        &["proto"],
    )?;
    // The same services with async host code (`tests/async_calls.rs`), in `OUT_DIR/async`.
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?).join("async");
    std::fs::create_dir_all(&out_dir)?;
    // Their messages are the blocking code's (`extern_path`), as a host that has both would do.
    wasm_plugin_build::host()
        .async_calls(true)
        .extern_path(".hostfn", "crate::hostfn")
        .extern_path(".faults", "crate::faults")
        .extern_path(".fields", "crate::fields")
        .out_dir(out_dir)
        .compile_protos(
            &["hostfn.proto", "faults.proto", "fields.proto"],
            &["proto"],
        )?;
    Ok(())
}
