"""The rules that BUILD files of a crates repository use (rules/private/crates/render.py writes
them): one crate compiled by one rustc action, and its build script run by another."""

load(":providers.bzl", "BuildScriptInfo", "WasmPluginCrateInfo", "WasmPluginDepInfo")
load(":rustc.bzl", "HOST", "TOOLCHAIN_ATTRS", "WASM", "build_script_files", "compile_crate", "dependency", "package_dir", "platform_of")
load(":transitions.bzl", "TRANSITION_ALLOWLIST", "host_transition", "keep_platform_transition")

_EXEC = "exec"

def _context(ctx):
    """Which of Cargo's plans applies: "exec" for build-machine-only targets, else the platform."""
    if ctx.attr.platforms == [_EXEC]:
        return _EXEC, HOST
    target = platform_of(ctx)
    return ("wasm32-wasip1" if target == WASM else "host"), target

def _unresolved(ctx, context, output):
    """Makes `output` the output of an action that fails: Cargo resolved no such crate there.

    It only runs if something needs the crate for `context`, so that analysis never fails.
    """
    message = "{label}: Cargo resolved {name} {version} only for {platforms} from {lock}, not for {context}: add it to the [dependencies] of a manifest that is built for {context}, or depend on it only where it is resolved".format(
        label = ctx.label,
        name = ctx.attr.package_env.get("CARGO_PKG_NAME", ctx.attr.crate_name),
        version = ctx.attr.version,
        platforms = " and ".join(ctx.attr.platforms),
        lock = ctx.attr.lockfile or "the lock file",
        context = context,
    )
    ctx.actions.run_shell(
        command = 'echo "$1" >&2; exit 1',
        arguments = [message],
        outputs = [output],
        mnemonic = "WasmPluginUnresolved",
    )

def _crate_impl(ctx):
    context, target = _context(ctx)
    extension = {"bin": "", "proc-macro": ".so", "rlib": ".rlib"}[ctx.attr.crate_type]
    prefix = "" if ctx.attr.crate_type == "bin" else "lib"

    # A directory per target: the library and its _exec variant live in one package.
    output = ctx.actions.declare_file("{}/{}{}{}".format(ctx.label.name, prefix, ctx.attr.crate_name, extension))
    manifest_dir = package_dir(ctx.label)
    root = manifest_dir + "/" + ctx.attr.crate_root
    if context not in ctx.attr.platforms:
        _unresolved(ctx, context, output)
        result = struct(
            crate = WasmPluginCrateInfo(name = ctx.attr.crate_name, type = ctx.attr.crate_type, root = root, srcs = depset(), output = output, edition = ctx.attr.edition, target = target, owner = ctx.label),
            dep_info = WasmPluginDepInfo(direct_crates = depset(), transitive_crates = depset(), transitive_crate_outputs = depset(), link_search_path_files = depset(), transitive_build_outputs = depset()),
        )
    else:
        result = compile_crate(
            ctx,
            crate_name = ctx.attr.crate_name,
            crate_type = ctx.attr.crate_type,
            root = root,
            srcs = ctx.files.srcs,
            output = output,
            # Proc-macros and build scripts run on the build machine.
            target = HOST if ctx.attr.crate_type in ["proc-macro", "bin"] else target,
            deps = [dependency(dep, name) for dep, name in ctx.attr.deps.items()],
            proc_macro_deps = [dependency(dep, name) for dep, name in ctx.attr.proc_macro_deps.items()],
            edition = ctx.attr.edition,
            features = ctx.attr.crate_features,
            opt_level = ctx.attr.opt_level,
            cap_lints = "allow",
            rustc_env = ctx.attr.package_env,
            manifest_dir = manifest_dir,
            build_script = ctx.attr.build_script[0][BuildScriptInfo] if ctx.attr.build_script else None,
            mnemonic = "WasmPluginCrate",
        )
    providers = [DefaultInfo(files = depset([output])), result.crate, result.dep_info]
    if ctx.attr.crate_type == "bin":
        providers[0] = DefaultInfo(files = depset([output]), executable = output)
    return providers

_PACKAGE_ATTRS = {
    "crate_name": attr.string(mandatory = True, doc = "The crate's name."),
    "version": attr.string(mandatory = True, doc = "The package's version."),
    "package_env": attr.string_dict(doc = "CARGO_PKG_* variables, from the package's manifest."),
    "srcs": attr.label_list(allow_files = True, doc = "Every file of the package."),
    "platforms": attr.string_list(mandatory = True, doc = 'Where Cargo resolved it: "host", "wasm32-wasip1", or "exec" alone for build-machine-only targets.'),
    "crate_features": attr.string_list(doc = "The features Cargo resolved."),
    "links": attr.string(doc = "The native library the package links (`links` in its manifest)."),
    "opt_level": attr.string(default = "3", doc = "rustc's opt-level, from Cargo's profile."),
    "lockfile": attr.string(doc = "The lock file the crate comes from, for messages."),
}

