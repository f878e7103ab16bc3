//! Built for version 2 of the interface; the host expects version 1.

mod mismatch {
    wasm_plugin_guest::include_proto!("mismatch");
}

use mismatch::{Message, Versioned};
use wasm_plugin_guest::Error;

struct Plugin;

impl Versioned for Plugin {
    fn call(&self, request: Message) -> Result<Message, Error> {
        Ok(request)
    }
}

wasm_plugin_guest::register!(Versioned => Plugin);
