//! A plugin of counter.proto (version 1).

mod counter {
    wasm_plugin_guest::include_proto!("misuse.counter");
}

use counter::{Counter, Number};
use wasm_plugin_guest::Error;

struct Increment;

impl Counter for Increment {
    fn count(&self, number: Number) -> Result<Number, Error> {
        Ok(Number {
            value: number.value + 1,
        })
    }
}

wasm_plugin_guest::register!(Counter => Increment);
