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
    // Messages shaped by prost's options, as the plugin has them (tests/plugins/shaped), in a
    // call of their own into the same directory (the include file nests both calls' packages).
    wasm_plugin_build::host()
        .bytes(["."])
        .btree_map(["."])
        .type_attribute(".shaped.Parcel", "#[derive(Eq)]")
        .compile_protos(&["shaped.proto"], &["proto"])?;
    Ok(())
}
