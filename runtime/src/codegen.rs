//! What generated code uses, and only generated code: the description of an interface, and
//! the typed calls behind a generated handle. Not a stable API: it changes together with
//! `wasm-plugin-build`.

use prost::Message;

use crate::{Error, Plugin};

/// A plugin service as its `.proto` file describes it, and the exports that implement it.
#[derive(Debug)]
pub struct Interface {
    /// The service's full protobuf name, such as `greeting.Greeter`.
    pub service: &'static str,
    /// The interface version the host was generated with.
    pub version: u64,
    /// The export that reports the plugin's version: `greeter_api_version`.
    pub api_version_export: &'static str,
    /// The rpcs, in declaration order.
    pub methods: &'static [Method],
}

/// One rpc of an [`Interface`].
#[derive(Debug)]
pub struct Method {
    /// The export that implements it: `greeter_say_hello`.
    pub export: &'static str,
    /// The full protobuf name of its request message, such as `greeting.GreetRequest`.
    pub request: &'static str,
    /// The full protobuf name of its response message, such as `greeting.GreetReply`.
    pub response: &'static str,
}

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
