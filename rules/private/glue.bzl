"""What rules do with the glue of their proto_library dependencies: the glue crates to compile
against, the files `include_proto!` includes, and the services for the build-time checks."""

load(":providers.bzl", "WasmPluginGlueInfo")

def proto_dependencies(ctx, targets, glue = []):
    """The glue of the proto_library targets among `targets`, of `glue`, and of their imports.

    Args:
      ctx: the rule context (for messages).
      targets: the values of an attribute that carries wasm_plugin_glue_aspect.
      glue: more WasmPluginGlueInfo (rule_glue); a target of `targets` that reaches the same
        proto_library with other glue fails the build.

    Returns:
      struct(crates, glue): `crates`, the glue crates as dependencies
      (struct(name, crate, dep_info)); `glue`, the entries of WasmPluginGlueInfo.transitive.
    """
    entries = depset(transitive = [info.transitive for info in glue]).to_list()
    own = {entry.proto: entry for entry in entries}
    for target in targets:
        if WasmPluginGlueInfo not in target:
            continue
        for entry in target[WasmPluginGlueInfo].transitive.to_list():
            if entry.proto not in own:
                entries.append(entry)
            elif entry.packages != own[entry.proto].packages:
                fail("{}: glue_options applies to {}, which {} reaches with the build's options: a message would be two Rust types; take it through `proto`/`protos` only".format(ctx.label, entry.proto, target.label))
    names = {}
    seen = {}
    chosen = []
    for entry in entries:
        if entry.proto in seen:
            continue
        seen[entry.proto] = True
        if entry.crate_name in names and names[entry.crate_name] != entry.proto:
            fail("{}: {} and {} give glue crates of one name, `{}`: rename one of them".format(ctx.label, names[entry.crate_name], entry.proto, entry.crate_name))
        names[entry.crate_name] = entry.proto
        chosen.append(entry)
    crates = [struct(name = entry.crate_name, crate = entry.crate, dep_info = entry.dep_info) for entry in chosen]
    return struct(crates = crates, glue = chosen)

def include_dir(ctx, glue, generator):
    """Declares the directory OUT_DIR names for `include_proto!` and `wasm_plugin.rs`.

    Its files re-export the packages of the glue crates `glue`.

    Args:
      ctx: the rule context.
      glue: entries of WasmPluginGlueInfo.transitive.
      generator: File, wasm-plugin-gen.

    Returns:
      File: the directory.
    """
    directory = ctx.actions.declare_directory(ctx.label.name + ".wasm_plugin_include")
    args = ctx.actions.args()
    args.add("include")
    args.add("--out", directory.path)
    for entry in glue:
        args.add("--glue", "{}={}".format(entry.crate_name, entry.packages.path))
    ctx.actions.run(
        executable = generator,
        arguments = [args],
        inputs = [entry.packages for entry in glue],
        outputs = [directory],
        mnemonic = "WasmPluginInclude",
        progress_message = "Writing the protobuf includes of {}".format(ctx.label),
    )
    return directory

def check_services(ctx, *, mode, protos, plugins = [], checker):
    """Registers the build-time check of the services of `protos` (and of `plugins`).

    Its errors name the targets.

    Args:
      ctx: the rule context.
      mode: "library" (the protos declare a plugin service) or "host" (each plugin implements a
        plugin service of the protos, and each plugin service of the protos has a plugin).
      protos: the WasmPluginGlueInfo of the rule's protos (rule_glue).
      plugins: list of (Label, WasmPluginInfo), for hosts.
      checker: File, the check script.

    Returns:
      File: a marker the compilation takes as input, so that the check runs first.
    """
    marker = ctx.actions.declare_file(ctx.label.name + ".services_checked")
    args = ctx.actions.args()
    args.add(mode)
    args.add(marker)
    args.add(str(ctx.label))
    inputs = []
    for info in protos:
        own = [entry for entry in info.transitive.to_list() if entry.proto == info.proto]
        files = [entry.services for entry in own] or [entry.services for entry in info.transitive.to_list()]
        for services in files:
            args.add("--proto", "{}={}".format(info.proto, services.path))
            inputs.append(services)
    for label, plugin in plugins:
        for services in plugin.services:
            args.add("--plugin", "{}={}".format(label, services.path))
            inputs.append(services)
    ctx.actions.run(
        executable = checker,
        arguments = [args],
        inputs = inputs,
        outputs = [marker],
        mnemonic = "WasmPluginCheck",
        progress_message = "Checking the services of {}".format(ctx.label),
    )
    return marker
