"""Providers of rules_wasm_plugin. Every field is documented as "Type: sentence".

WasmPluginCrateInfo and WasmPluginDepInfo are shaped like rules_rust's CrateInfo and DepInfo where
they overlap (same field names and meanings), so that a rule that maps one onto the other is a
few lines (docs/rules.md, "Coming from rules_rust").
"""

WasmPluginCrateInfo = provider(
    doc = "A Rust crate compiled for one platform: by wasm_plugin_rust_library, a crate of a crates repository, or the glue of a proto_library.",
    fields = {
        "name": "string: the crate's name, as `--extern` gives it to dependents unless they rename it.",
        "type": 'string: "rlib", "proc-macro" or "bin".',
        "root": "File: the crate root (lib.rs, main.rs, or the generated wasm_plugin.rs of a glue crate).",
        "srcs": "depset of File: every source file of the crate.",
        "output": "File: the compiled crate (.rlib, or .so for a proc-macro).",
        "edition": 'string: the Rust edition ("2021").',
        "target": 'string: the target triple it was compiled for ("x86_64-unknown-linux-gnu" or "wasm32-wasip1").',
        "owner": "Label: the target that compiled it.",
    },
)

WasmPluginDepInfo = provider(
    doc = "What compiling against a crate needs besides the crate itself: everything it depends on.",
    fields = {
        "direct_crates": "depset of struct(name, dep): the crate's direct dependencies, `dep` a WasmPluginCrateInfo, `name` the name the crate uses it by.",
        "transitive_crates": "depset of WasmPluginCrateInfo: every crate the crate depends on, directly or not (not itself; not the dependencies of proc-macros, which are linked into them).",
        "transitive_crate_outputs": "depset of File: the outputs of `transitive_crates`, inputs of every compile against the crate.",
        "link_search_path_files": "depset of File: rustc argument files with the `-L` directories of native libraries that build scripts of these crates made (paths relative to the execution root).",
        "transitive_build_outputs": "depset of File: the build scripts' output directories those directories are in.",
    },
)

PlatformInfo = provider(
    doc = "The platform of the configuration, from //rules:platform (private to the rules).",
    fields = {"triple": 'string: "wasm32-wasip1" or "x86_64-unknown-linux-gnu".'},
)

BuildScriptInfo = provider(
    doc = "The outputs of a third-party crate's build script, run for one platform (private to the rules).",
    fields = {
        "out_dir": "File: the directory the build script wrote (OUT_DIR of the crate's compilation).",
        "flags": "File: rustc arguments, one a line (`--cfg`, `-l`, `-L`).",
        "env": "File: KEY=VALUE lines for the crate's compilation (`${pwd}` for the execution root).",
        "dep_env": "File: DEP_<LINKS>_<KEY>=VALUE lines for the build scripts of dependents.",
        "link_search": "File: the `-L` arguments of `flags` alone, for the crates that depend on this one.",
    },
)

WasmPluginGlueInfo = provider(
    doc = "The code the glue aspect generated for one proto_library, for the side of the configuration it ran in (guest in wasm32-wasip1, host otherwise). The glue's crate itself comes as WasmPluginCrateInfo and WasmPluginDepInfo next to it.",
    fields = {
        "side": 'string: "guest" or "host".',
        "srcs": "File: a directory with one `<package>.rs` per protobuf package of the library's own files and `wasm_plugin.rs`, which nests them in modules (the crate root).",
        "services": "File: the services with a directive in the library's own files, one a line: `plugin NAME VERSION` or `host NAME MODULE`.",
        "packages": "File: the protobuf packages of the library's own files, one a line.",
        "crate_name": "string: the glue crate's name (the proto_library's name, as a Rust identifier).",
        "proto": "Label: the proto_library.",
        "transitive": "depset of struct(crate_name, packages, services, proto): this glue and the glue of every proto_library it imports, for `include_proto!` and the build-time checks.",
    },
)

WasmPluginInfo = provider(
    doc = "A plugin compiled for wasm32-wasip1 by wasm_plugin_library.",
    fields = {
        "wasm": "File: the plugin module.",
        "services": "list of File: the services files of the plugin's protos (as in WasmPluginGlueInfo).",
        "protos": "list of Label: the proto_library targets the plugin implements services of.",
    },
)

WasmPluginGlueOptionsInfo = provider(
    doc = "prost's options for message types (wasm_plugin_glue_options), the generator's `Builder` methods of the same names: for every glue crate of a build (the flag `//rules:glue_options`) or for one target's protos (its `glue_options`).",
    fields = {
        "extern_crates": "list of struct(path, rust, crate): the protobuf path whose types the Rust path `rust` has, in `crate` (struct(name, crate, dep_info), a dependency of the glue crate).",
        "bytes": "list of string: protobuf paths whose `bytes` fields are `bytes::Bytes`.",
        "btree_map": "list of string: protobuf paths whose maps are `BTreeMap`.",
        "disable_comments": "list of string: protobuf paths whose comments are left out.",
        "type_attributes": "dict of string to list of string: attributes of the messages and enums under a path.",
        "field_attributes": "dict of string to list of string: attributes of the fields under a path.",
    },
)
