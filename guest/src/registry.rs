//! Where registered service implementations live.
//!
//! `register!` defines `__wasm_plugin_register`, which stores each implementation under the type
//! of its service's trait object; the first call into the plugin runs it. A reactor module has no
//! `main`, so this lazy step stands in for go-plugin's `RegisterX(..)` in `main`.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};

/// Implemented by generated code for `dyn Trait` of every plugin service.
pub trait Service: 'static {
    /// The service's full protobuf name, such as `greeting.Greeter`.
    const NAME: &'static str;

    /// Stores `implementation` as the one this plugin serves; a second registration of the same
    /// service is ignored.
    fn register(self: Box<Self>) {
        REGISTRY.with_borrow_mut(|services| {
            if !services.iter().any(|(id, _)| *id == TypeId::of::<Self>()) {
                services.push((TypeId::of::<Self>(), Box::new(self)));
            }
        });
    }
}

thread_local! {
    /// `Box<dyn Trait>` of each registered service, keyed by `TypeId::of::<dyn Trait>()`.
    static REGISTRY: RefCell<Vec<(TypeId, Box<dyn Any>)>> = const { RefCell::new(Vec::new()) };
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the registered implementation of `S`, or `None` if the plugin has none.
pub(crate) fn with_service<S: Service + ?Sized, R>(f: impl FnOnce(Option<&S>) -> R) -> R {
    ensure_registered();
    REGISTRY.with_borrow(|services| {
        let implementation = services
            .iter()
            .find(|(id, _)| *id == TypeId::of::<S>())
            .and_then(|(_, boxed)| boxed.downcast_ref::<Box<S>>())
            .map(|boxed| &**boxed);
        f(implementation)
    })
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
