//! Host functions: services marked `type=host`, implemented by the host, imported by plugins.

use std::fmt;
use std::sync::Arc;

use prost::Message;

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

/// A host function with its messages erased: request bytes in, response bytes out.
pub(crate) type ErasedFunction = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, HostCallError> + Send + Sync>;

/// An import module of host functions, such as `env`.
///
/// Generated code builds one from a `type=host` service (`HostFunctions::into_host_module`);
/// pass it to a plugin's `load`, or to [`LoaderBuilder::host_module`](crate::LoaderBuilder::host_module)
/// to offer it to every plugin of a loader (a host function library).
#[derive(Clone)]
pub struct HostModule {
    pub(crate) name: String,
    pub(crate) functions: Vec<(String, ErasedFunction)>,
}

impl HostModule {
    /// An empty module called `name` (go-plugin's default is `env`).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            functions: Vec::new(),
        }
    }

    /// Adds the function `name`, which decodes its request as `Req` and encodes its response.
    pub fn function<Req, Resp, F>(mut self, name: impl Into<String>, function: F) -> Self
    where
        Req: Message + Default,
        Resp: Message,
        F: Fn(Req) -> Result<Resp, HostError> + Send + Sync + 'static,
    {
        let erased: ErasedFunction = Arc::new(move |bytes: &[u8]| {
            let request = Req::decode(bytes).map_err(|error| {
                HostCallError::Decode(format!(
                    "the host could not decode the request as {}: {error}",
                    std::any::type_name::<Req>()
                ))
            })?;
            function(request)
                .map(|response| response.encode_to_vec())
                .map_err(|error| HostCallError::Failed(error.message))
        });
        self.functions.push((name.into(), erased));
        self
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

impl fmt::Debug for HostModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostModule")
            .field("name", &self.name)
            .field("functions", &self.function_names().collect::<Vec<_>>())
            .finish()
    }
}
