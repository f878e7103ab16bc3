"""The aspect that runs the generator over proto_library targets."""

load(":providers.bzl", "WasmPluginGlueInfo")

def _import_name(file, root):
    """The name imports use for `file`: its path below the proto source root."""
    for prefix in [root + "/" if root and root != "." else "", "external/" + file.owner.workspace_name + "/"]:
        if prefix and file.path.startswith(prefix):
            return file.path[len(prefix):]
    return file.short_path

_ImportsInfo = provider(
    doc = "The import names of a proto_library's sources and of everything it imports.",
    fields = {
        "names": "depset of string: import names, well-known types excluded.",
        "has_sources": "bool: whether `names` is not empty (without flattening it).",
    },
)

def _glue_aspect_impl(target, ctx):
    proto = target[ProtoInfo]
    own = [
        _import_name(source, proto.proto_source_root)
        for source in proto.direct_sources
    ]
    own = [name for name in own if not name.startswith("google/protobuf/")]
    imports = [
        dep[_ImportsInfo]
        for dep in getattr(ctx.rule.attr, "deps", [])
        if _ImportsInfo in dep
    ]
    names = depset(own, transitive = [info.names for info in imports])
    has_sources = bool(own) or any([info.has_sources for info in imports])
    if not has_sources:
        return [_ImportsInfo(names = names, has_sources = False)]

    outputs = {}
    for side in ["guest", "host"]:
        directory = ctx.actions.declare_directory(ctx.label.name + "_wasm_plugin_" + side)
        services = ctx.actions.declare_file(ctx.label.name + "_wasm_plugin_services.txt") if side == "host" else None
        args = ctx.actions.args()
        args.add("--side", side)
        args.add("--out", directory.path)
        if services:
            args.add("--services", services.path)
        args.add_all(proto.transitive_descriptor_sets, before_each = "--descriptor-set")
        args.add_all(names)
        ctx.actions.run(
            executable = ctx.executable._generator,
            arguments = [args],
            inputs = proto.transitive_descriptor_sets,
            outputs = [directory] + ([services] if services else []),
            mnemonic = "WasmPluginGen",
            progress_message = "Generating {} glue for {}".format(side, ctx.label),
        )
        outputs[side] = directory
        if services:
            outputs["services"] = services
    return [
        _ImportsInfo(names = names, has_sources = True),
        WasmPluginGlueInfo(guest = outputs["guest"], host = outputs["host"], services = outputs["services"]),
        OutputGroupInfo(
            wasm_plugin_glue_guest = depset([outputs["guest"]]),
            wasm_plugin_glue_host = depset([outputs["host"]]),
        ),
    ]

wasm_plugin_glue_aspect = aspect(
    implementation = _glue_aspect_impl,
    attr_aspects = ["deps"],
    attrs = {
        # The aspect only runs where `proto` is not transitioned, so the target configuration is
        # the build machine's: the generator is built once, in the configuration `bazel build
        # //...` builds it in anyway (an exec configuration would build it and its crates twice).
        "_generator": attr.label(
            default = Label("//generator:wasm-plugin-gen"),
            executable = True,
            cfg = "target",
        ),
    },
    required_providers = [ProtoInfo],
    provides = [],
    doc = "Generates guest and host glue for a proto_library and everything it imports (needs `--experimental_proto_descriptor_sets_include_source_info`, set in .bazelrc, for the directives in comments).",
)
