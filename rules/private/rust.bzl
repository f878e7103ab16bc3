"""The project's own Rust rules: rustc for workspace crates, cargo for third-party crates.

rules_rust cannot be obtained here, so these are deliberately small: enough to build the
runtime, the guest SDK, the generator and their users, for the host or for wasm32-wasip1
according to the //rules:platform flag.
"""

load(":providers.bzl", "CratesInfo", "RustCrateInfo")
load(":rustc.bzl", "build_crates", "compile_rust", "crate_root", "crates_dirs", "identifier", "rust_target")

RUST_TOOLCHAIN_ATTRS = {
    "_rustc": attr.label(default = Label("@wasm_plugin_rust//:bin/rustc"), allow_single_file = True),
    "_rustc_files": attr.label(default = Label("@wasm_plugin_rust//:rustc_files")),
    "_wasm_std": attr.label(default = Label("@wasm_plugin_rust//:wasm_std")),
    "_platform": attr.label(default = Label("//rules:platform")),
}

def _crates_impl(ctx):
    target = rust_target(ctx)
    output = ctx.actions.declare_directory(ctx.label.name)
    build_crates(
        ctx,
        target = "host" if target != "wasm32-wasip1" else target,
        packages = ctx.attr.packages,
        externs = ctx.attr.externs,
        output = output,
        all_targets = ctx.attr.all_targets,
    )
    return [
        DefaultInfo(files = depset([output])),
        CratesInfo(dir = output, externs = ctx.attr.externs),
    ]

wasm_plugin_crates = rule(
    implementation = _crates_impl,
    doc = "Third-party crates that the named workspace packages need, built by cargo offline from the vendored archive, for the configured platform.",
    attrs = dict(RUST_TOOLCHAIN_ATTRS, **{
        "packages": attr.string_list(mandatory = True, doc = "Cargo packages of the workspace whose dependencies to build."),
        "externs": attr.string_list(doc = "Crates that workspace code names directly (`--extern`)."),
        "all_targets": attr.bool(doc = "Also build the packages' test dependencies (`--all-targets`)."),
        "_cargo": attr.label(default = Label("@wasm_plugin_rust//:bin/cargo"), allow_single_file = True),
        "_vendor": attr.label(default = Label("@wasm_plugin_vendor//:vendor.tar"), allow_single_file = True),
        "_lock": attr.label(default = Label("//:Cargo.lock"), allow_single_file = True),
        "_manifests": attr.label(default = Label("//:cargo_manifests")),
        "_build_crates": attr.label(
            default = Label("//rules/private:build_crates.py"),
            allow_single_file = True,
            executable = True,
            cfg = "exec",
        ),
    }),
)

_CRATE_ATTRS = dict(RUST_TOOLCHAIN_ATTRS, **{
    "srcs": attr.label_list(allow_files = [".rs"], mandatory = True, doc = "The crate's sources."),
    "crate_root": attr.label(allow_single_file = [".rs"], doc = "The crate root; default: the source named lib.rs or main.rs, or the only source."),
    "crate_name": attr.string(doc = "The crate's name; default: the target's name."),
    "deps": attr.label_list(providers = [RustCrateInfo], doc = "Workspace crates it uses."),
    "crates": attr.label(providers = [CratesInfo], doc = "The third-party crates it is compiled against."),
    "crate_deps": attr.string_list(doc = "Third-party crates (from `crates`) it uses directly."),
    "out_dir": attr.label(allow_single_file = True, doc = "A directory OUT_DIR points to while compiling."),
    "version": attr.string(default = "0.0.0", doc = "The crate's version (`CARGO_PKG_VERSION`)."),
})

def _crate_name(ctx):
    return ctx.attr.crate_name or identifier(ctx.label.name)

def _library_impl(ctx):
    target = rust_target(ctx)
    crate_name = _crate_name(ctx)
    rlib = ctx.actions.declare_file("lib{}-{}.rlib".format(crate_name, target))
    deps = [dep[RustCrateInfo] for dep in ctx.attr.deps]
    crates = ctx.attr.crates[CratesInfo] if ctx.attr.crates else None
    compile_rust(
        ctx,
        crate_name = crate_name,
        crate_type = "rlib",
        srcs = ctx.files.srcs,
        root = crate_root(ctx, "lib.rs"),
        output = rlib,
        target = target,
        crates = crates,
        crate_externs = ctx.attr.crate_deps,
        deps = deps,
        out_dir = ctx.file.out_dir,
        version = ctx.attr.version,
    )
    return [
        DefaultInfo(files = depset([rlib])),
        RustCrateInfo(
            crate_name = crate_name,
            rlib = rlib,
            transitive_rlibs = depset([rlib], transitive = [dep.transitive_rlibs for dep in deps]),
            crates = crates_dirs(crates, deps),
        ),
    ]

rust_library = rule(
    implementation = _library_impl,
    doc = "A Rust library of this workspace, compiled with rustc for the configured platform.",
    attrs = _CRATE_ATTRS,
)

def _binary_impl(ctx):
    target = rust_target(ctx)
    output = ctx.actions.declare_file(ctx.label.name)
    compile_rust(
        ctx,
        crate_name = _crate_name(ctx),
        crate_type = "bin",
        srcs = ctx.files.srcs,
        root = crate_root(ctx, "main.rs"),
        output = output,
        target = target,
        crates = ctx.attr.crates[CratesInfo] if ctx.attr.crates else None,
        crate_externs = ctx.attr.crate_deps,
        deps = [dep[RustCrateInfo] for dep in ctx.attr.deps],
        out_dir = ctx.file.out_dir,
        version = ctx.attr.version,
    )
    return [DefaultInfo(files = depset([output]), executable = output)]

rust_binary = rule(
    implementation = _binary_impl,
    doc = "A Rust program of this workspace.",
    attrs = _CRATE_ATTRS,
    executable = True,
)
