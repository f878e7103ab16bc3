//! `wasm-plugin-gen`, the generator as the Bazel rules run it, against the build-script API: the
//! same options give the same code (`fixtures/options/expected`, from `golden.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use prost::Message;

/// The `options` fixture's directory, a scratch directory, and the fixture's descriptor set
/// written there.
fn options_fixture() -> (PathBuf, tempfile::TempDir, PathBuf) {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/options");
    let mut compiler = protox::Compiler::new([&case]).expect("compiler");
    compiler
        .include_imports(true)
        .include_source_info(true)
        .open_file("options.proto")
        .expect("options.proto parses");
    let scratch = tempfile::tempdir().expect("tempdir");
    let descriptors = scratch.path().join("options.desc");
    std::fs::write(&descriptors, compiler.file_descriptor_set().encode_to_vec())
        .expect("write the descriptor set");
    (case, scratch, descriptors)
}

#[test]
fn the_tool_takes_the_message_options_of_the_builder() {
    let (case, scratch, descriptors) = options_fixture();
    let out = scratch.path().join("out");

    let status = Command::new(env!("CARGO_BIN_EXE_wasm-plugin-gen"))
        .args(["--side", "host", "--out"])
        .arg(&out)
        .arg("--descriptor-set")
        .arg(&descriptors)
        // The options of `options()` in golden.rs.
        .args(["--bytes", "."])
        .args(["--btree-map", ".options.Blob"])
        .args(["--type-attribute", ".options=#[derive(Eq)]"])
        .args([
            "--field-attribute",
            ".options.Receipt.size=#[doc = \" In bytes.\"]",
        ])
        .args(["--disable-comments", ".options.Blob"])
        .arg("options.proto")
        .status()
        .expect("run wasm-plugin-gen");
    assert!(status.success());
    for name in ["options.rs", "wasm_plugin.rs"] {
        let expected = std::fs::read_to_string(case.join("expected/host").join(name))
            .expect("the expected file");
        let generated = std::fs::read_to_string(out.join(name)).expect("the generated file");
        assert_eq!(generated, expected, "{name} differs");
    }

    // An attribute without its path is refused, naming the flag.
    let output = Command::new(env!("CARGO_BIN_EXE_wasm-plugin-gen"))
        .args(["--side", "host", "--out"])
        .arg(&out)
        .args(["--type-attribute", "#[derive(Eq)]", "options.proto"])
        .output()
        .expect("run wasm-plugin-gen");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--type-attribute"), "{stderr}");
}

#[test]
fn the_tool_takes_types_from_a_crate_of_the_users() {
    let (_, scratch, descriptors) = options_fixture();
    let out = scratch.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_wasm-plugin-gen"))
        .args(["--side", "host", "--out"])
        .arg(&out)
        .arg("--descriptor-set")
        .arg(&descriptors)
        .args(["--extern-path", ".options.Blob=::blobs::Blob"])
        .arg("options.proto")
        .status()
        .expect("run wasm-plugin-gen");
    assert!(status.success());
    let generated = std::fs::read_to_string(out.join("options.rs")).expect("options.rs");
    assert!(generated.contains("::blobs::Blob"), "{generated}");
    assert!(!generated.contains("pub struct Blob"), "{generated}");
    assert!(generated.contains("pub struct Receipt"), "{generated}");
}
