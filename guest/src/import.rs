//! The plugin side of a call to a host function.

use std::cell::Cell;

use prost::Message;

use crate::abi::{self, HostBuffer};
use crate::Error;

thread_local! {
    static REQUEST: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Calls the imported host function `import` with `request`.
///
/// The request stays in this module's memory for the duration of the call; the host answers
/// with a buffer it allocated with this module's `malloc`, which is freed here after decoding
/// (a large one with the last `bytes::Bytes` field that views it).
///
/// # Safety
/// `import` must be a host function that follows `docs/abi.md`: it only reads the request, and
/// answers with `(0, 0)` or a block from this module's `malloc` that it gives up.
pub unsafe fn call_host<Req, Resp>(
    import: unsafe extern "C" fn(u32, u32) -> u64,
    request: &Req,
) -> Result<Resp, Error>
where
    Req: Message,
    Resp: Message + Default,
{
    // The request goes into a scratch block of this module's, reused from call to call. It is
    // taken out for the call: a host that aborts the call (go-plugin's does when a host function
    // fails) leaves no borrow behind, only a block to allocate anew.
    let mut block = REQUEST.take();
    block.clear();
    // A Vec grows as needed: encoding cannot run out of room.
    if request.encode(&mut block).is_err() {
        std::process::abort();
    }
    // A wasm32 pointer and a length below 2 GiB always fit in u32.
    let (ptr, len) = if block.is_empty() {
        (0, 0)
    } else {
        (block.as_ptr() as usize as u32, block.len() as u32)
    };
    // SAFETY: the import follows the interface of `docs/abi.md`; it only reads the request.
    let reply = abi::Payload::unpack(unsafe { import(ptr, len) });
    REQUEST.set(block);
    if reply.ptr == 0 && reply.len != 0 {
        return Err(Error::new(format!(
            "the host answered with {} bytes at offset 0",
            reply.len
        )));
    }
    if reply.is_error {
        // SAFETY: the host wrote the message into a `malloc` block it gave up.
        let buffer = unsafe { HostBuffer::new(reply.ptr, reply.len) };
        return Err(Error::new(String::from_utf8_lossy(buffer.as_ref())));
    }
    let buffer;
    let incoming = if reply.len >= abi::VIEW_MIN {
        // SAFETY: the host wrote the reply into a `malloc` block it gave up. `bytes::Bytes`
        // fields view it; it is freed with the last of them.
        unsafe { abi::Incoming::owned(reply.ptr, reply.len) }
    } else {
        // SAFETY: as above; freed when `buffer` goes out of scope.
        buffer = unsafe { HostBuffer::new(reply.ptr, reply.len) };
        abi::Incoming::borrowed(buffer.as_ref())
    };
    Resp::decode(incoming).map_err(|error| {
        Error::new(format!(
            "the plugin could not decode the host's reply as {}: {error}",
            std::any::type_name::<Resp>()
        ))
    })
}
