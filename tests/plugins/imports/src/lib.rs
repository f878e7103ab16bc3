//! Two services of two packages, one answering with the other's message.

include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs"));

use imports::{bar, foo};
use wasm_plugin_guest::Error;

struct Plugin;

impl foo::Foo for Plugin {
    fn hello(&self, request: foo::Request) -> Result<bar::Reply, Error> {
        Ok(bar::Reply {
            a: format!("foo says hello to {}", request.a),
        })
    }
}

impl bar::Bar for Plugin {
    fn hello(&self, request: bar::Request) -> Result<bar::Reply, Error> {
        Ok(bar::Reply {
            a: format!("bar says hello to {}", request.a),
        })
    }
}

wasm_plugin_guest::register!(foo::Foo => Plugin, bar::Bar => Plugin);
