//! The generator as a build-system tool (Bazel's glue aspect runs it).
//!
//! ```text
//! wasm-plugin-gen --side guest|host --out DIR [--services FILE] [--packages FILE]
//!     [--rustfmt PATH] [--async-calls] [--descriptor-set FILE]... [--extern-crate CRATE=PROTO]...
//!     PROTO...
//! wasm-plugin-gen include --out DIR [--glue CRATE=PACKAGES]...
//! ```
//!
//! The first form reads descriptor sets and writes the generated files of the named `.proto`
//! files into a directory: one glue crate, whose root is `wasm_plugin.rs`.
//!
//! - `--services` also writes the services that carry a directive, one a line
//!   (`plugin greeting.Greeter 1`, `host greeting.HostFunctions env`), for the build rules' checks;
//! - `--packages` writes the protobuf packages of the named files, one a line;
//! - `--extern-crate CRATE=PROTO`: the types of the file PROTO (an import name, as in the
//!   descriptor sets) are not generated but taken from the glue crate CRATE, where they are in
//!   modules named after their package: one crate per `proto_library`, messages of a shared
//!   `.proto` one Rust type everywhere;
//! - `--rustfmt` names the rustfmt that lays the code out (else see `Builder::rustfmt`);
//! - `--async-calls`: async host code (`Builder::async_calls`);
//! - `--extern-path PATH=RUST_PATH`: the types under the protobuf path PATH are the Rust types
//!   under RUST_PATH, in a crate of the user's (`Builder::extern_path`); it wins over the
//!   `--extern-crate` paths it covers;
//! - `--bytes PATH`, `--btree-map PATH`, `--disable-comments PATH`,
//!   `--type-attribute PATH=ATTRIBUTE`, `--field-attribute PATH=ATTRIBUTE`: prost's options for
//!   the message types (the `Builder` methods of the same names), each as often as needed.
//!
//! The second form writes, for `include_proto!` and `wasm_plugin.rs` in crates that use glue
//! crates, one `<package>.rs` per package that re-exports the package's module of each glue crate
//! that has it (`PACKAGES` is a `--packages` file), and a `wasm_plugin.rs` that nests them.
//!
//! Descriptor sets must carry source info (Bazel:
//! `--experimental_proto_descriptor_sets_include_source_info`), or directives are not found;
//! well-known types missing from them are taken from protox's bundled copies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use prost::Message;
use prost_types::{FileDescriptorProto, FileDescriptorSet};

const USAGE: &str = "usage: wasm-plugin-gen --side guest|host --out DIR [--services FILE] \
    [--packages FILE] [--rustfmt PATH] [--async-calls] [--bytes PATH]... [--btree-map PATH]... \
    [--disable-comments PATH]... [--type-attribute PATH=ATTRIBUTE]... \
    [--field-attribute PATH=ATTRIBUTE]... [--descriptor-set FILE]... \
    [--extern-crate CRATE=PROTO]... [--extern-path PATH=RUST_PATH]... PROTO...\n       wasm-plugin-gen include --out DIR [--glue CRATE=PACKAGES]...";

#[derive(Default)]
struct Generate {
    side: Option<wasm_plugin_build::Side>,
    out: Option<PathBuf>,
    services: Option<PathBuf>,
    packages: Option<PathBuf>,
    rustfmt: Option<PathBuf>,
    async_calls: bool,
    bytes: Vec<String>,
    btree_map: Vec<String>,
    disable_comments: Vec<String>,
    type_attributes: Vec<(String, String)>,
    field_attributes: Vec<(String, String)>,
    descriptor_sets: Vec<PathBuf>,
    extern_crates: Vec<(String, String)>,
    extern_paths: Vec<(String, String)>,
    protos: Vec<String>,
}

#[derive(Default)]
struct Include {
    out: Option<PathBuf>,
    glue: Vec<(String, PathBuf)>,
}

enum Command {
    Generate(Box<Generate>),
    Include(Include),
}

fn pair(value: String, flag: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .ok_or_else(|| format!("{flag} {value}: not NAME=VALUE; {USAGE}"))
}

