"""The rustc action. Every crate the rules compile, first-party, third-party or generated, goes
through `compile_crate`."""

load(":providers.bzl", "BuildScriptInfo", "PlatformInfo", "WasmPluginCrateInfo", "WasmPluginDepInfo")

WASM = "wasm32-wasip1"
HOST = "x86_64-unknown-linux-gnu"

# The Rust toolchain every rule that compiles takes: rustc with its libraries and host standard
# library, wasm32-wasip1's standard library, and the platform flag.
TOOLCHAIN_ATTRS = {
    "_rustc": attr.label(default = Label("@wasm_plugin_rust//:bin/rustc"), allow_single_file = True),
    "_rustc_files": attr.label(default = Label("@wasm_plugin_rust//:rustc_files")),
    "_wasm_std": attr.label(default = Label("@wasm_plugin_rust//:wasm_std")),
    "_platform": attr.label(default = Label("//rules:platform")),
}

_IDENTIFIER = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

def identifier(name):
    """`name` as a Rust and shell identifier: every other character becomes `_`."""
    result = "".join([c if c in _IDENTIFIER else "_" for c in name.elems()])
    return "_" + result if result[0].isdigit() else result

def shell_quote(value):
    """`value` in single quotes, for a shell command."""
    return "'" + value.replace("'", "'\\''") + "'"

def platform_of(ctx):
    """The target triple of the current configuration (//rules:platform)."""
    return ctx.attr._platform[PlatformInfo].triple

def package_dir(label):
    """The directory of `label`'s package below the execution root."""
    parts = [part for part in [label.workspace_root, label.package] if part]
    return "/".join(parts) if parts else "."

def crate_root(ctx, default):
    """The crate root of a rule with `srcs` and `crate_root` attributes.

    Args:
      ctx: the rule context.
      default: the root's file name when `crate_root` is not set (lib.rs or main.rs).

    Returns:
      File: `crate_root`, else the source named `default`, else the only source.
    """
    if ctx.file.crate_root:
        return ctx.file.crate_root
    for src in ctx.files.srcs:
        if src.basename == default:
            return src
    if len(ctx.files.srcs) == 1:
        return ctx.files.srcs[0]
    fail("{}: no {} among srcs; set crate_root".format(ctx.label, default))

def dependency(target, name = None):
    """A dependency as compile_crate takes it: struct(name, crate, dep_info)."""
    crate = target[WasmPluginCrateInfo]
    return struct(name = name or crate.name, crate = crate, dep_info = target[WasmPluginDepInfo])

def rust_dependency(ctx, target, attribute = "deps"):
    """`target` as a dependency, or a failure that names both targets when it is no Rust crate."""
    if WasmPluginCrateInfo not in target:
        fail("{}: {} in `{}` is not a Rust library: give a wasm_plugin_rust_library, a crate of a crates repository (@crates//:NAME), or a proto_library".format(ctx.label, target.label, attribute))
    return dependency(target)

