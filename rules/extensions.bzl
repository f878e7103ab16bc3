"""The module extension of MODULE.bazel (Bazel 7+; untested here: only Bazel 4.2.3, which reads
WORKSPACE, can be obtained, see the README)."""

load("//rules:repositories.bzl", "RULES_MANIFESTS")
load("//rules/private:crates_repository.bzl", "wasm_plugin_crates_repository")
load("//rules/private:repositories.bzl", "rust_toolchain_repository")

def _wasm_plugin_impl(module_ctx):
    # The root module's choice wins; modules are listed root first.
    version = ""
    for module in module_ctx.modules:
        for tag in module.tags.toolchain:
            if tag.rust_version and not version:
                version = tag.rust_version
        for tag in module.tags.crates:
            wasm_plugin_crates_repository(
                name = tag.name,
                cargo_lockfile = tag.cargo_lockfile,
                manifests = tag.manifests,
            )
    rust_toolchain_repository(
        name = "wasm_plugin_rust",
        toolchain_file = "@rules_wasm_plugin//:rust-toolchain.toml",
        version = version,
    )
    wasm_plugin_crates_repository(
        name = "wasm_plugin_crates",
        cargo_lockfile = "@rules_wasm_plugin//:Cargo.lock",
        manifests = ["@rules_wasm_plugin" + label for label in RULES_MANIFESTS],
    )

wasm_plugin = module_extension(
    implementation = _wasm_plugin_impl,
    doc = "The Rust toolchain, the rules' crates and your own, as wasm_plugin_dependencies() and wasm_plugin_crates_repository() under WORKSPACE.",
    tag_classes = {
        "toolchain": tag_class(
            attrs = {
                "rust_version": attr.string(doc = "The rustup toolchain (default: rules_wasm_plugin's rust-toolchain.toml)."),
            },
            doc = "`wasm_plugin.toolchain(rust_version = \"1.95.0\")`, like wasm_plugin_dependencies(rust_version).",
        ),
        "crates": tag_class(
            attrs = {
                "name": attr.string(mandatory = True, doc = "The repository's name (`crates` for `@crates//:serde_json`)."),
                "cargo_lockfile": attr.label(mandatory = True, doc = "The Cargo.lock."),
                "manifests": attr.label_list(mandatory = True, doc = "Every Cargo.toml of its Cargo workspace."),
            },
            doc = "`wasm_plugin.crates(name = \"crates\", cargo_lockfile = \"//:Cargo.lock\", manifests = [\"//:Cargo.toml\"])`, then `use_repo(wasm_plugin, \"crates\")`: like wasm_plugin_crates_repository under WORKSPACE.",
        ),
    },
)