fn parse(args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut args = args.peekable();
    let include = args.peek().is_some_and(|arg| arg == "include");
    if include {
        args.next();
    }
    let (mut generate, mut include_args) = (Generate::default(), Include::default());
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value; {USAGE}"))
        };
        match (include, arg.as_str()) {
            (true, "--out") => include_args.out = Some(value()?.into()),
            (true, "--glue") => {
                let (name, file) = pair(value()?, "--glue")?;
                include_args.glue.push((name, file.into()));
            }
            (false, "--side") => {
                generate.side = Some(match value()?.as_str() {
                    "guest" => wasm_plugin_build::Side::Guest,
                    "host" => wasm_plugin_build::Side::Host,
                    other => return Err(format!("unknown side `{other}`; {USAGE}")),
                })
            }
            (false, "--out") => generate.out = Some(value()?.into()),
            (false, "--services") => generate.services = Some(value()?.into()),
            (false, "--packages") => generate.packages = Some(value()?.into()),
            (false, "--rustfmt") => generate.rustfmt = Some(value()?.into()),
            (false, "--async-calls") => generate.async_calls = true,
            (false, "--bytes") => generate.bytes.push(value()?),
            (false, "--btree-map") => generate.btree_map.push(value()?),
            (false, "--disable-comments") => generate.disable_comments.push(value()?),
            (false, "--type-attribute") => generate
                .type_attributes
                .push(pair(value()?, "--type-attribute")?),
            (false, "--field-attribute") => generate
                .field_attributes
                .push(pair(value()?, "--field-attribute")?),
            (false, "--descriptor-set") => generate.descriptor_sets.push(value()?.into()),
            (false, "--extern-crate") => generate
                .extern_crates
                .push(pair(value()?, "--extern-crate")?),
            (false, "--extern-path") => {
                generate.extern_paths.push(pair(value()?, "--extern-path")?)
            }
            (_, flag) if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}; {USAGE}"))
            }
            (false, _) => generate.protos.push(arg),
            (true, _) => return Err(format!("unexpected argument {arg}; {USAGE}")),
        }
    }
    Ok(if include {
        Command::Include(include_args)
    } else {
        Command::Generate(Box::new(generate))
    })
}

fn read_descriptor_sets(paths: &[PathBuf]) -> Result<Vec<FileDescriptorProto>, String> {
    let mut files: Vec<FileDescriptorProto> = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let set = FileDescriptorSet::decode(bytes.as_slice())
            .map_err(|error| format!("{} is not a FileDescriptorSet: {error}", path.display()))?;
        for file in set.file {
            if !files.iter().any(|known| known.name == file.name) {
                files.push(file);
            }
        }
    }
    // Well-known types the sets do not carry come from protox's copies.
    let imported: Vec<String> = files
        .iter()
        .flat_map(|file| file.dependency.clone())
        .collect();
    for name in imported {
        if name.starts_with("google/protobuf/") && !files.iter().any(|file| file.name() == name) {
            let set = protox::compile([&name], Vec::<PathBuf>::new())
                .map_err(|error| format!("{name}: {error}"))?;
            for file in set.file {
                if !files.iter().any(|known| known.name == file.name) {
                    files.insert(0, file);
                }
            }
        }
    }
    Ok(files)
}

/// The Rust module path of a protobuf package, as prost names it (`acme::r#type`).
fn module_path(package: &str) -> String {
    prost_build::Module::from_protobuf_package_name(package)
        .parts()
        .collect::<Vec<_>>()
        .join("::")
}

/// prost's name for a top-level message or enum.
fn type_name(name: &str) -> String {
    use heck::ToUpperCamelCase;
    match name.to_upper_camel_case() {
        name if name == "Self" => "Self_".to_owned(),
        name => name,
    }
}

