"""The module extension of MODULE.bazel (Bazel 7+; untested here, see the README)."""

load("//rules/private:repositories.bzl", "rust_toolchain_repository", "vendored_crates")

def _wasm_plugin_impl(_module_ctx):
    rust_toolchain_repository(
        name = "wasm_plugin_rust",
        toolchain_file = "@rules_wasm_plugin//:rust-toolchain.toml",
    )
    vendored_crates(
        name = "wasm_plugin_vendor",
        cargo_lock = "@rules_wasm_plugin//:Cargo.lock",
        cargo = "@wasm_plugin_rust//:bin/cargo",
    )

wasm_plugin = module_extension(
    implementation = _wasm_plugin_impl,
    doc = "The Rust toolchain and the vendored crates, as in wasm_plugin_dependencies().",
)
