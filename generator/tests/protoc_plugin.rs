//! `protoc-gen-wasm-plugin` under protoc and buf gives what the build-script API gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

fn files_in(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("read output dir")
        .map(|entry| entry.expect("entry").path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("read"))
        })
        .collect()
}

fn build_script_output(case: &str, side: &str) -> BTreeMap<String, String> {
    files_in(&fixture(case).join("expected").join(side))
}

#[test]
fn protoc_generates_the_same_code_as_the_build_script() {
    let out = tempfile::tempdir().expect("tempdir");
    let status = Command::new("protoc")
        .arg(format!(
            "--plugin=protoc-gen-wasm-plugin={}",
            env!("CARGO_BIN_EXE_protoc-gen-wasm-plugin")
        ))
        .arg(format!("--wasm-plugin_out={}", out.path().display()))
        .arg("--wasm-plugin_opt=side=host")
        .arg("-I")
        .arg(fixture("greeting"))
        // proto3 `optional` is declared as supported, so protoc accepts it.
        .arg("greeting.proto")
        .status()
        .expect("run protoc (scripts/setup.sh installs it)");
    assert!(status.success());
    assert_eq!(
        files_in(out.path()),
        build_script_output("greeting", "host")
    );
}

#[test]
fn protoc_reports_directive_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.proto"),
        "syntax = \"proto3\";\npackage bad;\nmessage M {}\n// wasm:plugin type=nope\nservice S {\n  rpc X(M) returns (M) {}\n}\n",
    )
    .expect("write");
    let output = Command::new("protoc")
        .arg(format!(
            "--plugin=protoc-gen-wasm-plugin={}",
            env!("CARGO_BIN_EXE_protoc-gen-wasm-plugin")
        ))
        .arg(format!("--wasm-plugin_out={}", dir.path().display()))
        .arg("--wasm-plugin_opt=side=guest")
        .arg("-I")
        .arg(dir.path())
        .arg("bad.proto")
        .output()
        .expect("run protoc");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.proto:4: service `S`: unknown type `nope`"),
        "{stderr}"
    );
}

#[test]
fn buf_generates_the_same_code_as_the_build_script() {
    let buf = std::env::var_os("BUF")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/buf/node_modules/.bin/buf")
        });
    assert!(
        buf.exists(),
        "{} is missing: run scripts/setup.sh",
        buf.display()
    );
    let work = tempfile::tempdir().expect("tempdir");
    let protos = work.path().join("proto");
    std::fs::create_dir_all(protos.join("common")).expect("mkdir");
    std::fs::create_dir_all(protos.join("api")).expect("mkdir");
    for file in ["common/types.proto", "api/service.proto"] {
        std::fs::copy(fixture("packages").join(file), protos.join(file)).expect("copy");
    }
    std::fs::write(
        work.path().join("buf.yaml"),
        "version: v2\nmodules:\n  - path: proto\n",
    )
    .expect("buf.yaml");
    std::fs::write(
        work.path().join("buf.gen.yaml"),
        format!(
            "version: v2\nplugins:\n  - local: {}\n    out: gen\n    opt: side=guest\n    strategy: all\n",
            env!("CARGO_BIN_EXE_protoc-gen-wasm-plugin")
        ),
    )
    .expect("buf.gen.yaml");
    let output = Command::new(&buf)
        .arg("generate")
        .current_dir(work.path())
        .env("BUF_CACHE_DIR", work.path().join("cache"))
        .output()
        .expect("run buf");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        files_in(&work.path().join("gen")),
        build_script_output("packages", "guest")
    );
}
