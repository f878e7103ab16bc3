//! Where registered service implementations live.
//!
//! `register!` defines `__wasm_plugin_register`, which stores each implementation under the type
//! of its service's trait object; the first call into the plugin runs it. A reactor module has no
//! `main`, so this lazy step stands in for go-plugin's `RegisterX(..)` in `main`.

use std::cell::{Cell, RefCell};
use std::thread::LocalKey;

/// Where a service's implementation is kept: one per service, defined by generated code.
pub type SlotCell<S> = RefCell<Option<Box<S>>>;

/// The thread-local slot of a service (a plugin has one thread).
pub type Slot<S> = LocalKey<SlotCell<S>>;

/// Implemented by generated code for `dyn Trait` of every plugin service.
pub trait Service: 'static {
    /// The service's full protobuf name, such as `greeting.Greeter`.
    const NAME: &'static str;

    /// The slot of the implementation this plugin serves (generated: a `thread_local!` per
    /// service, so that registering allocates nothing for an implementation without data).
    fn slot() -> &'static Slot<Self>;

    /// Stores `implementation` as the one this plugin serves; a second registration of the same
    /// service is ignored.
    fn register(self: Box<Self>) {
        Self::slot().with_borrow_mut(|slot| {
            if slot.is_none() {
                *slot = Some(self);
            }
        });
    }
}

thread_local! {
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the registered implementation of `S`, or `None` if the plugin has none.
pub(crate) fn with_service<S: Service + ?Sized, R>(f: impl FnOnce(Option<&S>) -> R) -> R {
    ensure_registered();
    S::slot().with_borrow(|slot| f(slot.as_deref()))
}

unsafe extern "Rust" {
    /// Defined by `register!` in the plugin crate.
    fn __wasm_plugin_register();
}

/// Runs the plugin's `register!` once, before the first call is served.
fn ensure_registered() {
    if !REGISTERED.replace(true) {
        // SAFETY: `register!` defines the function with exactly this signature; a plugin without
        // `register!` fails at load time with an unresolved import of this name.
        unsafe { __wasm_plugin_register() }
    }
}
