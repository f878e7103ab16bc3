//! Host runtime for rules_wasm_plugin: load WebAssembly plugins whose interface is a protobuf
//! service, and call them like ordinary Rust methods.
//!
//! `wasm-plugin-build` generates, for a service marked `// wasm:plugin type=plugin`, a typed
//! handle such as `GreeterPlugin`; this crate runs it on wasmtime with WASI preview 1. (The
//! examples below run against a plugin written by hand in WebAssembly text, `doc/greeter.wat`;
//! a real host loads the `.wasm` file its build produced.)
//!
//! ```
//! // build.rs: wasm_plugin_build::host().compile_protos(&["greeting.proto"], &["."])?;
//! mod greeting {
//! #   /*
//!     wasm_plugin_runtime::include_proto!("greeting");
//! #   */
//! #   include!("../../generator/tests/fixtures/greeting/expected/host/greeting.rs");
//! }
//! use greeting::{GreetRequest, GreeterPlugin};
//! # let wasm = wat::parse_str(include_str!("../doc/greeter.wat")).unwrap();
//!
//! let loader = wasm_plugin_runtime::Loader::builder().stdout(std::io::stdout()).build()?;
//! let plugin = GreeterPlugin::builder(&loader).name("morning").load_bytes(&wasm)?;
//! // or, from a file: GreeterPlugin::load(&loader, "morning.wasm")?
//! let reply = plugin.say_hello(GreetRequest { name: "Ada".into(), title: None })?;
//! assert_eq!(reply.message, "Good morning, Ada");
//! # Ok::<(), wasm_plugin_runtime::Error>(())
//! ```
//!
//! - **Compile once, call from anywhere.** A [`Loader`] owns one engine; each module is
//!   compiled once and pre-linked; the handle is `Send + Sync` and keeps a pool of instances,
//!   so threads call it concurrently without a lock around calls.
//! - **Sandboxed by default, with grants per plugin.** No files, environment, arguments or
//!   output unless [`Grants`] give them: the loader's for all its plugins, or a plugin's own
//!   ([`PluginBuilder::grants`]), so that a trusted and an untrusted plugin share one loader.
//! - **Bounded.** A deadline bounds the whole call, host functions and WASI included; a
//!   [`CancelToken`] stops a call from another thread; a fuel budget bounds its work
//!   deterministically; a memory limit its memory.
//! - **Failures are values.** A trap, a panic, a stopped call becomes an [`Error`] that names
//!   the plugin; the failed instance is dropped and the next call gets a fresh one.
//! - **Host functions know their caller**: a [`HostContext`] with the plugin's name and what
//!   the host attached to the call ([`CallContext`]).
//!
//! A plugin with rights of its own, stopped by its deadline, then by a cancellation from
//! another thread (`say_goodbye` never returns by itself):
//!
//! ```
//! # mod greeting {
//! #     include!("../../generator/tests/fixtures/greeting/expected/host/greeting.rs");
//! # }
//! # use greeting::{GreetRequest, GreeterPlugin};
//! # let wasm = wat::parse_str(include_str!("../doc/greeter.wat")).unwrap();
//! use std::time::Duration;
//! use wasm_plugin_runtime::{CallContext, CancelToken, Error, Grants, Loader};
//!
//! struct RequestId(u64);
//!
//! let loader = Loader::new()?;
//! let untrusted = GreeterPlugin::builder(&loader)
//!     .name("untrusted")
//!     .grants(Grants::new().deadline(Duration::from_millis(50)).memory_limit(16 << 20))
//!     .load_bytes(&wasm)?;
//! let ada = GreetRequest { name: "Ada".into(), title: None };
//! let error = untrusted.say_goodbye(&ada).unwrap_err();
//! assert!(matches!(error, Error::DeadlineExceeded { .. }), "{error}");
//! assert_eq!(error.plugin(), Some("untrusted"));
//!
//! let patient = GreeterPlugin::builder(&loader).name("patient").load_bytes(&wasm)?;
//! let token = CancelToken::new();
//! let call = patient.with_context(CallContext::new().value(RequestId(7)).cancel_token(token.clone()));
//! let running = std::thread::spawn(move || call.say_goodbye(ada));
//! std::thread::sleep(Duration::from_millis(20));
//! token.cancel();
//! assert!(matches!(running.join().unwrap(), Err(Error::Cancelled { .. })));
//! // The stopped instance was replaced: the plugin still answers.
//! assert_eq!(patient.say_hello(GreetRequest { name: "Bo".into(), title: None })?.message, "Good morning, Bo");
//! # Ok::<(), wasm_plugin_runtime::Error>(())
//! ```
//!
//! `examples/grants` in the repository runs all of this against plugins built with the guest
//! SDK, with host functions that read the [`CallContext`]'s values.
//!
//! **Async hosts.** Generated with `async_calls(true)`, a handle's rpcs are `async fn`s and its
//! host functions may be too ([`HostModule::function_async`]): a call that waits holds no
//! thread, a plugin that computes yields to the executor every millisecond, and dropping the
//! future stops the plugin and drops its instance:
//!
//! ```
//! # mod greeting {
//! #     include!("../../generator/tests/fixtures/greeting/expected/host_async/greeting.rs");
//! # }
//! # use greeting::{GreetRequest, GreeterPlugin};
//! # let wasm = wat::parse_str(include_str!("../doc/greeter.wat")).unwrap();
//! use std::time::Duration;
//! use wasm_plugin_runtime::{CallContext, Error, Loader};
//!
//! # let runtime = tokio::runtime::Runtime::new().unwrap();
//! # runtime.block_on(async {
//! let loader = Loader::new()?;
//! let plugin = GreeterPlugin::load_bytes(&loader, &wasm).await?;
//! let reply = plugin.say_hello(GreetRequest { name: "Ada".into(), title: None }).await?;
//! assert_eq!(reply.message, "Good morning, Ada");
//!
//! // A call that never ends by itself, bounded by a timeout.
//! let bounded = plugin.with_context(CallContext::new().timeout(Duration::from_millis(20)));
//! let error = bounded.say_goodbye(GreetRequest::default()).await.unwrap_err();
//! assert!(matches!(error, Error::DeadlineExceeded { .. }));
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```
//!
//! `examples/async-http` implements a host function with hyper's HTTP client.
//!
//! The binary interface is that of knqyf263/go-plugin (see `docs/abi.md`), so plugins built
//! with go-plugin load here, and Rust plugins load in go-plugin hosts.
#![deny(missing_docs)]

// The modules depend one way, in the layers of `LAYERS` (checked by a test below).
mod abi;
mod blocking;
mod builder;
mod cache;
#[doc(hidden)]
pub mod codegen;
mod context;
mod error;
mod grants;
mod host;
mod instance;
mod interface;
mod linking;
mod loader;
mod output;
mod plugin;
mod pool;
mod store;
mod ticker;
mod wait;
mod wasi_poll;

pub use builder::PluginBuilder;
pub use context::{CallContext, CancelToken};
pub use error::{Error, TrapCode};
pub use grants::{DirAccess, Grants};
pub use host::{HostContext, HostError, HostFuture, HostModule};
pub use loader::{Loader, LoaderBuilder, Module};
pub use output::CapturedOutput;
pub use plugin::{Plugin, PluginStats};
pub use prost;
pub use prost_types;

/// Includes the code `wasm-plugin-build` generated for one protobuf package, like
/// `tonic::include_proto!`: `mod greeting { wasm_plugin_runtime::include_proto!("greeting"); }`.
///
/// A package whose messages refer to another package's (`import "common.proto";`) is included
/// by its module path instead: `mod shop { wasm_plugin_runtime::include_proto!(acme::shop); }`. That
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

/// The runtime's modules from the bottom up: each uses only modules of lower layers (or of its
/// own layer, listed before it). Store data and exports at the bottom, then linking, modules,
/// instances, the plugin handle, and the facade generated code uses on top.
#[cfg(test)]
const LAYERS: &[&str] = &[
    "abi",
    "error",
    "interface",
    "blocking",
    "cache",
    "context",
    "output",
    "pool",
    "ticker",
    "host",
    "grants",
    "wait",
    "store",
    "wasi_poll",
    "linking",
    "loader",
    "instance",
    "plugin",
    "codegen",
    "builder",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_depend_one_way() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut checked = 0;
        for entry in std::fs::read_dir(&src).expect("runtime/src") {
            let path = entry.expect("entry").path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if name == "lib" {
                continue;
            }
            let layer = LAYERS
                .iter()
                .position(|m| *m == name)
                .unwrap_or_else(|| panic!("{name}.rs is in no layer of LAYERS: add it"));
            let source = std::fs::read_to_string(&path).expect("read a module");
            // Its own tests may use anything.
            let code = source.split("#[cfg(test)]").next().unwrap_or_default();
            for (above, module) in LAYERS.iter().enumerate().skip(layer + 1) {
                for usage in [format!("crate::{module}::"), format!("crate::{module};")] {
                    assert!(
                        !code.contains(&usage),
                        "{name} (layer {layer}) uses {module} (layer {above}), which is above it"
                    );
                }
            }
            checked += 1;
        }
        assert_eq!(
            checked,
            LAYERS.len(),
            "every module of LAYERS is a file of src"
        );
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn handles_can_be_shared_between_threads() {
        assert_send_sync::<Loader>();
        assert_send_sync::<Module>();
        assert_send_sync::<Plugin>();
        assert_send_sync::<HostModule>();
        assert_send_sync::<Grants>();
        assert_send_sync::<CallContext>();
        assert_send_sync::<CancelToken>();
        assert_send_sync::<Error>();
    }
}
