//! Offers host functions to a plugin: one returns data, one logs. No network involved.
//!
//! Usage: `example-host-functions PLUGIN.wasm` (scripts/run-example.sh host-functions builds it).

mod greeting {
    wasm_plugin_runtime::include_proto!("greeting");
}

use greeting::{GreetRequest, GreeterPlugin, HostFunctions, LogRequest, LookupRequest, Person};
use wasm_plugin_runtime::{HostContext, HostError, Loader};

/// What this host knows; the plugin can only ask.
struct Directory;

impl HostFunctions for Directory {
    fn lookup_person(
        &self,
        _context: &HostContext<'_>,
        request: LookupRequest,
    ) -> Result<Person, HostError> {
        let (age, city) = match request.name.as_str() {
            "Ada" => (36, "London"),
            "Grace" => (85, "Arlington"),
            other => return Err(HostError::new(format!("no record of {other}"))),
        };
        Ok(Person {
            name: request.name,
            age,
            city: city.into(),
        })
    }

    fn log(&self, _context: &HostContext<'_>, request: LogRequest) -> Result<(), HostError> {
        println!("[log] {}", request.message);
        Ok(())
    }
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: example-host-functions PLUGIN.wasm"))?;
    let loader = Loader::new()?;
    let plugin = GreeterPlugin::load(&loader, path, Directory)?;
    for name in ["Ada", "Grace", "Mallory"] {
        match plugin.greet(GreetRequest { name: name.into() }) {
            Ok(reply) => println!("{}", reply.message),
            // The plugin's own message; other errors (a trap, say) name the plugin's file.
            Err(error) => match error.plugin_message() {
                Some(message) => println!("error: {message}"),
                None => return Err(error.into()),
            },
        }
    }
    Ok(())
}
