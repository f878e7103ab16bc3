//! A loaded plugin: the blueprint of its instances and a pool of them that calls run on.

use std::fmt;
use std::sync::Arc;

use prost::Message;

use crate::context::CallContext;
use crate::grants::Grants;
use crate::host::{HostFunction, HostModule};
use crate::instance::{Blueprint, Exports, Instance};
use crate::interface::Interface;
use crate::linking;
use crate::loader::Module;
use crate::pool::Pool;
use crate::store::{CallState, Mode};
use crate::Error;

/// An untyped plugin handle; generated handles wrap one and lend it with `as_ref()`.
///
/// Calls check an idle instance out of a pool (creating one when none is idle), run on it
/// without holding any lock, and check it back in, unless the call trapped, was cancelled or
/// ran out of time or fuel: then the instance is dropped and the next call gets a fresh one.
/// Cloning is cheap; clones share the instances.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<Inner>,
    /// What the host attached to calls made through this handle.
    context: Option<Arc<CallContext>>,
}

struct Inner {
    blueprint: Blueprint,
    module: Module,
    /// Boxed: checking an instance out and in moves a pointer, not the instance.
    idle: Pool<Instance>,
}

impl Plugin {
    /// Links `module` against WASI and the host modules of `grants`, checks that it implements
    /// `interface`, and creates its first instance to compare interface versions.
    pub(crate) fn new(
        module: &Module,
        interface: &'static Interface,
        grants: Grants,
        name: Arc<str>,
    ) -> Result<Self, Error> {
        let inner = Inner::new(module, interface, grants, name, Mode::Blocking)?;
        let mut first = Instance::new(&inner.blueprint, inner.first_call())?;
        // One deadline for the first instance and the version check together.
        let call = first.take_call();
        first.check_version(&inner.blueprint, call)?;
        inner.idle.put(first);
        Ok(Self {
            inner: Arc::new(inner),
            context: None,
        })
    }

    /// [`Plugin::new`] for calls that are futures ([`Plugin::call_async`]).
    pub(crate) async fn new_async(
        module: &Module,
        interface: &'static Interface,
        grants: Grants,
        name: Arc<str>,
    ) -> Result<Self, Error> {
        let inner = Inner::new(module, interface, grants, name, Mode::Async)?;
        let mut first = Instance::new_async(&inner.blueprint, inner.first_call()).await?;
        let call = first.take_call();
        first.check_version_async(&inner.blueprint, call).await?;
        inner.idle.put(first);
        Ok(Self {
            inner: Arc::new(inner),
            context: None,
        })
    }

