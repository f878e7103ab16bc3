use std::process::Command;

#[test]
fn both_plugins_greet_side_by_side() {
    let plugins = wasm_plugin_testing::build_plugins(&[
        "example-helloworld-plugin-morning",
        "example-helloworld-plugin-evening",
    ]);
    let output = Command::new(env!("CARGO_BIN_EXE_example-helloworld"))
        .args(&plugins)
        .output()
        .expect("run the helloworld host");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Good morning, go-plugin\nGood evening, go-plugin\n"
    );
}
