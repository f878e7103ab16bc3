//! Plugins called from async code: wasmtime-wasi blocks on tokio internally, which must not
//! panic inside the caller's runtime.

use wasm_plugin_runtime::{CapturedOutput, Loader};
use wasm_plugin_tests::faults::{FaultsPlugin, Text};
use wasm_plugin_tests::wasm_file;

fn plugin(stdout: &CapturedOutput) -> FaultsPlugin {
    let loader = Loader::builder()
        .stdout(stdout.clone())
        .build()
        .expect("loader");
    FaultsPlugin::load(&loader, wasm_file("faults")).expect("load")
}

fn print_from_async(runtime: tokio::runtime::Runtime) {
    let stdout = CapturedOutput::new();
    let plugin = plugin(&stdout);
    let reply = runtime.block_on(async move {
        tokio::spawn(async move {
            plugin.print(Text {
                text: "async".into(),
            })
        })
        .await
        .expect("task")
    });
    assert_eq!(reply.expect("print").text, "async");
    assert_eq!(stdout.contents_lossy(), "out: async\n");
}

#[test]
fn a_multi_threaded_runtime_can_call_plugins() {
    print_from_async(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime"),
    );
}

#[test]
fn a_current_thread_runtime_can_call_plugins() {
    print_from_async(
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime"),
    );
}