def compile_crate(
        ctx,
        *,
        crate_name,
        crate_type,
        root,
        srcs,
        output,
        target,
        deps = [],
        proc_macro_deps = [],
        edition = "2021",
        features = [],
        opt_level = "2",
        cap_lints = None,
        rustc_env = {},
        manifest_dir = None,
        build_script = None,
        out_dir = None,
        test = False,
        extra_flags = [],
        extra_inputs = [],
        mnemonic = "WasmPluginRustc"):
    """Registers one rustc invocation and describes its result.

    Args:
      ctx: the context of a rule with TOOLCHAIN_ATTRS.
      crate_name: the crate's name.
      crate_type: "rlib", "proc-macro", "bin" or "cdylib".
      root: File, or a path below the execution root: the crate root.
      srcs: list of File, every source of the crate.
      output: File, what rustc writes.
      target: the target triple.
      deps: list of struct(name, crate, dep_info) (see `dependency`).
      proc_macro_deps: the proc-macros it uses, likewise.
      edition: the Rust edition.
      features: Cargo features (`--cfg feature="..."`).
      opt_level: rustc's `-C opt-level`.
      cap_lints: rustc's `--cap-lints` ("allow" for third-party code), or None.
      rustc_env: dict of environment variables (CARGO_PKG_* and the like).
      manifest_dir: the directory CARGO_MANIFEST_DIR names (below the execution root).
      build_script: BuildScriptInfo of the crate's build script, or None.
      out_dir: File (a directory) that OUT_DIR names when there is no build script, or None.
      test: whether to compile the crate's tests (`--test`).
      extra_flags: more rustc arguments.
      extra_inputs: more input files.
      mnemonic: the action's mnemonic.

    Returns:
      struct(crate, dep_info): the crate's WasmPluginCrateInfo and WasmPluginDepInfo.
    """
    args = ctx.actions.args()
    args.add(root if type(root) == "string" else root.path)
    args.add("--crate-name=" + crate_name)
    args.add("--edition=" + edition)
    args.add("--crate-type=" + crate_type if not test else "--test")
    args.add("--target=" + target)
    args.add("--emit=link")
    args.add("-o", output)
    args.add("-C", "opt-level=" + opt_level)

    # Two crates of one name (two versions) must not clash in symbols: the label tells them apart.
    args.add("-C", "metadata={}-{}".format(identifier(str(ctx.label)), target))
    if cap_lints:
        args.add("--cap-lints=" + cap_lints)
    if crate_type == "proc-macro":
        # As Cargo does: the compiler's proc_macro crate, in the extern prelude.
        args.add("--extern=proc_macro")
    for feature in features:
        args.add("--cfg", 'feature="{}"'.format(feature))
    if crate_type == "cdylib" and target == WASM:
        # The binary interface needs libc's allocator exported (docs/abi.md).
        args.add_all([
            "-C",
            "link-arg=--export=malloc",
            "-C",
            "link-arg=--export=free",
            "-C",
            "panic=abort",
            "-C",
            "strip=symbols",
            "-C",
            "codegen-units=1",
        ])

    inputs = list(srcs) + list(extra_inputs) + ctx.attr._rustc_files.files.to_list()
    if target == WASM:
        inputs += ctx.attr._wasm_std.files.to_list()
    direct_crates = []
    transitive_crates = []
    transitive_outputs = []
    link_search = []
    build_outputs = []
    for dep in deps + proc_macro_deps:
        args.add("--extern={}={}".format(dep.name, dep.crate.output.path))
        direct_crates.append(struct(name = dep.name, dep = dep.crate))
        if dep.crate.type == "proc-macro":
            # Linked into the proc-macro: its dependencies are no business of dependents.
            transitive_crates.append(depset([dep.crate]))
            transitive_outputs.append(depset([dep.crate.output]))
        else:
            transitive_crates.append(depset([dep.crate], transitive = [dep.dep_info.transitive_crates]))
            transitive_outputs.append(depset([dep.crate.output], transitive = [dep.dep_info.transitive_crate_outputs]))
            link_search.append(dep.dep_info.link_search_path_files)
            build_outputs.append(dep.dep_info.transitive_build_outputs)
    if build_script:
        link_search.append(depset([build_script.link_search]))
        build_outputs.append(depset([build_script.out_dir]))
    dep_info = WasmPluginDepInfo(
        direct_crates = depset(direct_crates),
        transitive_crates = depset(transitive = transitive_crates),
        transitive_crate_outputs = depset(transitive = transitive_outputs),
        link_search_path_files = depset(transitive = link_search),
        transitive_build_outputs = depset(transitive = build_outputs),
    )
    args.add_all(
        dep_info.transitive_crate_outputs,
        map_each = _dependency_dir,
        uniquify = True,
        format_each = "-Ldependency=%s",
    )
    args.add_all(dep_info.link_search_path_files, format_each = "@%s")
    if build_script:
        args.add("@" + build_script.flags.path)
        inputs += [build_script.flags, build_script.env]
    args.add_all(extra_flags)

    # rustc resolves `include!(concat!(env!("OUT_DIR"), ...))` against an absolute path; the
    # remapping keeps the sandbox's path out of the output, so every checkout gets the same bytes.
    env = dict(rustc_env)
    env.setdefault("CARGO_CRATE_NAME", crate_name)
    env.setdefault("CARGO_PKG_NAME", crate_name.replace("_", "-"))
    env.setdefault("CARGO_PKG_VERSION", "0.0.0")
    script = ["set -e"]
    for key, value in sorted(env.items()):
        script.append("export {}={}".format(key, shell_quote(value)))
    script.append('export CARGO_MANIFEST_DIR="$PWD"/{}'.format(shell_quote(manifest_dir or package_dir(ctx.label))))
    directory = build_script.out_dir if build_script else out_dir
    if directory:
        script.append('export OUT_DIR="$PWD"/{}'.format(shell_quote(directory.path)))
    if build_script:
        script.append('while IFS= read -r line; do export "${line//\\$\\{pwd\\}/$PWD}"; done < ' + shell_quote(build_script.env.path))
    script.append('exec {} "$@" --remap-path-prefix="$PWD=."'.format(shell_quote(ctx.file._rustc.path)))
    ctx.actions.run_shell(
        command = "\n".join(script),
        arguments = [args],
        inputs = depset(inputs, transitive = [
            dep_info.transitive_crate_outputs,
            dep_info.link_search_path_files,
            dep_info.transitive_build_outputs,
        ]),
        outputs = [output],
        mnemonic = mnemonic,
        progress_message = "Compiling Rust {} {} ({})".format("test" if test else crate_type, ctx.label, target),
        use_default_shell_env = True,
    )
    crate = WasmPluginCrateInfo(
        name = crate_name,
        type = crate_type,
        root = root,
        srcs = depset(srcs),
        output = output,
        edition = edition,
        target = target,
        owner = ctx.label,
    )
    return struct(crate = crate, dep_info = dep_info)

def _dependency_dir(file):
    return file.dirname

def build_script_files(ctx, name):
    """Declares the files a build script run writes, as BuildScriptInfo holds them."""
    return BuildScriptInfo(
        out_dir = ctx.actions.declare_directory(name + ".out_dir"),
        flags = ctx.actions.declare_file(name + ".flags"),
        env = ctx.actions.declare_file(name + ".env"),
        dep_env = ctx.actions.declare_file(name + ".dep_env"),
        link_search = ctx.actions.declare_file(name + ".link_search"),
    )
