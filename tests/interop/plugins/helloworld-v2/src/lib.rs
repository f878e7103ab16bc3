//! go-plugin's helloworld morning plugin at interface version 2.

mod greeting {
    wasm_plugin_guest::include_proto!("greeting");
}

use greeting::{GreetReply, GreetRequest, Greeter};
use wasm_plugin_guest::Error;

struct Morning;

impl Greeter for Morning {
    fn greet(&self, request: GreetRequest) -> Result<GreetReply, Error> {
        Ok(GreetReply {
            message: format!("Good morning, {}", request.name),
        })
    }
}

wasm_plugin_guest::register!(Greeter => Morning);
