//! A loaded plugin: a pre-linked module and a pool of instances that calls run on.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use prost::Message;
use wasmtime::{
    Caller, ExternType, FuncType, InstancePre, Linker, Memory, Store, TypedFunc, ValType,
};

use crate::abi::{self, Payload, ERROR_FLAG};
use crate::host::{ErasedFunction, HostModule};
use crate::limits::{MemoryLimitHit, MemoryLimiter};
use crate::loader::{Loader, Module};
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
    interface: &'static Interface,
    plugin: Arc<str>,
    loader: Loader,
    accepts_host_errors: bool,
    idle: Mutex<Vec<Instance>>,
}

/// What each instance's store holds.
pub(crate) struct State {
    wasi: wasmtime_wasi::p1::WasiP1Ctx,
    limiter: MemoryLimiter,
    /// Set once the instance exists; host functions need them to answer.
    guest: Option<GuestExports>,
    accepts_host_errors: bool,
    /// Host function responses a go-plugin guest never frees; freed when its call returns.
    abandoned: Vec<u32>,
}

#[derive(Clone)]
struct GuestExports {
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
}

struct Instance {
    store: Store<State>,
    handle: wasmtime::Instance,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    methods: Vec<TypedFunc<(u32, u32), u64>>,
}

/// A host function failed and the guest cannot receive the error (go-plugin behaviour).
#[derive(Debug)]
struct HostFunctionFailed {
    import: String,
    message: String,
}

impl fmt::Display for HostFunctionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host function {} failed: {}", self.import, self.message)
    }
}

impl std::error::Error for HostFunctionFailed {}

/// The guest broke the interface inside a host function call.
#[derive(Debug)]
struct GuestFault(String);

impl fmt::Display for GuestFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestFault {}

impl Plugin {
    /// Links `module` against WASI and the host modules, checks that it implements
    /// `interface`, and creates its first instance to compare interface versions.
    ///
    /// # Errors
    /// [`Error::MissingExport`], [`Error::ExportType`], [`Error::MissingImport`],
    /// [`Error::ApiVersionMismatch`], or any error of instantiation.
    pub fn new(
        module: &Module,
        interface: &'static Interface,
        host_module: Option<HostModule>,
    ) -> Result<Self, Error> {
        let plugin: Arc<str> = module.name.clone();
        check_exports(&module.module, interface, &plugin)?;
        let host_modules: Vec<&HostModule> = module
            .loader
            .shared
            .host_modules
            .iter()
            .chain(&host_module)
            .collect();
        check_imports(&module.module, &host_modules, &plugin)?;

        let engine = &module.loader.shared.engine;
        let mut linker = Linker::<State>::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut State| &mut state.wasi)
            .map_err(|error| Error::Config(format!("cannot link WASI: {error:#}")))?;
        for host in &host_modules {
            for (name, function) in &host.functions {
                link_host_function(&mut linker, &host.name, name, function.clone())?;
            }
        }
        let pre = linker
            .instantiate_pre(&module.module)
            .map_err(|error| Error::Instantiate {
                plugin: plugin.to_string(),
                reason: format!("{error:#}"),
            })?;
        let accepts_host_errors = module
            .module
            .get_export(abi::ABI_VERSION_EXPORT)
            .is_some_and(|export| export.func().is_some());
        let inner = Inner {
            pre,
            interface,
            plugin,
            loader: module.loader.clone(),
            accepts_host_errors,
            idle: Mutex::new(Vec::new()),
        };
        let mut first = inner.instantiate()?;
        inner.check_version(&mut first)?;
        inner.check_in(first);
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Calls the rpc at `method` (an index into the interface's `method_exports`).
    ///
    /// # Errors
    /// [`Error::Plugin`] with the plugin's own message, or any error of a failed call.
    pub fn call<Req, Resp>(&self, method: usize, request: &Req) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let inner = &*self.inner;
        let mut instance = match inner.check_out() {
            Some(instance) => instance,
            None => inner.instantiate()?,
        };
        let result = inner.call_on(&mut instance, method, request);
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

    /// The service this handle calls, such as `greeting.Greeter`.
    pub fn service(&self) -> &'static str {
        self.inner.interface.service
    }

