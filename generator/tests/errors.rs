//! Bad input is reported with the file and line it comes from, and what to do instead.

use std::path::Path;

/// Generates code for `source`, written to `<tmp>/dir/bad.proto`, and returns the error text.
fn error_for(source: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let proto_dir = dir.path().join("protos");
    std::fs::create_dir_all(&proto_dir).expect("mkdir");
    std::fs::write(proto_dir.join("bad.proto"), source).expect("write proto");
    let out = dir.path().join("out");
    wasm_plugin_build::guest()
        .out_dir(&out)
        .emit_cargo_directives(false)
        .compile_protos(&[proto_dir.join("bad.proto")], &[&proto_dir])
        .expect_err("generation must fail")
        .to_string()
}

fn service(directive: &str, rpc: &str) -> String {
    format!(
        "syntax = \"proto3\";\npackage bad;\n\nmessage M {{}}\n\n// {directive}\nservice S {{\n  {rpc}\n}}\n"
    )
}

#[test]
fn unknown_keys_and_types_name_the_directive_s_line() {
    let error = error_for(&service(
        "wasm:plugin typ=plugin",
        "rpc Call(M) returns (M) {}",
    ));
    assert_eq!(
        error,
        "bad.proto:6: service `S`: unknown key `typ` in `wasm:plugin`; the keys are type, version and module"
    );
    let error = error_for(&service(
        "go:plugin type=plugins",
        "rpc Call(M) returns (M) {}",
    ));
    assert_eq!(
        error,
        "bad.proto:6: service `S`: unknown type `plugins` in `go:plugin`; use type=plugin or type=host"
    );
}

#[test]
fn a_directive_inside_a_longer_comment_is_found_on_its_line() {
    let error = error_for(
        "syntax = \"proto3\";\npackage bad;\nmessage M {}\n\n// Greets.\n// wasm:plugin type=plugin version=one\n// More about greeting.\nservice S {\n  rpc Call(M) returns (M) {}\n}\n",
    );
    assert!(
        error.starts_with("bad.proto:6: service `S`: version `one`"),
        "{error}"
    );
}

#[test]
fn bad_versions_are_refused() {
    for version in ["0", "-1", "1.5", "x", "99999999999999999999999"] {
        let error = error_for(&service(
            &format!("wasm:plugin type=plugin version={version}"),
            "rpc Call(M) returns (M) {}",
        ));
        assert_eq!(
            error,
            format!(
                "bad.proto:6: service `S`: version `{version}` is not a positive integer (example: version=2)"
            )
        );
    }
}

#[test]
fn streaming_is_refused_at_the_rpc() {
    let error = error_for(&service(
        "wasm:plugin type=plugin",
        "rpc Watch(M) returns (stream M) {}",
    ));
    assert!(
        error.starts_with("bad.proto:8: rpc `S.Watch` streams; streaming is not supported"),
        "{error}"
    );
    let error = error_for(&service(
        "go:plugin type=host",
        "rpc Send(stream M) returns (M) {}",
    ));
    assert!(
        error.starts_with("bad.proto:8: rpc `S.Send` streams;"),
        "{error}"
    );
}

#[test]
fn only_one_host_service_per_file() {
    let error = error_for(
        "syntax = \"proto3\";\npackage bad;\nmessage M {}\n// wasm:plugin type=host\nservice A {\n  rpc X(M) returns (M) {}\n}\n// wasm:plugin type=host\nservice B {\n  rpc Y(M) returns (M) {}\n}\n",
    );
    assert!(
        error.starts_with(
            "bad.proto:8: service `B` is the second type=host service in this file, after `A`"
        ),
        "{error}"
    );
}

#[test]
fn rpcs_that_would_share_an_export_are_refused() {
    let error = error_for(&service(
        "wasm:plugin type=plugin",
        "rpc ApiVersion(M) returns (M) {}",
    ));
    assert!(
        error.contains("rpc `bad.S.ApiVersion` would be exported as `s_api_version`, which the version export of `bad.S` uses already"),
        "{error}"
    );
}

#[test]
fn module_is_for_host_services() {
    let error = error_for(&service(
        "wasm:plugin type=plugin module=x",
        "rpc Call(M) returns (M) {}",
    ));
    assert!(
        error.contains("it applies to type=host services only"),
        "{error}"
    );
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let error =
        error_for("syntax = \"proto3\";\npackage bad;\n\nmessage M {\n  strin name = 1;\n}\n");
    assert!(error.starts_with("bad.proto:5:"), "{error}");
}

#[test]
fn a_missing_import_is_named() {
    let error = error_for("syntax = \"proto3\";\npackage bad;\nimport \"missing/thing.proto\";\n");
    assert!(error.contains("missing/thing.proto"), "{error}");
    assert!(error.starts_with("bad.proto:3:"), "{error}");
}

#[test]
fn a_proto_outside_the_include_paths_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = wasm_plugin_build::host()
        .out_dir(dir.path())
        .emit_cargo_directives(false)
        .compile_protos(&[Path::new("/nowhere/x.proto")], &[dir.path()])
        .expect_err("outside include paths");
    assert!(error.to_string().contains("/nowhere/x.proto"), "{error}");
}

#[test]
fn services_without_a_directive_get_no_glue() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ok.proto"),
        service(
            "just a comment mentioning go:plugins",
            "rpc Call(M) returns (M) {}",
        ),
    )
    .expect("write");
    wasm_plugin_build::host()
        .out_dir(dir.path().join("out"))
        .emit_cargo_directives(false)
        .compile_protos(&[dir.path().join("ok.proto")], &[dir.path()])
        .expect("generate");
    let code = std::fs::read_to_string(dir.path().join("out/bad.rs")).expect("generated file");
    assert!(code.contains("pub struct M"), "{code}");
    assert!(!code.contains("SPlugin"), "{code}");
}

#[test]
fn a_guest_cannot_export_two_services_of_the_same_name_but_a_host_can_call_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    for package in ["one", "two"] {
        std::fs::write(
            dir.path().join(format!("{package}.proto")),
            format!("syntax = \"proto3\";\npackage {package};\nmessage M {{}}\n// wasm:plugin type=plugin\nservice Same {{\n  rpc Call(M) returns (M) {{}}\n}}\n"),
        )
        .expect("write");
    }
    let protos = [dir.path().join("one.proto"), dir.path().join("two.proto")];
    let error = wasm_plugin_build::guest()
        .out_dir(dir.path().join("guest"))
        .emit_cargo_directives(false)
        .compile_protos(&protos, &[dir.path()])
        .expect_err("clashing exports");
    assert_eq!(
        error.to_string(),
        "two.proto:5: the version export of `two.Same` would be exported as `same_api_version`, \
         which the version export of `one.Same` uses already; rename one of them"
    );
    wasm_plugin_build::host()
        .out_dir(dir.path().join("host"))
        .emit_cargo_directives(false)
        .compile_protos(&protos, &[dir.path()])
        .expect("a host may talk to both");
}

#[test]
fn host_functions_that_would_share_an_import_are_refused() {
    let error = error_for(
        "syntax = \"proto3\";\npackage bad;\nmessage M {}\n// wasm:plugin type=host\nservice H {\n  rpc GetX(M) returns (M) {}\n  rpc Get_X(M) returns (M) {}\n}\n",
    );
    assert_eq!(
        error,
        "bad.proto:5: rpc `bad.H.Get_X` would be imported as `get_x`, like another rpc of the \
         service; rename one of them"
    );
}
