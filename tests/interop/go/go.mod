module github.com/rules-wasm-plugin/rules_wasm_plugin/tests/interop/go

go 1.24.0

require github.com/knqyf263/go-plugin v0.9.0

require (
	github.com/tetratelabs/wazero v1.9.0 // indirect
	google.golang.org/protobuf v1.30.0 // indirect
)
