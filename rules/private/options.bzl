"""wasm_plugin_glue_options: prost's options for the message types the glue aspect generates."""

load(":providers.bzl", "WasmPluginCrateInfo", "WasmPluginGlueOptionsInfo")
load(":rustc.bzl", "dependency")
load(":transitions.bzl", "TRANSITION_ALLOWLIST", "keep_platform_transition")

def _extern_crate(ctx, target, value):
    path, _, rust = value.partition("=")
    if not path.startswith(".") or path == ".":
        fail("{}: extern_crates gives {} the protobuf path `{}`: write it as `.package` or `.package.Message`, optionally `=::crate::module`".format(ctx.label, target.label, path))
    crate = dependency(target)
    return struct(path = path, rust = rust or "::" + crate.name, crate = crate)

def _glue_options_impl(ctx):
    return [WasmPluginGlueOptionsInfo(
        extern_crates = [_extern_crate(ctx, target, value) for target, value in ctx.attr.extern_crates.items()],
        bytes = ctx.attr.bytes,
        btree_map = ctx.attr.btree_map,
        disable_comments = ctx.attr.disable_comments,
        type_attributes = ctx.attr.type_attributes,
        field_attributes = ctx.attr.field_attributes,
    )]

wasm_plugin_glue_options = rule(
    implementation = _glue_options_impl,
    doc = """prost's options for message types, as the generator's `Builder` methods of the same
names: both sides honour them. A target's `glue_options` attribute (wasm_plugin_library,
wasm_plugin_host, wasm_plugin_host_test, wasm_plugin_glue) applies them to the messages of its
protos; the flag `@rules_wasm_plugin//rules:glue_options` to every glue crate of a build:

```python
# BUILD.bazel
wasm_plugin_glue_options(
    name = "glue_options",
    bytes = ["."],
    btree_map = [".shop.Cart"],
    type_attributes = {".shop": ["#[derive(Eq)]"]},
)
```

```sh
# .bazelrc
build --@rules_wasm_plugin//rules:glue_options=//:glue_options
```""",
    attrs = dict(TRANSITION_ALLOWLIST, **{
        "extern_crates": attr.label_keyed_string_dict(
            providers = [WasmPluginCrateInfo],
            cfg = keep_platform_transition,
            doc = "Rust crates of your own that have the message types under a protobuf path, with the path (prost's `extern_path`): `{\"//shop:money\": \".shop.money\"}` takes them from the crate's root, `\".shop.money=::money::v1\"` from a module of it. They win over the glue crates of imported proto_library targets.",
        ),
        "bytes": attr.string_list(doc = "Protobuf paths (`.` for all, `.pkg`, `.pkg.Message`, `.pkg.Message.field`) whose `bytes` fields are `bytes::Bytes`."),
        "btree_map": attr.string_list(doc = "Protobuf paths whose `map` fields are `BTreeMap`."),
        "disable_comments": attr.string_list(doc = "Protobuf paths whose comments are left out of the messages and enums."),
        "type_attributes": attr.string_list_dict(doc = "Attributes (`#[derive(Eq)]`) of the messages and enums under each protobuf path."),
        "field_attributes": attr.string_list_dict(doc = "Attributes of the fields under each protobuf path."),
    }),
    provides = [WasmPluginGlueOptionsInfo],
)
