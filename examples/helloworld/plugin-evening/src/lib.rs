//! A greeter for the evening.

mod greeting {
    wasm_plugin_guest::include_proto!("greeting");
}

use greeting::{GreetReply, GreetRequest, Greeter};
use wasm_plugin_guest::Error;

struct Evening;

impl Greeter for Evening {
    fn greet(&self, request: GreetRequest) -> Result<GreetReply, Error> {
        Ok(GreetReply {
            message: format!("Good evening, {}", request.name),
        })
    }
}

wasm_plugin_guest::register!(Greeter => Evening);
