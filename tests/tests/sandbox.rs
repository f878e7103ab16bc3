//! The sandbox: nothing is visible unless the host grants it.

use wasm_plugin_runtime::{DirAccess, Error, Loader};
use wasm_plugin_tests::faults::{FaultsPlugin, Text};
use wasm_plugin_tests::fields::FieldTestPlugin;
use wasm_plugin_tests::wrongtypes::{self, Wrong};
use wasm_plugin_tests::{loader, wasm_file};

fn text(text: &str) -> Text {
    Text { text: text.into() }
}

fn plugin_error(result: Result<Text, Error>) -> String {
    match result {
        Err(Error::Plugin { message, .. }) => message,
        other => panic!("expected an error from the plugin, got {other:?}"),
    }
}

#[test]
fn by_default_there_is_no_environment_no_file_and_no_argument() {
    let plugin = FaultsPlugin::load(&loader(), wasm_file("faults")).expect("load");
    assert_eq!(
        plugin_error(plugin.getenv(text("HOME"))),
        "environment variable not found"
    );
    let host_file = tempfile::NamedTempFile::new().expect("a file of the host");
    let host_path = host_file.path().to_str().expect("a UTF-8 path");
    assert!(plugin_error(plugin.read_file(text(host_path))).contains("No such file or directory"));
    assert_eq!(plugin.args(text("")).expect("args").text, "");
}

#[test]
fn granted_environment_variables_are_visible() {
    let loader = Loader::builder()
        .env("GREETING", "hello")
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    assert_eq!(
        plugin.getenv(text("GREETING")).expect("getenv").text,
        "hello"
    );
    assert!(
        plugin.getenv(text("PATH")).is_err(),
        "only granted variables are visible"
    );
}

#[test]
fn a_read_only_directory_can_be_read_but_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("input.txt"), "from the host").expect("write");
    let loader = Loader::builder()
        .preopened_dir(dir.path(), "/ro", DirAccess::ReadOnly)
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    assert_eq!(
        plugin.read_file(text("/ro/input.txt")).expect("read").text,
        "from the host"
    );
    plugin_error(plugin.write_file(text("/ro/output.txt")));
    assert!(!dir.path().join("output.txt").exists());
    plugin_error(plugin.read_file(text("/ro/../etc/passwd")));
}

#[test]
fn a_read_write_directory_can_be_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loader = Loader::builder()
        .preopened_dir(dir.path(), "/rw", DirAccess::ReadWrite)
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    plugin.write_file(text("/rw/output.txt")).expect("write");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("output.txt")).expect("read on the host"),
        "written by the plugin"
    );
}

#[test]
fn a_directory_that_does_not_exist_is_refused_when_the_loader_is_built() {
    let error = Loader::builder()
        .preopened_dir("/does/not/exist", "/data", DirAccess::ReadOnly)
        .build()
        .expect_err("missing directory");
    assert!(
        matches!(&error, Error::Io { path, .. } if path.ends_with("exist")),
        "{error:?}"
    );
}

#[test]
fn a_request_the_plugin_cannot_decode_is_an_error_not_an_empty_message() {
    // Same exports as the fields plugin, different message types.
    let plugin = wrongtypes::FieldTestPlugin::load(&loader(), wasm_file("fields")).expect("load");
    let error = plugin
        .transform(Wrong {
            c: "not a number".into(),
        })
        .expect_err("undecodable request");
    assert!(
        matches!(&error, Error::Plugin { message, .. } if message.starts_with("the plugin could not decode the request for fields.FieldTest as ")),
        "{error:?}"
    );
    // The same plugin still serves well-formed requests.
    let fields = FieldTestPlugin::load(&loader(), wasm_file("fields")).expect("load");
    assert!(fields.take_empty(()).expect("take empty").ok);
}
