#[test]
fn both_plugins_greet_side_by_side() {
    let stdout = wasm_plugin_testing::run_example(
        env!("CARGO_BIN_EXE_example-helloworld"),
        &[
            "example-helloworld-plugin-morning",
            "example-helloworld-plugin-evening",
        ],
    );
    assert_eq!(stdout, include_str!("../../expected_output.txt"));
}
