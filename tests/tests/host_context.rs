//! Host functions know their caller: the plugin's name (as loaded) and what the host attached to
//! the call, which the plugin never sees. Errors name the plugin too.

use wasm_plugin_runtime::{CallContext, Error, Loader};
use wasm_plugin_tests::faults::{FaultsPlugin, Text};
use wasm_plugin_tests::hostfn::{GreetRequest, GreeterPlugin, HostFunctions};
use wasm_plugin_tests::hosts::{Recorder, RequestId};
use wasm_plugin_tests::wasm_file;

#[test]
fn host_functions_see_the_calling_plugin_and_the_values_of_its_call() {
    let loader = Loader::new().expect("loader");
    let host = Recorder::default();
    let module = loader.compile_file(wasm_file("hostfn")).expect("compile");
    let load = |name: &str| {
        GreeterPlugin::builder(&loader)
            .name(name)
            .host_module(host.clone().into_host_module())
            .from_module(&module)
            .expect("load")
    };
    let (alpha, beta) = (load("alpha"), load("beta"));
    let greet = |plugin: &GreeterPlugin, name: &str| {
        plugin
            .greet(GreetRequest { name: name.into() })
            .expect("greet")
    };
    greet(
        &alpha.with_context(CallContext::new().value(RequestId(7))),
        "Sato",
    );
    greet(&beta, "Suzuki");
    greet(
        &beta.with_context(CallContext::new().value(RequestId(8))),
        "Ito",
    );
    assert_eq!(
        *host.log.lock().unwrap(),
        [
            "alpha #7: greeting Sato",
            "beta #-: greeting Suzuki",
            "beta #8: greeting Ito"
        ]
    );
    // A handle with a context is the same plugin: same name, same instances.
    let scoped = alpha.with_context(CallContext::new().value(RequestId(9)));
    assert_eq!(scoped.as_ref().name(), "alpha");
    assert_eq!(scoped.as_ref().module(), alpha.as_ref().module());
}

#[test]
fn a_plugin_loaded_from_bytes_is_named_in_errors() {
    let loader = Loader::new().expect("loader");
    let bytes = std::fs::read(wasm_file("faults")).expect("read");
    let plugin = FaultsPlugin::builder(&loader)
        .name("registry/faults@1.0")
        .load_bytes(&bytes)
        .expect("load");
    assert_eq!(plugin.as_ref().name(), "registry/faults@1.0");
    let error = plugin
        .panic(Text {
            text: "boom".into(),
        })
        .expect_err("panics");
    assert!(
        matches!(&error, Error::Trap { plugin, .. } if plugin == "registry/faults@1.0"),
        "{error:?}"
    );
    assert!(error.to_string().contains("registry/faults@1.0"), "{error}");

    // Without a name, a module from memory is `<bytes>`; compile_named names it too.
    assert_eq!(
        FaultsPlugin::load_bytes(&loader, &bytes)
            .expect("load")
            .as_ref()
            .name(),
        "<bytes>"
    );
    let module = loader.compile_named("named", &bytes).expect("compile");
    assert_eq!(
        FaultsPlugin::from_module(&module)
            .expect("load")
            .as_ref()
            .name(),
        "named"
    );
}