    /// How many instances are idle in the pool and how much linear memory they hold.
    pub fn stats(&self) -> PluginStats {
        let idle = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        PluginStats {
            idle_instances: idle.len(),
            memory_bytes: idle
                .iter()
                .map(|instance| instance.memory.data_size(&instance.store))
                .sum(),
        }
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
    fn check_out(&self) -> Option<Instance> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    fn check_in(&self, instance: Instance) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.loader.shared.max_idle_instances.max(1) {
            idle.push(instance);
        }
    }

    fn instantiate(&self) -> Result<Instance, Error> {
        let shared = &self.loader.shared;
        let state = State {
            wasi: shared.sandbox.wasi()?,
            limiter: MemoryLimiter {
                limit: shared.sandbox.memory_limit,
            },
            guest: None,
            accepts_host_errors: self.accepts_host_errors,
            abandoned: Vec::new(),
        };
        let mut store = Store::new(&shared.engine, state);
        store.limiter(|state| &mut state.limiter);
        self.arm_deadline(&mut store);
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|error| self.classify(error, "instantiation"))?;
        let missing = |export: &str| Error::MissingExport {
            plugin: self.plugin.to_string(),
            export: export.to_owned(),
            hint: None,
        };
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| missing("memory"))?;
        let typed_error = |error: wasmtime::Error| Error::Instantiate {
            plugin: self.plugin.to_string(),
            reason: format!("{error:#}"),
        };
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
        // A WASI reactor must run its initializer once before any other export.
        if let Ok(initialize) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            initialize
                .call(&mut store, ())
                .map_err(|error| self.classify(error, "_initialize"))?;
        }
        store.data_mut().guest = Some(GuestExports {
            memory,
            malloc: malloc.clone(),
        });
        Ok(Instance {
            store,
            handle: instance,
            memory,
            malloc,
            free,
            methods,
        })
    }

    /// Compares the plugin's interface version with the host's.
    fn check_version(&self, instance: &mut Instance) -> Result<(), Error> {
        let export = self.interface.api_version_export;
        let api_version = instance
            .handle
            .get_typed_func::<(), u64>(&mut instance.store, export)
            .map_err(|error| Error::Instantiate {
                plugin: self.plugin.to_string(),
                reason: format!("{error:#}"),
            })?;
        self.arm_deadline(&mut instance.store);
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

    fn arm_deadline(&self, store: &mut Store<State>) {
        let shared = &self.loader.shared;
        if let (Some(ticker), Some(deadline)) = (&shared.ticker, shared.sandbox.deadline) {
            store.set_epoch_deadline(ticker.ticks(deadline));
        }
    }

    fn call_on<Req, Resp>(
        &self,
        instance: &mut Instance,
        method: usize,
        request: &Req,
    ) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let (Some(export), Some(function)) = (
            self.interface.method_exports.get(method).copied(),
            instance.methods.get(method).cloned(),
        ) else {
            return Err(Error::Config(format!(
                "{} has no rpc #{method}: the generated code does not match the runtime",
                self.interface.service
            )));
        };
        self.arm_deadline(&mut instance.store);
        let (request_ptr, request_len) = self.write_request(instance, request)?;
        let packed = function
            .call(&mut instance.store, (request_ptr, request_len))
            .map_err(|error| self.classify(error, export))?;
        let payload = Payload::unpack(packed);
        let memory_size = instance.memory.data_size(&instance.store);
        let range = payload
            .range(memory_size)
            .ok_or_else(|| Error::OutOfBounds {
                plugin: self.plugin.to_string(),
                function: export.to_owned(),
                ptr: payload.ptr,
                len: payload.len,
                memory_size,
            })?;
        let bytes = &instance.memory.data(&instance.store)[range];
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
        // Both buffers belong to the host now; a guest that answers in place is freed once.
        let mut buffers = [request_ptr, payload.ptr];
        if payload.ptr == request_ptr {
            buffers[1] = 0;
        }
        let abandoned = std::mem::take(&mut instance.store.data_mut().abandoned);
        for ptr in buffers.into_iter().chain(abandoned).filter(|ptr| *ptr != 0) {
            instance
                .free
                .call(&mut instance.store, ptr)
                .map_err(|error| self.classify(error, "free"))?;
        }
        result
    }

    /// Encodes the request into a buffer from the guest's `malloc` and returns its location;
    /// `(0, 0)` for an empty request.
    fn write_request(
        &self,
        instance: &mut Instance,
        request: &impl Message,
    ) -> Result<(u32, u32), Error> {
        let len = request.encoded_len();
        if len == 0 {
            return Ok((0, 0));
        }
        let len32 = u32::try_from(len)
            .ok()
            .filter(|len| len & ERROR_FLAG == 0)
            .ok_or_else(|| Error::AllocationFailed {
                plugin: self.plugin.to_string(),
                size: len,
            })?;
        let ptr = instance
            .malloc
            .call(&mut instance.store, len32)
            .map_err(|error| self.classify(error, "malloc"))?;
        let memory = instance.memory.data_mut(&mut instance.store);
        let payload = Payload {
            ptr,
            len: len32,
            is_error: false,
        };
        let range = match payload.range(memory.len()) {
            Some(range) if ptr != 0 => range,
            Some(_) => {
                return Err(Error::AllocationFailed {
                    plugin: self.plugin.to_string(),
                    size: len,
                })
            }
            None => {
                return Err(Error::OutOfBounds {
                    plugin: self.plugin.to_string(),
                    function: "malloc".to_owned(),
                    ptr,
                    len: len32,
                    memory_size: memory.len(),
                })
            }
        };
        request.encode_raw(&mut &mut memory[range]);
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

fn link_host_function(
    linker: &mut Linker<State>,
    module: &str,
    name: &str,
    function: ErasedFunction,
) -> Result<(), Error> {
    let import = format!("{module}.{name}");
    linker
        .func_wrap(
            module,
            name,
            move |mut caller: Caller<'_, State>, ptr: u32, len: u32| -> wasmtime::Result<u64> {
                call_host_function(&mut caller, &function, &import, ptr, len)
            },
        )
        .map(|_| ())
        .map_err(|error| {
            Error::Config(format!(
                "cannot define host function {module}.{name}: {error:#}"
            ))
        })
}

