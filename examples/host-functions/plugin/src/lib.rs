//! A greeter that asks the host who people are.

mod greeting {
    wasm_plugin_guest::include_proto!("greeting");
}

use greeting::{GreetReply, GreetRequest, Greeter, HostFunctions, LogRequest, LookupRequest};
use wasm_plugin_guest::Error;

struct Plugin;

impl Greeter for Plugin {
    fn greet(&self, request: GreetRequest) -> Result<GreetReply, Error> {
        let host = HostFunctions::new();
        host.log(LogRequest {
            message: format!("looking up {}", request.name),
        })?;
        // A host function's error is an ordinary `Err` here.
        let person = host
            .lookup_person(LookupRequest {
                name: request.name.clone(),
            })
            .map_err(|error| Error::new(format!("cannot greet {}: {error}", request.name)))?;
        Ok(GreetReply {
            message: format!(
                "Hello, {}! You are {} and live in {}.",
                person.name, person.age, person.city
            ),
        })
    }
}

wasm_plugin_guest::register!(Greeter => Plugin);
