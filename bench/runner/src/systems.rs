//! The three systems behind one interface: each loads the same logic and carries the same
//! prost messages.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use prost::Message;
use wasm_plugin_runtime::{HostContext, HostError};

use crate::bench::{BenchPlugin, Blob, Chunk, Count, Host, Request, Response};

/// The systems by name, as the tables and `idle-memory` call them.
pub const RAW: &str = "raw floor";
pub const OURS: &str = "ours";
pub const EXTISM: &str = "Extism";

/// One loaded plugin of a system.
pub trait System {
    fn nothing(&self);
    fn echo(&self, request: &Blob) -> Blob;
    fn fields(&self, request: &Request) -> Response;
    fn call_host(&self, times: u64) -> u64;
}

// ---- ours -------------------------------------------------------------------------------

pub struct Increment;

impl Host for Increment {
    fn increment(&self, _context: &HostContext<'_>, request: Count) -> Result<Count, HostError> {
        Ok(Count {
            value: request.value + 1,
        })
    }
}

/// `Increment` as an async host function, which first waits `delay` on a tokio timer, if any.
pub struct AsyncIncrement {
    pub delay: Option<std::time::Duration>,
}

impl crate::bench_async::Host for AsyncIncrement {
    async fn increment(
        &self,
        _context: &HostContext<'_>,
        request: Count,
    ) -> Result<Count, HostError> {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        Ok(Count {
            value: request.value + 1,
        })
    }
}

pub struct Ours(pub BenchPlugin);

impl Ours {
    pub fn load(loader: &wasm_plugin_runtime::Loader, wasm: &[u8]) -> anyhow::Result<Self> {
        Ok(Self(BenchPlugin::load_bytes(loader, wasm, Increment)?))
    }

    /// Loaded with grants of its own.
    pub fn with_grants(
        loader: &wasm_plugin_runtime::Loader,
        wasm: &[u8],
        grants: wasm_plugin_runtime::Grants,
    ) -> anyhow::Result<Self> {
        Ok(Self(
            BenchPlugin::builder(loader)
                .grants(grants)
                .host_module(Increment.into_host_module())
                .load_bytes(wasm)?,
        ))
    }

    /// The echo with `bytes::Bytes` on both sides.
    pub fn echo_chunk(&self, request: &Chunk) -> Chunk {
        self.0.echo_chunk(request).expect("echo_chunk")
    }
}

impl System for Ours {
    fn nothing(&self) {
        self.0.nothing(()).expect("nothing");
    }
    fn echo(&self, request: &Blob) -> Blob {
        self.0.echo(request).expect("echo")
    }
    fn fields(&self, request: &Request) -> Response {
        self.0.fields(request).expect("fields")
    }
    fn call_host(&self, times: u64) -> u64 {
        self.0
            .call_host(Count { value: times })
            .expect("call_host")
            .value
    }
}

// ---- Extism ------------------------------------------------------------------------------

extism::host_fn!(increment(input: extism::convert::Prost<Count>) -> extism::convert::Prost<Count> {
    Ok(extism::convert::Prost(Count { value: input.0.value + 1 }))
});

pub fn extism_functions() -> Vec<extism::Function> {
    vec![extism::Function::new(
        "increment",
        [extism::PTR],
        [extism::PTR],
        extism::UserData::new(()),
        increment,
    )]
}

/// Extism's calls take `&mut Plugin`: one thread at a time.
pub struct Extism(Mutex<ExtismPlugin>);

/// A plugin and the buffer its requests are encoded into.
pub struct ExtismPlugin {
    plugin: extism::Plugin,
    request: Vec<u8>,
}

impl Extism {
    pub fn new(plugin: extism::Plugin) -> Self {
        Self(Mutex::new(ExtismPlugin {
            plugin,
            request: Vec::new(),
        }))
    }

    /// Encodes `input` into a buffer kept between calls and lends it to Extism, which copies it
    /// into the guest, as ours encodes straight into the guest and the floor into its buffer.
    pub fn call<I: Message, O: Message + Default>(&self, name: &str, input: &I) -> O {
        let mut state = self.0.lock().expect("lock");
        let ExtismPlugin { plugin, request } = &mut *state;
        call_extism(plugin, request, name, input)
    }
}

