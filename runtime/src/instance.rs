//! One instance of a plugin: instantiation, a call through the binary interface, and the
//! errors of guest code turned into [`Error`]s.

use std::sync::Arc;
use std::time::Instant;

use prost::Message;
use wasmtime::{Extern, InstancePre, Memory, ModuleExport, Store, TypedFunc, UpdateDeadline};

use crate::abi::{self, Payload, ERROR_FLAG};
use crate::grants::Grants;
use crate::host::HostFunction;
use crate::interface::Interface;
use crate::linking::HostFunctionFailed;
use crate::loader::Loader;
use crate::store::{
    CallState, GuestExports, Interruption, MemoryLimitHit, MemoryLimiter, Mode, StoreData,
};
use crate::Error;

/// An epoch deadline no call reaches: calls without deadline or cancellation are never
/// interrupted (the engine always counts epochs, for the plugins that need it).
const NEVER: u64 = 1 << 62;

/// The exports an instance needs, located once per plugin (by index: no lookup by name, and no
/// error values for optional exports, per instance).
pub(crate) struct Exports {
    pub memory: ModuleExport,
    pub malloc: ModuleExport,
    pub free: ModuleExport,
    pub api_version: ModuleExport,
    pub methods: Vec<ModuleExport>,
    pub initialize: Option<ModuleExport>,
    pub level: Option<ModuleExport>,
}

impl Exports {
    /// Locates the exports of `module` (checked by `linking::check_exports` before).
    pub(crate) fn locate(
        module: &wasmtime::Module,
        interface: &Interface,
        plugin: &str,
    ) -> Result<Self, Error> {
        let required = |name: &str| {
            module
                .get_export_index(name)
                .ok_or_else(|| Error::MissingExport {
                    plugin: plugin.to_owned(),
                    export: name.to_owned(),
                    hint: None,
                })
        };
        Ok(Self {
            memory: required("memory")?,
            malloc: required("malloc")?,
            free: required("free")?,
            api_version: required(interface.api_version_export)?,
            methods: interface
                .methods
                .iter()
                .map(|method| required(method.export))
                .collect::<Result<_, _>>()?,
            initialize: module.get_export_index("_initialize"),
            level: module.get_export_index(abi::LEVEL_EXPORT),
        })
    }
}

/// What every instance of one plugin is made from.
pub(crate) struct Blueprint {
    pub exports: Exports,
    pub pre: InstancePre<StoreData>,
    pub name: Arc<str>,
    pub interface: &'static Interface,
    /// The host functions, in the order of the module's imports.
    pub host_functions: Arc<[HostFunction]>,
    pub grants: Grants,
    pub loader: Loader,
    /// Whether calls block or are futures: `pre` was linked for this mode.
    pub mode: Mode,
}

/// A live instance and the exports calls use, each looked up on first use (an instance made
/// for one call needs one method, not all).
pub(crate) struct Instance {
    store: Store<StoreData>,
    instance: wasmtime::Instance,
    /// A block of the guest's that requests are written to, reused while large enough:
    /// `(ptr, capacity)`.
    request_block: Option<(u32, u32)>,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: Option<TypedFunc<u32, ()>>,
    /// By the index of the interface's methods.
    methods: Vec<Option<TypedFunc<(u32, u32), u64>>>,
}

/// Where a request goes in the guest's memory.
enum RequestBlock {
    /// At this offset: the instance's request block, which is large enough (0 for an empty
    /// request, which goes nowhere).
    Ready(u32),
    /// In a new block of `capacity` bytes from the guest's `malloc`, after freeing `old`; the
    /// instance keeps it for later requests unless it becomes the guest's (`docs/abi.md`,
    /// level 3).
    Fresh {
        old: Option<u32>,
        capacity: u32,
        keep: bool,
    },
}

/// The exports an instance gets at creation: the memory, and `malloc` for host functions.
struct Made {
    store: Store<StoreData>,
    instance: wasmtime::Instance,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
}

