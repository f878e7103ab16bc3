//! The plugin side of a call from the host: decode the request, run the method, hand back the
//! response or the error message.

use prost::Message;

use crate::abi;
use crate::registry::{with_service, Service};
use crate::Error;

/// Serves one call of an exported method: `ptr`/`len` locate the request the host wrote (the
/// host frees it, except a large one at level 3, which this module frees), the result locates a
/// `malloc` buffer with the response or, with bit 31 of the length set, the error message (the
/// host frees it too).
///
/// # Safety
/// `ptr`/`len` must be the arguments the host passed to the export, as `docs/abi.md` says: a
/// readable block of this module's memory that stays untouched during the call, or `(0, 0)`.
pub unsafe fn serve<S, Req, Resp>(
    ptr: u32,
    len: u32,
    method: impl FnOnce(&S, Req) -> Result<Resp, Error>,
) -> u64
where
    S: Service + ?Sized,
    Req: Message + Default,
    Resp: Message,
{
    if ptr == 0 && len != 0 {
        return abi::error_to_host(&format!(
            "the host passed a request of {len} bytes at offset 0 to {}",
            S::NAME
        ));
    }
    let incoming = if abi::owns_request(len) {
        // SAFETY: at this level and size the host gave the block up (`docs/abi.md`, level 3).
        // `bytes::Bytes` fields view it; it is freed with the last of them.
        unsafe { abi::Incoming::owned(ptr, len) }
    } else {
        // SAFETY: the host wrote the request into a buffer it owns for the duration of this
        // call.
        abi::Incoming::borrowed(unsafe { abi::borrow(ptr, len) })
    };
    let request = match Req::decode(incoming) {
        Ok(request) => request,
        Err(error) => {
            return abi::error_to_host(&format!(
                "the plugin could not decode the request for {} as {}: {error}",
                S::NAME,
                std::any::type_name::<Req>(),
            ))
        }
    };
    with_service::<S, _>(|implementation| match implementation {
        Some(implementation) => match method(implementation, request) {
            Ok(response) => abi::message_to_host(&response),
            Err(error) => abi::error_to_host(error.message()),
        },
        None => abi::error_to_host(&format!(
            "the plugin implements no {}: add it to wasm_plugin_guest::register!",
            S::NAME
        )),
    })
}

/// Agrees on the interface level with a host that knows levels (`docs/abi.md`, "Levels"):
/// takes the host's highest level, returns the one both use.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_plugin_abi(host_level: u32) -> u32 {
    abi::agree(host_level)
}
