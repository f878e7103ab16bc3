//! protoc / buf plugin: reads a `CodeGeneratorRequest` on stdin, writes the response on stdout.

use std::io::{Read, Write};
use std::process::ExitCode;

use prost::Message;
use prost_types::compiler::CodeGeneratorRequest;

fn main() -> ExitCode {
    if std::env::args()
        .nth(1)
        .is_some_and(|arg| arg == "--version")
    {
        println!("protoc-gen-wasm-plugin {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let mut input = Vec::new();
    if let Err(error) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("protoc-gen-wasm-plugin: cannot read the request from stdin: {error}");
        return ExitCode::FAILURE;
    }
    let request = match CodeGeneratorRequest::decode(input.as_slice()) {
        Ok(request) => request,
        Err(error) => {
            eprintln!(
                "protoc-gen-wasm-plugin: stdin is not a CodeGeneratorRequest ({error}); \
                 run this program through protoc or buf"
            );
            return ExitCode::FAILURE;
        }
    };
    let response = wasm_plugin_build::protoc::respond(request);
    if let Err(error) = std::io::stdout().write_all(&response.encode_to_vec()) {
        eprintln!("protoc-gen-wasm-plugin: cannot write the response: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
