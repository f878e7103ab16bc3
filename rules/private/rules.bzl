"""wasm_plugin_library, wasm_plugin_host, wasm_plugin_host_test, wasm_plugin_glue and
wasm_plugin_directory."""

load(":glue.bzl", "check_services")
load(":glue_aspect.bzl", "rule_glue", "wasm_plugin_glue_aspect")
load(":providers.bzl", "WasmPluginCrateInfo", "WasmPluginGlueOptionsInfo", "WasmPluginInfo")
load(":rust.bzl", "CRATE_ATTRS", "compile_first_party", "deps_attr")
load(":rustc.bzl", "HOST", "WASM", "crate_root", "dependency", "identifier", "shell_quote")
load(":transitions.bzl", "TRANSITION_ALLOWLIST", "host_transition", "side_transition", "wasm_transition")

def _protos(ctx):
    """The targets of `proto` and `protos`, at least one."""

    # Attributes with a transition hold lists, `proto` too.
    protos = (ctx.attr.proto if ctx.attr.proto else []) + ctx.attr.protos
    if not protos:
        fail("{}: give the proto_library of the interface as `proto` (or several as `protos`)".format(ctx.label))
    return protos

def _protos_attr(transition):
    return {
        "glue_options": attr.label(
            providers = [WasmPluginGlueOptionsInfo],
            cfg = transition,
            doc = "A wasm_plugin_glue_options target: prost's options for the messages of `proto`/`protos`, instead of the build's (`@rules_wasm_plugin//rules:glue_options`). What they import keeps the build's options. Give plugins and hosts of one interface the same options.",
        ),
        # Formats the glue generated with `glue_options`.
        "_rustfmt": attr.label(default = Label("@wasm_plugin_rust//:bin/rustfmt"), allow_single_file = True),
        "proto": attr.label(
            providers = [ProtoInfo],
            aspects = [wasm_plugin_glue_aspect],
            cfg = transition,
            doc = "The proto_library of the interface; its glue crate (named after it) is a dependency, and `include_proto!` includes its packages. Shorthand for a `protos` of one.",
        ),
        "protos": attr.label_list(
            providers = [ProtoInfo],
            aspects = [wasm_plugin_glue_aspect],
            cfg = transition,
            doc = "proto_library targets of the interfaces (and host functions) used, as `proto`.",
        ),
    }

def _library_impl(ctx):
    guest_target = ctx.attr._guest[0]
    glue = rule_glue(ctx, _protos(ctx), target_triple = WASM, asynchronous = False, sdk = guest_target)
    checked = check_services(ctx, mode = "library", protos = glue, checker = ctx.file._check)
    wasm = ctx.actions.declare_file(ctx.label.name + ".wasm")
    guest = dependency(guest_target)
    compile_first_party(
        ctx,
        dep_targets = ctx.attr.deps,
        glue = glue,
        crate_type = "cdylib",
        root = crate_root(ctx, "lib.rs"),
        output = wasm,
        target = WASM,
        extra_deps = [guest],
        extra_flags = ["-C", "opt-level=s"],
        extra_inputs = [checked],
    )
    return [
        DefaultInfo(files = depset([wasm]), runfiles = ctx.runfiles(files = [wasm])),
        WasmPluginInfo(
            wasm = wasm,
            services = [info.services for info in glue if info.services],
            protos = [info.proto for info in glue],
        ),
    ]

