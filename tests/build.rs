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
        ],
        &["proto"],
    )?;
    Ok(())
}
