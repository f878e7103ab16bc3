//! The expected files of every fixture compile: the guest glue for wasm32-wasip1
//! (`tests/compile/guest`, built here), the host glue natively (`tests/compile/host`, a member of
//! the workspace that `cargo test --workspace` builds).

use std::path::Path;

/// Every fixture case (a directory of `tests/fixtures`).
fn cases() -> Vec<String> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<String> = std::fs::read_dir(fixtures)
        .expect("fixtures")
        .map(|entry| entry.expect("entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_fixture_is_compiled_on_both_sides() {
    assert!(!cases().is_empty());
    for side in ["guest", "host"] {
        let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/compile")
            .join(side)
            .join("src/lib.rs");
        let source = std::fs::read_to_string(&crate_root).expect("read the crate root");
        for case in cases() {
            let include = format!("fixtures/{case}/expected/{side}/wasm_plugin.rs");
            let async_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("tests/fixtures/{case}/expected/host_async"));
            let async_include = format!("fixtures/{case}/expected/host_async/wasm_plugin.rs");
            assert!(
                side == "guest" || !async_dir.is_dir() || source.contains(&async_include),
                "{} does not include {async_include}: add `pub mod {case}_async` there",
                crate_root.display()
            );
            assert!(
                source.contains(&include),
                "{} does not include {include}: add `pub mod {case}` there",
                crate_root.display()
            );
        }
    }
}

#[test]
fn the_guest_glue_of_every_fixture_compiles_for_wasm32_wasip1() {
    let wasm = wasm_plugin_testing::build_plugin("generator-fixtures-guest");
    let bytes = std::fs::read(&wasm).expect("the built module");
    assert!(
        bytes.starts_with(b"\0asm"),
        "{} is not WebAssembly",
        wasm.display()
    );
}
