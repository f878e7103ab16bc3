//! Guest SDK for rules_wasm_plugin: the plugin side of a protobuf-defined WebAssembly plugin.
//!
//! A plugin implements the trait that `wasm-plugin-build` generates for a service marked
//! `// wasm:plugin type=plugin` (or go-plugin's `// go:plugin type=plugin`), registers it with one
//! line, and compiles to `wasm32-wasip1`:
//!
//! ```ignore
//! // build.rs: wasm_plugin_build::guest().compile_protos(&["greeting.proto"], &["."])?;
//! mod greeting {
//!     wasm_plugin_guest::include_proto!("greeting");
//! }
//!
//! use greeting::{GreetReply, GreetRequest, Greeter};
//! use wasm_plugin_guest::Error;
//!
//! struct Morning;
//!
//! impl Greeter for Morning {
//!     fn greet(&self, request: GreetRequest) -> Result<GreetReply, Error> {
//!         Ok(GreetReply { message: format!("Good morning, {}", request.name) })
//!     }
//! }
//!
//! wasm_plugin_guest::register!(Greeter => Morning);
//! ```
//!
//! Host functions (a service marked `type=host`) become a struct whose methods call the host and
//! return `Result<Response, Error>`.
//!
//! The binary interface this crate implements is described in `docs/abi.md`; generated code
//! reaches this crate only through [`codegen`].
#![deny(missing_docs)]

mod abi;
mod error;
mod export;
mod import;
mod registry;

pub use error::Error;
pub use prost;
pub use prost_types;

/// What generated code uses. Not a stable API: it changes together with `wasm-plugin-build`.
#[doc(hidden)]
pub mod codegen {
    pub use crate::__service_slot as service_slot;
    pub use crate::export::serve;
    pub use crate::import::call_host;
    pub use crate::registry::{Service, Slot, SlotCell};
    pub use prost;
}

/// The slot of a service's implementation (`Service::slot`), for generated code.
#[doc(hidden)]
#[macro_export]
macro_rules! __service_slot {
    ($service:ty) => {{
        ::std::thread_local! {
            static SLOT: $crate::codegen::SlotCell<$service> =
                const { $crate::codegen::SlotCell::new(::core::option::Option::None) };
        }
        &SLOT
    }};
}

/// Registers the implementations of plugin services, once per plugin.
///
/// Each entry names a generated service trait and an expression that builds its implementation;
/// the expression is evaluated once, on the first call into the plugin.
///
/// ```ignore
/// wasm_plugin_guest::register!(Greeter => Morning);
/// wasm_plugin_guest::register!(Greeter => Morning, Farewell => Polite::new());
/// ```
///
/// A plugin registers all its services in one `register!`: a second one in the same plugin fails
/// to link with a duplicate `__wasm_plugin_register` symbol.
#[macro_export]
macro_rules! register {
    ($($service:path => $plugin:expr),+ $(,)?) => {
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        pub extern "Rust" fn __wasm_plugin_register() {
            $(
                let plugin: ::std::boxed::Box<dyn $service> = ::std::boxed::Box::new($plugin);
                $crate::codegen::Service::register(plugin);
            )+
        }
    };
}

/// Includes the code `wasm-plugin-build` generated for one protobuf package, like
/// `tonic::include_proto!`: `mod greeting { wasm_plugin_guest::include_proto!("greeting"); }`.
///
/// A package whose messages refer to another package's (`import "common.proto";`) is included
/// by its module path instead: `mod shop { wasm_plugin_guest::include_proto!(acme::shop); }`. That
/// includes every generated package in a hidden module (so that the references resolve) and
/// re-exports the one named; each such use includes them all once more, so a crate that uses
/// several packages includes `wasm_plugin.rs` once instead, which nests every package in
/// modules named after it: `mod proto { include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs")); }`.
#[macro_export]
macro_rules! include_proto {
    ($package:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $package, ".rs"));
    };
    ($($module:ident)::+) => {
        #[doc(hidden)]
        #[allow(dead_code, reason = "only the named package is used")]
        mod __wasm_plugin_packages {
            include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs"));
        }
        #[allow(unused_imports, reason = "a user needs some of the package, not all")]
        pub use self::__wasm_plugin_packages::$($module)::+::*;
    };
}
