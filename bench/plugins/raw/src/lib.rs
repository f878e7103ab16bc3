//! The floor: the same logic and messages behind the least interface that can carry them. The
//! host writes a request into `INPUT` (grown on request) and makes one typed call; the reply is
//! encoded into `OUTPUT` and located by the returned `ptr << 32 | len`. No allocation protocol,
//! no error channel, no checks.

use std::cell::RefCell;

use prost::Message;

// `Chunk` is for ours only (its `Bytes` echo).
#[allow(dead_code)]
mod bench {
    include!(concat!(env!("OUT_DIR"), "/bench.rs"));
}
#[path = "../../logic.rs"]
mod logic;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[link(wasm_import_module = "host")]
unsafe extern "C" {
    /// Decodes a `Count` at `ptr`, encodes the reply at `out`, returns its length.
    fn increment(ptr: u32, len: u32, out: u32, capacity: u32) -> u32;
}

/// Makes room for a request of `len` bytes and returns where to write it.
#[unsafe(no_mangle)]
pub extern "C" fn input(len: u32) -> u32 {
    INPUT.with_borrow_mut(|input| {
        input.resize(len as usize, 0);
        input.as_ptr() as u32
    })
}

fn serve<Req: Message + Default, Resp: Message>(len: u32, f: impl FnOnce(Req) -> Resp) -> u64 {
    let request =
        INPUT.with_borrow(|input| Req::decode(&input[..len as usize]).unwrap_or_default());
    let response = f(request);
    OUTPUT.with_borrow_mut(|output| {
        output.clear();
        response.encode(output).ok();
        ((output.as_ptr() as u64) << 32) | output.len() as u64
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn nothing(_len: u32) -> u64 {
    0
}

#[unsafe(no_mangle)]
pub extern "C" fn echo(len: u32) -> u64 {
    serve(len, logic::echo)
}

/// Bare bytes, no protobuf: answers with the request block itself.
#[unsafe(no_mangle)]
pub extern "C" fn echo_bare(len: u32) -> u64 {
    INPUT.with_borrow(|input| ((input.as_ptr() as u64) << 32) | len as u64)
}

#[unsafe(no_mangle)]
pub extern "C" fn fields(len: u32) -> u64 {
    serve(len, logic::fields)
}

#[unsafe(no_mangle)]
pub extern "C" fn call_host(len: u32) -> u64 {
    serve(len, |request: bench::Count| {
        let mut scratch = Vec::with_capacity(16);
        let mut reply = [0u8; 16];
        let mut last = bench::Count::default();
        for value in 0..request.value {
            scratch.clear();
            bench::Count { value }.encode(&mut scratch).ok();
            // SAFETY: the host reads the request and writes at most `reply.len()` bytes.
            let written = unsafe {
                increment(
                    scratch.as_ptr() as u32,
                    scratch.len() as u32,
                    reply.as_mut_ptr() as u32,
                    reply.len() as u32,
                )
            };
            last = bench::Count::decode(&reply[..written as usize]).unwrap_or_default();
        }
        last
    })
}
