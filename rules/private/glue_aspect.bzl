"""The aspect that turns each proto_library into a glue crate: the generator's code for the
library's own `.proto` files, compiled against the glue crates of the libraries it imports, as
rules_rust's prost aspect does. Messages of a shared `.proto` are one Rust type everywhere.

It runs in the configuration of the attribute that carries it: in wasm32-wasip1 (plugins) it
generates and compiles the guest side against the guest SDK, elsewhere the host side against the
runtime: blocking, or async when the rule that carries it says `calls = "async"`.
"""

load(":providers.bzl", "WasmPluginGlueInfo", "WasmPluginGlueOptionsInfo")
load(":rustc.bzl", "TOOLCHAIN_ATTRS", "WASM", "compile_crate", "dependency", "identifier", "platform_of")

def _import_name(file, root):
    """The name imports use for `file`: its path below the proto source root."""
    for prefix in [root + "/" if root and root != "." else "", "external/" + file.owner.workspace_name + "/"]:
        if prefix and file.path.startswith(prefix):
            return file.path[len(prefix):]
    return file.short_path

def _own_files(proto):
    """The import names of the `.proto` files of `proto` (ProtoInfo), without well-known types."""
    own = [_import_name(source, proto.proto_source_root) for source in proto.direct_sources]
    return [name for name in own if not name.startswith("google/protobuf/")]

def glue_crate(ctx, *, label, proto, imported, target_triple, asynchronous, options, sdk, prefix = ""):
    """Generates the glue of one proto_library and, given an SDK, compiles it.

    Args:
      ctx: a context with the attributes `_generator`, `_rustfmt` and TOOLCHAIN_ATTRS.
      label: Label, the proto_library's.
      proto: its ProtoInfo.
      imported: depset of the WasmPluginGlueInfo.transitive entries of what it imports.
      target_triple: the platform the crate is compiled for: wasm32-wasip1 for the guest side,
        another for the host side.
      asynchronous: whether host glue has `async fn` rpcs.
      options: WasmPluginGlueOptionsInfo, prost's options for its messages.
      sdk: the guest SDK or the runtime target, or None to generate the sources only.
      prefix: the start of the names of the files it declares (a rule's own name, to keep the
        files of its protos apart; empty in the aspect).

    Returns:
      struct(info, entry, providers): its WasmPluginGlueInfo; its entry in the `transitive` of
      that (None without files of its own or without an SDK); and the providers of an aspect
      (WasmPluginCrateInfo and WasmPluginDepInfo with an SDK, WasmPluginGlueInfo,
      OutputGroupInfo).
    """
    own = _own_files(proto)
    if not own:
        # Only well-known types (prost-types has them), or a library that only gathers others:
        # its users get the glue of what it imports.
        info = WasmPluginGlueInfo(side = None, srcs = None, services = None, packages = None, crate_name = None, proto = label, transitive = imported)
        return struct(info = info, entry = None, providers = [info])

    side = "guest" if target_triple == WASM else "host"

    # Both kinds of host glue of one proto_library may be built; their files differ by name.
    kind = side + ("_async" if asynchronous else "")
    crate_name = identifier(label.name)
    stem = prefix + label.name
    directory = ctx.actions.declare_directory("{}.wasm_plugin_{}".format(stem, kind))
    services = ctx.actions.declare_file("{}.wasm_plugin_{}.services".format(stem, kind))
    packages = ctx.actions.declare_file("{}.wasm_plugin_{}.packages".format(stem, kind))
    imported_glue = imported.to_list()
    args = ctx.actions.args()
    args.add("--side", side)
    if asynchronous:
        args.add("--async-calls")
    for extern in options.extern_crates:
        args.add("--extern-path", "{}={}".format(extern.path, extern.rust))
    args.add_all(options.bytes, before_each = "--bytes")
    args.add_all(options.btree_map, before_each = "--btree-map")
    args.add_all(options.disable_comments, before_each = "--disable-comments")
    for flag, attributes in [("--type-attribute", options.type_attributes), ("--field-attribute", options.field_attributes)]:
        for path, values in sorted(attributes.items()):
            for value in values:
                args.add(flag, "{}={}".format(path, value))
    args.add("--out", directory.path)
    args.add("--services", services)
    args.add("--packages", packages)
    args.add("--rustfmt", ctx.file._rustfmt)
    args.add_all(proto.transitive_descriptor_sets, before_each = "--descriptor-set")
    for glue in imported_glue:
        for name in glue.files:
            args.add("--extern-crate", "{}={}".format(glue.crate_name, name))
    args.add_all(own)
    ctx.actions.run(
        executable = ctx.executable._generator,
        arguments = [args],
        inputs = depset([ctx.file._rustfmt], transitive = [proto.transitive_descriptor_sets, ctx.attr._rustc_files.files]),
        outputs = [directory, services, packages],
        mnemonic = "WasmPluginGen",
        progress_message = "Generating the {} glue of {}".format(kind.replace("_", " "), label),
    )
    generated = OutputGroupInfo(wasm_plugin_glue = depset([directory]))
    if not sdk:
        info = WasmPluginGlueInfo(side = side, srcs = directory, services = services, packages = packages, crate_name = crate_name, proto = label, transitive = imported)
        return struct(info = info, entry = None, providers = [info, generated])

    output = ctx.actions.declare_file("{}.wasm_plugin_{}_crate/lib{}.rlib".format(stem, kind, crate_name))
    result = compile_crate(
        ctx,
        crate_name = crate_name,
        crate_type = "rlib",
        root = directory.path + "/wasm_plugin.rs",
        srcs = [directory],
        output = output,
        target = target_triple,
        deps = [dependency(sdk)] + [extern.crate for extern in options.extern_crates] + [struct(name = glue.crate_name, crate = glue.crate, dep_info = glue.dep_info) for glue in imported_glue],
        mnemonic = "WasmPluginGlue",
    )
    this = struct(
        crate_name = crate_name,
        files = tuple(own),
        # Every proto_library it imports, directly or not.
        imports = tuple([glue.proto for glue in imported_glue]),
        packages = packages,
        services = services,
        proto = label,
        crate = result.crate,
        dep_info = result.dep_info,
    )
    info = WasmPluginGlueInfo(
        side = side,
        srcs = directory,
        services = services,
        packages = packages,
        crate_name = crate_name,
        proto = label,
        transitive = depset([this], transitive = [imported]),
    )
    return struct(info = info, entry = this, providers = [result.crate, result.dep_info, info, generated])