impl Instance {
    /// Instantiates the plugin and initialises it, within the bounds of `call`.
    pub(crate) fn new(blueprint: &Blueprint, call: CallState) -> Result<Box<Self>, Error> {
        let mut store = new_store(blueprint)?;
        begin(&mut store, blueprint, call)?;
        let instance = blueprint
            .pre
            .instantiate(&mut store)
            .map_err(|error| classify(&store, blueprint, error, "instantiation"))?;
        let mut made = Made::new(store, instance, blueprint)?;
        if let Some(initialize) = made.initializer(blueprint)? {
            initialize
                .call(&mut made.store, ())
                .map_err(|error| classify(&made.store, blueprint, error, "_initialize"))?;
        }
        if let Some(agree) = made.level_export(blueprint)? {
            let level = agree
                .call(&mut made.store, abi::LEVEL)
                .map_err(|error| classify(&made.store, blueprint, error, abi::LEVEL_EXPORT))?;
            made.store.data_mut().level = level.min(abi::LEVEL);
        }
        Ok(made.into_instance(blueprint))
    }

    /// [`Instance::new`] for plugins whose calls are futures.
    pub(crate) async fn new_async(
        blueprint: &Blueprint,
        call: CallState,
    ) -> Result<Box<Self>, Error> {
        let mut store = new_store(blueprint)?;
        begin(&mut store, blueprint, call)?;
        let instance = blueprint
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|error| classify(&store, blueprint, error, "instantiation"))?;
        let mut made = Made::new(store, instance, blueprint)?;
        if let Some(initialize) = made.initializer(blueprint)? {
            initialize
                .call_async(&mut made.store, ())
                .await
                .map_err(|error| classify(&made.store, blueprint, error, "_initialize"))?;
        }
        if let Some(agree) = made.level_export(blueprint)? {
            let level = agree
                .call_async(&mut made.store, abi::LEVEL)
                .await
                .map_err(|error| classify(&made.store, blueprint, error, abi::LEVEL_EXPORT))?;
            made.store.data_mut().level = level.min(abi::LEVEL);
        }
        Ok(made.into_instance(blueprint))
    }

    /// The state of the call that created the instance (its deadline, armed or not), for the
    /// call that continues it.
    pub(crate) fn take_call(&mut self) -> CallState {
        std::mem::take(&mut self.store.data_mut().call)
    }

    /// The linear memory the instance holds, in bytes.
    pub(crate) fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// Compares the plugin's interface version with the host's.
    pub(crate) fn check_version(
        &mut self,
        blueprint: &Blueprint,
        call: CallState,
    ) -> Result<(), Error> {
        let api_version = self.api_version(blueprint)?;
        begin(&mut self.store, blueprint, call)?;
        let plugin = api_version.call(&mut self.store, ()).map_err(|error| {
            classify(
                &self.store,
                blueprint,
                error,
                blueprint.interface.api_version_export,
            )
        })?;
        compare_versions(blueprint, plugin)
    }

    /// [`Instance::check_version`] for plugins whose calls are futures.
    pub(crate) async fn check_version_async(
        &mut self,
        blueprint: &Blueprint,
        call: CallState,
    ) -> Result<(), Error> {
        let api_version = self.api_version(blueprint)?;
        begin(&mut self.store, blueprint, call)?;
        let plugin = api_version
            .call_async(&mut self.store, ())
            .await
            .map_err(|error| {
                classify(
                    &self.store,
                    blueprint,
                    error,
                    blueprint.interface.api_version_export,
                )
            })?;
        compare_versions(blueprint, plugin)
    }

    fn api_version(&mut self, blueprint: &Blueprint) -> Result<TypedFunc<(), u64>, Error> {
        typed_export(
            &mut self.store,
            self.instance,
            blueprint,
            &blueprint.exports.api_version,
            blueprint.interface.api_version_export,
        )
    }

    /// Calls the rpc at `method` (an index into the interface's methods) with `request`.
    pub(crate) fn call<Req, Resp>(
        &mut self,
        blueprint: &Blueprint,
        method: usize,
        request: &Req,
        call: CallState,
    ) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let len = request.encoded_len();
        let (export, block) = self.start_call(blueprint, method, len, call)?;
        let request_ptr = match block {
            RequestBlock::Ready(ptr) => ptr,
            RequestBlock::Fresh {
                old,
                capacity,
                keep,
            } => {
                if let Some(old) = old {
                    self.free(blueprint, old)?;
                }
                let ptr = self
                    .malloc
                    .call(&mut self.store, capacity)
                    .map_err(|error| classify(&self.store, blueprint, error, "malloc"))?;
                self.accept_request_block(blueprint, ptr, capacity, len, keep)?
            }
        };
        let request_len = self.encode_request(blueprint, request, request_ptr, len)?;
        // Borrowed, not cloned: cloning a typed function touches reference counts.
        let Some(function) = &self.methods[method] else {
            return Err(changed_export(blueprint, export));
        };
        let packed = function
            .call(&mut self.store, (request_ptr, request_len))
            .map_err(|error| classify(&self.store, blueprint, error, export))?;
        let (result, payload) = self.read_reply(blueprint, method, packed);
        for ptr in self.blocks_to_free(payload, request_ptr) {
            self.free(blueprint, ptr)?;
        }
        result
    }

    /// [`Instance::call`] for plugins whose calls are futures. Dropping the future stops the
    /// call; the instance must then be dropped too.
    pub(crate) async fn call_async<Req, Resp>(
        &mut self,
        blueprint: &Blueprint,
        method: usize,
        request: &Req,
        call: CallState,
    ) -> Result<Resp, Error>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let len = request.encoded_len();
        let (export, block) = self.start_call(blueprint, method, len, call)?;
        let request_ptr = match block {
            RequestBlock::Ready(ptr) => ptr,
            RequestBlock::Fresh {
                old,
                capacity,
                keep,
            } => {
                if let Some(old) = old {
                    self.free_async(blueprint, old).await?;
                }
                let ptr = self
                    .malloc
                    .call_async(&mut self.store, capacity)
                    .await
                    .map_err(|error| classify(&self.store, blueprint, error, "malloc"))?;
                self.accept_request_block(blueprint, ptr, capacity, len, keep)?
            }
        };
        let request_len = self.encode_request(blueprint, request, request_ptr, len)?;
        let Some(function) = &self.methods[method] else {
            return Err(changed_export(blueprint, export));
        };
        let packed = function
            .call_async(&mut self.store, (request_ptr, request_len))
            .await
            .map_err(|error| classify(&self.store, blueprint, error, export))?;
        let (result, payload) = self.read_reply(blueprint, method, packed);
        for ptr in self.blocks_to_free(payload, request_ptr) {
            self.free_async(blueprint, ptr).await?;
        }
        result
    }

    /// What a call does before it runs guest code: look up the rpc's export (its name is
    /// returned), arm the call's bounds, and find a place for the request of `len` bytes.
    fn start_call(
        &mut self,
        blueprint: &Blueprint,
        method: usize,
        len: usize,
        call: CallState,
    ) -> Result<(&'static str, RequestBlock), Error> {
        let export = self.prepare_method(blueprint, method)?;
        begin(&mut self.store, blueprint, call)?;
        Ok((export, self.plan_request(blueprint, len)?))
    }

    /// Looks up the export of rpc `method` if this instance has not yet; returns its name.
    fn prepare_method(
        &mut self,
        blueprint: &Blueprint,
        method: usize,
    ) -> Result<&'static str, Error> {
        let interface = blueprint.interface;
        let (Some(method_info), Some(slot)) =
            (interface.methods.get(method), self.methods.get_mut(method))
        else {
            return Err(Error::Config(format!(
                "{} has no rpc #{method}: the generated code does not match the runtime",
                interface.service
            )));
        };
        let export = method_info.export;
        if slot.is_none() {
            *slot = Some(typed_export(
                &mut self.store,
                self.instance,
                blueprint,
                &blueprint.exports.methods[method],
                export,
            )?);
        }
        Ok(export)
    }

    /// Decodes the reply at `packed` (or the plugin's error), as the response of `method`.
    fn read_reply<Resp: Message + Default>(
        &self,
        blueprint: &Blueprint,
        method: usize,
        packed: u64,
    ) -> (Result<Resp, Error>, Payload) {
        let method_info = &blueprint.interface.methods[method];
        let payload = Payload::unpack(packed);
        // An empty payload is not read from memory (and looking the memory up is not free).
        let memory = match payload.len {
            0 => &[],
            _ => self.memory.data(&self.store),
        };
        let range = match payload.len {
            0 => Some(0..0),
            _ => payload.range(memory.len()),
        };
        let Some(range) = range else {
            let error = Error::OutOfBounds {
                plugin: blueprint.name.to_string(),
                function: method_info.export.to_owned(),
                ptr: payload.ptr,
                len: payload.len,
                memory_size: memory.len(),
            };
            // Nothing to free: the block is not the guest's.
            let nothing = Payload {
                ptr: 0,
                len: 0,
                is_error: false,
            };
            return (Err(error), nothing);
        };
        let bytes = &memory[range];
        let result = if payload.is_error {
            Err(Error::Plugin {
                plugin: blueprint.name.to_string(),
                message: String::from_utf8_lossy(bytes).into_owned(),
            })
        } else {
            Resp::decode(bytes).map_err(|source| Error::Decode {
                plugin: blueprint.name.to_string(),
                function: method_info.export.to_owned(),
                message_type: method_info.response,
                source,
            })
        };
        (result, payload)
    }

    /// What the guest leaves to the host to free after a call: below level 2 the result
    /// block; at level 0 the host function responses go-plugin's guests never free
    /// (`docs/abi.md`). The request block is kept for the next call, unless the guest answered
    /// in it; a block given to the guest (level 3) is the guest's to free.
    fn blocks_to_free(&mut self, payload: Payload, request_ptr: u32) -> Vec<u32> {
        let level = self.store.data().level;
        let mut to_free = Vec::new();
        if level < 2 && payload.ptr != 0 {
            to_free.push(payload.ptr);
            if payload.ptr == request_ptr {
                self.request_block = None;
            }
        }
        if level == 0 {
            let abandoned = std::mem::take(&mut self.store.data_mut().abandoned);
            to_free.extend(
                abandoned
                    .into_iter()
                    .filter(|ptr| *ptr != request_ptr && *ptr != payload.ptr),
            );
        }
        to_free
    }

    /// Calls the guest's `free` (looked up on first use).
    fn free(&mut self, blueprint: &Blueprint, ptr: u32) -> Result<(), Error> {
        self.prepare_free(blueprint)?;
        let Some(free) = &self.free else {
            return Err(changed_export(blueprint, "free"));
        };
        free.call(&mut self.store, ptr)
            .map_err(|error| classify(&self.store, blueprint, error, "free"))
    }

    /// [`Instance::free`] for plugins whose calls are futures.
    async fn free_async(&mut self, blueprint: &Blueprint, ptr: u32) -> Result<(), Error> {
        self.prepare_free(blueprint)?;
        let Some(free) = &self.free else {
            return Err(changed_export(blueprint, "free"));
        };
        free.call_async(&mut self.store, ptr)
            .await
            .map_err(|error| classify(&self.store, blueprint, error, "free"))
    }

    fn prepare_free(&mut self, blueprint: &Blueprint) -> Result<(), Error> {
        if self.free.is_none() {
            self.free = Some(typed_export(
                &mut self.store,
                self.instance,
                blueprint,
                &blueprint.exports.free,
                "free",
            )?);
        }
        Ok(())
    }

    /// Where a request of `len` bytes goes: at level 3, from 16 KiB, a block of its own that
    /// the guest takes; else the instance's request block if large enough, or a new one (the
    /// old one is forgotten here and freed by the caller).
    fn plan_request(&mut self, blueprint: &Blueprint, len: usize) -> Result<RequestBlock, Error> {
        if len == 0 {
            return Ok(RequestBlock::Ready(0));
        }
        let len32 = request_len(blueprint, len)?;
        if abi::guest_owns_request(self.store.data().level, len32) {
            // The guest frees this one; the kept block waits for smaller requests.
            return Ok(RequestBlock::Fresh {
                old: None,
                capacity: len32,
                keep: false,
            });
        }
        Ok(match self.request_block {
            Some((ptr, capacity)) if capacity >= len32 => RequestBlock::Ready(ptr),
            previous => {
                self.request_block = None;
                RequestBlock::Fresh {
                    old: previous.map(|(ptr, _)| ptr),
                    // Room to grow a little, so that requests of similar size share a block.
                    capacity: len32.saturating_add(len32 / 4).clamp(len32, ERROR_FLAG - 1),
                    keep: true,
                }
            }
        })
    }

    /// Checks the block the guest's `malloc` returned and, if `keep`, keeps it as the request
    /// block.
    fn accept_request_block(
        &mut self,
        blueprint: &Blueprint,
        ptr: u32,
        capacity: u32,
        len: usize,
        keep: bool,
    ) -> Result<u32, Error> {
        if ptr == 0 {
            return Err(Error::AllocationFailed {
                plugin: blueprint.name.to_string(),
                size: len,
            });
        }
        let memory_size = self.memory.data_size(&self.store);
        let block = Payload {
            ptr,
            len: capacity,
            is_error: false,
        };
        if block.range(memory_size).is_none() {
            return Err(Error::OutOfBounds {
                plugin: blueprint.name.to_string(),
                function: "malloc".to_owned(),
                ptr,
                len: capacity,
                memory_size,
            });
        }
        if keep {
            self.request_block = Some((ptr, capacity));
        }
        Ok(ptr)
    }

    /// Encodes the request of `len` bytes into the block at `ptr` (checked against the memory,
    /// which only grows); returns its length.
    fn encode_request(
        &mut self,
        blueprint: &Blueprint,
        request: &impl Message,
        ptr: u32,
        len: usize,
    ) -> Result<u32, Error> {
        if len == 0 {
            return Ok(0);
        }
        let memory = self.memory.data_mut(&mut self.store);
        let start = ptr as usize;
        let mut block = &mut memory[start..start + len];
        request
            .encode(&mut block)
            .map_err(|_| Error::AllocationFailed {
                plugin: blueprint.name.to_string(),
                size: len,
            })?;
        request_len(blueprint, len)
    }
}

