//! Host runtime for rules_wasm_plugin: load WebAssembly plugins whose interface is a protobuf
//! service, and call them like ordinary Rust methods.
//!
//! `wasm-plugin-build` generates, for a service marked `// wasm:plugin type=plugin`, a typed
//! handle such as `GreeterPlugin`; this crate runs it on wasmtime with WASI preview 1:
//!
//! ```ignore
//! // build.rs: wasm_plugin_build::host().compile_protos(&["greeting.proto"], &["."])?;
//! mod greeting {
//!     wasm_plugin_runtime::include_proto!("greeting");
//! }
//! use greeting::{GreetRequest, GreeterPlugin};
//!
//! let loader = wasm_plugin_runtime::Loader::builder().stdout(std::io::stdout()).build()?;
//! let plugin = GreeterPlugin::load(&loader, "morning.wasm")?;
//! let reply = plugin.greet(GreetRequest { name: "Ada".into() })?;
//! assert_eq!(reply.message, "Good morning, Ada");
//! ```
//!
//! - **Compile once, call from anywhere.** A [`Loader`] owns one engine; each module is
//!   compiled once and pre-linked; the handle is `Send + Sync` and keeps a pool of instances,
//!   so threads call it concurrently without a lock around calls.
//! - **Sandboxed by default.** No files, environment or arguments, and output is discarded,
//!   unless the [`LoaderBuilder`] grants them.
//! - **Failures are values.** A trap, a panic, an exceeded deadline or memory limit becomes an
//!   [`Error`]; the failed instance is dropped and the next call gets a fresh one.
//!
//! The binary interface is that of knqyf263/go-plugin (see `docs/abi.md`), so plugins built
//! with go-plugin load here, and Rust plugins load in go-plugin hosts.
#![deny(missing_docs)]

mod abi;
mod blocking;
mod cache;
mod error;
mod host;
mod limits;
mod linking;
mod loader;
mod output;
mod plugin;
mod pool;
mod wasi_poll;

pub use error::{Error, TrapCode};
pub use host::{HostError, HostModule};
pub use loader::{DirAccess, Loader, LoaderBuilder, Module};
pub use output::CapturedOutput;
pub use plugin::{Plugin, PluginStats};
pub use prost;
pub use prost_types;

/// What generated code uses. Not a stable API: it changes together with `wasm-plugin-build`.
#[doc(hidden)]
pub mod codegen {
    pub use crate::plugin::Interface;
}

/// Includes the code `wasm-plugin-build` generated for one protobuf package, like
/// `tonic::include_proto!`: `mod greeting { wasm_plugin_runtime::include_proto!("greeting"); }`.
///
/// For packages that import each other, include `wasm_plugin.rs` instead, which nests every
/// generated package in modules named after it:
/// `include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs"));`.
#[macro_export]
macro_rules! include_proto {
    ($package:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $package, ".rs"));
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_can_be_shared_between_threads() {
        assert_send_sync::<Loader>();
        assert_send_sync::<Module>();
        assert_send_sync::<Plugin>();
        assert_send_sync::<HostModule>();
        assert_send_sync::<Error>();
    }
}
