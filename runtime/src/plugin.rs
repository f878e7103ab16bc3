//! A loaded plugin: a pre-linked module and a pool of instances that calls run on.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use prost::Message;
use wasmtime::{InstancePre, Linker, Memory, Store, TypedFunc};

use crate::abi::{self, Payload, ERROR_FLAG};
use crate::host::HostModule;
use crate::limits::{MemoryLimitHit, MemoryLimiter};
use crate::linking::{self, HostFunctionFailed};
use crate::loader::{Loader, Module};
use crate::pool::Pool;
use crate::Error;

/// The exports a generated handle needs from a plugin, as written in its `.proto` file.
#[derive(Debug)]
pub struct Interface {
    /// The service's full protobuf name, such as `greeting.Greeter`.
    pub service: &'static str,
    /// The interface version the host was generated with.
    pub version: u64,
    /// The export that reports the plugin's version: `greeter_api_version`.
    pub api_version_export: &'static str,
    /// One export per rpc, in declaration order: `greeter_greet`.
    pub method_exports: &'static [&'static str],
}

/// An untyped plugin handle; generated handles wrap one and lend it with `as_ref()`.
///
/// Calls check an idle instance out of a pool (creating one when none is idle), run on it
/// without holding any lock, and check it back in, unless the call trapped.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<Inner>,
}

struct Inner {
    pre: InstancePre<State>,
    module: Module,
    interface: &'static Interface,
    plugin: Arc<str>,
    loader: Loader,
    /// Boxed: checking an instance out and in moves a pointer, not the instance.
    idle: Pool<Instance>,
}

/// What each instance's store holds.
pub(crate) struct State {
    pub wasi: wasmtime_wasi::p1::WasiP1Ctx,
    limiter: MemoryLimiter,
    /// Set once the instance exists; host functions need them to answer.
    pub guest: Option<GuestExports>,
    /// The interface level agreed with the guest (`docs/abi.md`, "Levels"); 0 for go-plugin's.
    pub level: u32,
    /// Host function responses a go-plugin guest never frees; freed when its call returns.
    pub abandoned: Vec<u32>,
    /// When the running call must end, if the loader has a deadline.
    pub deadline_at: Option<Instant>,
    /// When the instance's WASI clocks started: the origin of its monotonic clock.
    pub started: Instant,
}

#[derive(Clone)]
pub(crate) struct GuestExports {
    pub memory: Memory,
    pub malloc: TypedFunc<u32, u32>,
}

struct Instance {
    store: Store<State>,
    /// A block of the guest's that requests are written to, reused while large enough:
    /// `(ptr, capacity)`.
    request_block: Option<(u32, u32)>,
    handle: wasmtime::Instance,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    methods: Vec<TypedFunc<(u32, u32), u64>>,
}

impl Plugin {
    /// Links `module` against WASI and the host modules, checks that it implements
    /// `interface`, and creates its first instance to compare interface versions. Generated
    /// handles call this; prefer them.
    ///
    /// # Errors
    /// [`Error::MissingExport`], [`Error::ExportType`], [`Error::MissingImport`],
    /// [`Error::ApiVersionMismatch`], or any error of instantiation.
    #[doc(hidden)]
    pub fn new(
        module: &Module,
        interface: &'static Interface,
        host_module: Option<HostModule>,
    ) -> Result<Self, Error> {
        let plugin: Arc<str> = module.name.clone();
        linking::check_exports(&module.module, interface, &plugin)?;
        let host_modules: Vec<&HostModule> = module
            .loader
            .shared
            .host_modules
            .iter()
            .chain(&host_module)
            .collect();
        linking::check_imports(&module.module, &host_modules, &plugin)?;

        let mut linker = module.loader.shared.wasi_linker.clone();
        for host in &host_modules {
            for (name, function) in &host.functions {
                linking::link_host_function(&mut linker, &host.name, name, function.clone())?;
            }
        }
        let pre = linker
            .instantiate_pre(&module.module)
            .map_err(|error| Error::Instantiate {
                plugin: plugin.to_string(),
                reason: format!("{error:#}"),
            })?;
        let inner = Inner {
            pre,
            module: module.clone(),
            interface,
            plugin,
            loader: module.loader.clone(),
            idle: Pool::new(module.loader.shared.max_idle_instances),
        };
        let deadline_at = inner.deadline_at();
        let mut first = inner.instantiate(deadline_at)?;
        inner.check_version(&mut first, deadline_at)?;
        inner.check_in(first);
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Calls the rpc at `method` (an index into the interface's `method_exports`). Generated
    /// handles call this with the right message types; prefer them.
    ///
    /// # Errors
    /// [`Error::Plugin`] with the plugin's own message, or any error of a failed call.
    #[doc(hidden)]
    pub fn call<Req, Resp>(&self, method: usize, request: &Req) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        crate::blocking::outside_async(|| self.call_blocking(method, request))
    }

    fn call_blocking<Req, Resp>(&self, method: usize, request: &Req) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let inner = &*self.inner;
        // One deadline for the whole call, including a fresh instance's initialisation.
        let deadline_at = inner.deadline_at();
        let mut instance = match inner.check_out() {
            Some(instance) => instance,
            None => inner.instantiate(deadline_at)?,
        };
        let result = inner.call_on(&mut instance, method, request, deadline_at);
        // An instance that trapped or misbehaved may be in any state: drop it.
        if matches!(
            result,
            Ok(_) | Err(Error::Plugin { .. } | Error::Decode { .. })
        ) {
            inner.check_in(instance);
        }
        result
    }

