#[test]
fn prints_exactly_the_expected_output() {
    let stdout = wasm_plugin_testing::run_example(
        env!("CARGO_BIN_EXE_example-grants"),
        &["example-grants-plugin"],
    );
    assert_eq!(stdout, include_str!("../../expected_output.txt"));
}
