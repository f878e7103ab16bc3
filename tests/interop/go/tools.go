// Package interop tests rules_wasm_plugin against go-plugin: Rust plugins in go-plugin's Go
// host (the _test.go files), and go-plugin's own Go plugins built for our Rust host
// (tests/interop in the Cargo workspace builds them from this module).
package interop

// The go-plugin packages whose plugins the Rust tests build; importing their host side keeps
// them, and everything they need, in go.mod and go.sum.
import (
	_ "github.com/knqyf263/go-plugin/examples/helloworld/greeting"
	_ "github.com/knqyf263/go-plugin/tests/fields/proto"
	_ "github.com/knqyf263/go-plugin/tests/host-functions/proto"
	_ "github.com/knqyf263/go-plugin/tests/well-known/proto"
)
