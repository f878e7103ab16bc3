//! Loading a plugin with grants and host functions of its own.

use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use crate::codegen::TypedPlugin;
use crate::grants::Grants;
use crate::host::HostModule;
use crate::loader::{Loader, Module};
use crate::plugin::Plugin;
use crate::Error;

/// Loads a plugin as the service `T` (a generated handle, such as `GreeterPlugin`), with its own
/// grants and host functions. Generated handles start one with `builder(&loader)`.
///
/// ```
/// # mod greeting {
/// #     include!("../../generator/tests/fixtures/greeting/expected/host/greeting.rs");
/// # }
/// # let wasm = wat::parse_str(include_str!("../doc/greeter.wat")).unwrap();
/// use std::time::Duration;
/// use wasm_plugin_runtime::{CapturedOutput, Grants, Loader};
///
/// let loader = Loader::new()?;
/// let output = CapturedOutput::new();
/// let untrusted = greeting::GreeterPlugin::builder(&loader)
///     .grants(Grants::new().stdout(output.clone()).deadline(Duration::from_millis(50)))
///     .name("untrusted")
///     .load_bytes(&wasm)?; // or .load("untrusted.wasm")
/// assert_eq!(untrusted.as_ref().name(), "untrusted");
/// # Ok::<(), wasm_plugin_runtime::Error>(())
/// ```
#[must_use]
pub struct PluginBuilder<T> {
    loader: Loader,
    grants: Option<Grants>,
    host_modules: Vec<HostModule>,
    name: Option<String>,
    service: PhantomData<fn() -> T>,
}

impl<T: TypedPlugin> PluginBuilder<T> {
    /// A builder for the service `T` on `loader`, with the loader's grants.
    pub fn new(loader: &Loader) -> Self {
        Self {
            loader: loader.clone(),
            grants: None,
            host_modules: Vec::new(),
            name: None,
            service: PhantomData,
        }
    }

    /// The plugin's grants, instead of the loader's. Default: the loader's grants.
    pub fn grants(mut self, grants: Grants) -> Self {
        self.grants = Some(grants);
        self
    }

    /// Gives the plugin the host functions of `module`, in addition to those of its grants: its
    /// own (`HostFunctions::into_host_module()` of the generated trait), or a library's.
    pub fn host_module(mut self, module: HostModule) -> Self {
        self.host_modules.push(module);
        self
    }

    /// The name errors and host functions know the plugin by. Default: the file's path, or
    /// `<bytes>` for [`load_bytes`](PluginBuilder::load_bytes).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Compiles the `.wasm` file at `path` and instantiates it as the service.
    ///
    /// # Errors
    /// As [`Loader::compile_file`] and [`PluginBuilder::from_module`].
    pub fn load(self, path: impl AsRef<Path>) -> Result<T, Error> {
        let module = self.loader.compile_file(path)?;
        self.from_module(&module)
    }

    /// Compiles a `.wasm` module held in memory and instantiates it as the service.
    ///
    /// # Errors
    /// As [`Loader::compile_bytes`] and [`PluginBuilder::from_module`].
    pub fn load_bytes(self, wasm: &[u8]) -> Result<T, Error> {
        let module = self.compile_bytes(wasm)?;
        self.from_module(&module)
    }

    /// Instantiates an already compiled module as the service, for example one module that
    /// implements several services.
    ///
    /// # Errors
    /// [`Error::MissingExport`], [`Error::ExportType`], [`Error::MissingImport`] (a host
    /// function nobody gave the plugin), [`Error::ApiVersionMismatch`], [`Error::Io`] for a
    /// granted directory that does not exist, or any error of instantiation;
    /// [`Error::Config`] for a handle with async rpcs (load it with
    /// [`from_module_async`](PluginBuilder::from_module_async)).
    pub fn from_module(self, module: &Module) -> Result<T, Error> {
        let (grants, name) = self.plugin_grants_and_name(module, false)?;
        Plugin::new(module, T::INTERFACE, grants, name).map(T::from_plugin)
    }

    /// [`load`](PluginBuilder::load) for a handle whose rpcs are `async fn`s (generated with
    /// the `async` option). Compiling blocks the calling thread; the first instance (whose
    /// initializer may call async host functions) does not.
    ///
    /// # Errors
    /// As [`PluginBuilder::load`].
    pub async fn load_async(self, path: impl AsRef<Path>) -> Result<T, Error> {
        let module = self.loader.compile_file(path)?;
        self.from_module_async(&module).await
    }

    /// [`load_bytes`](PluginBuilder::load_bytes) for a handle whose rpcs are `async fn`s.
    ///
    /// # Errors
    /// As [`PluginBuilder::load_bytes`].
    pub async fn load_bytes_async(self, wasm: &[u8]) -> Result<T, Error> {
        let module = self.compile_bytes(wasm)?;
        self.from_module_async(&module).await
    }

    /// [`from_module`](PluginBuilder::from_module) for a handle whose rpcs are `async fn`s:
    /// its calls are futures, and its host modules may have async functions
    /// ([`HostModule::function_async`]).
    ///
    /// # Errors
    /// As [`PluginBuilder::from_module`]; [`Error::Config`] for a handle with blocking rpcs.
    pub async fn from_module_async(self, module: &Module) -> Result<T, Error> {
        let (grants, name) = self.plugin_grants_and_name(module, true)?;
        Plugin::new_async(module, T::INTERFACE, grants, name)
            .await
            .map(T::from_plugin)
    }

    fn compile_bytes(&self, wasm: &[u8]) -> Result<Module, Error> {
        match &self.name {
            Some(name) => self.loader.compile_named(name.clone(), wasm),
            None => self.loader.compile_bytes(wasm),
        }
    }

    /// The plugin's grants (its own, or the loader's, with the builder's host modules) and
    /// name, for a handle loaded for async calls or not.
    fn plugin_grants_and_name(
        self,
        module: &Module,
        asynchronous: bool,
    ) -> Result<(Grants, Arc<str>), Error> {
        if T::ASYNC != asynchronous {
            let (handle, use_instead) = if T::ASYNC {
                (
                    "async rpcs",
                    "load_async, load_bytes_async or from_module_async",
                )
            } else {
                ("blocking rpcs", "load, load_bytes or from_module")
            };
            return Err(Error::Config(format!(
                "the handle for {} has {handle}: load {} with {use_instead}",
                T::INTERFACE.service,
                self.name.as_deref().unwrap_or(module.name()),
            )));
        }
        let mut grants = self.grants.unwrap_or_else(|| self.loader.grants().clone());
        grants.host_modules.extend(self.host_modules);
        let name: Arc<str> = match self.name {
            Some(name) => name.into(),
            None => Arc::clone(&module.name),
        };
        Ok((grants, name))
    }
}
