//! Implements the service but forgets `wasm_plugin_guest::register!`.

mod mismatch {
    wasm_plugin_guest::include_proto!("mismatch");
}

use mismatch::{Message, Versioned};
use wasm_plugin_guest::Error;

pub struct Plugin;

impl Versioned for Plugin {
    fn call(&self, request: Message) -> Result<Message, Error> {
        Ok(request)
    }
}
