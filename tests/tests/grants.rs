//! Grants per plugin: plugins of one loader (one engine, one deadline thread) with different
//! rights, each seeing only its own; host functions given to one plugin and not another.

use wasm_plugin_runtime::{CapturedOutput, DirAccess, Error, Grants, Loader};
use wasm_plugin_tests::faults::{Amount, FaultsPlugin, Text};
use wasm_plugin_tests::hostfn::{GreetRequest, GreeterPlugin, HostFunctions};
use wasm_plugin_tests::wasm_file;

fn text(text: &str) -> Text {
    Text { text: text.into() }
}

fn plugin_error<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Plugin { message, .. }) => message,
        other => panic!("expected an error from the plugin, got {other:?}"),
    }
}

/// A plugin's view of the world through the faults plugin's probes.
struct View {
    file_a: Result<String, String>,
    file_b: Result<String, String>,
    mode: Result<String, String>,
    args: String,
}

fn look(plugin: &FaultsPlugin) -> View {
    let read = |path: &str| match plugin.read_file(text(path)) {
        Ok(reply) => Ok(reply.text),
        Err(error) => Err(plugin_error::<Text>(Err(error))),
    };
    View {
        file_a: read("/a/secret.txt"),
        file_b: read("/b/secret.txt"),
        mode: plugin
            .getenv(text("MODE"))
            .map(|reply| reply.text)
            .map_err(|error| plugin_error::<Text>(Err(error))),
        args: plugin.args(text("")).expect("args").text,
    }
}

#[test]
fn two_plugins_of_one_module_see_only_their_own_grants() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(dir_a.path().join("secret.txt"), "a's").unwrap();
    std::fs::write(dir_b.path().join("secret.txt"), "b's").unwrap();
    let (out_a, out_b) = (CapturedOutput::new(), CapturedOutput::new());
    let loader = Loader::new().expect("loader");
    let module = loader.compile_file(wasm_file("faults")).expect("compile");
    let a = FaultsPlugin::builder(&loader)
        .grants(
            Grants::new()
                .preopened_dir(dir_a.path(), "/a", DirAccess::ReadOnly)
                .env("MODE", "a")
                .arg("plugin-a")
                .stdout(out_a.clone())
                .memory_limit(64 << 20),
        )
        .from_module(&module)
        .expect("a");
    let b = FaultsPlugin::builder(&loader)
        .grants(
            Grants::new()
                .preopened_dir(dir_b.path(), "/b", DirAccess::ReadWrite)
                .env("MODE", "b")
                .arg("plugin-b")
                .arg("--strict")
                .stdout(out_b.clone())
                .memory_limit(4 << 20),
        )
        .from_module(&module)
        .expect("b");

    let (view_a, view_b) = (look(&a), look(&b));
    assert_eq!(view_a.file_a, Ok("a's".to_owned()));
    assert!(
        view_a
            .file_b
            .as_ref()
            .is_err_and(|e| e.contains("No such file")),
        "{:?}",
        view_a.file_b
    );
    assert_eq!(view_b.file_b, Ok("b's".to_owned()));
    assert!(
        view_b
            .file_a
            .as_ref()
            .is_err_and(|e| e.contains("No such file")),
        "{:?}",
        view_b.file_a
    );
    assert_eq!(view_a.mode, Ok("a".to_owned()));
    assert_eq!(view_b.mode, Ok("b".to_owned()));
    assert_eq!(view_a.args, "plugin-a");
    assert_eq!(view_b.args, "plugin-b --strict");

    // Writes: b's directory is read-write, a's read-only.
    assert!(b.write_file(text("/b/new.txt")).is_ok());
    assert_eq!(
        std::fs::read_to_string(dir_b.path().join("new.txt")).unwrap(),
        "written by the plugin"
    );
    assert!(a.write_file(text("/a/new.txt")).is_err());
    assert!(!dir_a.path().join("new.txt").exists());

    // Output goes to each plugin's own writer.
    a.print(text("from a")).expect("print");
    b.print(text("from b")).expect("print");
    assert_eq!(out_a.contents_lossy(), "out: from a\n");
    assert_eq!(out_b.contents_lossy(), "out: from b\n");

    // Memory limits: 8 MiB is fine for a, beyond b's limit.
    assert!(a.hog(Amount { value: 8 << 20 }).is_ok());
    let error = b
        .hog(Amount { value: 8 << 20 })
        .expect_err("beyond b's limit");
    assert!(
        matches!(&error, Error::MemoryLimitExceeded { limit, .. } if *limit == 4 << 20),
        "{error:?}"
    );

    // Plugins loaded with the loader's grants have none of these.
    let plain = FaultsPlugin::from_module(&module).expect("plain");
    let view = look(&plain);
    assert!(view.file_a.is_err() && view.file_b.is_err() && view.mode.is_err());
    assert_eq!(view.args, "");
}

#[test]
fn a_plugin_given_a_directory_that_does_not_exist_is_refused_naming_both() {
    let loader = Loader::new().expect("loader");
    let error = FaultsPlugin::builder(&loader)
        .grants(Grants::new().preopened_dir("/no/such/dir", "/data", DirAccess::ReadOnly))
        .name("picky")
        .load(wasm_file("faults"))
        .expect_err("no such directory");
    let message = error.to_string();
    assert!(
        message.contains("/no/such/dir") && message.contains("picky"),
        "{message}"
    );
}

#[test]
fn host_functions_can_be_given_to_one_plugin_and_not_another() {
    let loader = Loader::new().expect("loader");
    let module = loader.compile_file(wasm_file("hostfn")).expect("compile");
    let host = wasm_plugin_tests::hosts::Recorder::default();
    let with = GreeterPlugin::builder(&loader)
        .host_module(host.clone().into_host_module())
        .from_module(&module)
        .expect("with host functions");
    assert!(with
        .greet(GreetRequest {
            name: "Sato".into()
        })
        .expect("greet")
        .message
        .starts_with("Hello, Sato"));

    // Without them, the error says which import is missing and where host functions go.
    let error = GreeterPlugin::builder(&loader)
        .from_module(&module)
        .expect_err("no host functions");
    let message = error.to_string();
    assert!(matches!(error, Error::MissingImport { .. }), "{error:?}");
    assert!(
        message.contains("imports env.")
            && message.contains("PluginBuilder::host_module")
            && message.contains("Grants::host_module"),
        "{message}"
    );
}

#[test]
fn a_fuel_budget_needs_a_loader_that_counts_fuel() {
    let error = FaultsPlugin::builder(&Loader::new().expect("loader"))
        .grants(Grants::new().fuel(1_000))
        .load(wasm_file("faults"))
        .expect_err("no fuel metering");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("LoaderBuilder::fuel_metering(true)"),
        "{error}"
    );
}

#[test]
fn instances_can_be_created_ahead_of_the_first_call() {
    let loader = Loader::builder()
        .max_idle_instances(3)
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::load(&loader, wasm_file("faults")).expect("load");
    assert_eq!(plugin.as_ref().stats().idle_instances, 1);
    plugin.as_ref().warm_up(3).expect("warm up");
    assert_eq!(plugin.as_ref().stats().idle_instances, 3);
    // No more than the pool keeps.
    plugin.as_ref().warm_up(10).expect("warm up");
    assert_eq!(plugin.as_ref().stats().idle_instances, 3);
    assert_eq!(plugin.count(text("")).expect("count").value, 1);
}