/// One Extism call with a borrowed request: encode into `buffer`, call, decode the output
/// where Extism leaves it.
pub fn call_extism<I: Message, O: Message + Default>(
    plugin: &mut extism::Plugin,
    buffer: &mut Vec<u8>,
    name: &str,
    input: &I,
) -> O {
    buffer.clear();
    input.encode(buffer).expect("encode");
    let output: &[u8] = plugin.call(name, buffer.as_slice()).expect(name);
    O::decode(output).expect("decode")
}

impl System for Extism {
    fn nothing(&self) {
        self.call::<(), ()>("nothing", &());
    }
    fn echo(&self, request: &Blob) -> Blob {
        self.call("echo", request)
    }
    fn fields(&self, request: &Request) -> Response {
        self.call("fields", request)
    }
    fn call_host(&self, times: u64) -> u64 {
        self.call::<Count, Count>("call_host", &Count { value: times })
            .value
    }
}

// ---- the raw floor --------------------------------------------------------------------------

pub struct RawState {
    wasi: wasmtime_wasi::p1::WasiP1Ctx,
    memory: Option<wasmtime::Memory>,
}

struct RawInstance {
    store: wasmtime::Store<RawState>,
    memory: wasmtime::Memory,
    input: wasmtime::TypedFunc<u32, u32>,
    exports: [wasmtime::TypedFunc<u32, u64>; 5],
    /// Where the guest's input buffer is, and how large it is.
    input_block: (u32, u32),
}

/// The least work for the same exchange: encode into guest memory, one typed call, decode.
pub struct Raw(RefCell<RawInstance>);

/// The floor's engine: wasmtime's defaults, with the pooling allocator tuned as ours (freed
/// slots keep their dirty pages resident, zeroed in place), so that instantiation compares like
/// with like.
pub fn raw_engine() -> anyhow::Result<wasmtime::Engine> {
    let mut config = wasmtime::Config::new();
    let mut pool = wasmtime::PoolingAllocationConfig::default();
    pool.pagemap_scan(wasmtime::Enabled::Auto)
        .linear_memory_keep_resident(256 << 10)
        .table_keep_resident(16 << 10);
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    wasmtime::Engine::new(&config).wt()
}

pub fn raw_linker(engine: &wasmtime::Engine) -> anyhow::Result<wasmtime::Linker<RawState>> {
    let mut linker = wasmtime::Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |state: &mut RawState| &mut state.wasi)
        .wt()?;
    linker
        .func_wrap(
            "host",
            "increment",
            |mut caller: wasmtime::Caller<'_, RawState>,
             ptr: u32,
             len: u32,
             out: u32,
             capacity: u32|
             -> u32 {
                let memory = caller.data().memory.expect("memory");
                let data = memory.data_mut(&mut caller);
                let request =
                    Count::decode(&data[ptr as usize..(ptr + len) as usize]).unwrap_or_default();
                let reply = Count {
                    value: request.value + 1,
                };
                let mut target = &mut data[out as usize..(out + capacity) as usize];
                let before = target.len();
                reply.encode(&mut target).ok();
                (before - target.len()) as u32
            },
        )
        .wt()?;
    Ok(linker)
}

/// A module linked once, with its exports located, for instantiating it again and again: the
/// least work wasmtime allows.
pub struct RawPre {
    pre: wasmtime::InstancePre<RawState>,
    initialize: Option<wasmtime::ModuleExport>,
    memory: wasmtime::ModuleExport,
    input: wasmtime::ModuleExport,
    exports: [wasmtime::ModuleExport; 5],
}

impl RawPre {
    pub fn new(
        linker: &wasmtime::Linker<RawState>,
        module: &wasmtime::Module,
    ) -> anyhow::Result<Self> {
        let index = |name: &str| module.get_export_index(name).context(name.to_owned());
        Ok(Self {
            pre: linker.instantiate_pre(module).wt()?,
            initialize: module.get_export_index("_initialize"),
            memory: index("memory")?,
            input: index("input")?,
            exports: [
                index("nothing")?,
                index("echo")?,
                index("fields")?,
                index("call_host")?,
                index("echo_bare")?,
            ],
        })
    }
}

