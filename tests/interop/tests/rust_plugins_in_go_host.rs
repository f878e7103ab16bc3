//! Our Rust plugins in go-plugin's Go host: runs the Go tests of `tests/interop/go`, which load
//! the plugins through go-plugin's generated host code (`NewXPlugin(ctx).Load(...)`).

use std::process::Command;

#[test]
fn go_plugin_hosts_run_rust_plugins() {
    let plugins = wasm_plugin_interop::rust_plugins();
    let output = Command::new("go")
        .args(["test", "-count=1", "-v", "./..."])
        .current_dir(wasm_plugin_testing::go_module_dir())
        .env("RUST_PLUGINS", &plugins)
        .output()
        .expect("run go test (scripts/setup.sh checks for Go)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "go test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Every Go test ran; none was skipped.
    for test in [
        "TestFieldsInGoHost",
        "TestWellKnownInGoHost",
        "TestHostFunctionsInGoHost",
        "TestFailingHostFunctionInGoHost",
        "TestNoLeakOverManyCallsInGoHost",
        "TestHelloworldInGoHost",
        "TestVersionMismatchInGoHost",
    ] {
        assert!(
            stdout.contains(&format!("--- PASS: {test} ")),
            "{test} did not pass:\n{stdout}"
        );
    }
}
