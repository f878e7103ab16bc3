fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The same options as the host's (tests/build.rs).
    wasm_plugin_build::guest()
        .bytes(["."])
        .btree_map(["."])
        .type_attribute(".shaped.Parcel", "#[derive(Eq)]")
        .compile_protos(&["shaped.proto"], &["../../proto"])?;
    Ok(())
}
