//! Host functions: services marked `type=host`, implemented by the host, imported by plugins.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use prost::Message;

use crate::context::{CallContext, CancelToken};

/// An error a host function returns to the plugin that called it.
///
/// It reaches a Rust plugin as `Err` with this message. A go-plugin guest cannot receive errors
/// from host functions; for it the call into the plugin stops with
/// [`Error::HostFunction`](crate::Error::HostFunction). Any [`std::error::Error`] converts into
/// it, so `?` works inside host functions.
#[derive(Clone, PartialEq, Eq)]
pub struct HostError {
    message: String,
}

impl HostError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message the plugin receives.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HostError").field(&self.message).finish()
    }
}

// Like `anyhow::Error`, `HostError` does not implement `std::error::Error`, so that every
// standard error can convert into it.
impl<E: std::error::Error> From<E> for HostError {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}

/// Who called a host function, and what the host attached to the call: the first argument of
/// every host function.
///
/// ```
/// use wasm_plugin_runtime::{HostContext, HostError};
///
/// struct RequestId(u64);
///
/// fn log(context: &HostContext<'_>, message: &str) -> Result<(), HostError> {
///     let id = context.get::<RequestId>().map_or(0, |id| id.0);
///     eprintln!("[{} #{id}] {message}", context.plugin());
///     Ok(())
/// }
/// ```
pub struct HostContext<'a> {
    pub(crate) plugin: &'a str,
    pub(crate) call: Option<&'a CallContext>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) cancel: Option<&'a CancelToken>,
}

impl HostContext<'_> {
    /// The name of the calling plugin: its file, or the name it was loaded under.
    pub fn plugin(&self) -> &str {
        self.plugin
    }

    /// The value of type `T` the host attached to the call
    /// ([`CallContext::value`](crate::CallContext::value)), if any.
    pub fn get<T: std::any::Any>(&self) -> Option<&T> {
        self.call?.get()
    }

    /// When the call must end, if it has a deadline: a host function that waits should not
    /// wait past it (the call fails with `DeadlineExceeded` when it returns anyway).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the call was cancelled ([`CancelToken::cancel`]): a host function that works
    /// long can give up early (the call ends with `Cancelled` when it returns anyway).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_some_and(CancelToken::is_cancelled)
    }
}

impl fmt::Debug for HostContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostContext")
            .field("plugin", &self.plugin)
            .field("deadline", &self.deadline)
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Why a host function produced no response.
pub(crate) enum HostCallError {
    /// The plugin's request did not decode.
    Decode(String),
    /// The host function returned an error.
    Failed(String),
}

impl HostCallError {
    pub(crate) fn message(&self) -> &str {
        match self {
            HostCallError::Decode(message) | HostCallError::Failed(message) => message,
        }
    }
}

/// A blocking host function with its messages erased: request bytes in, response bytes out.
pub(crate) type ErasedFunction =
    Arc<dyn Fn(&HostContext<'_>, &[u8]) -> Result<Vec<u8>, HostCallError> + Send + Sync>;

/// The future of an async host function, which may borrow the call's [`HostContext`].
pub type HostFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, HostError>> + Send + 'a>>;

/// An async host function with its messages erased: the request decodes before the future
/// starts, so the future owns it and borrows only the context.
pub(crate) type ErasedAsyncFunction = Arc<
    dyn for<'a> Fn(HostContext<'a>, &[u8]) -> Result<HostFuture<'a, Vec<u8>>, HostCallError>
        + Send
        + Sync,
>;

/// A host function of either kind.
#[derive(Clone)]
pub(crate) enum HostFunction {
    Blocking(ErasedFunction),
    Async(ErasedAsyncFunction),
}

/// An import module of host functions, such as `env`.
///
/// Generated code builds one from a `type=host` service (`HostFunctions::into_host_module`);
/// give it to a plugin ([`PluginBuilder::host_module`](crate::PluginBuilder::host_module), or
/// the `load` of a generated handle), or to every plugin of a loader
/// ([`Grants::host_module`](crate::Grants::host_module) of the loader's default grants): a host
/// function library.
#[derive(Clone)]
pub struct HostModule {
    pub(crate) name: String,
    pub(crate) functions: Vec<(String, HostFunction)>,
}

