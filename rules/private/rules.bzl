"""wasm_plugin_library, wasm_plugin_host and wasm_plugin_host_test."""

load(":glue_aspect.bzl", "wasm_plugin_glue_aspect")
load(":providers.bzl", "CratesInfo", "RustCrateInfo", "WasmPluginGlueInfo", "WasmPluginInfo")
load(":rust.bzl", "RUST_TOOLCHAIN_ATTRS")
load(":rustc.bzl", "HOST", "WASM", "compile_rust", "crate_root", "identifier", "shell_quote")
load(":transitions.bzl", "wasm_transition")

_COMMON_ATTRS = dict(RUST_TOOLCHAIN_ATTRS, **{
    "srcs": attr.label_list(allow_files = [".rs"], mandatory = True, doc = "The Rust sources."),
    "crate_root": attr.label(allow_single_file = [".rs"], doc = "The crate root; default: the source named lib.rs (plugins) or main.rs (hosts)."),
    "proto": attr.label(
        mandatory = True,
        providers = [ProtoInfo],
        aspects = [wasm_plugin_glue_aspect],
        doc = "The proto_library with the plugin interface; its glue is what `include_proto!` includes.",
    ),
    "_check": attr.label(default = Label("//rules/private:check_services.sh"), allow_single_file = True),
})

def _check(ctx, mode, extra = [], extra_inputs = []):
    marker = ctx.actions.declare_file(ctx.label.name + ".services_checked")
    glue = ctx.attr.proto[WasmPluginGlueInfo]
    ctx.actions.run(
        executable = ctx.file._check,
        arguments = [mode, marker.path, str(ctx.label), str(ctx.attr.proto.label), glue.services.path] + extra,
        inputs = [glue.services] + extra_inputs,
        outputs = [marker],
        mnemonic = "WasmPluginCheck",
        progress_message = "Checking the services of {}".format(ctx.label),
    )
    return marker

def _glue_or_fail(ctx):
    if WasmPluginGlueInfo not in ctx.attr.proto:
        fail("{}: proto {} has no .proto sources of its own or imported (only well-known types)".format(ctx.label, ctx.attr.proto.label))
    return ctx.attr.proto[WasmPluginGlueInfo]

def _library_impl(ctx):
    glue = _glue_or_fail(ctx)
    checked = _check(ctx, "library")
    wasm = ctx.actions.declare_file(ctx.label.name + ".wasm")
    guest = ctx.attr._guest[0][RustCrateInfo]
    compile_rust(
        ctx,
        crate_name = identifier(ctx.label.name),
        crate_type = "cdylib",
        srcs = ctx.files.srcs + [checked],
        root = crate_root(ctx, "lib.rs"),
        output = wasm,
        target = WASM,
        deps = [guest],
        out_dir = glue.guest,
    )
    return [
        DefaultInfo(files = depset([wasm]), runfiles = ctx.runfiles(files = [wasm])),
        WasmPluginInfo(wasm = wasm, services = glue.services, proto = ctx.attr.proto.label),
    ]

wasm_plugin_library = rule(
    implementation = _library_impl,
    doc = """A plugin: Rust sources that implement a service of `proto`, compiled to `NAME.wasm`
for wasm32-wasip1.

The guest SDK and its crates are compiled for wasm32-wasip1 through a configuration transition;
the generator runs on the build machine. The sources include the generated glue with
`wasm_plugin_guest::include_proto!("package")` and register their implementation with
`wasm_plugin_guest::register!`.

Example (`examples/helloworld/BUILD.bazel`):

```python
load("@rules_wasm_plugin//rules:defs.bzl", "wasm_plugin_library")

proto_library(name = "greeting_proto", srcs = ["greeting.proto"])

wasm_plugin_library(
    name = "plugin_morning",
    srcs = ["plugin-morning/src/lib.rs"],
    proto = ":greeting_proto",
)
```

`bazel build //examples/helloworld:plugin_morning` writes `plugin_morning.wasm`.""",
    attrs = dict(_COMMON_ATTRS, **{
        "_guest": attr.label(default = Label("//guest:guest"), cfg = wasm_transition, providers = [RustCrateInfo]),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
    }),
    provides = [WasmPluginInfo],
)

def _runfile(ctx, file):
    """The quoted path of `file` in the launcher's runfiles tree (`$runfiles`)."""
    if file.short_path.startswith("../"):
        path = file.short_path[len("../"):]  # A file of another repository.
    else:
        path = ctx.workspace_name + "/" + file.short_path
    return '"$runfiles"/' + shell_quote(path)