impl Made {
    /// Looks up what every instance needs at once, and lets host functions answer.
    fn new(
        mut store: Store<StoreData>,
        instance: wasmtime::Instance,
        blueprint: &Blueprint,
    ) -> Result<Self, Error> {
        let exports = &blueprint.exports;
        let memory = match instance.get_module_export(&mut store, &exports.memory) {
            Some(Extern::Memory(memory)) => memory,
            _ => return Err(changed_export(blueprint, "memory")),
        };
        let malloc = typed_export(&mut store, instance, blueprint, &exports.malloc, "malloc")?;
        // Host functions work from the start: the initializer may call them.
        store.data_mut().guest = Some(GuestExports {
            memory,
            malloc: malloc.clone(),
        });
        Ok(Self {
            store,
            instance,
            memory,
            malloc,
        })
    }

    /// A WASI reactor's initializer, which must run once before any other export (its type was
    /// checked at load).
    fn initializer(&mut self, blueprint: &Blueprint) -> Result<Option<TypedFunc<(), ()>>, Error> {
        let Some(export) = &blueprint.exports.initialize else {
            return Ok(None);
        };
        typed_export(
            &mut self.store,
            self.instance,
            blueprint,
            export,
            "_initialize",
        )
        .map(Some)
    }

    /// The export through which guests that know levels agree on one (go-plugin's guests stay
    /// at level 0).
    fn level_export(
        &mut self,
        blueprint: &Blueprint,
    ) -> Result<Option<TypedFunc<u32, u32>>, Error> {
        let Some(export) = &blueprint.exports.level else {
            return Ok(None);
        };
        typed_export(
            &mut self.store,
            self.instance,
            blueprint,
            export,
            abi::LEVEL_EXPORT,
        )
        .map(Some)
    }

