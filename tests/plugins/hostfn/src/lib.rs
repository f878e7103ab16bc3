//! Calls host functions: one that returns data, one that fails, one that logs, one that counts.

mod hostfn {
    wasm_plugin_guest::include_proto!("hostfn");
}

use hostfn::{
    CountReply, CountRequest, GreetReply, GreetRequest, Greeter, HostFunctions, LogRequest,
    LookupRequest, ParseJsonRequest,
};
use wasm_plugin_guest::Error;

struct Plugin;

impl Greeter for Plugin {
    fn greet(&self, request: GreetRequest) -> Result<GreetReply, Error> {
        let host = HostFunctions::new();
        host.log(LogRequest {
            message: format!("greeting {}", request.name),
        })?;
        let me = host
            .parse_json(ParseJsonRequest {
                content: br#"{"name": "Yamada", "age": 20}"#.to_vec(),
            })?
            .response
            .unwrap_or_default();
        let them = match host.lookup(LookupRequest {
            name: request.name.clone(),
        }) {
            Ok(person) => format!("{} (age {})", person.name, person.age),
            // The host's error reaches the plugin as a value.
            Err(error) => format!("{} [{error}]", request.name),
        };
        Ok(GreetReply {
            message: format!("Hello, {them}. This is {} (age {}).", me.name, me.age),
        })
    }

    fn count_many(&self, request: CountRequest) -> Result<CountReply, Error> {
        let host = HostFunctions::new();
        let mut last = CountReply::default();
        for _ in 0..request.times {
            last = host.count(())?;
        }
        Ok(last)
    }
}

wasm_plugin_guest::register!(Greeter => Plugin);
