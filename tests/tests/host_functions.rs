//! Host functions: the plugin calls the host, gets data, errors as values, and empty replies.

use std::sync::atomic::Ordering;

use wasm_plugin_runtime::Error;
use wasm_plugin_tests::hostfn::{CountRequest, GreetRequest, GreeterPlugin, HostFunctions};
use wasm_plugin_tests::hosts::Recorder;
use wasm_plugin_tests::{loader, wasm_file};

#[test]
fn the_plugin_uses_data_from_the_host() {
    let host = Recorder::default();
    let plugin = GreeterPlugin::load(&loader(), wasm_file("hostfn"), host.clone()).expect("load");
    let reply = plugin
        .greet(GreetRequest {
            name: "Sato".into(),
        })
        .expect("greet");
    assert_eq!(
        reply.message,
        "Hello, Sato (age 42). This is Yamada (age 20)."
    );
    assert_eq!(
        *host.log.lock().unwrap(),
        vec![format!(
            "{} #-: greeting Sato",
            wasm_file("hostfn").display()
        )]
    );
}

#[test]
fn an_error_of_a_host_function_reaches_the_plugin_as_a_value() {
    let plugin =
        GreeterPlugin::load(&loader(), wasm_file("hostfn"), Recorder::default()).expect("load");
    let reply = plugin
        .greet(GreetRequest {
            name: "Suzuki".into(),
        })
        .expect("greet");
    assert_eq!(
        reply.message,
        "Hello, Suzuki [nobody called Suzuki lives here]. This is Yamada (age 20)."
    );
}

#[test]
fn a_thousand_host_calls_inside_one_call() {
    let host = Recorder::default();
    let plugin = GreeterPlugin::load(&loader(), wasm_file("hostfn"), host.clone()).expect("load");
    let reply = plugin
        .count_many(CountRequest { times: 1000 })
        .expect("count");
    assert_eq!(reply.count, 1000);
    // An empty request and an empty reply (google.protobuf.Empty) crossed 1000 times.
    assert_eq!(host.count.load(Ordering::SeqCst), 1000);
}

#[test]
fn a_plugin_without_its_host_functions_is_refused_at_load() {
    use wasm_plugin_tests::fields::FieldTestPlugin;
    // The fields service has no host functions; the hostfn module imports them.
    let module = loader().compile_file(wasm_file("hostfn")).expect("compile");
    let error = FieldTestPlugin::from_module(&module).expect_err("wrong service");
    assert!(matches!(error, Error::MissingExport { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("field_test_api_version is not exported"),
        "{error}"
    );
}

#[test]
fn host_functions_can_come_from_the_loader() {
    // A host function library: the loader's grants offer the module to every plugin, so the
    // plugin is loaded without host functions of its own.
    let host = Recorder::default();
    let loader = wasm_plugin_runtime::Loader::builder()
        .host_module(host.clone().into_host_module())
        .build()
        .expect("loader");
    let plugin = GreeterPlugin::builder(&loader)
        .load(wasm_file("hostfn"))
        .expect("load without host functions of its own");
    let reply = plugin
        .greet(GreetRequest {
            name: "Sato".into(),
        })
        .expect("greet");
    // Lookup and ParseJson answered, Log recorded: the loader's functions ran.
    assert_eq!(
        reply.message,
        "Hello, Sato (age 42). This is Yamada (age 20)."
    );
    assert_eq!(
        *host.log.lock().unwrap(),
        vec![format!(
            "{} #-: greeting Sato",
            wasm_file("hostfn").display()
        )]
    );
    let counted = plugin.count_many(CountRequest { times: 3 }).expect("count");
    assert_eq!(counted.count, 3);
    assert_eq!(host.count.load(Ordering::SeqCst), 3);
}

#[test]
fn async_host_functions_need_a_plugin_loaded_for_async_calls() {
    let host = Recorder::default().into_host_module();
    let clock = wasm_plugin_runtime::HostModule::new("clock").function_async(
        "now",
        "google.protobuf.Empty",
        |_context, _request: ()| Box::pin(async { Ok(()) }),
    );
    let error = GreeterPlugin::builder(&loader())
        .host_module(host)
        .host_module(clock)
        .load(wasm_file("hostfn"))
        .map(drop)
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Config(_)), "{message}");
    assert!(
        message.contains("host module clock has async functions"),
        "{message}"
    );
    assert!(message.contains("async option"), "{message}");
}
