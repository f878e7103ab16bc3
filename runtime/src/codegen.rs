//! What generated code uses, and only generated code: the description of an interface, and
//! the typed calls behind a generated handle. Not a stable API: it changes together with
//! `wasm-plugin-build`.

use prost::Message;

pub use crate::interface::{Interface, Method};
use crate::{Error, Plugin};

/// A generated handle: a typed view of a [`Plugin`] that implements one interface.
pub trait TypedPlugin: Sized {
    /// The interface the handle calls.
    const INTERFACE: &'static Interface;

    /// Whether its rpcs are `async fn`s: then it is loaded for async calls
    /// ([`PluginBuilder::load_async`](crate::PluginBuilder::load_async)).
    const ASYNC: bool = false;

    /// Wraps a plugin checked against [`TypedPlugin::INTERFACE`].
    fn from_plugin(plugin: Plugin) -> Self;
}

/// Calls the rpc at `method` (an index into the interface's methods) with the message types the
/// generated handle knows.
///
/// # Errors
/// As the generated rpc methods.
pub fn call<Req, Resp>(plugin: &Plugin, method: usize, request: &Req) -> Result<Resp, Error>
where
    Req: Message,
    Resp: Message + Default,
{
    plugin.call(method, request)
}

/// [`call`] for handles whose rpcs are `async fn`s.
///
/// # Errors
/// As the generated rpc methods.
pub async fn call_async<Req, Resp>(
    plugin: &Plugin,
    method: usize,
    request: &Req,
) -> Result<Resp, Error>
where
    Req: Message + Sync,
    Resp: Message + Default,
{
    plugin.call_async(method, request).await
}