impl HostModule {
    /// An empty module called `name` (go-plugin's default is `env`).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            functions: Vec::new(),
        }
    }

    /// Adds the function `name`, which decodes its request as `Req` (the protobuf message
    /// `request_type`, such as `greeting.LookupRequest`, named in errors) and encodes its
    /// response.
    pub fn function<Req, Resp, F>(
        mut self,
        name: impl Into<String>,
        request_type: &'static str,
        function: F,
    ) -> Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(&HostContext<'_>, Req) -> Result<Resp, HostError> + Send + Sync + 'static,
    {
        let erased: ErasedFunction = Arc::new(move |context: &HostContext<'_>, bytes: &[u8]| {
            let request = decode::<Req>(context, request_type, bytes)?;
            function(context, request)
                .map(|response| response.encode_to_vec())
                .map_err(|error| HostCallError::Failed(error.message))
        });
        self.functions
            .push((name.into(), HostFunction::Blocking(erased)));
        self
    }

    /// Adds the async function `name`, as [`HostModule::function`] does a blocking one. Only
    /// plugins loaded for async calls can call it (generated with the `async` option, loaded
    /// with [`PluginBuilder::load_async`](crate::PluginBuilder::load_async) and its siblings);
    /// while it awaits, the plugin's call is suspended and its thread is free. The call's
    /// deadline and cancellation end the wait (dropping the future).
    ///
    /// ```
    /// use std::time::Duration;
    /// use wasm_plugin_runtime::{HostContext, HostError, HostModule};
    ///
    /// let module = HostModule::new("env").function_async(
    ///     "now",
    ///     "google.protobuf.Empty",
    ///     |context: HostContext<'_>, _request: ()| {
    ///         Box::pin(async move {
    ///             // Anything async: a timer, an HTTP request, a database query.
    ///             assert!(!context.plugin().is_empty());
    ///             Ok::<_, HostError>(wasm_plugin_runtime::prost_types::Timestamp::default())
    ///         })
    ///     },
    /// );
    /// assert!(module.is_async());
    /// ```
    pub fn function_async<Req, Resp, F>(
        mut self,
        name: impl Into<String>,
        request_type: &'static str,
        function: F,
    ) -> Self
    where
        Req: Message + Default,
        Resp: Message + 'static,
        F: for<'a> Fn(HostContext<'a>, Req) -> HostFuture<'a, Resp> + Send + Sync + 'static,
    {
        let erased: ErasedAsyncFunction =
            Arc::new(move |context: HostContext<'_>, bytes: &[u8]| {
                let request = decode::<Req>(&context, request_type, bytes)?;
                let response = function(context, request);
                Ok(
                    Box::pin(async move { response.await.map(|response| response.encode_to_vec()) })
                        as HostFuture<'_, Vec<u8>>,
                )
            });
        self.functions
            .push((name.into(), HostFunction::Async(erased)));
        self
    }

    /// Whether any of its functions is async: then only plugins loaded for async calls can
    /// use the module.
    pub fn is_async(&self) -> bool {
        self.functions
            .iter()
            .any(|(_, function)| matches!(function, HostFunction::Async(_)))
    }

    /// The module's name, as plugins import it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of its functions.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.iter().map(|(name, _)| name.as_str())
    }
}

/// Decodes a plugin's request to a host function, or says which plugin sent what.
fn decode<Req: Message + Default>(
    context: &HostContext<'_>,
    request_type: &str,
    bytes: &[u8],
) -> Result<Req, HostCallError> {
    Req::decode(bytes).map_err(|error| {
        HostCallError::Decode(format!(
            "the host could not decode the request of plugin {} as {request_type}: {error}",
            context.plugin()
        ))
    })
}

impl fmt::Debug for HostModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostModule")
            .field("name", &self.name)
            .field("functions", &self.function_names().collect::<Vec<_>>())
            .finish()
    }
}
