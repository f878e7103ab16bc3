"""Repositories rules_wasm_plugin needs under Bazel 4.2.3 with WORKSPACE.

Call `wasm_plugin_dependencies()` from WORKSPACE. Everything comes from the machine (Debian's
Bazel support packages, rustup's toolchain, protoc) or from crates.io once, through
`cargo vendor`; no download from GitHub or the Bazel Central Registry.
"""

load(
    "//rules/private:repositories.bzl",
    "directory_repository",
    "rust_toolchain_repository",
    "system_protobuf",
    "vendored_crates",
)

_DEBIAN = "/usr/share/bazel"

# Like rules_go's go_rules_dependencies: called once from WORKSPACE, it declares repositories
# under fixed names, so it takes no `name`.
# buildifier: disable=unnamed-macro
def wasm_plugin_dependencies(rust_version = None):
    """Declares the repositories of the rules, unless the workspace already has them.

    Args:
      rust_version: the rustup toolchain that compiles hosts and plugins (it needs the
        wasm32-wasip1 target). Default: the channel of rules_wasm_plugin's rust-toolchain.toml.
    """
    existing = native.existing_rules()
    local = {
        "platforms": _DEBIAN + "/tools/platforms",
        "bazel_skylib": _DEBIAN + "/tools/skylib",
        "rules_proto": _DEBIAN + "/rules/proto",
        "rules_java": _DEBIAN + "/rules/java",
    }
    for name, path in local.items():
        if name not in existing:
            native.local_repository(name = name, path = path)
    for name in ["rules_cc", "remote_coverage_tools"]:
        if name not in existing:
            directory_repository(name = name, marker = "@rules_wasm_plugin//third_party/{}:WORKSPACE".format(name))
    if "com_google_protobuf" not in existing:
        system_protobuf(
            name = "com_google_protobuf",
            build_file = "@rules_wasm_plugin//third_party/protobuf:BUILD.bazel.in",
        )
    if "wasm_plugin_rust" not in existing:
        rust_toolchain_repository(
            name = "wasm_plugin_rust",
            toolchain_file = "@rules_wasm_plugin//:rust-toolchain.toml",
            version = rust_version or "",
        )
    if "wasm_plugin_vendor" not in existing:
        vendored_crates(
            name = "wasm_plugin_vendor",
            cargo_lock = "@rules_wasm_plugin//:Cargo.lock",
            cargo = "@wasm_plugin_rust//:bin/cargo",
        )