    /// The plugin's name, from its file.
    pub fn name(&self) -> &str {
        &self.inner.plugin
    }

    /// The compiled module this handle instantiates: another service of the same module can be
    /// instantiated from it without compiling again.
    pub fn module(&self) -> &Module {
        &self.inner.module
    }

    /// The service this handle calls, such as `greeting.Greeter`.
    pub fn service(&self) -> &'static str {
        self.inner.interface.service
    }

    /// How many instances are idle in the pool and how much linear memory they hold.
    pub fn stats(&self) -> PluginStats {
        let mut stats = PluginStats {
            idle_instances: 0,
            memory_bytes: 0,
        };
        self.inner.idle.for_each(|instance| {
            stats.idle_instances += 1;
            stats.memory_bytes += instance.memory.data_size(&instance.store);
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

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("service", &self.inner.interface.service)
            .field("plugin", &self.inner.plugin)
            .finish()
    }
}

impl Inner {
    fn check_out(&self) -> Option<Box<Instance>> {
        self.idle.take()
    }

    fn check_in(&self, instance: Box<Instance>) {
        self.idle.put(instance);
    }

    /// When a call starting now must end, if the loader has a deadline.
    fn deadline_at(&self) -> Option<Instant> {
        let deadline = self.loader.shared.sandbox.deadline?;
        Instant::now().checked_add(deadline)
    }

    /// Sets the epoch deadline of `store` to `deadline_at`.
    fn arm_deadline(&self, store: &mut Store<State>, deadline_at: Option<Instant>) {
        store.data_mut().deadline_at = deadline_at;
        if let (Some(ticker), Some(deadline_at)) = (&self.loader.shared.ticker, deadline_at) {
            let left = deadline_at.saturating_duration_since(Instant::now());
            store.set_epoch_deadline(ticker.ticks(left));
        }
    }

    fn instantiate(&self, deadline_at: Option<Instant>) -> Result<Box<Instance>, Error> {
        let shared = &self.loader.shared;
        // Taken before the WASI context, whose monotonic clock starts when it is built.
        let started = Instant::now();
        let state = State {
            wasi: shared.sandbox.wasi()?,
            limiter: MemoryLimiter::new(shared.sandbox.memory_limit),
            guest: None,
            level: 0,
            abandoned: Vec::new(),
            deadline_at: None,
            started,
        };
        let mut store = Store::new(&shared.engine, state);
        store.limiter(|state| &mut state.limiter);
        self.arm_deadline(&mut store, deadline_at);
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|error| self.classify(error, "instantiation"))?;
        let typed_error = |error: wasmtime::Error| Error::Instantiate {
            plugin: self.plugin.to_string(),
            reason: format!("{error:#}"),
        };
        let memory =
            instance
                .get_memory(&mut store, "memory")
                .ok_or_else(|| Error::MissingExport {
                    plugin: self.plugin.to_string(),
                    export: "memory".into(),
                    hint: None,
                })?;
        let malloc = instance
            .get_typed_func::<u32, u32>(&mut store, "malloc")
            .map_err(typed_error)?;
        let free = instance
            .get_typed_func::<u32, ()>(&mut store, "free")
            .map_err(typed_error)?;
        let methods = self
            .interface
            .method_exports
            .iter()
            .map(|name| instance.get_typed_func::<(u32, u32), u64>(&mut store, name))
            .collect::<Result<Vec<_>, _>>()
            .map_err(typed_error)?;
        // Host functions work from the start: the initializer may call them.
        store.data_mut().guest = Some(GuestExports {
            memory,
            malloc: malloc.clone(),
        });
        // A WASI reactor must run its initializer once before any other export (its type was
        // checked at load).
        if let Ok(initialize) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            initialize
                .call(&mut store, ())
                .map_err(|error| self.classify(error, "_initialize"))?;
        }
        // Guests that know levels agree on one; go-plugin's guests stay at level 0.
        if let Ok(agree) = instance.get_typed_func::<u32, u32>(&mut store, abi::LEVEL_EXPORT) {
            let level = agree
                .call(&mut store, abi::HOST_LEVEL)
                .map_err(|error| self.classify(error, abi::LEVEL_EXPORT))?;
            store.data_mut().level = level.min(abi::HOST_LEVEL);
        }
        Ok(Box::new(Instance {
            store,
            request_block: None,
            handle: instance,
            memory,
            malloc,
            free,
            methods,
        }))
    }

    /// Compares the plugin's interface version with the host's.
    fn check_version(
        &self,
        instance: &mut Instance,
        deadline_at: Option<Instant>,
    ) -> Result<(), Error> {
        let export = self.interface.api_version_export;
        let api_version = instance
            .handle
            .get_typed_func::<(), u64>(&mut instance.store, export)
            .map_err(|error| Error::Instantiate {
                plugin: self.plugin.to_string(),
                reason: format!("{error:#}"),
            })?;
        self.arm_deadline(&mut instance.store, deadline_at);
        let plugin = api_version
            .call(&mut instance.store, ())
            .map_err(|error| self.classify(error, export))?;
        if plugin != self.interface.version {
            return Err(Error::ApiVersionMismatch {
                host: self.interface.version,
                plugin,
            });
        }
        Ok(())
    }

    fn call_on<Req, Resp>(
        &self,
        instance: &mut Instance,
        method: usize,
        request: &Req,
        deadline_at: Option<Instant>,
    ) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let (Some(export), true) = (
            self.interface.method_exports.get(method).copied(),
            method < instance.methods.len(),
        ) else {
            return Err(Error::Config(format!(
                "{} has no rpc #{method}: the generated code does not match the runtime",
                self.interface.service
            )));
        };
        self.arm_deadline(&mut instance.store, deadline_at);
        let (request_ptr, request_len) = self.write_request(instance, request)?;
        // Borrowed, not cloned: cloning a typed function touches reference counts.
        let packed = instance.methods[method]
            .call(&mut instance.store, (request_ptr, request_len))
            .map_err(|error| self.classify(error, export))?;
        let payload = Payload::unpack(packed);
        let memory = instance.memory.data(&instance.store);
        let range = payload
            .range(memory.len())
            .ok_or_else(|| Error::OutOfBounds {
                plugin: self.plugin.to_string(),
                function: export.to_owned(),
                ptr: payload.ptr,
                len: payload.len,
                memory_size: memory.len(),
            })?;
        let bytes = &memory[range];
        let result = if payload.is_error {
            Err(Error::Plugin {
                message: String::from_utf8_lossy(bytes).into_owned(),
            })
        } else {
            Resp::decode(bytes).map_err(|source| Error::Decode {
                plugin: self.plugin.to_string(),
                function: export.to_owned(),
                message_type: std::any::type_name::<Resp>(),
                source,
            })
        };
        // At level 2 the result block stays the guest's; below, it is the host's to free. The
        // request block is kept for the next call, unless the guest answered in it.
        let level = instance.store.data().level;
        let mut to_free = Vec::new();
        if level < 2 && payload.ptr != 0 {
            to_free.push(payload.ptr);
            if payload.ptr == request_ptr {
                instance.request_block = None;
            }
        }
        // go-plugin's guests leave host function responses to the host (docs/abi.md).
        if level == 0 {
            let abandoned = std::mem::take(&mut instance.store.data_mut().abandoned);
            to_free.extend(
                abandoned
                    .into_iter()
                    .filter(|ptr| *ptr != request_ptr && *ptr != payload.ptr),
            );
        }
        for ptr in to_free {
            instance
                .free
                .call(&mut instance.store, ptr)
                .map_err(|error| self.classify(error, "free"))?;
        }
        result
    }

    /// Encodes the request into the instance's request block, growing it with the guest's
    /// `malloc` when it is too small, and returns its location; `(0, 0)` for an empty request.
    fn write_request(
        &self,
        instance: &mut Instance,
        request: &impl Message,
    ) -> Result<(u32, u32), Error> {
        let len = request.encoded_len();
        if len == 0 {
            return Ok((0, 0));
        }
        let too_large = || Error::AllocationFailed {
            plugin: self.plugin.to_string(),
            size: len,
        };
        let len32 = u32::try_from(len)
            .ok()
            .filter(|len| len & ERROR_FLAG == 0)
            .ok_or_else(too_large)?;
        let ptr = match instance.request_block {
            Some((ptr, capacity)) if capacity >= len32 => ptr,
            previous => {
                if let Some((ptr, _)) = previous {
                    instance.request_block = None;
                    instance
                        .free
                        .call(&mut instance.store, ptr)
                        .map_err(|error| self.classify(error, "free"))?;
                }
                // Room to grow a little, so that requests of similar size share a block.
                let capacity = len32.saturating_add(len32 / 4).clamp(len32, ERROR_FLAG - 1);
                let ptr = instance
                    .malloc
                    .call(&mut instance.store, capacity)
                    .map_err(|error| self.classify(error, "malloc"))?;
                let memory_size = instance.memory.data_size(&instance.store);
                let block = Payload {
                    ptr,
                    len: capacity,
                    is_error: false,
                };
                if ptr == 0 {
                    return Err(too_large());
                }
                if block.range(memory_size).is_none() {
                    return Err(Error::OutOfBounds {
                        plugin: self.plugin.to_string(),
                        function: "malloc".to_owned(),
                        ptr,
                        len: capacity,
                        memory_size,
                    });
                }
                instance.request_block = Some((ptr, capacity));
                ptr
            }
        };
        let memory = instance.memory.data_mut(&mut instance.store);
        let start = ptr as usize;
        // The block was checked against the memory, which only grows.
        let mut block = &mut memory[start..start + len];
        request.encode(&mut block).map_err(|_| too_large())?;
        Ok((ptr, len32))
    }

    /// Turns an error from running guest code into the most precise [`Error`].
    fn classify(&self, error: wasmtime::Error, function: &str) -> Error {
        let plugin = self.plugin.to_string();
        let function = function.to_owned();
        if let Some(hit) = error.downcast_ref::<MemoryLimitHit>() {
            return Error::MemoryLimitExceeded {
                plugin,
                limit: hit.limit,
                requested: hit.requested,
            };
        }
        if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
            return Error::Exit {
                plugin,
                function,
                code: exit.0,
            };
        }
        if let Some(failed) = error.downcast_ref::<HostFunctionFailed>() {
            return Error::HostFunction {
                plugin,
                import: failed.import.clone(),
                message: failed.message.clone(),
            };
        }
        let trap = error.downcast_ref::<wasmtime::Trap>().copied();
        if trap == Some(wasmtime::Trap::Interrupt) {
            if let Some(deadline) = self.loader.shared.sandbox.deadline {
                return Error::DeadlineExceeded {
                    plugin,
                    function,
                    deadline,
                };
            }
        }
        // The trap's description, then the guest's backtrace (not the host's).
        let mut message = trap.map_or_else(|| format!("{error:#}"), |trap| trap.to_string());
        if let Some(backtrace) = error.downcast_ref::<wasmtime::WasmBacktrace>() {
            message.push_str(&format!("\nwasm backtrace:\n{backtrace}"));
        }
        Error::Trap {
            plugin,
            function,
            code: trap.map_or(crate::TrapCode::Other, Into::into),
            message,
        }
    }
}

/// A linker with WASI, shared by a loader's plugins, which add their host functions to a copy.
pub(crate) fn wasi_linker(
    engine: &wasmtime::Engine,
    with_deadline: bool,
) -> Result<Linker<State>, Error> {
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut State| &mut state.wasi)
        .map_err(|error| Error::Config(format!("cannot link WASI: {error:#}")))?;
    if with_deadline {
        // Sleeping in WASI must not outlast the deadline either.
        crate::wasi_poll::link(&mut linker)?;
    }
    Ok(linker)
}