def _glue_aspect_impl(target, ctx):
    imported = depset(transitive = [
        dep[WasmPluginGlueInfo].transitive
        for dep in getattr(ctx.rule.attr, "deps", [])
        if WasmPluginGlueInfo in dep
    ])
    target_triple = platform_of(ctx)
    side = "guest" if target_triple == WASM else "host"
    return glue_crate(
        ctx,
        label = target.label,
        proto = target[ProtoInfo],
        imported = imported,
        target_triple = target_triple,
        asynchronous = side == "host" and ctx.attr.calls == "async",
        options = ctx.attr._options[WasmPluginGlueOptionsInfo],
        sdk = ctx.attr._guest if side == "guest" else ctx.attr._runtime,
    ).providers

def _import_order(proto):
    """Sorts a proto_library after every library it imports.

    A glue closure holds that of everything the library imports; a library without files of its
    own has the closure of what it gathers, and comes after it.
    """
    info = proto[WasmPluginGlueInfo]
    return 2 * len(info.transitive.to_list()) + (0 if info.srcs else 1)

def rule_glue(ctx, protos, *, target_triple, asynchronous, sdk):
    """The glue of a rule's `protos`: the aspect's, or generated again with its `glue_options`.

    With `glue_options`, the options shape the messages of `protos`; what they import keeps the
    aspect's glue (the build's options). A message must be one Rust type in every crate that
    uses it, so the build fails when a proto_library between them imports one of `protos` with
    the build's glue (proto_dependencies checks the rule's other dependencies).

    Args:
      ctx: the rule context (`glue_options`, `_generator`, `_rustfmt`, TOOLCHAIN_ATTRS).
      protos: the targets of the rule's `proto` and `protos` (with the aspect).
      target_triple: the platform the crates are compiled for.
      asynchronous: whether host glue has `async fn` rpcs.
      sdk: the guest SDK or the runtime target, or None to generate the sources only.

    Returns:
      list of WasmPluginGlueInfo, one per target of `protos`, in their order.
    """
    if not ctx.attr.glue_options:
        return [proto[WasmPluginGlueInfo] for proto in protos]

    # The attribute has a transition (to the side's platform, for extern crates): a list.
    options = ctx.attr.glue_options[0][WasmPluginGlueOptionsInfo]

    # A proto of the rule that another imports is generated before it.
    ordered = sorted(protos, key = _import_order)
    own = {proto.label: True for proto in protos}
    infos = {}
    entries = {}
    for proto in ordered:
        imported = []
        for entry in proto[WasmPluginGlueInfo].transitive.to_list():
            if entry.proto == proto.label:
                continue
            if entry.proto in entries:
                imported.append(entries[entry.proto])
                continue
            for name in entry.imports:
                if name in own:
                    fail("{}: glue_options applies to {}, which {} imports with the build's options (through {}): a message would be two Rust types; add {} to `protos`".format(ctx.label, name, entry.proto, proto.label, entry.proto))
            imported.append(entry)
        glue = glue_crate(
            ctx,
            label = proto.label,
            proto = proto[ProtoInfo],
            imported = depset(imported),
            target_triple = target_triple,
            asynchronous = asynchronous,
            options = options,
            sdk = sdk,
            prefix = ctx.label.name + ".",
        )
        infos[proto.label] = glue.info
        if glue.entry:
            entries[proto.label] = glue.entry
    return [infos[proto.label] for proto in protos]