def _plugin_variables(ctx):
    """WASM_PLUGIN_<NAME> for each plugin; fails, naming the targets, when two plugins get one."""
    variables = {}
    for plugin in ctx.attr.plugins:
        variable = "WASM_PLUGIN_" + identifier(plugin.label.name).upper()
        if variable in variables:
            fail("{}: plugins {} and {} would both be {}: rename one".format(ctx.label, variables[variable], plugin.label, variable))
        variables[variable] = plugin.label
    return variables.keys()

def _host_impl(ctx, test):
    glue = _glue_or_fail(ctx)
    plugins = [plugin[WasmPluginInfo] for plugin in ctx.attr.plugins]
    extra = []
    if ctx.attr.check_plugins:
        for plugin, info in zip(ctx.attr.plugins, plugins):
            extra += [str(plugin.label), str(info.proto), info.services.path]
    checked = _check(ctx, "host", extra, [info.services for info in plugins])
    binary = ctx.actions.declare_file(ctx.label.name + ".bin")
    compile_rust(
        ctx,
        crate_name = identifier(ctx.label.name),
        crate_type = "bin",
        srcs = ctx.files.srcs + [checked],
        root = crate_root(ctx, "main.rs"),
        output = binary,
        target = HOST,
        crates = ctx.attr._crates[CratesInfo],
        crate_externs = ctx.attr.crate_deps,
        deps = [ctx.attr._runtime[RustCrateInfo]] + [dep[RustCrateInfo] for dep in ctx.attr.deps],
        out_dir = glue.host,
        test = test,
    )

    # Plugins reach the program as WASM_PLUGIN_<NAME> variables, and a program (not a test)
    # also gets their paths as arguments, in the order of `plugins`. The launcher finds the
    # runfiles under `bazel run`, `bazel test`, another target's runfiles, or run directly.
    lines = [
        "#!/bin/sh",
        "# Runs {} with its plugins.".format(ctx.label),
        'if [ -n "${RUNFILES_DIR:-}" ]; then runfiles=$RUNFILES_DIR',
        'elif [ -n "${TEST_SRCDIR:-}" ]; then runfiles=$TEST_SRCDIR',
        'elif [ -d "$0.runfiles" ]; then runfiles=$0.runfiles',
        'else echo "$0: cannot find its runfiles ($0.runfiles): build it with bazel" >&2; exit 1',
        "fi",
        # For the program's own runfiles lookups (the variable runfiles libraries read).
        'export RUNFILES_DIR="$runfiles"',
    ]
    for variable, info in zip(_plugin_variables(ctx), plugins):
        lines.append("export {}={}".format(variable, _runfile(ctx, info.wasm)))
    arguments = "" if test else " ".join([_runfile(ctx, info.wasm) for info in plugins])
    lines.append('exec {} {} "$@"'.format(_runfile(ctx, binary), arguments))
    launcher = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(launcher, "\n".join(lines) + "\n", is_executable = True)
    runfiles = ctx.runfiles(files = [binary] + [info.wasm for info in plugins] + ctx.files.data)
    for target in ctx.attr.data:
        runfiles = runfiles.merge(target[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = launcher, files = depset([launcher, binary]), runfiles = runfiles)]

_HOST_ATTRS = dict(_COMMON_ATTRS, **{
    "plugins": attr.label_list(
        providers = [WasmPluginInfo],
        doc = "wasm_plugin_library targets the host loads: their `.wasm` files are runfiles, passed as arguments (programs) and as `WASM_PLUGIN_<NAME>` environment variables.",
    ),
    "check_plugins": attr.bool(
        default = True,
        doc = "Fail the build when a plugin implements no plugin service of `proto` at the same version. Tests that load mismatched plugins on purpose set it to False.",
    ),
    "deps": attr.label_list(providers = [RustCrateInfo], doc = "More workspace Rust libraries (rust_library) the host uses."),
    "crate_deps": attr.string_list(doc = "Third-party crates the host uses directly, from the workspace's Cargo.lock (for example `anyhow`)."),
    "data": attr.label_list(allow_files = True, doc = "Files the host reads at run time."),
    "_runtime": attr.label(default = Label("//runtime:runtime"), providers = [RustCrateInfo]),
    "_crates": attr.label(default = Label("//rules/crates:host"), providers = [CratesInfo]),
})

def _binary_impl(ctx):
    return _host_impl(ctx, test = False)

