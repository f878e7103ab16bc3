"""Public API of rules_wasm_plugin. The implementation lives in //rules/private and may change.

- wasm_plugin_library: a plugin, compiled for wasm32-wasip1.
- wasm_plugin_host: a host program linked against the wasmtime runtime crate.
- wasm_plugin_host_test: a Rust test of a host.
- wasm_plugin_rust_library: a Rust library of your own, for plugins and hosts alike.
- wasm_plugin_directory: files copied into a directory a host can grant to a plugin.
- wasm_plugin_glue: the generated sources of a proto_library's glue crate, as a directory.
- wasm_plugin_glue_aspect: the generator as an aspect over proto_library (a crate each).
- wasm_plugin_glue_options: prost's options for the message types of every glue crate.
- Providers: WasmPluginInfo, WasmPluginGlueInfo, WasmPluginGlueOptionsInfo, WasmPluginCrateInfo,
  WasmPluginDepInfo.

Third-party crates come from `wasm_plugin_crates_repository` (rules/crates.bzl). Every rule,
attribute and provider is described in docs/rules.md.
"""

load("//rules/private:glue_aspect.bzl", _wasm_plugin_glue_aspect = "wasm_plugin_glue_aspect")
load("//rules/private:options.bzl", _wasm_plugin_glue_options = "wasm_plugin_glue_options")
load(
    "//rules/private:providers.bzl",
    _WasmPluginCrateInfo = "WasmPluginCrateInfo",
    _WasmPluginDepInfo = "WasmPluginDepInfo",
    _WasmPluginGlueInfo = "WasmPluginGlueInfo",
    _WasmPluginGlueOptionsInfo = "WasmPluginGlueOptionsInfo",
    _WasmPluginInfo = "WasmPluginInfo",
)
load(
    "//rules/private:rules.bzl",
    _wasm_plugin_directory = "wasm_plugin_directory",
    _wasm_plugin_glue = "wasm_plugin_glue",
    _wasm_plugin_host = "wasm_plugin_host",
    _wasm_plugin_host_test = "wasm_plugin_host_test",
    _wasm_plugin_library = "wasm_plugin_library",
)
load("//rules/private:rust.bzl", _wasm_plugin_rust_library = "wasm_plugin_rust_library")

wasm_plugin_library = _wasm_plugin_library
wasm_plugin_host = _wasm_plugin_host
wasm_plugin_host_test = _wasm_plugin_host_test
wasm_plugin_rust_library = _wasm_plugin_rust_library
wasm_plugin_glue = _wasm_plugin_glue
wasm_plugin_directory = _wasm_plugin_directory
wasm_plugin_glue_aspect = _wasm_plugin_glue_aspect
wasm_plugin_glue_options = _wasm_plugin_glue_options
WasmPluginInfo = _WasmPluginInfo
WasmPluginGlueInfo = _WasmPluginGlueInfo
WasmPluginGlueOptionsInfo = _WasmPluginGlueOptionsInfo
WasmPluginCrateInfo = _WasmPluginCrateInfo
WasmPluginDepInfo = _WasmPluginDepInfo
