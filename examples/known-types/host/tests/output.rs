use std::process::Command;

#[test]
fn prints_exactly_the_expected_output() {
    let plugin = wasm_plugin_testing::build_plugin("example-known-types-plugin");
    let output = Command::new(env!("CARGO_BIN_EXE_example-known-types"))
        .arg(&plugin)
        .output()
        .expect("run the example host");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        include_str!("expected_output.txt")
    );
}
