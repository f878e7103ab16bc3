"""First-party Rust crates: wasm_plugin_rust_library (public), and the binaries and tests the
rules build for themselves (the generator, the build script runner)."""

load(":glue.bzl", "include_dir", "proto_dependencies")
load(":glue_aspect.bzl", "wasm_plugin_glue_aspect")
load(":providers.bzl", "WasmPluginCrateInfo", "WasmPluginDepInfo")
load(":rustc.bzl", "HOST", "TOOLCHAIN_ATTRS", "compile_crate", "crate_root", "identifier", "platform_of", "rust_dependency")
load(":transitions.bzl", "TRANSITION_ALLOWLIST", "host_transition", "keep_platform_transition")

def deps_attr(transition, doc):
    """The `deps` of a rule that compiles first-party Rust: crates and proto_library targets."""
    return attr.label_list(
        aspects = [wasm_plugin_glue_aspect],
        providers = [[WasmPluginCrateInfo], [ProtoInfo]],
        cfg = transition,
        doc = doc,
    )

# What rules that compile first-party Rust take: sources, dependencies (Rust crates, crates of a
# crates repository, or proto_library targets, whose glue crates they use), and flags.
CRATE_ATTRS = dict(TOOLCHAIN_ATTRS, **dict(TRANSITION_ALLOWLIST, **{
    "srcs": attr.label_list(allow_files = [".rs"], mandatory = True, doc = "The crate's sources."),
    "crate_root": attr.label(allow_single_file = [".rs"], doc = "The crate root. Default: the source named lib.rs (main.rs for programs), or the only source."),
    "crate_name": attr.string(doc = "The crate's name. Default: the target's name, as a Rust identifier."),
    "edition": attr.string(default = "2021", values = ["2015", "2018", "2021", "2024"], doc = "The Rust edition."),
    "deps": deps_attr(
        keep_platform_transition,
        "Crates it uses: wasm_plugin_rust_library targets, crates of a crates repository (`@crates//:serde_json`), and proto_library targets, whose glue crates (named after them) it gets with the glue of everything they import.",
    ),
    "proc_macro_deps": attr.label_list(
        providers = [WasmPluginCrateInfo],
        cfg = host_transition,
        doc = "Proc-macro crates it uses (`@crates//:serde_derive`), compiled for the build machine.",
    ),
    "crate_features": attr.string_list(doc = 'Features the crate is compiled with (`--cfg feature="..."`).'),
    "rustc_flags": attr.string_list(doc = "More rustc flags."),
    "rustc_env": attr.string_dict(doc = "Environment variables of the compilation (`env!`)."),
    "compile_data": attr.label_list(allow_files = True, doc = "Files the sources read while compiling (`include_str!`)."),
    "version": attr.string(default = "0.0.0", doc = "The crate's version (`CARGO_PKG_VERSION`)."),
    # The generator writes the files `include_proto!` includes (when `deps` has protos); in
    # the exec configuration, as the glue aspect runs it.
    "_generator": attr.label(
        default = Label("//generator:wasm-plugin-gen"),
        executable = True,
        cfg = "exec",
    ),
}))

# The rules' own crates, which the generator is built from: no proto_library dependencies.
_OWN_CRATE_ATTRS = {key: value for key, value in CRATE_ATTRS.items() if key != "_generator"}
_OWN_CRATE_ATTRS["deps"] = attr.label_list(providers = [WasmPluginCrateInfo], cfg = keep_platform_transition, doc = "Crates it uses.")

def crate_name_of(ctx):
    return ctx.attr.crate_name or identifier(ctx.label.name)

