"""wasm_plugin_crates_repository: the third-party crates of a Cargo.lock, one Bazel package and
one compile action each (rules/private/crates/vendor.py and render.py do the work)."""

def _crates_repository_impl(rctx):
    python = rctx.which("python3")
    if not python:
        fail("{}: python3 is needed to read Cargo's build plan; install it (Debian: python3)".format(rctx.name))
    lockfile = rctx.path(rctx.attr.cargo_lockfile)
    args = [
        python,
        rctx.path(rctx.attr._vendor),
        "--cargo",
        rctx.path(rctx.attr._cargo),
        "--rustc",
        rctx.path(rctx.attr._rustc),
        "--lockfile",
        lockfile,
        "--lockfile-label",
        str(rctx.attr.cargo_lockfile),
        "--repo",
        rctx.name,
        # "@" names this workspace's own repository; another workspace sees it by its name.
        "--rules",
        "@" + rctx.attr._rules.workspace_name,
        "--out",
        rctx.path("."),
    ]
    for manifest in rctx.attr.manifests:
        args += ["--manifest", "{}={}".format(rctx.path(manifest), manifest)]

    # Inputs too: render again when they change.
    rctx.path(rctx.attr._render)
    rctx.path(rctx.attr._runner)
    result = rctx.execute(args, timeout = 3600, quiet = True)
    if result.return_code != 0:
        fail("wasm_plugin_crates_repository {}: {}".format(rctx.name, result.stderr.strip() or result.stdout.strip()))

wasm_plugin_crates_repository = repository_rule(
    implementation = _crates_repository_impl,
    doc = """The third-party crates of your own Cargo.lock, for plugins and hosts: like rules_rust's
crates_repository, each crate is a target of its own, compiled by one action with the features
Cargo resolves, for whichever platform uses it (wasm32-wasip1 for plugins, the host for hosts).

```python
# WORKSPACE
load("@rules_wasm_plugin//rules:crates.bzl", "wasm_plugin_crates_repository")

wasm_plugin_crates_repository(
    name = "crates",
    cargo_lockfile = "//:Cargo.lock",
    manifests = ["//:Cargo.toml"],
)
```

`@crates//:serde_json` is then the crate `serde_json` of a manifest's dependencies; every crate
is also `@crates//:<name>-<version>`. Fetching the repository vendors the crates (`cargo vendor`,
the only step that needs crates.io or the Cargo cache) and asks Cargo for its build plan; bump a
crate in the lock, and only that crate and what depends on it compile again.""",
    attrs = {
        "cargo_lockfile": attr.label(mandatory = True, allow_single_file = True, doc = "The Cargo.lock that pins the crates."),
        "manifests": attr.label_list(mandatory = True, allow_files = True, doc = "Every Cargo.toml of the Cargo workspace of the lock file, the root one included. Their dependencies (of every kind and platform) are the crates the repository offers by name."),
        "_cargo": attr.label(default = Label("@wasm_plugin_rust//:bin/cargo"), allow_single_file = True),
        "_rustc": attr.label(default = Label("@wasm_plugin_rust//:bin/rustc"), allow_single_file = True),
        "_vendor": attr.label(default = Label("//rules/private:crates/vendor.py"), allow_single_file = True),
        "_render": attr.label(default = Label("//rules/private:crates/render.py"), allow_single_file = True),
        "_runner": attr.label(default = Label("//rules/private/build_script_runner:main.rs"), allow_single_file = True),
        "_rules": attr.label(default = Label("//:BUILD.bazel")),
    },
    environ = ["CARGO_HOME", "HOME", "PATH"],
)
