"""Repositories rules_wasm_plugin needs under Bazel 4.2.3 with WORKSPACE.

Call `wasm_plugin_dependencies()` from WORKSPACE. Everything comes from the machine (Debian's
Bazel support packages, rustup's toolchain, protoc) or from crates.io once, through
`cargo vendor`; no download from GitHub or the Bazel Central Registry.
"""

load(
    "//rules/private:repositories.bzl",
    "rust_toolchain_repository",
    "system_protobuf",
    "vendored_crates",
)

_DEBIAN = "/usr/share/bazel"

def wasm_plugin_dependencies():
    """Declares the repositories of the rules, unless the workspace already has them."""
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
    if "rules_cc" not in existing:
        native.local_repository(name = "rules_cc", path = "third_party/rules_cc")
    if "remote_coverage_tools" not in existing:
        native.local_repository(name = "remote_coverage_tools", path = "third_party/remote_coverage_tools")
    if "com_google_protobuf" not in existing:
        system_protobuf(
            name = "com_google_protobuf",
            build_file = "@rules_wasm_plugin//third_party/protobuf:BUILD.bazel.in",
        )
    rust_toolchain_repository(
        name = "wasm_plugin_rust",
        toolchain_file = "@rules_wasm_plugin//:rust-toolchain.toml",
    )
    vendored_crates(
        name = "wasm_plugin_vendor",
        cargo_lock = "@rules_wasm_plugin//:Cargo.lock",
        cargo = "@wasm_plugin_rust//:bin/cargo",
    )