third_party_crate = rule(
    implementation = _crate_impl,
    doc = "A crate of a crates repository: its library, a proc-macro, or its build script program.",
    attrs = dict(TOOLCHAIN_ATTRS, **dict(_PACKAGE_ATTRS, **dict(TRANSITION_ALLOWLIST, **{
        "crate_type": attr.string(mandatory = True, values = ["rlib", "proc-macro", "bin"]),
        "crate_root": attr.string(mandatory = True, doc = "The crate root, relative to the package."),
        "edition": attr.string(mandatory = True),
        "deps": attr.label_keyed_string_dict(providers = [WasmPluginCrateInfo], cfg = keep_platform_transition, doc = "Libraries and the names the crate uses them by."),
        "proc_macro_deps": attr.label_keyed_string_dict(providers = [WasmPluginCrateInfo], cfg = host_transition, doc = "Proc-macros, compiled for the build machine."),
        "build_script": attr.label(providers = [BuildScriptInfo], cfg = keep_platform_transition, doc = "The run of the package's build script for this crate."),
    }))),
    executable = False,
)

def _build_script_impl(ctx):
    context, target = _context(ctx)
    files = build_script_files(ctx, ctx.label.name)
    outputs = [files.out_dir, files.flags, files.env, files.dep_env, files.link_search]
    if context not in ctx.attr.platforms:
        for output in outputs:
            _unresolved(ctx, context, output)
        return [files]
    binary = ctx.attr.binary[0][WasmPluginCrateInfo].output
    args = ctx.actions.args()
    args.add("--script", binary)
    args.add("--manifest-dir", package_dir(ctx.label))
    args.add("--out-dir", files.out_dir.path)
    args.add("--rustc", ctx.file._rustc)
    args.add("--target", target)
    args.add("--host", HOST)
    args.add("--cfg-file", ctx.file._wasm_cfg if target == WASM else ctx.file._host_cfg)
    args.add("--opt-level", ctx.attr.opt_level)
    args.add_all(ctx.attr.crate_features, before_each = "--feature")
    if ctx.attr.links:
        args.add("--links", ctx.attr.links)
    dep_envs = [dep[BuildScriptInfo].dep_env for dep in ctx.attr.link_deps]
    args.add_all(dep_envs, before_each = "--dep-env")
    args.add("--flags-out", files.flags)
    args.add("--link-search-out", files.link_search)
    args.add("--env-out", files.env)
    args.add("--dep-env-out", files.dep_env)
    env = dict(ctx.attr.package_env)
    env["CARGO_PKG_NAME"] = env.get("CARGO_PKG_NAME", ctx.attr.crate_name)
    args.add_all(["{}={}".format(key, value) for key, value in sorted(env.items())], before_each = "--env")
    inputs = ctx.files.srcs + dep_envs + [binary, ctx.file._wasm_cfg, ctx.file._host_cfg]
    inputs += ctx.attr._rustc_files.files.to_list() + ctx.attr._wasm_std.files.to_list()
    ctx.actions.run(
        executable = ctx.executable.runner,
        arguments = [args],
        inputs = inputs,
        outputs = outputs,
        mnemonic = "WasmPluginBuildScript",
        progress_message = "Running the build script of {} ({})".format(ctx.label, target),
        # The C compiler that build scripts of the cc crate call comes from PATH.
        use_default_shell_env = True,
    )
    return [files]

third_party_build_script = rule(
    implementation = _build_script_impl,
    doc = "The run of a package's build script for the platform of the configuration.",
    attrs = dict(TOOLCHAIN_ATTRS, **dict(_PACKAGE_ATTRS, **dict(TRANSITION_ALLOWLIST, **{
        "binary": attr.label(mandatory = True, cfg = host_transition, providers = [WasmPluginCrateInfo], doc = "The build script, compiled."),
        "link_deps": attr.label_list(providers = [BuildScriptInfo], cfg = keep_platform_transition, doc = "Build script runs of dependencies with `links`, whose metadata this one sees as DEP_* variables."),
        # The crates repository's own copy: its path, and so the action's key, is the same in
        # every workspace that uses the repository.
        "runner": attr.label(mandatory = True, executable = True, cfg = host_transition, doc = "The build script runner."),
        "_host_cfg": attr.label(default = Label("@wasm_plugin_rust//:cfg_host.txt"), allow_single_file = True),
        "_wasm_cfg": attr.label(default = Label("@wasm_plugin_rust//:cfg_wasm32-wasip1.txt"), allow_single_file = True),
    }))),
)

def _crate_error_impl(ctx):
    fail("@{}//:{}: {}".format(ctx.label.workspace_name, ctx.label.name, ctx.attr.message))

third_party_crate_error = rule(
    implementation = _crate_error_impl,
    doc = "A name of a crates repository that is no crate to depend on, and says why when used.",
    attrs = {"message": attr.string(mandatory = True)},
)
