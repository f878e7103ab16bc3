//! Everything a plugin can do wrong is an error value, and the host keeps working afterwards.

use std::time::Duration;

use wasm_plugin_runtime::{CapturedOutput, Error, Loader, TrapCode};
use wasm_plugin_tests::faults::{Amount, FaultsPlugin, Text};
use wasm_plugin_tests::mismatch::VersionedPlugin;
use wasm_plugin_tests::raw::RawPlugin;
use wasm_plugin_tests::{loader, wasm_file};

fn text(text: &str) -> Text {
    Text { text: text.into() }
}

fn count(plugin: &FaultsPlugin) -> u64 {
    plugin.count(text("")).expect("count").value
}

#[test]
fn a_panic_is_a_trap_and_the_next_call_gets_a_fresh_instance() {
    let stderr = CapturedOutput::new();
    let loader = Loader::builder()
        .stderr(stderr.clone())
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    assert_eq!(count(&plugin), 1);
    assert_eq!(count(&plugin), 2);

    let error = plugin.panic(text("the plugin gave up")).expect_err("panic");
    assert!(
        matches!(&error, Error::Trap { code: TrapCode::Unreachable, function, .. } if function == "faults_panic"),
        "{error:?}"
    );
    // The panic message went to the plugin's stderr.
    assert!(
        stderr.contents_lossy().contains("the plugin gave up"),
        "{}",
        stderr.contents_lossy()
    );

    // The trapped instance was dropped: counting starts over on a fresh one.
    assert_eq!(count(&plugin), 1);
}

#[test]
fn an_infinite_loop_is_stopped_by_the_deadline() {
    let loader = Loader::builder()
        .deadline(Duration::from_millis(200))
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    let error = plugin.spin(text("forever")).expect_err("spin");
    assert!(
        matches!(&error, Error::DeadlineExceeded { deadline, .. } if *deadline == Duration::from_millis(200)),
        "{error:?}"
    );
    assert_eq!(count(&plugin), 1, "the plugin works after the deadline");
}

#[test]
fn sleeping_in_wasi_ends_at_the_deadline() {
    let loader = Loader::builder()
        .deadline(Duration::from_millis(300))
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    // A short sleep runs to its end, as WASI's poll_oneoff promises.
    assert!(
        plugin
            .sleep(Amount { value: 20 })
            .expect("short sleep")
            .value
            >= 20
    );
    // An hour-long sleep is cut off at the deadline.
    let error = plugin
        .sleep(Amount { value: 3_600_000 })
        .expect_err("long sleep");
    assert!(
        matches!(&error, Error::DeadlineExceeded { .. }),
        "{error:?}"
    );
    assert_eq!(count(&plugin), 1, "the plugin works after the deadline");
}

#[test]
fn growing_past_the_memory_limit_is_refused() {
    let loader = Loader::builder()
        .memory_limit(32 << 20)
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    let error = plugin.hog(Amount { value: 64 << 20 }).expect_err("hog");
    assert!(
        matches!(&error, Error::MemoryLimitExceeded { limit, requested, .. } if *limit == 32 << 20 && *requested > 32 << 20),
        "{error:?}"
    );
    assert_eq!(
        plugin
            .hog(Amount { value: 1 << 20 })
            .expect("a smaller hog")
            .value,
        1 << 20
    );
}

