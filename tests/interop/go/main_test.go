package interop

import (
	"os"
	"path/filepath"
	"testing"
)

// rustPlugin is the path of a Rust plugin built with rules_wasm_plugin's guest SDK from the
// same .proto file as the go-plugin host code under test. `cargo test -p wasm-plugin-interop`
// builds them and sets RUST_PLUGINS.
func rustPlugin(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("RUST_PLUGINS")
	if dir == "" {
		t.Fatal("RUST_PLUGINS is not set: run these tests through `cargo test -p wasm-plugin-interop`")
	}
	path := filepath.Join(dir, name+".wasm")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("missing Rust plugin: %v", err)
	}
	return path
}
