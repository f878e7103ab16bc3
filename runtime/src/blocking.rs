//! Calls into plugins from async code.
//!
//! wasmtime-wasi runs WASI calls on the ambient tokio runtime with `Handle::block_on`, which
//! panics on a thread that is driving that runtime. A call made from such a thread therefore
//! leaves it: through `block_in_place` on a multi-threaded runtime, on a scoped thread of its
//! own on a current-thread runtime.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `call` where blocking on the ambient tokio runtime, if any, is allowed.
pub(crate) fn outside_async<R: Send>(call: impl FnOnce() -> R + Send) -> R {
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Err(_) => call(),
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        Ok(_) => std::thread::scope(|scope| match scope.spawn(call).join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }),
    }
}
