//! The bench plugin on rules_wasm_plugin's guest SDK.

mod bench {
    wasm_plugin_guest::include_proto!("bench");
}
#[path = "../../logic.rs"]
mod logic;

use bench::{Bench, Blob, Chunk, Count, Host, Request, Response};
use wasm_plugin_guest::Error;

struct Plugin;

impl Bench for Plugin {
    fn nothing(&self, _request: ()) -> Result<(), Error> {
        Ok(())
    }

    fn echo(&self, request: Blob) -> Result<Blob, Error> {
        Ok(logic::echo(request))
    }

    fn echo_chunk(&self, request: Chunk) -> Result<Chunk, Error> {
        Ok(request)
    }

    fn fields(&self, request: Request) -> Result<Response, Error> {
        Ok(logic::fields(request))
    }

    fn call_host(&self, request: Count) -> Result<Count, Error> {
        let host = Host::new();
        let mut last = Count::default();
        for value in 0..request.value {
            last = host.increment(Count { value })?;
        }
        Ok(last)
    }

    fn spin(&self, request: Count) -> Result<Count, Error> {
        let mut sum = 0u64;
        for value in 0..request.value {
            // Opaque to the optimizer, so the loop stays a loop.
            sum = core::hint::black_box(sum.wrapping_add(value));
        }
        Ok(Count { value: sum })
    }
}

wasm_plugin_guest::register!(Bench => Plugin);