impl Raw {
    pub fn instantiate(pre: &RawPre) -> anyhow::Result<Self> {
        let wasi = wasmtime_wasi::WasiCtxBuilder::new().build_p1();
        let mut store =
            wasmtime::Store::new(pre.pre.module().engine(), RawState { wasi, memory: None });
        let instance = pre.pre.instantiate(&mut store).wt()?;
        let mut func = |export: &wasmtime::ModuleExport| {
            instance
                .get_module_export(&mut store, export)
                .and_then(wasmtime::Extern::into_func)
                .context("a function export")
        };
        let initialize = pre.initialize.as_ref().map(&mut func).transpose()?;
        let input = func(&pre.input)?;
        let exports = [
            func(&pre.exports[0])?,
            func(&pre.exports[1])?,
            func(&pre.exports[2])?,
            func(&pre.exports[3])?,
            func(&pre.exports[4])?,
        ];
        if let Some(initialize) = initialize {
            initialize
                .typed::<(), ()>(&store)
                .wt()?
                .call(&mut store, ())
                .wt()?;
        }
        let memory = instance
            .get_module_export(&mut store, &pre.memory)
            .and_then(wasmtime::Extern::into_memory)
            .context("memory")?;
        store.data_mut().memory = Some(memory);
        let exports = exports
            .map(|export| export.typed::<u32, u64>(&store).wt())
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()?
            .try_into()
            .map_err(|_| anyhow::anyhow!("five exports"))?;
        let input = input.typed::<u32, u32>(&store).wt()?;
        Ok(Self(RefCell::new(RawInstance {
            store,
            memory,
            input,
            exports,
            input_block: (0, 0),
        })))
    }

    fn call<I: Message, O: Message + Default>(&self, export: usize, request: &I) -> O {
        let instance = &mut *self.0.borrow_mut();
        let len = request.encoded_len();
        // Encoded straight into guest memory: no copy on the way.
        let mut target = instance.input(len);
        request.encode(&mut target).expect("encode");
        O::decode(instance.call(export, len)).expect("decode")
    }

    /// The floor of an echo: bare bytes copied in, the guest answers with its input, the
    /// answer copied out (the memory is the guest's: a host keeps a copy).
    pub fn echo_bare(&self, data: &[u8]) -> prost::bytes::Bytes {
        let instance = &mut *self.0.borrow_mut();
        instance.input(data.len()).copy_from_slice(data);
        prost::bytes::Bytes::copy_from_slice(instance.call(4, data.len()))
    }
}

impl RawInstance {
    /// The guest's input buffer, made room for `len` bytes.
    fn input(&mut self, len: usize) -> &mut [u8] {
        if len as u32 > self.input_block.1 {
            let ptr = self.input.call(&mut self.store, len as u32).expect("input");
            self.input_block = (ptr, len as u32);
        }
        let ptr = self.input_block.0 as usize;
        &mut self.memory.data_mut(&mut self.store)[ptr..ptr + len]
    }

    /// Calls `export` on the `len` bytes of input; returns the reply where the guest left it.
    fn call(&mut self, export: usize, len: usize) -> &[u8] {
        let packed = self.exports[export]
            .call(&mut self.store, len as u32)
            .expect("call");
        let (ptr, len) = ((packed >> 32) as usize, packed as u32 as usize);
        &self.memory.data(&self.store)[ptr..ptr + len]
    }
}

impl System for Raw {
    fn nothing(&self) {
        self.call::<(), ()>(0, &());
    }
    fn echo(&self, request: &Blob) -> Blob {
        self.call(1, request)
    }
    fn fields(&self, request: &Request) -> Response {
        self.call(2, request)
    }
    fn call_host(&self, times: u64) -> u64 {
        self.call::<Count, Count>(3, &Count { value: times }).value
    }
}

/// wasmtime 48 has its own error type; the runner reports everything through anyhow.
pub trait Wasmtime<T> {
    fn wt(self) -> anyhow::Result<T>;
}

impl<T> Wasmtime<T> for wasmtime::Result<T> {
    fn wt(self) -> anyhow::Result<T> {
        self.map_err(|error| anyhow::anyhow!("{error:#}"))
    }
}

pub fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("read {}", path.display()))
}