    fn into_instance(self, blueprint: &Blueprint) -> Box<Instance> {
        Box::new(Instance {
            store: self.store,
            instance: self.instance,
            request_block: None,
            memory: self.memory,
            malloc: self.malloc,
            free: None,
            methods: vec![None; blueprint.exports.methods.len()],
        })
    }
}

/// A store for a new instance of the plugin.
fn new_store(blueprint: &Blueprint) -> Result<Store<StoreData>, Error> {
    // Taken before the WASI context, whose monotonic clock starts when it is built.
    let started = Instant::now();
    let data = StoreData {
        wasi: blueprint.grants.wasi()?,
        limiter: MemoryLimiter::new(blueprint.grants.memory_limit),
        guest: None,
        host_functions: Some(Arc::clone(&blueprint.host_functions)),
        level: 0,
        abandoned: Vec::new(),
        started,
        plugin: Arc::clone(&blueprint.name),
        clock: Arc::clone(blueprint.loader.clock()),
        call: CallState::default(),
    };
    let mut store = Store::new(blueprint.loader.engine(), data);
    store.limiter(|data| &mut data.limiter);
    // Every tick of a bounded call: stop it if its deadline passed or it was cancelled. An
    // async call also yields to its executor, so that a guest that computes for long neither
    // holds a worker thread nor outlives its dropped future.
    match blueprint.mode {
        Mode::Blocking => store.epoch_deadline_callback(|mut context| {
            tick(context.data_mut())?;
            Ok(UpdateDeadline::Continue(1))
        }),
        Mode::Async => store.epoch_deadline_callback(|mut context| {
            tick(context.data_mut())?;
            Ok(UpdateDeadline::Yield(1))
        }),
    }
    Ok(store)
}