def _test_impl(ctx):
    return _host_impl(ctx, test = True)

wasm_plugin_host = rule(
    implementation = _binary_impl,
    executable = True,
    doc = """A host program: Rust sources linked against the wasmtime runtime crate
(`wasm_plugin_runtime`), with the host glue of `proto` and the plugins it loads.

`bazel run` passes the plugins' paths as arguments in the order of `plugins`; every plugin is
also in the environment as `WASM_PLUGIN_<NAME>`. The build fails, naming the targets, if a
plugin implements no plugin service of the host's proto (or another version of it).

```python
wasm_plugin_host(
    name = "host",
    srcs = ["host/src/main.rs"],
    proto = ":greeting_proto",
    plugins = [":plugin_morning", ":plugin_evening"],
    crate_deps = ["anyhow"],
)
```

`bazel run //examples/helloworld:host` prints both greetings.""",
    attrs = _HOST_ATTRS,
)

wasm_plugin_host_test = rule(
    implementation = _test_impl,
    test = True,
    doc = """A Rust test binary (`#[test]` functions, compiled with `--test`) of a host, with
the plugins it needs in the environment as `WASM_PLUGIN_<NAME>`.

```python
wasm_plugin_host_test(
    name = "fields_test",
    srcs = ["tests/fields.rs"],
    proto = "//tests:all_proto",
    plugins = ["//tests:fields"],
    deps = ["//tests:wasm_plugin_tests"],
)
```""",
    attrs = _HOST_ATTRS,
)

def _glue_impl(ctx):
    glue = _glue_or_fail(ctx)
    directory = getattr(glue, ctx.attr.side)
    return [DefaultInfo(files = depset([directory]))]

wasm_plugin_glue = rule(
    implementation = _glue_impl,
    doc = """The generated code of a proto_library, as a directory: for a Rust library of your own
that includes the glue (its `out_dir`), or to read what the generator emits.

```python
wasm_plugin_glue(name = "greeting_host_glue", proto = ":greeting_proto", side = "host")
```""",
    attrs = {
        "proto": attr.label(
            mandatory = True,
            providers = [ProtoInfo],
            aspects = [wasm_plugin_glue_aspect],
            doc = "The proto_library whose glue to generate.",
        ),
        "side": attr.string(default = "host", values = ["guest", "host"], doc = "Which glue: `host` or `guest`."),
    },
)

def _directory_impl(ctx):
    directory = ctx.actions.declare_directory(ctx.label.name)
    prefix = (ctx.attr.strip_prefix or ctx.label.name).rstrip("/") + "/"
    package = ctx.label.package + "/" if ctx.label.package else ""
    args = ctx.actions.args()
    for src in ctx.files.srcs:
        # The path below the repository (short_path is `../repo/...` in another repository).
        path = src.short_path.split("/", 2)[2] if src.short_path.startswith("../") else src.short_path
        if not path.startswith(package + prefix):
            fail("{}: {} is not below {}{}".format(ctx.label, src.short_path, package, prefix))
        args.add(src.path)
        args.add(directory.path + "/" + path[len(package + prefix):])
    ctx.actions.run_shell(
        command = 'while [ $# -gt 0 ]; do mkdir -p "$(dirname "$2")" && cp -L "$1" "$2"; shift 2; done',
        arguments = [args],
        inputs = ctx.files.srcs,
        outputs = [directory],
        mnemonic = "WasmPluginDirectory",
        progress_message = "Copying the files of {}".format(ctx.label),
    )
    return [DefaultInfo(files = depset([directory]), runfiles = ctx.runfiles(files = [directory]))]

wasm_plugin_directory = rule(
    implementation = _directory_impl,
    doc = """Files copied into one real directory, for a host to grant to a plugin.

Runfiles are symbolic links into the source tree, and WASI does not follow a link out of a
granted directory (the plugin gets "Operation not permitted"). A host that grants data files
takes this directory instead, as `data`. Inside Bazel's sandbox even this directory's files
are links, so a test that grants it runs with `tags = ["no-sandbox"]` (`examples/wasi`).

```python
wasm_plugin_directory(name = "testdata", srcs = glob(["testdata/**"]))
```

The host finds it in its runfiles as `<package>/testdata`.""",
    attrs = {
        "srcs": attr.label_list(allow_files = True, mandatory = True, doc = "The files."),
        "strip_prefix": attr.string(doc = "The part of the files' paths (relative to the package) that the directory leaves out. Default: the target's name and a slash."),
    },
)
