//! `protoc-gen-wasm-plugin`: the generator as a protoc or buf plugin.
//!
//! Options (`--wasm-plugin_opt=...` for protoc, `opt:` for buf), comma-separated:
//! - `side=guest` or `side=host` (required): which glue to generate;
//! - `include_file=NAME`: the name of the file that nests all packages (default
//!   `wasm_plugin.rs`);
//! - `async_calls=true`: async host code (`Builder::async_calls`; default `false`).

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

fn parse_options(parameter: &str) -> Result<Builder, Error> {
    let mut side = None;
    let mut include_file = None;
    let mut async_calls = false;
    for option in parameter
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        match option.split_once('=') {
            Some(("side", "guest")) => side = Some(Side::Guest),
            Some(("side", "host")) => side = Some(Side::Host),
            Some(("include_file", name)) if !name.is_empty() => include_file = Some(name),
            Some(("async_calls", "true")) => async_calls = true,
            Some(("async_calls", "false")) => async_calls = false,
            _ => {
                return Err(Error::Config(format!(
                    "unknown option `{option}`; the options are side=guest|host, \
                     include_file=NAME and async_calls=true|false"
                )))
            }
        }
    }
    let side = side.ok_or_else(|| {
        Error::Config(
            "say which glue to generate: --wasm-plugin_opt=side=guest (plugins) or side=host"
                .into(),
        )
    })?;
    let builder = Builder::new(side)
        .emit_cargo_directives(false)
        .async_calls(async_calls);
    Ok(match include_file {
        Some(name) => builder.include_file(name),
        None => builder,
    })
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