#[test]
fn a_stack_overflow_is_a_trap() {
    let plugin = FaultsPlugin::load(&loader(), wasm_file("faults")).expect("load");
    let error = plugin
        .recurse(Amount { value: 10_000_000 })
        .expect_err("recurse");
    assert!(
        matches!(
            &error,
            Error::Trap {
                code: TrapCode::StackOverflow,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        plugin.recurse(Amount { value: 10 }).expect("shallow").value,
        10
    );
}

#[test]
fn exiting_is_reported_with_the_code() {
    let plugin = FaultsPlugin::load(&loader(), wasm_file("faults")).expect("load");
    let error = plugin.exit(Amount { value: 3 }).expect_err("exit");
    assert!(matches!(&error, Error::Exit { code: 3, .. }), "{error:?}");
    assert_eq!(count(&plugin), 1);
}

#[test]
fn output_is_discarded_unless_the_host_attaches_writers() {
    let quiet = FaultsPlugin::load(&loader(), wasm_file("faults")).expect("load");
    assert_eq!(quiet.print(text("quiet")).expect("print").text, "quiet");

    let (stdout, stderr) = (CapturedOutput::new(), CapturedOutput::new());
    let loader = Loader::builder()
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .build()
        .expect("loader");
    let loud = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    loud.print(text("loud")).expect("print");
    assert_eq!(stdout.contents_lossy(), "out: loud\n");
    assert_eq!(stderr.contents_lossy(), "err: loud\n");
}

#[test]
fn a_pointer_outside_memory_is_refused() {
    let plugin = RawPlugin::load(&loader(), wasm_file("faults")).expect("load");
    let error = plugin.out_of_range(text("x")).expect_err("out of range");
    assert!(
        matches!(&error, Error::OutOfBounds { ptr, len: 64, function, .. } if *ptr == u32::MAX - 16 && function == "raw_out_of_range"),
        "{error:?}"
    );
}

#[test]
fn an_undecodable_response_is_an_error_not_an_empty_message() {
    let plugin = RawPlugin::load(&loader(), wasm_file("faults")).expect("load");
    let error = plugin.garbage(text("x")).expect_err("garbage");
    assert!(
        matches!(&error, Error::Decode { function, .. } if function == "raw_garbage"),
        "{error:?}"
    );
    // The protobuf message the host expected, by its protobuf name.
    assert!(
        error.to_string().contains("is not a valid faults.Text: "),
        "{error}"
    );
}

#[test]
fn an_error_message_that_is_not_utf8_is_kept_readable() {
    let plugin = RawPlugin::load(&loader(), wasm_file("faults")).expect("load");
    let error = plugin.bad_utf8_error(text("x")).expect_err("bad utf-8");
    assert!(
        matches!(&error, Error::Plugin { message, .. } if message == "bad \u{fffd}\u{fffd}"),
        "{error:?}"
    );
}

#[test]
fn a_plugin_of_another_version_is_refused() {
    let error = VersionedPlugin::load(&loader(), wasm_file("mismatch")).expect_err("version 2");
    assert!(
        matches!(
            error,
            Error::ApiVersionMismatch {
                host: 1,
                plugin: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "plugin {}: API version mismatch, host: 1, plugin: 2",
            wasm_file("mismatch").display()
        )
    );
}

#[test]
fn a_module_without_the_service_is_refused_naming_the_export() {
    let error = VersionedPlugin::load(&loader(), wasm_file("fields")).expect_err("wrong module");
    assert!(
        matches!(&error, Error::MissingExport { export, .. } if export == "versioned_api_version"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("versioned_api_version is not exported by "),
        "{error}"
    );
}

#[test]
fn a_plugin_that_never_registers_is_refused_with_a_hint() {
    let error =
        VersionedPlugin::load(&loader(), wasm_file("unregistered")).expect_err("unregistered");
    assert!(
        matches!(&error, Error::MissingImport { import, .. } if import == "env.__wasm_plugin_register"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("never calls wasm_plugin_guest::register!"),
        "{error}"
    );
}

#[test]
fn files_that_are_not_webassembly_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "hello").expect("write");
    let error = VersionedPlugin::load(&loader(), &text_file).expect_err("text file");
    assert!(matches!(error, Error::NotWasm { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("notes.txt is not a WebAssembly module"),
        "{error}"
    );

    let broken = dir.path().join("broken.wasm");
    std::fs::write(&broken, b"\0asm\x01\0\0\0\x01\xff").expect("write");
    let error = VersionedPlugin::load(&loader(), &broken).expect_err("broken module");
    assert!(matches!(error, Error::InvalidModule { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("broken.wasm is not a valid WebAssembly module"),
        "{error}"
    );

    let missing = dir.path().join("missing.wasm");
    let error = VersionedPlugin::load(&loader(), &missing).expect_err("missing file");
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("missing.wasm"), "{error}");
}