/// What every tick of a bounded call does: count the deadline from the first, then check it
/// and the cancellation.
fn tick(data: &mut StoreData) -> wasmtime::Result<()> {
    data.arm_deadline();
    data.check()
}

fn compare_versions(blueprint: &Blueprint, plugin: u64) -> Result<(), Error> {
    if plugin != blueprint.interface.version {
        return Err(Error::ApiVersionMismatch {
            name: blueprint.name.to_string(),
            host: blueprint.interface.version,
            plugin,
        });
    }
    Ok(())
}

/// A request's length as the interface passes it: below 2 GiB.
fn request_len(blueprint: &Blueprint, len: usize) -> Result<u32, Error> {
    u32::try_from(len)
        .ok()
        .filter(|len| len & ERROR_FLAG == 0)
        .ok_or_else(|| Error::AllocationFailed {
            plugin: blueprint.name.to_string(),
            size: len,
        })
}

/// The function `export` (named `name`) of `instance`, with its type checked.
fn typed_export<Params, Results>(
    store: &mut Store<StoreData>,
    instance: wasmtime::Instance,
    blueprint: &Blueprint,
    export: &ModuleExport,
    name: &str,
) -> Result<TypedFunc<Params, Results>, Error>
where
    Params: wasmtime::WasmParams,
    Results: wasmtime::WasmResults,
{
    let Some(Extern::Func(function)) = instance.get_module_export(&mut *store, export) else {
        return Err(changed_export(blueprint, name));
    };
    function.typed(&*store).map_err(|error| Error::Instantiate {
        plugin: blueprint.name.to_string(),
        reason: format!("its export {name}: {error:#}"),
    })
}