wasm_plugin_glue_aspect = aspect(
    implementation = _glue_aspect_impl,
    attr_aspects = ["deps"],
    attrs = dict(TOOLCHAIN_ATTRS, **{
        # A parameter: the value of the `calls` attribute of the rule that applies the aspect
        # (Bazel 4 takes the default for rules without one).
        "calls": attr.string(default = "blocking", values = ["blocking", "async"]),
        # Bazel 4 crashes on Starlark transitions of aspect attributes (of proto_library): the
        # generator runs in the exec configuration, and the SDK of the side is already in its
        # configuration (the other is analysed, never built).
        "_generator": attr.label(
            default = Label("//generator:wasm-plugin-gen"),
            executable = True,
            cfg = "exec",
        ),
        "_rustfmt": attr.label(default = Label("@wasm_plugin_rust//:bin/rustfmt"), allow_single_file = True),
        "_guest": attr.label(default = Label("//guest")),
        # prost's options for the messages: the target the flag names (wasm_plugin_glue_options).
        "_options": attr.label(default = Label("//rules:glue_options"), providers = [WasmPluginGlueOptionsInfo]),
        "_runtime": attr.label(default = Label("//runtime")),
    }),
    required_providers = [ProtoInfo],
    provides = [WasmPluginGlueInfo],
    doc = """Generates and compiles the glue crate of each proto_library: the host side, or the
guest side in the wasm32-wasip1 configuration. Needs
`--experimental_proto_descriptor_sets_include_source_info` (directives live in comments).

The crate is named after the proto_library (as a Rust identifier) and holds the code of the
library's own files, in modules named after their packages. Its parameter `calls` (`blocking`, or
`async` for `async fn` rpcs and host functions) is the `calls` attribute of the rule that applies
it; prost's options for the messages come from the `wasm_plugin_glue_options` target that the flag
`@rules_wasm_plugin//rules:glue_options` names. Its sources are the output group
`wasm_plugin_glue`: `bazel build //:pricing_proto --aspects=@rules_wasm_plugin//rules:defs.bzl%wasm_plugin_glue_aspect --output_groups=wasm_plugin_glue`.""",
)
