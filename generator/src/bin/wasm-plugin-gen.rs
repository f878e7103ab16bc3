//! The generator as a build-system tool (Bazel's proto aspect runs it): reads descriptor sets,
//! writes the generated files of the named `.proto` files into a directory.
//!
//! ```text
//! wasm-plugin-gen --side guest|host --out DIR [--services FILE] [--descriptor-set FILE]... PROTO...
//! ```
//!
//! `--services` also writes the services that carry a directive, one a line
//! (`plugin greeting.Greeter 1`, `host greeting.HostFunctions env`), for the build rules' checks.
//!
//! Descriptor sets must carry source info (Bazel:
//! `--experimental_proto_descriptor_sets_include_source_info`), or directives are not found;
//! well-known types missing from them are taken from protox's bundled copies.

use std::path::PathBuf;
use std::process::ExitCode;

use prost::Message;
use prost_types::{FileDescriptorProto, FileDescriptorSet};

struct Arguments {
    side: wasm_plugin_build::Side,
    out: PathBuf,
    services: Option<PathBuf>,
    descriptor_sets: Vec<PathBuf>,
    protos: Vec<String>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Arguments, String> {
    let usage = "usage: wasm-plugin-gen --side guest|host --out DIR [--services FILE] \
                 [--descriptor-set FILE]... PROTO...";
    let (mut side, mut out, mut services) = (None, None, None);
    let (mut descriptor_sets, mut protos) = (Vec::new(), Vec::new());
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value; {usage}"))
        };
        match arg.as_str() {
            "--side" => {
                side = Some(match value()?.as_str() {
                    "guest" => wasm_plugin_build::Side::Guest,
                    "host" => wasm_plugin_build::Side::Host,
                    other => return Err(format!("unknown side `{other}`; {usage}")),
                })
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--services" => services = Some(PathBuf::from(value()?)),
            "--descriptor-set" => descriptor_sets.push(PathBuf::from(value()?)),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}; {usage}"))
            }
            _ => protos.push(arg),
        }
    }
    Ok(Arguments {
        side: side.ok_or_else(|| format!("--side is missing; {usage}"))?,
        out: out.ok_or_else(|| format!("--out is missing; {usage}"))?,
        services,
        descriptor_sets,
        protos,
    })
}

fn run(arguments: Arguments) -> Result<(), String> {
    let mut files: Vec<FileDescriptorProto> = Vec::new();
    for path in &arguments.descriptor_sets {
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
    let builder = wasm_plugin_build::Builder::new(arguments.side).emit_cargo_directives(false);
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
        std::fs::write(path, lines).map_err(|error| format!("{}: {error}", path.display()))?;
    }
    std::fs::create_dir_all(&arguments.out)
        .map_err(|error| format!("{}: {error}", arguments.out.display()))?;
    for file in generated {
        let path = arguments.out.join(&file.name);
        std::fs::write(&path, file.content)
            .map_err(|error| format!("{}: {error}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wasm-plugin-gen: {error}");
            ExitCode::FAILURE
        }
    }
}
