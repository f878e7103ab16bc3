//! go-plugin's tests/host-functions plugin, in Rust: asks the host to parse JSON.

mod host {
    wasm_plugin_guest::include_proto!("host");
}

use host::{GreetReply, GreetRequest, Greeter, HostFunctions, ParseJsonRequest};
use wasm_plugin_guest::Error;

struct Plugin;

impl Greeter for Plugin {
    fn greet(&self, request: GreetRequest) -> Result<GreetReply, Error> {
        let parsed = HostFunctions::new().parse_json(ParseJsonRequest {
            content: br#"{"name": "Yamada", "age": 20}"#.to_vec(),
        })?;
        let person = parsed.response.unwrap_or_default();
        Ok(GreetReply {
            message: format!(
                "Hello, {}. This is {} (age {}).",
                request.name, person.name, person.age
            ),
        })
    }
}

wasm_plugin_guest::register!(Greeter => Plugin);
