//! The bench plugin on Extism's PDK, with its protobuf conversion (`Prost`).

// `Chunk` is for ours only (its `Bytes` echo).
#[allow(dead_code)]
mod bench {
    include!(concat!(env!("OUT_DIR"), "/bench.rs"));
}
#[path = "../../logic.rs"]
mod logic;

use bench::{Blob, Count, Request, Response};
use extism_pdk::*;

#[host_fn]
extern "ExtismHost" {
    fn increment(input: Prost<Count>) -> Prost<Count>;
}

#[plugin_fn]
pub fn nothing(_input: Prost<()>) -> FnResult<Prost<()>> {
    Ok(Prost(()))
}

#[plugin_fn]
pub fn echo(Prost(input): Prost<Blob>) -> FnResult<Prost<Blob>> {
    Ok(Prost(logic::echo(input)))
}

#[plugin_fn]
pub fn fields(Prost(input): Prost<Request>) -> FnResult<Prost<Response>> {
    Ok(Prost(logic::fields(input)))
}

#[plugin_fn]
pub fn call_host(Prost(input): Prost<Count>) -> FnResult<Prost<Count>> {
    let mut last = Count::default();
    for value in 0..input.value {
        // SAFETY: `increment` is the host function the bench runner registers.
        last = unsafe { increment(Prost(Count { value }))? }.0;
    }
    Ok(Prost(last))
}