/// Runs a host function for the guest: read its request, answer in a buffer from its `malloc`.
fn call_host_function(
    caller: &mut Caller<'_, State>,
    function: &ErasedFunction,
    import: &str,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<u64> {
    let guest = caller.data().guest.clone().ok_or_else(|| {
        GuestFault(format!(
            "{import} was called before the plugin was initialised"
        ))
    })?;
    let result = {
        let memory = guest.memory.data(&*caller);
        let request = Payload {
            ptr,
            len,
            is_error: false,
        };
        let range = request.range(memory.len()).ok_or_else(|| {
            GuestFault(format!(
                "the plugin passed a request of {len} bytes at offset {ptr} to {import}, \
                 outside its {}-byte memory",
                memory.len()
            ))
        })?;
        function(&memory[range])
    };
    match result {
        Ok(response) => {
            let packed = write_to_guest(caller, &guest, &response, 0)?;
            let ptr = Payload::unpack(packed).ptr;
            // go-plugin's guests copy the response out and never free it (docs/abi.md).
            if !caller.data().accepts_host_errors && ptr != 0 {
                caller.data_mut().abandoned.push(ptr);
            }
            Ok(packed)
        }
        Err(error) if caller.data().accepts_host_errors => {
            write_to_guest(caller, &guest, error.message().as_bytes(), ERROR_FLAG)
        }
        Err(error) => Err(wasmtime::Error::new(HostFunctionFailed {
            import: import.to_owned(),
            message: error.message().to_owned(),
        })),
    }
}

fn write_to_guest(
    caller: &mut Caller<'_, State>,
    guest: &GuestExports,
    bytes: &[u8],
    flags: u32,
) -> wasmtime::Result<u64> {
    if bytes.is_empty() {
        return Ok(abi::pack(0, flags));
    }
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|len| len & ERROR_FLAG == 0)
        .ok_or_else(|| {
            GuestFault(format!(
                "a host function answered with {} bytes, more than 2 GiB",
                bytes.len()
            ))
        })?;
    let ptr = guest.malloc.call(&mut *caller, len)?;
    let memory = guest.memory.data_mut(&mut *caller);
    let range = Payload {
        ptr,
        len,
        is_error: false,
    }
    .range(memory.len())
    .filter(|_| ptr != 0)
    .ok_or_else(|| {
        GuestFault(format!(
            "the plugin's malloc({len}) returned the unusable offset {ptr}"
        ))
    })?;
    memory[range].copy_from_slice(bytes);
    Ok(abi::pack(ptr, len | flags))
}