wasm_plugin_library = rule(
    implementation = _library_impl,
    doc = """A plugin: Rust sources that implement a service of its protos, compiled to
`NAME.wasm` for wasm32-wasip1.

Its `deps`, the guest SDK and the glue crates of its protos are compiled for wasm32-wasip1
through a configuration transition; the generator runs on the build machine. The sources use
the glue crate named after the proto_library (`use pricing_proto::pricing::{Pricing, Quote};`),
or include it like a Cargo build does (`wasm_plugin_guest::include_proto!("pricing")`), and
register their implementation with `wasm_plugin_guest::register!`. The build fails, naming the
target, if no proto declares a service marked `// wasm:plugin type=plugin`.

```python
load("@rules_wasm_plugin//rules:defs.bzl", "wasm_plugin_library")

proto_library(name = "pricing_proto", srcs = ["pricing.proto"], deps = [":money_proto"])

wasm_plugin_library(
    name = "discount",
    srcs = ["discount/lib.rs"],
    proto = ":pricing_proto",
    deps = [":pricing_rules", "@crates//:regex-lite"],
)
```

`bazel build //:discount` writes `discount.wasm`.""",
    attrs = dict(CRATE_ATTRS, **dict(_protos_attr(wasm_transition), **{
        "deps": deps_attr(
            wasm_transition,
            "Crates the plugin uses, compiled for wasm32-wasip1: wasm_plugin_rust_library targets, crates of a crates repository (`@crates//:regex-lite`), proto_library targets.",
        ),
        "proc_macro_deps": attr.label_list(providers = [WasmPluginCrateInfo], cfg = host_transition, doc = "Proc-macro crates it uses, compiled for the build machine."),
        "_guest": attr.label(default = Label("//guest"), cfg = wasm_transition, providers = [WasmPluginCrateInfo]),
        "_check": attr.label(default = Label("//rules/private:check_services.sh"), allow_single_file = True),
    })),
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
    runtime = ctx.attr._runtime[0]
    glue = rule_glue(ctx, _protos(ctx), target_triple = HOST, asynchronous = ctx.attr.calls == "async", sdk = runtime)
    plugins = [(plugin.label, plugin[WasmPluginInfo]) for plugin in ctx.attr.plugins]
    extra_inputs = []
    if ctx.attr.check_plugins:
        extra_inputs.append(check_services(ctx, mode = "host", protos = glue, plugins = plugins, checker = ctx.file._check))
    binary = ctx.actions.declare_file(ctx.label.name + ".bin")
    compile_first_party(
        ctx,
        dep_targets = ctx.attr.deps,
        glue = glue,
        crate_type = "bin",
        root = crate_root(ctx, "main.rs"),
        output = binary,
        target = HOST,
        extra_deps = [dependency(runtime)],
        test = test,
        extra_inputs = extra_inputs,
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
    for variable, (_, info) in zip(_plugin_variables(ctx), plugins):
        lines.append("export {}={}".format(variable, _runfile(ctx, info.wasm)))
    arguments = "" if test else " ".join([_runfile(ctx, info.wasm) for _, info in plugins])
    lines.append('exec {} {} "$@"'.format(_runfile(ctx, binary), arguments))
    launcher = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(launcher, "\n".join(lines) + "\n", is_executable = True)
    runfiles = ctx.runfiles(files = [binary] + [info.wasm for _, info in plugins] + ctx.files.data)
    for target in ctx.attr.data:
        runfiles = runfiles.merge(target[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = launcher, files = depset([launcher, binary]), runfiles = runfiles)]

_HOST_ATTRS = dict(CRATE_ATTRS, **dict(_protos_attr(host_transition), **{
    "deps": deps_attr(
        host_transition,
        "Crates the host uses: wasm_plugin_rust_library targets, crates of a crates repository (`@crates//:clap`), proto_library targets.",
    ),
    "plugins": attr.label_list(
        providers = [WasmPluginInfo],
        doc = "wasm_plugin_library targets the host loads: their `.wasm` files are runfiles, passed as arguments (programs) and as `WASM_PLUGIN_<NAME>` environment variables.",
    ),
    "check_plugins": attr.bool(
        default = True,
        doc = "Fail the build when a plugin implements no plugin service of the protos at the same version, or a proto's plugin services have no plugin among `plugins`. Tests that load mismatched plugins on purpose set it to False.",
    ),
    "data": attr.label_list(allow_files = True, doc = "Files the host reads at run time."),
    "calls": attr.string(
        default = "blocking",
        values = ["blocking", "async"],
        doc = "`async`: the glue of `proto`/`protos` has `async fn` rpcs and host-function traits implemented with `async fn`, for hosts on tokio (`wasm_plugin_build::Builder::async_calls`); `blocking` (the default): everything blocks.",
    ),
    "_runtime": attr.label(default = Label("//runtime"), cfg = host_transition, providers = [WasmPluginCrateInfo]),
    "_check": attr.label(default = Label("//rules/private:check_services.sh"), allow_single_file = True),
}))

def _binary_impl(ctx):
    return _host_impl(ctx, test = False)

def _test_impl(ctx):
    return _host_impl(ctx, test = True)

wasm_plugin_host = rule(
    implementation = _binary_impl,
    executable = True,
    doc = """A host program: Rust sources linked against the wasmtime runtime crate
(`wasm_plugin_runtime`), with the glue crates of its protos and the plugins it loads.

`bazel run` passes the plugins' paths as arguments in the order of `plugins`; every plugin is
also in the environment as `WASM_PLUGIN_<NAME>`. The build fails, naming the targets, if a
plugin implements no plugin service of the host's protos (or another version of it), or if a
proto's plugin services have no plugin among `plugins`.

```python
wasm_plugin_host(
    name = "shop",
    srcs = ["shop/main.rs"],
    protos = [":pricing_proto", ":audit_proto"],
    plugins = [":discount", ":audit"],
    deps = [":pricing_rules", "@crates//:clap"],
)
```

`bazel run //:shop` runs it with both plugins.""",
    attrs = _HOST_ATTRS,
)

wasm_plugin_host_test = rule(
    implementation = _test_impl,
    test = True,
    doc = """A Rust test binary (`#[test]` functions, compiled with `--test`) of a host, with
the plugins it needs in the environment as `WASM_PLUGIN_<NAME>`.

```python
wasm_plugin_host_test(
    name = "shop_test",
    srcs = ["shop/tests.rs"],
    protos = [":pricing_proto", ":audit_proto"],
    plugins = [":discount", ":audit"],
)
```""",
    attrs = _HOST_ATTRS,
)

def _glue_impl(ctx):
    side = ctx.attr.side
    glue = rule_glue(
        ctx,
        ctx.attr.proto,
        target_triple = WASM if side == "guest" else HOST,
        asynchronous = side == "host" and ctx.attr.calls == "async",
        sdk = None,
    )[0]
    if not glue.srcs:
        fail("{}: {} has no .proto files of its own (only well-known types, or only deps)".format(ctx.label, ctx.attr.proto[0].label))
    return [DefaultInfo(files = depset([glue.srcs]), runfiles = ctx.runfiles(files = [glue.srcs]))]

wasm_plugin_glue = rule(
    implementation = _glue_impl,
    doc = """The generated sources of a proto_library's glue crate, as a directory: to read what
the generator emits for one side (what plugins and hosts compile against).

```python
wasm_plugin_glue(name = "pricing_host_glue", proto = ":pricing_proto", side = "host")
```""",
    attrs = dict(TRANSITION_ALLOWLIST, **{
        "proto": attr.label(
            mandatory = True,
            providers = [ProtoInfo],
            aspects = [wasm_plugin_glue_aspect],
            cfg = side_transition,
            doc = "The proto_library.",
        ),
        "side": attr.string(default = "host", values = ["guest", "host"], doc = "Which glue: `host` or `guest`."),
        "glue_options": attr.label(
            providers = [WasmPluginGlueOptionsInfo],
            cfg = side_transition,
            doc = "A wasm_plugin_glue_options target, as on wasm_plugin_library and wasm_plugin_host.",
        ),
        "_generator": attr.label(default = Label("//generator:wasm-plugin-gen"), executable = True, cfg = "exec"),
        "_rustfmt": attr.label(default = Label("@wasm_plugin_rust//:bin/rustfmt"), allow_single_file = True),
        "_rustc_files": attr.label(default = Label("@wasm_plugin_rust//:rustc_files")),
        "calls": attr.string(default = "blocking", values = ["blocking", "async"], doc = "For the host side: `blocking` or `async` glue, as `wasm_plugin_host`'s `calls`."),
    }),
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
