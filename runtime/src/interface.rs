//! The description of a plugin service that generated code gives the runtime: the bottom of
//! the runtime's layers (generated code names it `codegen::Interface`).

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
