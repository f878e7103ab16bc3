"""wasm_plugin_glue_options: prost's options for the message types the glue aspect generates."""

load(":providers.bzl", "WasmPluginGlueOptionsInfo")

def _glue_options_impl(ctx):
    return [WasmPluginGlueOptionsInfo(
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
    attrs = {
        "bytes": attr.string_list(doc = "Protobuf paths (`.` for all, `.pkg`, `.pkg.Message`, `.pkg.Message.field`) whose `bytes` fields are `bytes::Bytes`."),
        "btree_map": attr.string_list(doc = "Protobuf paths whose `map` fields are `BTreeMap`."),
        "disable_comments": attr.string_list(doc = "Protobuf paths whose comments are left out of the messages and enums."),
        "type_attributes": attr.string_list_dict(doc = "Attributes (`#[derive(Eq)]`) of the messages and enums under each protobuf path."),
        "field_attributes": attr.string_list_dict(doc = "Attributes of the fields under each protobuf path."),
    },
    provides = [WasmPluginGlueOptionsInfo],
)
