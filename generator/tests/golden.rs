//! Golden tests: each `fixtures/<case>` holds `.proto` files and the code expected from them in
//! `expected/guest` and `expected/host`. A mismatch rewrites the expected files and fails, so
//! that a change of the generated code is reviewed as a git diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn protos_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read fixture dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() && path.file_name().is_some_and(|name| name != "expected") {
            found.extend(protos_in(&path));
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn read_dir_files(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("dir entry").path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("read file"))
        })
        .collect()
}

fn generate(case: &Path, builder: wasm_plugin_build::Builder) -> BTreeMap<String, String> {
    let out = tempfile::tempdir().expect("tempdir");
    builder
        .out_dir(out.path())
        .emit_cargo_directives(false)
        .compile_protos(&protos_in(case), &[case])
        .unwrap_or_else(|error| panic!("{}: {error}", case.display()));
    read_dir_files(out.path())
}

#[test]
fn generated_code_matches_the_expected_files() {
    let mut changed = Vec::new();
    for entry in std::fs::read_dir(fixtures()).expect("fixtures") {
        let case = entry.expect("entry").path();
        for (side, builder) in [
            ("guest", wasm_plugin_build::guest()),
            ("host", wasm_plugin_build::host()),
        ] {
            let expected_dir = case.join("expected").join(side);
            let actual = generate(&case, builder);
            if actual != read_dir_files(&expected_dir) {
                let _ = std::fs::remove_dir_all(&expected_dir);
                std::fs::create_dir_all(&expected_dir).expect("create expected dir");
                for (name, content) in &actual {
                    std::fs::write(expected_dir.join(name), content).expect("write expected");
                }
                changed.push(expected_dir.display().to_string());
            }
        }
    }
    assert!(
        changed.is_empty(),
        "generated code changed; the expected files were rewritten, review them with git diff:\n{}",
        changed.join("\n")
    );
}

#[test]
fn expected_files_are_rustfmt_clean() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(fixtures()).expect("fixtures") {
        for side in ["guest", "host"] {
            let dir = entry
                .as_ref()
                .expect("entry")
                .path()
                .join("expected")
                .join(side);
            files.extend(read_dir_files(&dir).into_keys().map(|name| dir.join(name)));
        }
    }
    assert!(!files.is_empty(), "no expected files found");
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let status = std::process::Command::new(rustfmt)
        .args(["--check", "--edition", "2021"])
        .args(&files)
        .status()
        .expect("run rustfmt (rustup component add rustfmt)");
    assert!(status.success(), "generated code is not rustfmt-clean");
}

#[test]
fn generation_is_deterministic() {
    let case = fixtures().join("packages");
    assert_eq!(
        generate(&case, wasm_plugin_build::host()),
        generate(&case, wasm_plugin_build::host())
    );
}
