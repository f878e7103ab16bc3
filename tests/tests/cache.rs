//! The precompiled-module cache.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use wasm_plugin_runtime::{Error, Loader};
use wasm_plugin_tests::fields::{FieldTestPlugin, Scalars};
use wasm_plugin_tests::wasm_file;

fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read cache dir")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    entries
}

fn transform(loader: &Loader) -> i32 {
    let plugin = FieldTestPlugin::load(loader, wasm_file("fields")).expect("load");
    plugin
        .transform(Scalars {
            c: 4,
            ..Default::default()
        })
        .expect("call")
        .c
}

#[test]
fn compiled_modules_are_kept_and_reused() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("modules");
    let loader = Loader::builder().cache_dir(&dir).build().expect("loader");
    assert_eq!(
        std::fs::metadata(&dir)
            .expect("created")
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_eq!(transform(&loader), 8);
    let stored = entries(&dir);
    assert_eq!(stored.len(), 1, "one entry per module: {stored:?}");
    assert!(stored[0].extension().is_some_and(|ext| ext == "cwasm"));
    // Entries are written to a new file and renamed into place: a rewrite gives a new inode.
    let inode = |path: &std::path::Path| std::fs::metadata(path).expect("entry").ino();
    let written = (inode(&stored[0]), std::fs::read(&stored[0]).expect("entry"));

    // Another loader with the same settings reads the entry instead of writing it again.
    let again = Loader::builder().cache_dir(&dir).build().expect("loader");
    assert_eq!(transform(&again), 8);
    assert_eq!(entries(&dir), stored);
    assert_eq!(
        (inode(&stored[0]), std::fs::read(&stored[0]).expect("entry")),
        written,
        "the entry was written again"
    );

    // Grants do not change the compiled code: a deadline shares the entry.
    let limited = Loader::builder()
        .cache_dir(&dir)
        .deadline(std::time::Duration::from_secs(5))
        .build()
        .expect("loader");
    assert_eq!(transform(&limited), 8);
    assert_eq!(entries(&dir), stored);

    // Settings that compile differently get their own entry: fuel metering.
    let metered = Loader::builder()
        .cache_dir(&dir)
        .fuel_metering(true)
        .build()
        .expect("loader");
    assert_eq!(transform(&metered), 8);
    assert_eq!(entries(&dir).len(), 2);
}

#[test]
fn a_damaged_entry_is_replaced() {
    let root = tempfile::tempdir().expect("tempdir");
    let loader = Loader::builder()
        .cache_dir(root.path())
        .build()
        .expect("loader");
    assert_eq!(transform(&loader), 8);
    let entry = entries(root.path()).remove(0);
    std::fs::write(&entry, b"not a compiled module").expect("damage");
    assert_eq!(transform(&loader), 8);
    assert_ne!(
        std::fs::read(&entry).expect("entry"),
        b"not a compiled module"
    );
}

#[test]
fn a_directory_others_may_write_to_is_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let error = Loader::builder()
        .cache_dir(root.path())
        .build()
        .expect_err("unsafe dir");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(error.to_string().contains("chmod go-w"), "{error}");
}
