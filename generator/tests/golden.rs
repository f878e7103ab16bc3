//! Golden tests: each `fixtures/<case>` holds `.proto` files and the code expected from them in
//! `expected/guest` and `expected/host` (and, for some, `expected/host_async`). A mismatch fails
//! and names the files that differ; `UPDATE_GOLDEN=1 cargo test -p wasm-plugin-build --test golden` rewrites them, so that a
//! change of the generated code is reviewed as a git diff. `fixtures/compile` compiles every
//! expected file (guest glue for wasm32-wasip1, host glue natively).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The cases whose async host glue (`Builder::async_calls`) is checked too, in
/// `expected/host_async`: a plugin service alone, and one with host functions.
const ASYNC_CASES: [&str; 2] = ["greeting", "hostfn"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture cases: every directory of `fixtures` with `.proto` files.
fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| !protos_in(path).is_empty())
        .collect();
    cases.sort();
    cases
}

fn protos_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
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

/// The builder options of a case: `options` tries each of prost's that users can set.
fn options(case: &Path, builder: wasm_plugin_build::Builder) -> wasm_plugin_build::Builder {
    if !case.ends_with("options") {
        return builder;
    }
    builder
        .bytes(["."])
        .btree_map([".options.Blob"])
        .type_attribute(".options", "#[derive(Eq)]")
        .field_attribute(".options.Receipt.size", "#[doc = \" In bytes.\"]")
        .disable_comments([".options.Blob"])
}

fn generate(case: &Path, builder: wasm_plugin_build::Builder) -> BTreeMap<String, String> {
    let out = tempfile::tempdir().expect("tempdir");
    options(case, builder)
        .out_dir(out.path())
        .emit_cargo_directives(false)
        .compile_protos(&protos_in(case), &[case])
        .unwrap_or_else(|error| panic!("{}: {error}", case.display()));
    read_dir_files(out.path())
}

/// What differs between two sets of files, one line per file.
fn differences(
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut names: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| match (expected.get(name), actual.get(name)) {
            (Some(_), None) => Some(format!("  {name}: expected, but no longer generated")),
            (None, Some(_)) => Some(format!("  {name}: generated, but not expected")),
            (Some(old), Some(new)) if old != new => {
                let line = old
                    .lines()
                    .zip(new.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| old.lines().count().min(new.lines().count()));
                Some(format!(
                    "  {name}: differs from line {}:\n    expected: {}\n    generated: {}",
                    line + 1,
                    old.lines().nth(line).unwrap_or("<end of file>"),
                    new.lines().nth(line).unwrap_or("<end of file>"),
                ))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn generated_code_matches_the_expected_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    let mut changed = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        let mut sides = vec![
            ("guest", wasm_plugin_build::guest()),
            ("host", wasm_plugin_build::host()),
        ];
        if ASYNC_CASES.contains(&name.as_ref()) {
            sides.push(("host_async", wasm_plugin_build::host().async_calls(true)));
        }
        for (side, builder) in sides {
            let expected_dir = case.join("expected").join(side);
            let actual = generate(&case, builder);
            let expected = read_dir_files(&expected_dir);
            let differences = differences(&expected, &actual);
            if differences.is_empty() {
                continue;
            }
            changed.push(format!(
                "{}:\n{}",
                expected_dir.display(),
                differences.join("\n")
            ));
            if update {
                let _ = std::fs::remove_dir_all(&expected_dir);
                std::fs::create_dir_all(&expected_dir).expect("create expected dir");
                for (name, content) in &actual {
                    std::fs::write(expected_dir.join(name), content).expect("write expected");
                }
            }
        }
    }
    assert!(
        !cases().is_empty(),
        "no fixtures found in {}",
        fixtures().display()
    );
    if update {
        eprintln!("rewrote:\n{}", changed.join("\n"));
        return;
    }
    assert!(
        changed.is_empty(),
        "the generated code differs from the expected files:\n{}\n\nIf the change is intended, \
         rewrite them with `UPDATE_GOLDEN=1 cargo test -p wasm-plugin-build --test golden` and \
         review the result with git diff.",
        changed.join("\n")
    );
}

#[test]
fn expected_files_are_rustfmt_clean() {
    let mut files = Vec::new();
    for case in cases() {
        for side in ["guest", "host", "host_async"] {
            let dir = case.join("expected").join(side);
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

#[test]
fn without_comments_the_directives_still_apply() {
    let files = generate(
        &fixtures().join("greeting"),
        wasm_plugin_build::host().disable_comments(["."]),
    );
    let code = &files["greeting.rs"];
    assert!(code.contains("pub struct GreeterPlugin"), "{code}");
    assert!(code.contains("The greeting service definition."), "{code}");
    assert!(
        !code.contains("The request message containing the user's name."),
        "message comments are left out:\n{code}"
    );
}