    /// Calls the rpc at `method` (an index into the interface's methods).
    pub(crate) fn call<Req, Resp>(&self, method: usize, request: &Req) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        if self.inner.blueprint.mode != Mode::Blocking {
            return Err(self.wrong_mode("a blocking call", "call it with .await"));
        }
        crate::blocking::outside_async(|| self.call_blocking(method, request))
    }

    fn call_blocking<Req, Resp>(&self, method: usize, request: &Req) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let inner = &*self.inner;
        let blueprint = &inner.blueprint;
        let (mut instance, call) = match inner.idle.take() {
            Some(instance) => (instance, self.call_state()),
            None => {
                let mut instance = Instance::new(blueprint, self.call_state())?;
                // One deadline for the whole call, the new instance's initialisation included.
                let call = instance.take_call();
                (instance, call)
            }
        };
        let result = instance.call(blueprint, method, request, call);
        if reusable(&result) {
            inner.idle.put(instance);
        }
        result
    }

    /// Calls the rpc at `method` as a future: while the plugin waits (in an async host
    /// function, or sleeping in WASI) its thread is free, and a plugin that computes yields
    /// every millisecond. Dropping the future stops the call and drops its instance.
    pub(crate) async fn call_async<Req, Resp>(
        &self,
        method: usize,
        request: &Req,
    ) -> Result<Resp, Error>
    where
        Req: Message + Sync,
        Resp: Message + Default,
    {
        let inner = &*self.inner;
        let blueprint = &inner.blueprint;
        if blueprint.mode != Mode::Async {
            return Err(self.wrong_mode("an async call", "call it without .await"));
        }
        let (mut instance, call) = match inner.idle.take() {
            Some(instance) => (instance, self.call_state()),
            None => {
                let mut instance = Instance::new_async(blueprint, self.call_state()).await?;
                let call = instance.take_call();
                (instance, call)
            }
        };
        let result = instance.call_async(blueprint, method, request, call).await;
        // Reached only if the future was not dropped: a dropped call drops `instance` with it.
        if reusable(&result) {
            inner.idle.put(instance);
        }
        result
    }

    /// The state of a call through this handle: the plugin's deadline, the handle's context.
    fn call_state(&self) -> CallState {
        CallState::start(self.inner.blueprint.grants.deadline, self.context.clone())
    }

    fn wrong_mode(&self, call: &str, fix: &str) -> Error {
        let blueprint = &self.inner.blueprint;
        let (loaded, generated) = match blueprint.mode {
            Mode::Blocking => ("for blocking calls", "without the async option"),
            Mode::Async => ("for async calls", "with the async option"),
        };
        Error::Config(format!(
            "{call} of plugin {}, which was loaded {loaded}: {fix}, as the code generated {generated} does",
            blueprint.name
        ))
    }

    /// A handle to the same plugin (the same instances) whose calls carry `context`: values for
    /// host functions, a cancellation token, a timeout.
    ///
    /// ```
    /// # mod greeting {
    /// #     include!("../../generator/tests/fixtures/greeting/expected/host/greeting.rs");
    /// # }
    /// # let wasm = wat::parse_str(include_str!("../doc/greeter.wat")).unwrap();
    /// # let loader = wasm_plugin_runtime::Loader::new()?;
    /// # let greeter = greeting::GreeterPlugin::load_bytes(&loader, &wasm)?;
    /// use wasm_plugin_runtime::{CallContext, CancelToken, Error};
    ///
    /// struct RequestId(u64);
    ///
    /// let plugin: &wasm_plugin_runtime::Plugin = greeter.as_ref();
    /// let token = CancelToken::new();
    /// let scoped = plugin.with_context(CallContext::new().value(RequestId(7)).cancel_token(token.clone()));
    /// // Calls through `scoped` (or a generated handle's `with_context`) see RequestId(7) in
    /// // their host functions, and stop when `token.cancel()` is called.
    /// token.cancel();
    /// let request = greeting::GreetRequest { name: "Ada".into(), title: None };
    /// let error = greeter.with_context(CallContext::new().cancel_token(token)).say_hello(request);
    /// assert!(matches!(error, Err(Error::Cancelled { .. })));
    /// # drop(scoped);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn with_context(&self, context: CallContext) -> Plugin {
        Plugin {
            inner: Arc::clone(&self.inner),
            context: Some(Arc::new(context)),
        }
    }

    /// Creates instances until `count` are idle (at most the loader's
    /// [`max_idle_instances`](crate::LoaderBuilder::max_idle_instances)), so that the next calls
    /// find them ready: for hosts whose first calls must be fast.
    ///
    /// # Errors
    /// As the first call: an instance that cannot be created or initialised.
    pub fn warm_up(&self, count: usize) -> Result<(), Error> {
        let inner = &*self.inner;
        if inner.blueprint.mode != Mode::Blocking {
            return Err(self.wrong_mode("a blocking warm-up", "use warm_up_async"));
        }
        for _ in self.stats().idle_instances..count.min(inner.idle.capacity()) {
            inner
                .idle
                .put(Instance::new(&inner.blueprint, inner.first_call())?);
        }
        Ok(())
    }

    /// [`Plugin::warm_up`] for plugins loaded for async calls.
    ///
    /// # Errors
    /// As the first call: an instance that cannot be created or initialised.
    pub async fn warm_up_async(&self, count: usize) -> Result<(), Error> {
        let inner = &*self.inner;
        if inner.blueprint.mode != Mode::Async {
            return Err(self.wrong_mode("an async warm-up", "use warm_up"));
        }
        for _ in self.stats().idle_instances..count.min(inner.idle.capacity()) {
            let instance = Instance::new_async(&inner.blueprint, inner.first_call()).await?;
            inner.idle.put(instance);
        }
        Ok(())
    }

    /// Whether calls are futures (the plugin was loaded for async calls).
    pub fn is_async(&self) -> bool {
        self.inner.blueprint.mode == Mode::Async
    }

    /// The plugin's name: its file, or the name it was loaded under.
    pub fn name(&self) -> &str {
        &self.inner.blueprint.name
    }

    /// The service this handle calls, such as `greeting.Greeter`.
    pub fn service(&self) -> &'static str {
        self.inner.blueprint.interface.service
    }

    /// The compiled module this handle instantiates: another service of the same module can be
    /// instantiated from it without compiling again.
    pub fn module(&self) -> &Module {
        &self.inner.module
    }

    /// The plugin's grants.
    pub fn grants(&self) -> &Grants {
        &self.inner.blueprint.grants
    }

    /// How many instances are idle in the pool and how much linear memory they hold.
    pub fn stats(&self) -> PluginStats {
        let mut stats = PluginStats {
            idle_instances: 0,
            memory_bytes: 0,
        };
        self.inner.idle.for_each(|instance| {
            stats.idle_instances += 1;
            stats.memory_bytes += instance.memory_size();
        });
        stats
    }
}

