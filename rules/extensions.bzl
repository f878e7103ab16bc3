"""The module extension of MODULE.bazel (Bazel 7+; untested here, see the README)."""

load("//rules/private:repositories.bzl", "rust_toolchain_repository", "vendored_crates")

def _wasm_plugin_impl(module_ctx):
    # The root module's choice wins; modules are listed root first.
    version = ""
    for module in module_ctx.modules:
        for tag in module.tags.toolchain:
            if tag.rust_version and not version:
                version = tag.rust_version
    rust_toolchain_repository(
        name = "wasm_plugin_rust",
        toolchain_file = "@rules_wasm_plugin//:rust-toolchain.toml",
        version = version,
    )
    vendored_crates(
        name = "wasm_plugin_vendor",
        cargo_lock = "@rules_wasm_plugin//:Cargo.lock",
        cargo = "@wasm_plugin_rust//:bin/cargo",
    )

wasm_plugin = module_extension(
    implementation = _wasm_plugin_impl,
    doc = "The Rust toolchain and the vendored crates, as in wasm_plugin_dependencies().",
    tag_classes = {
        "toolchain": tag_class(
            attrs = {
                "rust_version": attr.string(doc = "The rustup toolchain (default: rules_wasm_plugin's rust-toolchain.toml)."),
            },
            doc = "`wasm_plugin.toolchain(rust_version = \"1.95.0\")`, like wasm_plugin_dependencies(rust_version).",
        ),
    },
)
