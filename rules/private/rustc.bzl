"""Actions that run rustc and cargo. Rules and the aspect share these helpers."""

load("@bazel_skylib//rules:common_settings.bzl", "BuildSettingInfo")

WASM = "wasm32-wasip1"
HOST = "x86_64-unknown-linux-gnu"

_IDENTIFIER = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

def identifier(name):
    """`name` as a Rust and shell identifier: every other character becomes `_`."""
    result = "".join([c if c in _IDENTIFIER else "_" for c in name.elems()])
    return "_" + result if result[0].isdigit() else result

def shell_quote(value):
    """`value` in single quotes, for a shell command."""
    return "'" + value.replace("'", "'\\''") + "'"

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

def rust_target(ctx):
    """The target triple of the current configuration (the //rules:platform flag)."""
    return WASM if ctx.attr._platform[BuildSettingInfo].value == WASM else HOST

def compile_rust(
        ctx,
        *,
        crate_name,
        crate_type,
        srcs,
        root,
        output,
        target,
        crates = None,
        crate_externs = [],
        deps = [],
        out_dir = None,
        test = False,
        extra_flags = [],
        version = "0.0.0",
        mnemonic = "WasmPluginRustc"):
    """Registers one rustc invocation.

    Args:
      ctx: the rule context.
      crate_name: the crate's name.
      crate_type: "rlib", "bin" or "cdylib".
      srcs: list of File, every source of the crate.
      root: File, the crate root (lib.rs or main.rs).
      output: File, what rustc writes.
      target: the target triple.
      crates: CratesInfo of the third-party crates, or None.
      crate_externs: names of third-party crates the crate uses directly.
      deps: list of RustCrateInfo of workspace crates it uses directly.
      out_dir: File (a directory) that OUT_DIR points to, for `include_proto!`, or None.
      test: whether to build the crate's tests (`--test`).
      extra_flags: more rustc flags.
      version: the crate's version, for `env!("CARGO_PKG_VERSION")`.
      mnemonic: the action's mnemonic.
    """
    toolchain = ctx.attr._rustc_files.files.to_list()
    rustc = ctx.file._rustc
    args = [
        root.path,
        "--crate-name=" + crate_name,
        "--edition=2021",
        "--target=" + target,
        "--emit=link",
        "-o",
        output.path,
        "-C",
        "opt-level=2",
        "-C",
        "metadata=" + crate_name + "-" + target,
        "--cap-lints=warn",
    ]
    if test:
        args.append("--test")
    else:
        args.append("--crate-type=" + crate_type)
    if crate_type == "cdylib" and target == WASM:
        # The binary interface needs libc's allocator exported (docs/abi.md).
        args += [
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
            "-C",
            "opt-level=s",
        ]
    inputs = list(srcs) + toolchain
    if target == WASM:
        inputs += ctx.attr._wasm_std.files.to_list()
    transitive_crates = []
    if crates:
        inputs.append(crates.dir)
        args.append("-Ldependency=" + crates.dir.path + "/deps")
        for name in crate_externs:
            if name not in crates.externs:
                fail("{}: the crate `{}` is not among the third-party crates hosts can use: {}. A crate of this repository's Cargo.lock is added to the `externs` of //rules/crates:host (in a Cargo.toml of the workspace first, if it is new).".format(ctx.label, name, ", ".join(crates.externs)))
            args.append("@" + crates.dir.path + "/externs/" + name)
    transitive_rlibs = []
    for dep in deps:
        args.append("--extern={}={}".format(dep.crate_name, dep.rlib.path))
        transitive_rlibs.append(dep.transitive_rlibs)
        transitive_crates.append(dep.crates)
    all_rlibs = depset(transitive = transitive_rlibs).to_list()
    for rlib in all_rlibs:
        args.append("-Ldependency=" + rlib.dirname)
    inputs += all_rlibs
    for crates_dir in depset(transitive = transitive_crates).to_list():
        inputs.append(crates_dir)
        args.append("-Ldependency=" + crates_dir.path + "/deps")
    args += extra_flags
    if out_dir:
        inputs.append(out_dir)

    # rustc resolves `include!` of OUT_DIR against an absolute path; the remapping keeps the
    # sandbox's path out of the output, so that every checkout produces the same bytes.
    script = "set -e\nexport CARGO_PKG_NAME={} CARGO_CRATE_NAME={} CARGO_PKG_VERSION={}\n".format(
        shell_quote(crate_name.replace("_", "-")),
        shell_quote(crate_name),
        shell_quote(version),
    )
    if out_dir:
        script += 'export OUT_DIR="$PWD/{}"\n'.format(out_dir.path)
    script += 'exec "{}" "$@" --remap-path-prefix="$PWD=."\n'.format(rustc.path)
    ctx.actions.run_shell(
        command = script,
        arguments = args,
        inputs = depset(inputs),
        outputs = [output],
        mnemonic = mnemonic,
        progress_message = "Compiling Rust {} {} ({})".format(crate_type if not test else "test", ctx.label, target),
        use_default_shell_env = True,
    )

def crates_dirs(crates, deps):
    """The crate directories a library built with `crates` and `deps` needs downstream."""
    return depset(
        [crates.dir] if crates else [],
        transitive = [dep.crates for dep in deps],
    )

def build_crates(ctx, *, target, packages, externs, output, all_targets = False):
    """Registers the cargo build of third-party crates from the vendored archive.

    Args:
      ctx: the rule context (with _cargo, _rustc, _rustc_files, _wasm_std, _vendor, _lock,
        _manifests, _build_crates attributes).
      target: "host" or a target triple.
      packages: workspace packages whose dependencies to build.
      externs: crate names to write argument files for.
      output: File (a directory) for the result.
      all_targets: whether to build the packages' test dependencies too.
    """
    manifests = ctx.files._manifests
    args = [
        "--cargo",
        ctx.file._cargo.path,
        "--rustc",
        ctx.file._rustc.path,
        "--vendor",
        ctx.file._vendor.path,
        "--lock",
        ctx.file._lock.path,
        "--target",
        target,
        "--out",
        output.path,
    ]
    for package in packages:
        args += ["--package", package]
    if all_targets:
        args.append("--all-targets")
    for name in externs:
        args += ["--extern", name]
    args += [manifest.path for manifest in manifests]
    inputs = [ctx.file._cargo, ctx.file._vendor, ctx.file._lock] + manifests
    inputs += ctx.attr._rustc_files.files.to_list() + ctx.attr._wasm_std.files.to_list()
    ctx.actions.run(
        executable = ctx.executable._build_crates,
        arguments = args,
        inputs = inputs,
        outputs = [output],
        mnemonic = "WasmPluginCrates",
        progress_message = "Building third-party crates for {} ({})".format(target, ", ".join(packages)),
        use_default_shell_env = True,
    )