def compile_first_party(ctx, *, dep_targets, crate_type, root, output, target, glue = [], extra_deps = [], test = False, extra_flags = [], extra_inputs = []):
    """Compiles a first-party crate from the CRATE_ATTRS of `ctx`.

    Args:
      ctx: the rule context.
      dep_targets: the targets of its dependencies: Rust crates and proto_library targets.
      crate_type: "rlib", "bin" or "cdylib".
      root: File, the crate root.
      output: File, what rustc writes.
      target: the target triple.
      glue: WasmPluginGlueInfo of the rule's own protos (rule_glue), whose crates it uses.
      extra_deps: more dependencies (struct(name, crate, dep_info)): the runtime or guest SDK.
      test: whether to compile the crate's tests.
      extra_flags: more rustc flags.
      extra_inputs: more input files.

    Returns:
      struct(crate, dep_info), as compile_crate.
    """
    protos = proto_dependencies(ctx, dep_targets, glue) if hasattr(ctx.attr, "_generator") else struct(crates = [], glue = [])
    deps = extra_deps + [rust_dependency(ctx, dep) for dep in dep_targets if ProtoInfo not in dep]
    deps += protos.crates
    names = {}
    for dep in deps:
        if dep.name in names and names[dep.name] != dep.crate.owner:
            fail("{}: two dependencies are the crate `{}`: {} and {}; rename one (proto_library targets give glue crates named after them)".format(ctx.label, dep.name, names[dep.name], dep.crate.owner))
        names[dep.name] = dep.crate.owner
    unique = []
    seen = {}
    for dep in deps:
        if dep.name not in seen:
            seen[dep.name] = True
            unique.append(dep)
    out_dir = include_dir(ctx, protos.glue, ctx.executable._generator) if protos.glue else None
    env = dict(ctx.attr.rustc_env)
    env.setdefault("CARGO_PKG_VERSION", ctx.attr.version)
    return compile_crate(
        ctx,
        crate_name = crate_name_of(ctx),
        crate_type = crate_type,
        root = root,
        srcs = ctx.files.srcs,
        output = output,
        target = target,
        deps = unique,
        proc_macro_deps = [rust_dependency(ctx, dep, "proc_macro_deps") for dep in ctx.attr.proc_macro_deps],
        edition = ctx.attr.edition,
        features = ctx.attr.crate_features,
        rustc_env = env,
        out_dir = out_dir,
        test = test,
        extra_flags = ctx.attr.rustc_flags + extra_flags,
        extra_inputs = ctx.files.compile_data + extra_inputs + ([out_dir] if out_dir else []),
    )

def _library_impl(ctx):
    target = platform_of(ctx)
    output = ctx.actions.declare_file("{}/lib{}.rlib".format(ctx.label.name, crate_name_of(ctx)))
    result = compile_first_party(ctx, dep_targets = ctx.attr.deps, crate_type = "rlib", root = crate_root(ctx, "lib.rs"), output = output, target = target)
    return [DefaultInfo(files = depset([output])), result.crate, result.dep_info]

wasm_plugin_rust_library = rule(
    implementation = _library_impl,
    doc = """A Rust library of your own, for plugins and hosts alike: it is compiled for the
platform of whatever depends on it, wasm32-wasip1 for a plugin and the host for a host (one
source, two configurations), with its `deps` compiled for the same platform.

```python
wasm_plugin_rust_library(
    name = "pricing_rules",
    srcs = ["pricing_rules/lib.rs"],
    deps = [
        ":pricing_proto",         # the glue crate `pricing_proto`: messages and services
        "@crates//:serde_json",   # a crate of your Cargo.lock
    ],
)
```

A dependency on a proto_library gives the crate its glue crate, named after the
proto_library (`use pricing_proto::pricing::Quote;`), and the glue of everything it imports:
the same Rust types as in every plugin and host that use that proto_library.""",
    attrs = CRATE_ATTRS,
    provides = [WasmPluginCrateInfo, WasmPluginDepInfo],
)

def _binary_impl(ctx):
    # The rules' programs are tools: they run on the build machine, whatever the configuration.
    target = HOST
    output = ctx.actions.declare_file(ctx.label.name + ".bin")
    compile_first_party(ctx, dep_targets = ctx.attr.deps, crate_type = "bin", root = crate_root(ctx, "main.rs"), output = output, target = target, test = ctx.attr._test)
    return [DefaultInfo(files = depset([output]), executable = output)]

# The rules' own crates and programs (the runtime, the guest SDK, the generator, the build
# script runner). Not public API: use wasm_plugin_rust_library and wasm_plugin_host.
rust_library = rule(
    implementation = _library_impl,
    doc = "A Rust library of the rules, compiled for the platform of the configuration.",
    attrs = _OWN_CRATE_ATTRS,
    provides = [WasmPluginCrateInfo, WasmPluginDepInfo],
)

# Tools: compiled for the build machine, their crates too.
_TOOL_ATTRS = dict(_OWN_CRATE_ATTRS, deps = attr.label_list(providers = [WasmPluginCrateInfo], cfg = host_transition, doc = "Crates it uses."))

rust_binary = rule(
    implementation = _binary_impl,
    doc = "A Rust program of the rules, a tool for the build machine.",
    attrs = dict(_TOOL_ATTRS, _test = attr.bool(default = False)),
    executable = True,
)

rust_test = rule(
    implementation = _binary_impl,
    doc = "The `#[test]` functions of the rules' Rust sources, compiled with `--test` for the build machine.",
    attrs = dict(_TOOL_ATTRS, _test = attr.bool(default = True)),
    test = True,
)