/// A snapshot of a plugin's instance pool, from [`Plugin::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PluginStats {
    /// Instances waiting for the next call.
    pub idle_instances: usize,
    /// The linear memory those instances hold, in bytes.
    pub memory_bytes: usize,
}

impl Inner {
    /// Checks `module` against `interface` and its host functions, and links it for `mode`.
    fn new(
        module: &Module,
        interface: &'static Interface,
        grants: Grants,
        name: Arc<str>,
        mode: Mode,
    ) -> Result<Self, Error> {
        grants.check(&name)?;
        if grants.fuel.is_some() && !module.loader.fuel_metering() {
            return Err(Error::Config(format!(
                "{name} has a fuel budget, but its loader counts no fuel: build the loader with \
                 LoaderBuilder::fuel_metering(true)"
            )));
        }
        let compiled = &module.compiled;
        linking::check_exports(&compiled.module, interface, &name)?;
        let host_modules: Vec<&HostModule> = grants.host_modules.iter().collect();
        linking::check_imports(&compiled.module, &host_modules, &name)?;
        let host_functions: Arc<[HostFunction]> =
            linking::resolve_host_functions(&compiled.imports, &host_modules).into();
        if mode == Mode::Blocking {
            if let Some(module) = host_modules.iter().find(|module| module.is_async()) {
                return Err(Error::Config(format!(
                    "{name} is loaded for blocking calls, but the host module {} has async \
                     functions: load it for async calls (generate its host code with the async \
                     option, or use PluginBuilder::load_async)",
                    module.name()
                )));
            }
        }
        Ok(Self {
            blueprint: Blueprint {
                exports: Exports::locate(&compiled.module, interface, &name)?,
                pre: module.instance_pre(&name, mode)?,
                name,
                interface,
                host_functions,
                grants,
                loader: module.loader.clone(),
                mode,
            },
            idle: Pool::new(module.loader.max_idle_instances()),
            module: module.clone(),
        })
    }

    /// The state of a call made by the runtime itself (instantiation, the version check), with
    /// the plugin's deadline.
    fn first_call(&self) -> CallState {
        let blueprint = &self.blueprint;
        CallState::start(blueprint.grants.deadline, None)
    }
}

/// Whether an instance may serve another call after `result`: not after a trap, a stop, or a
/// broken interface, which may leave it in any state.
fn reusable<T>(result: &Result<T, Error>) -> bool {
    matches!(
        result,
        Ok(_) | Err(Error::Plugin { .. } | Error::Decode { .. })
    )
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("service", &self.service())
            .field("plugin", &self.name())
            .field("context", &self.context)
            .finish()
    }
}