/// Extern paths that take the types of other glue crates' files from those crates: a whole
/// package where one crate has all of it, else type by type.
fn extern_paths(
    files: &[FileDescriptorProto],
    extern_crates: &[(String, String)],
    own: &[String],
) -> Result<Vec<(String, String)>, String> {
    let find = |name: &str| {
        files
            .iter()
            .find(|file| file.name() == name)
            .ok_or_else(|| format!("--extern-crate names {name}, which no descriptor set holds"))
    };
    let mut crates_of_package: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (crate_name, name) in extern_crates {
        crates_of_package
            .entry(find(name)?.package())
            .or_default()
            .insert(crate_name);
    }
    for name in own {
        crates_of_package
            .entry(find(name)?.package())
            .or_default()
            .insert("");
    }
    let mut paths = Vec::new();
    for (crate_name, name) in extern_crates {
        let file = find(name)?;
        let package = file.package();
        let rust_package = match module_path(package).as_str() {
            "" => format!("::{crate_name}"),
            path => format!("::{crate_name}::{path}"),
        };
        if !package.is_empty() && crates_of_package[package].len() == 1 {
            paths.push((format!(".{package}"), rust_package));
            continue;
        }
        let names = file
            .message_type
            .iter()
            .map(|message| message.name())
            .chain(file.enum_type.iter().map(|enumeration| enumeration.name()));
        for name in names {
            let proto = if package.is_empty() {
                format!(".{name}")
            } else {
                format!(".{package}.{name}")
            };
            paths.push((proto, format!("{rust_package}::{}", type_name(name))));
        }
    }
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// Whether the protobuf path `path` (`.pkg`, `.pkg.Message`) is `other` or contains it.
fn covers(path: &str, other: &str) -> bool {
    other == path || other.starts_with(&format!("{path}."))
}

fn write(path: &PathBuf, content: &str) -> Result<(), String> {
    std::fs::write(path, content).map_err(|error| format!("{}: {error}", path.display()))
}

fn generate(arguments: Generate) -> Result<(), String> {
    let side = arguments
        .side
        .ok_or_else(|| format!("--side is missing; {USAGE}"))?;
    let out = arguments
        .out
        .ok_or_else(|| format!("--out is missing; {USAGE}"))?;
    let files = read_descriptor_sets(&arguments.descriptor_sets)?;
    // Directives live in comments: a descriptor set without them would silently give no glue.
    for file in &files {
        let asked = arguments.protos.iter().any(|name| name == file.name());
        if asked && !file.service.is_empty() && file.source_code_info.is_none() {
            return Err(format!(
                "{}: its descriptor set carries no comments, so its `// wasm:plugin` directives \
                 cannot be read; build with --experimental_proto_descriptor_sets_include_source_info \
                 (rules_wasm_plugin's .bazelrc sets it)",
                file.name()
            ));
        }
    }
    let mut builder = wasm_plugin_build::Builder::new(side)
        .emit_cargo_directives(false)
        .async_calls(arguments.async_calls)
        .bytes(arguments.bytes)
        .btree_map(arguments.btree_map)
        .disable_comments(arguments.disable_comments);
    for (path, attribute) in arguments.type_attributes {
        builder = builder.type_attribute(path, attribute);
    }
    for (path, attribute) in arguments.field_attributes {
        builder = builder.field_attribute(path, attribute);
    }
    if let Some(rustfmt) = arguments.rustfmt {
        builder = builder.rustfmt(rustfmt);
    }
    let users = &arguments.extern_paths;
    for (proto, rust) in extern_paths(&files, &arguments.extern_crates, &arguments.protos)? {
        // A crate of the user's has these types instead of a glue crate.
        if !users.iter().any(|(path, _)| covers(path, &proto)) {
            builder = builder.extern_path(proto, rust);
        }
    }
    for (proto, rust) in users {
        builder = builder.extern_path(proto, rust);
    }
    let generated = builder
        .generate(&files, &arguments.protos)
        .map_err(|error| error.to_string())?;
    if let Some(path) = &arguments.services {
        let services = builder
            .describe(&files, &arguments.protos)
            .map_err(|error| error.to_string())?;
        let lines: String = services
            .iter()
            .map(|service| format!("{service}\n"))
            .collect();
        write(path, &lines)?;
    }
    if let Some(path) = &arguments.packages {
        let packages: BTreeSet<&str> = files
            .iter()
            .filter(|file| arguments.protos.iter().any(|name| name == file.name()))
            .map(FileDescriptorProto::package)
            .collect();
        write(
            path,
            &packages
                .iter()
                .map(|package| format!("{package}\n"))
                .collect::<String>(),
        )?;
    }
    std::fs::create_dir_all(&out).map_err(|error| format!("{}: {error}", out.display()))?;
    for file in generated {
        write(&out.join(&file.name), &file.content)?;
    }
    Ok(())
}

fn include(arguments: Include) -> Result<(), String> {
    let out = arguments
        .out
        .ok_or_else(|| format!("--out is missing; {USAGE}"))?;
    // package -> the glue crates that have it.
    let mut crates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (crate_name, file) in &arguments.glue {
        let packages = std::fs::read_to_string(file)
            .map_err(|error| format!("{}: {error}", file.display()))?;
        for package in packages.lines() {
            crates
                .entry(package.to_owned())
                .or_default()
                .push(crate_name.clone());
        }
    }
    std::fs::create_dir_all(&out).map_err(|error| format!("{}: {error}", out.display()))?;
    let mut generated = Vec::new();
    for (package, crates) in &crates {
        let module = module_path(package);
        let mut content = String::from("// @generated by wasm-plugin-gen. Do not edit.\n");
        for crate_name in crates {
            let path = if module.is_empty() {
                crate_name.clone()
            } else {
                format!("{crate_name}::{module}")
            };
            content.push_str(&format!("pub use ::{path}::*;\n"));
        }
        let file = wasm_plugin_build::GeneratedFile {
            name: prost_build::Module::from_protobuf_package_name(package).to_file_name_or("_"),
            content,
        };
        write(&out.join(&file.name), &file.content)?;
        generated.push(file);
    }
    let nested =
        wasm_plugin_build::include_file(wasm_plugin_build::DEFAULT_INCLUDE_FILE, &generated);
    write(&out.join(&nested.name), &nested.content)
}

fn main() -> ExitCode {
    let result = parse(std::env::args().skip(1)).and_then(|command| match command {
        Command::Generate(arguments) => generate(*arguments),
        Command::Include(arguments) => include(arguments),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wasm-plugin-gen: {error}");
            ExitCode::FAILURE
        }
    }
}