/// The error for an export that differs from the one checked when the plugin was loaded.
fn changed_export(blueprint: &Blueprint, name: &str) -> Error {
    Error::Instantiate {
        plugin: blueprint.name.to_string(),
        reason: format!("its export {name} is not what it was when the plugin was loaded"),
    }
}

/// Starts a call (or an instantiation) on `store`: its state, and the bounds wasmtime enforces:
/// the epoch deadline that lets the ticker stop it, and its fuel.
fn begin(
    store: &mut Store<StoreData>,
    blueprint: &Blueprint,
    mut call: CallState,
) -> Result<(), Error> {
    if call.check(blueprint.loader.clock().now()).is_err() {
        // Cancelled before it started, or no time left at all.
        store.data_mut().call = call;
        return Err(interrupted(store, blueprint, "the call's start"));
    }
    // Async calls yield at every tick (`new_store`), bounded or not.
    if call.is_bounded() || blueprint.mode == Mode::Async {
        blueprint.loader.start_ticker()?;
        store.set_epoch_deadline(1);
    } else {
        store.set_epoch_deadline(NEVER);
    }
    store.data_mut().call = call;
    if blueprint.loader.fuel_metering() {
        store
            .set_fuel(blueprint.grants.fuel.unwrap_or(u64::MAX))
            .map_err(|error| Error::Config(format!("cannot set fuel: {error:#}")))?;
    }
    Ok(())
}

/// The error of a call stopped from outside: its deadline passed, or it was cancelled.
fn interrupted(store: &Store<StoreData>, blueprint: &Blueprint, function: &str) -> Error {
    let call = &store.data().call;
    let plugin = blueprint.name.to_string();
    let function = function.to_owned();
    match call.interrupted {
        Some(Interruption::Cancelled) => Error::Cancelled { plugin, function },
        _ => Error::DeadlineExceeded {
            plugin,
            function,
            deadline: call.deadline.unwrap_or_default(),
        },
    }
}

/// Turns an error from running guest code into the most precise [`Error`].
fn classify(
    store: &Store<StoreData>,
    blueprint: &Blueprint,
    error: wasmtime::Error,
    function: &str,
) -> Error {
    let plugin = blueprint.name.to_string();
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
            function: function.to_owned(),
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
    if trap == Some(wasmtime::Trap::Interrupt) && store.data().call.interrupted.is_some() {
        return interrupted(store, blueprint, function);
    }
    if trap == Some(wasmtime::Trap::OutOfFuel) {
        return Error::FuelExhausted {
            plugin,
            function: function.to_owned(),
            fuel: blueprint.grants.fuel.unwrap_or(u64::MAX),
        };
    }
    let mut message = trap.map_or_else(|| format!("{error:#}"), |trap| trap.to_string());
    // The guest's backtrace (not the host's).
    if let Some(backtrace) = error.downcast_ref::<wasmtime::WasmBacktrace>() {
        message.push_str(&format!("\nwasm backtrace:\n{backtrace}"));
    }
    Error::Trap {
        plugin,
        function: function.to_owned(),
        code: trap.map_or(crate::TrapCode::Other, Into::into),
        message,
    }
}
