//! `protoc-gen-wasm-plugin`: the generator as a protoc or buf plugin.
//!
//! Options (`--wasm-plugin_opt=...` for protoc, `opt:` for buf), comma-separated:
//! - `side=guest` or `side=host` (required): which glue to generate;
//! - `include_file=NAME`: the name of the file that nests all packages (default
//!   `wasm_plugin.rs`);
//! - `async_calls=true`: async host code (`Builder::async_calls`; default `false`);
//! - prost's options for the message types, each as the `Builder` method of the same name:
//!   `bytes=PATH`, `btree_map=PATH`, `disable_comments=PATH`, `type_attribute=PATH=ATTRIBUTE`,
//!   `field_attribute=PATH=ATTRIBUTE`, `extern_path=PROTO_PATH=RUST_PATH`; repeat an option for
//!   several paths, and write a comma inside an attribute as `\,`.

use prost_types::compiler::code_generator_response::{Feature, File};
use prost_types::compiler::{CodeGeneratorRequest, CodeGeneratorResponse};

use crate::{Builder, Error, Side};

/// Answers one request from protoc. Errors are reported in the response, as protoc expects.
pub fn respond(request: CodeGeneratorRequest) -> CodeGeneratorResponse {
    let supported_features = Some(Feature::Proto3Optional as u64);
    match generate(&request) {
        Ok(file) => CodeGeneratorResponse {
            file,
            supported_features,
            ..Default::default()
        },
        Err(error) => CodeGeneratorResponse {
            error: Some(error.to_string()),
            supported_features,
            ..Default::default()
        },
    }
}

fn generate(request: &CodeGeneratorRequest) -> Result<Vec<File>, Error> {
    let builder = parse_options(request.parameter())?;
    let files = builder.generate(&request.proto_file, &request.file_to_generate)?;
    Ok(files
        .into_iter()
        .map(|file| File {
            name: Some(file.name),
            content: Some(file.content),
            ..Default::default()
        })
        .collect())
}

/// The options, in the order given (a builder needs the side first).
fn parse_options(parameter: &str) -> Result<Builder, Error> {
    let options = split_options(parameter);
    let side = options
        .iter()
        .find_map(|option| match option.split_once('=') {
            Some(("side", "guest")) => Some(Side::Guest),
            Some(("side", "host")) => Some(Side::Host),
            _ => None,
        })
        .ok_or_else(|| {
            Error::Config(
                "say which glue to generate: --wasm-plugin_opt=side=guest (plugins) or side=host"
                    .into(),
            )
        })?;
    let mut builder = Builder::new(side).emit_cargo_directives(false);
    for option in &options {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        // `PATH=VALUE` options: the path is the part up to the first `=`.
        let pair = || {
            value
                .split_once('=')
                .filter(|(path, attribute)| !path.is_empty() && !attribute.is_empty())
                .ok_or_else(|| {
                    Error::Config(format!(
                        "option `{option}` needs a protobuf path and a value: {key}=PATH=VALUE"
                    ))
                })
        };
        builder = match (key, value) {
            ("side", "guest" | "host") => builder,
            ("include_file", name) if !name.is_empty() => builder.include_file(name),
            ("async_calls", "true") => builder.async_calls(true),
            ("async_calls", "false") => builder.async_calls(false),
            ("bytes", path) if !path.is_empty() => builder.bytes([path]),
            ("btree_map", path) if !path.is_empty() => builder.btree_map([path]),
            ("disable_comments", path) if !path.is_empty() => builder.disable_comments([path]),
            ("type_attribute", _) => {
                pair().map(|(path, attribute)| builder.type_attribute(path, attribute))?
            }
            ("field_attribute", _) => {
                pair().map(|(path, attribute)| builder.field_attribute(path, attribute))?
            }
            ("extern_path", _) => pair().map(|(proto, rust)| builder.extern_path(proto, rust))?,
            _ => {
                return Err(Error::Config(format!(
                    "unknown option `{option}`; the options are side=guest|host, \
                     include_file=NAME, async_calls=true|false, bytes=PATH, btree_map=PATH, \
                     disable_comments=PATH, type_attribute=PATH=ATTRIBUTE, \
                     field_attribute=PATH=ATTRIBUTE and extern_path=PROTO_PATH=RUST_PATH"
                )))
            }
        };
    }
    Ok(builder)
}

/// The comma-separated options of a parameter; `\,` is a comma inside one (an attribute such
/// as `#[derive(Eq\, Hash)]`).
fn split_options(parameter: &str) -> Vec<String> {
    let mut options = Vec::new();
    let mut current = String::new();
    let mut chars = parameter.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                chars.next();
                current.push(',');
            }
            ',' => options.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    options.push(current);
    options
        .into_iter()
        .map(|option| option.trim().to_owned())
        .filter(|option| !option.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        assert!(parse_options("side=guest").is_ok());
        assert!(parse_options("side=host,include_file=all.rs").is_ok());
        assert!(
            parse_options("side=host,async_calls=true")
                .unwrap()
                .async_calls
        );
        assert!(
            !parse_options("side=host,async_calls=false")
                .unwrap()
                .async_calls
        );
        assert!(parse_options("side=host,async_calls=yes").is_err());
        let shaped = parse_options(
            "side=host,bytes=.,btree_map=.a.B,disable_comments=.a,\
             type_attribute=.a=#[derive(Eq\\, Hash)],field_attribute=.a.B.c=#[doc = \"x\"],\
             extern_path=.common=::common",
        )
        .unwrap();
        let debug = format!("{shaped:?}");
        assert!(debug.contains("#[derive(Eq, Hash)]"), "{debug}");
        assert!(debug.contains(r#"bytes: ["."]"#), "{debug}");
        let broken = parse_options("side=host,type_attribute=.a")
            .unwrap_err()
            .to_string();
        assert!(broken.contains("type_attribute=PATH=VALUE"), "{broken}");
        let missing = parse_options("").unwrap_err().to_string();
        assert!(missing.contains("side=guest"), "{missing}");
        let unknown = parse_options("side=guest,colour=blue")
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("unknown option `colour=blue`"),
            "{unknown}"
        );
    }
}
