"""Providers of rules_wasm_plugin. Every field is documented as "Type: sentence"."""

CratesInfo = provider(
    doc = "Third-party crates built by cargo from the vendored sources, for one target.",
    fields = {
        "dir": "File: a directory with `deps/` (every rlib and proc-macro) and `externs/<name>` (an rustc argument file `--extern name=path` per requested crate).",
        "externs": "list of string: the crate names that have an argument file in `externs/`.",
    },
)

RustCrateInfo = provider(
    doc = "A Rust library of this workspace, compiled by the rules' own rustc actions.",
    fields = {
        "crate_name": "string: the name other crates use it by.",
        "rlib": "File: the compiled library.",
        "transitive_rlibs": "depset of File: this library and every workspace library it depends on.",
        "crates": "depset of File: the crate directories (CratesInfo.dir) it was compiled against.",
    },
)

WasmPluginGlueInfo = provider(
    doc = "The code generated for a proto_library and everything it imports, by the glue aspect.",
    fields = {
        "guest": "File: a directory with the guest glue: one `<package>.rs` per protobuf package and `wasm_plugin.rs`.",
        "host": "File: a directory with the host glue, laid out like `guest`.",
        "services": "File: the services with a directive, one a line: `plugin NAME VERSION` or `host NAME MODULE`.",
    },
)

WasmPluginInfo = provider(
    doc = "A plugin compiled for wasm32-wasip1 by wasm_plugin_library.",
    fields = {
        "wasm": "File: the plugin module.",
        "services": "File: the services of the plugin's proto (as in WasmPluginGlueInfo).",
        "proto": "Label: the proto_library the plugin implements.",
    },
)
