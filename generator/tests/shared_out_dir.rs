//! Several `compile_protos` calls of one build script into one output directory: nothing of an
//! earlier call is lost. Files of one package belong in one call (as go-plugin's
//! `host-function-library` example has them: a plugin service and a host library of one
//! package); two calls that would write one package over the other fail and say so.

use std::path::Path;

fn write(dir: &Path, name: &str, content: &str) {
    std::fs::write(dir.join(name), content).expect("write a .proto file");
}

/// A plugin service and a host function library in two files of one package, and a file of
/// another package.
fn protos() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "greeting.proto",
        r#"syntax = "proto3";
package example;
import "library.proto";
// wasm:plugin type=plugin version=1
service Greeter {
  rpc Greet(ParseJsonRequest) returns (ParseJsonResponse) {}
}
"#,
    );
    write(
        dir.path(),
        "library.proto",
        r#"syntax = "proto3";
package example;
// wasm:plugin type=host module=json-parser
service ParserLibrary {
  rpc ParseJson(ParseJsonRequest) returns (ParseJsonResponse) {}
}
message ParseJsonRequest { bytes content = 1; }
message ParseJsonResponse { string name = 1; }
"#,
    );
    write(
        dir.path(),
        "farewell.proto",
        r#"syntax = "proto3";
package example;
message Farewell { string text = 1; }
"#,
    );
    write(
        dir.path(),
        "other.proto",
        r#"syntax = "proto3";
package other;
message Note { string text = 1; }
"#,
    );
    dir
}

fn builder(out: &Path) -> wasm_plugin_build::Builder {
    wasm_plugin_build::host()
        .out_dir(out)
        .emit_cargo_directives(false)
}

#[test]
fn the_files_of_one_package_in_one_call_make_one_module() {
    let protos = protos();
    let out = tempfile::tempdir().expect("tempdir");
    builder(out.path())
        .compile_protos(&["greeting.proto", "library.proto"], &[protos.path()])
        .expect("one call");
    let code = std::fs::read_to_string(out.path().join("example.rs")).expect("example.rs");
    assert!(code.contains("pub struct GreeterPlugin"), "{code}");
    assert!(code.contains("pub trait ParserLibrary"), "{code}");
    assert!(
        code.contains("from greeting.proto, library.proto."),
        "{code}"
    );
}

#[test]
fn two_calls_for_one_package_fail_naming_both_files() {
    let protos = protos();
    let out = tempfile::tempdir().expect("tempdir");
    builder(out.path())
        .compile_protos(&["library.proto"], &[protos.path()])
        .expect("the first call");
    let error = builder(out.path())
        .compile_protos(&["farewell.proto"], &[protos.path()])
        .expect_err("the second call would replace the first's example.rs")
        .to_string();
    assert!(error.contains("example.rs"), "{error}");
    assert!(error.contains("library.proto"), "{error}");
    assert!(error.contains("farewell.proto"), "{error}");
    assert!(error.contains("one compile_protos call"), "{error}");
    // The first call's code is still there.
    let code = std::fs::read_to_string(out.path().join("example.rs")).expect("example.rs");
    assert!(code.contains("pub trait ParserLibrary"), "{code}");
}

#[test]
fn calls_for_different_packages_share_the_include_file() {
    let protos = protos();
    let out = tempfile::tempdir().expect("tempdir");
    builder(out.path())
        .compile_protos(&["greeting.proto", "library.proto"], &[protos.path()])
        .expect("the first call");
    builder(out.path())
        .compile_protos(&["other.proto"], &[protos.path()])
        .expect("the second call");
    let include = std::fs::read_to_string(out.path().join("wasm_plugin.rs")).expect("include");
    assert!(include.contains("pub mod example"), "{include}");
    assert!(include.contains("pub mod other"), "{include}");
}

#[test]
fn a_call_whose_files_import_an_earlier_calls_files_may_write_them_again() {
    let protos = protos();
    let out = tempfile::tempdir().expect("tempdir");
    builder(out.path())
        .compile_protos(&["library.proto"], &[protos.path()])
        .expect("the first call");
    // greeting.proto imports library.proto: its example.rs holds both.
    builder(out.path())
        .compile_protos(&["greeting.proto"], &[protos.path()])
        .expect("the second call");
    let code = std::fs::read_to_string(out.path().join("example.rs")).expect("example.rs");
    assert!(code.contains("pub struct GreeterPlugin"), "{code}");
    assert!(code.contains("pub trait ParserLibrary"), "{code}");
    // And the first again: nothing is lost.
    builder(out.path())
        .compile_protos(&["library.proto"], &[protos.path()])
        .expect("the first call again");
    let code = std::fs::read_to_string(out.path().join("example.rs")).expect("example.rs");
    assert!(code.contains("pub struct GreeterPlugin"), "{code}");
}
