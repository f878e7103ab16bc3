"""Repositories rules_wasm_plugin needs under Bazel 4.2.3 with WORKSPACE.

Call `wasm_plugin_dependencies()` from WORKSPACE. Everything comes from the machine (Debian's
Bazel support packages, rustup's toolchain, protoc) or from crates.io once, through
`cargo vendor`; no download from GitHub or the Bazel Central Registry.
"""

load("//rules/private:crates_repository.bzl", "wasm_plugin_crates_repository")
load(
    "//rules/private:repositories.bzl",
    "directory_repository",
    "rust_toolchain_repository",
    "system_protobuf",
)

_DEBIAN = "/usr/share/bazel"

# Every manifest of this repository's Cargo workspace (Cargo.toml's `members`, and the root):
# the rules' own crates (wasmtime, prost, ...) are planned from them and pinned by Cargo.lock.
# tests/bazel/run.sh checks that the list matches the workspace.
RULES_MANIFESTS = [
    "//:Cargo.toml",
    "//abi:Cargo.toml",
    "//examples/async-http:host/Cargo.toml",
    "//examples/async-http:plugin/Cargo.toml",
    "//examples/grants:host/Cargo.toml",
    "//examples/grants:plugin/Cargo.toml",
    "//examples/helloworld:host/Cargo.toml",
    "//examples/helloworld:plugin-evening/Cargo.toml",
    "//examples/helloworld:plugin-morning/Cargo.toml",
    "//examples/host-functions:host/Cargo.toml",
    "//examples/host-functions:plugin/Cargo.toml",
    "//examples/known-types:host/Cargo.toml",
    "//examples/known-types:plugin/Cargo.toml",
    "//examples/wasi:host/Cargo.toml",
    "//examples/wasi:plugin/Cargo.toml",
    "//generator:Cargo.toml",
    "//generator:tests/compile/guest/Cargo.toml",
    "//generator:tests/compile/host/Cargo.toml",
    "//guest:Cargo.toml",
    "//rules/private/build_script_runner:Cargo.toml",
    "//runtime:Cargo.toml",
    "//tests:Cargo.toml",
    "//tests:async/Cargo.toml",
    "//tests:interop/Cargo.toml",
    "//tests:interop/plugins/fields/Cargo.toml",
    "//tests:interop/plugins/helloworld-v2/Cargo.toml",
    "//tests:interop/plugins/helloworld/Cargo.toml",
    "//tests:interop/plugins/hostfunctions/Cargo.toml",
    "//tests:interop/plugins/wellknown/Cargo.toml",
    "//tests:plugins/extras/Cargo.toml",
    "//tests:plugins/faults/Cargo.toml",
    "//tests:plugins/fields/Cargo.toml",
    "//tests:plugins/hostfn/Cargo.toml",
    "//tests:plugins/imports/Cargo.toml",
    "//tests:plugins/mismatch/Cargo.toml",
    "//tests:plugins/shaped/Cargo.toml",
    "//tests:plugins/unregistered/Cargo.toml",
    "//tests:plugins/wellknown/Cargo.toml",
    "//tests:support/Cargo.toml",
]

# Like rules_go's go_rules_dependencies: called once from WORKSPACE, it declares repositories
# under fixed names, so it takes no `name`.
# buildifier: disable=unnamed-macro
def wasm_plugin_dependencies(rust_version = None):
    """Declares the repositories of the rules, unless the workspace already has them.

    - `wasm_plugin_rust`: the rustup toolchain (rustc, cargo, rustfmt, both standard libraries);
    - `wasm_plugin_crates`: the rules' own third-party crates (wasmtime, prost, tokio, ...),
      pinned by rules_wasm_plugin's Cargo.lock, one target each; hosts that use tokio or prost
      next to the runtime take them from here (`@wasm_plugin_crates//:tokio`), so that there is
      one copy of each in the program;
    - platforms, bazel_skylib, rules_proto, rules_java (Debian's packages), rules_cc,
      remote_coverage_tools and com_google_protobuf (the system's protoc).

    Args:
      rust_version: the rustup toolchain that compiles hosts and plugins (it needs the
        wasm32-wasip1 target and rustfmt). Default: the channel of rules_wasm_plugin's
        rust-toolchain.toml.
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
    if "wasm_plugin_crates" not in existing:
        wasm_plugin_crates_repository(
            name = "wasm_plugin_crates",
            cargo_lockfile = "@rules_wasm_plugin//:Cargo.lock",
            manifests = ["@rules_wasm_plugin" + label for label in RULES_MANIFESTS],
        )