fn check_exports(
    module: &wasmtime::Module,
    interface: &Interface,
    plugin: &str,
) -> Result<(), Error> {
    use ValType::{I32, I64};
    let mut required: Vec<(&str, &[ValType], &[ValType])> = vec![
        (interface.api_version_export, &[], &[I64]),
        ("malloc", &[I32], &[I32]),
        ("free", &[I32], &[]),
    ];
    for export in interface.method_exports {
        required.push((export, &[I32, I32], &[I64]));
    }
    let expected =
        |params: &[ValType], results: &[ValType]| signature(params.iter(), results.iter());
    match module.get_export("memory") {
        Some(ExternType::Memory(_)) => {}
        Some(other) => {
            return Err(Error::ExportType {
                plugin: plugin.to_owned(),
                export: "memory".into(),
                expected: "a memory".into(),
                found: describe(&other),
            })
        }
        None => {
            return Err(Error::MissingExport {
                plugin: plugin.to_owned(),
                export: "memory".into(),
                hint: None,
            })
        }
    }
    for (name, params, results) in required {
        match module.get_export(name) {
            Some(ExternType::Func(func))
                if same_types(func.params(), params) && same_types(func.results(), results) => {}
            Some(other) => {
                return Err(Error::ExportType {
                    plugin: plugin.to_owned(),
                    export: name.to_owned(),
                    expected: expected(params, results),
                    found: describe(&other),
                })
            }
            None => {
                let hint = match name {
                    "malloc" | "free" => Some(
                        "a Rust plugin exports libc's malloc and free with the linker flags \
                         --export=malloc --export=free, which wasm_plugin_build::guest() adds \
                         from build.rs",
                    ),
                    _ if name == interface.api_version_export => Some(
                        "the module does not implement this service: was it built from the same \
                         .proto file?",
                    ),
                    _ => None,
                };
                return Err(Error::MissingExport {
                    plugin: plugin.to_owned(),
                    export: name.to_owned(),
                    hint,
                });
            }
        }
    }
    Ok(())
}

fn check_imports(
    module: &wasmtime::Module,
    hosts: &[&HostModule],
    plugin: &str,
) -> Result<(), Error> {
    for import in module.imports() {
        let (module_name, name) = (import.module(), import.name());
        if module_name == "wasi_snapshot_preview1" {
            continue;
        }
        let provided = hosts
            .iter()
            .any(|host| host.name == module_name && host.function_names().any(|f| f == name));
        if !provided {
            let hint = if name == abi::MISSING_REGISTER_IMPORT {
                Some("the plugin never calls wasm_plugin_guest::register!".to_owned())
            } else if hosts.iter().any(|host| host.name == module_name) {
                Some(format!("the host functions of `{module_name}` have no `{name}`: are host and plugin built from the same .proto file?"))
            } else {
                Some(format!("pass the host functions of module `{module_name}` to the plugin's load, or to LoaderBuilder::host_module"))
            };
            return Err(Error::MissingImport {
                plugin: plugin.to_owned(),
                import: format!("{module_name}.{name}"),
                hint,
            });
        }
        use ValType::{I32, I64};
        match import.ty() {
            ExternType::Func(func)
                if same_types(func.params(), &[I32, I32]) && same_types(func.results(), &[I64]) => {
            }
            other => {
                return Err(Error::MissingImport {
                    plugin: plugin.to_owned(),
                    import: format!("{module_name}.{name}"),
                    hint: Some(format!(
                        "the host provides it as {}, but the plugin imports it as {}",
                        signature([I32, I32].iter(), [I64].iter()),
                        describe(&other)
                    )),
                })
            }
        }
    }
    Ok(())
}

fn same_types(actual: impl ExactSizeIterator<Item = ValType>, expected: &[ValType]) -> bool {
    actual.len() == expected.len() && actual.zip(expected).all(|(a, b)| ValType::eq(&a, b))
}

fn signature<'a>(
    params: impl Iterator<Item = &'a ValType>,
    results: impl Iterator<Item = &'a ValType>,
) -> String {
    let list = |types: Vec<String>| types.join(", ");
    format!(
        "({}) -> ({})",
        list(params.map(ToString::to_string).collect()),
        list(results.map(ToString::to_string).collect())
    )
}

fn describe(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(func) => describe_func(func),
        ExternType::Memory(_) => "a memory".into(),
        ExternType::Table(_) => "a table".into(),
        ExternType::Global(_) => "a global".into(),
        _ => "something else".into(),
    }
}

fn describe_func(func: &FuncType) -> String {
    let params: Vec<ValType> = func.params().collect();
    let results: Vec<ValType> = func.results().collect();
    signature(params.iter(), results.iter())
}
