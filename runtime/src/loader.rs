//! The loader: one wasmtime engine, the default grants of its plugins, compiled modules.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasmtime::{InstanceAllocationStrategy, InstancePre, Linker, PoolingAllocationConfig};

use crate::grants::{DirAccess, Grants};
use crate::host::HostModule;
use crate::store::Mode;
use crate::store::{StoreData, TABLE_ELEMENTS};
use crate::ticker::{CoarseClock, EpochTicker};
use crate::Error;

/// Bytes of a freed instance's linear memory kept resident for the next instance.
const MEMORY_KEEP_RESIDENT: usize = 256 << 10;
/// Bytes of a freed instance's table kept resident: 2048 function references.
const TABLE_KEEP_RESIDENT: usize = 16 << 10;

/// Compiles plugins and holds what every plugin it loads shares: the wasmtime engine, its pool
/// of instance slots, the thread that enforces deadlines, and the default grants. Create one
/// per process and keep it; cloning is cheap. Plugins with different grants share one loader
/// ([`PluginBuilder::grants`](crate::PluginBuilder::grants)).
///
/// ```
/// # let wasm = wat::parse_str(include_str!("../doc/greeter.wat")).unwrap();
/// use std::time::Duration;
/// use wasm_plugin_runtime::Loader;
///
/// let data = std::env::temp_dir();
/// let loader = Loader::builder()
///     .stdout(std::io::stdout())
///     .preopened_dir(&data, "/data", wasm_plugin_runtime::DirAccess::ReadOnly)
///     .deadline(Duration::from_secs(1))
///     .memory_limit(64 << 20)
///     .build()?;
/// let module = loader.compile_bytes(&wasm)?; // or loader.compile_file("plugin.wasm")
/// # drop(module);
/// # Ok::<(), wasm_plugin_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct Loader {
    shared: Arc<Shared>,
}

/// What the loader and every plugin it loads share.
struct Shared {
    engine: wasmtime::Engine,
    grants: Grants,
    max_idle_instances: usize,
    fuel_metering: bool,
    cache: Option<crate::cache::ModuleCache>,
    wasi_linker: Linker<StoreData>,
    /// The WASI linker of async plugins, made when the first is loaded.
    wasi_linker_async: OnceLock<Linker<StoreData>>,
    /// Started by the first call with a deadline or a cancellation token.
    ticker: OnceLock<EpochTicker>,
    /// Kept by the ticker; deadlines are measured against it.
    clock: Arc<CoarseClock>,
}

/// Configures a [`Loader`]. Every option has a safe default: plugins see no files, no
/// environment, no arguments, and their output is discarded.
#[must_use]
pub struct LoaderBuilder {
    grants: Grants,
    max_idle_instances: Option<usize>,
    max_instances: u32,
    cache_dir: Option<PathBuf>,
    fuel_metering: bool,
}

impl Loader {
    /// A loader with the default sandbox: no files, no environment, output discarded, no
    /// deadline, no memory limit beyond WebAssembly's 4 GiB.
    ///
    /// # Errors
    /// [`Error::Config`] if wasmtime cannot be set up on this machine.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// Starts configuring a loader.
    pub fn builder() -> LoaderBuilder {
        LoaderBuilder {
            grants: Grants::new(),
            max_idle_instances: None,
            max_instances: 256,
            cache_dir: None,
            fuel_metering: false,
        }
    }

    /// The grants of plugins loaded without grants of their own.
    pub fn grants(&self) -> &Grants {
        &self.shared.grants
    }

    /// Compiles the `.wasm` file at `path`; errors name it by its path.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, [`Error::NotWasm`] or
    /// [`Error::InvalidModule`] (naming the file) if it is not a usable WebAssembly module.
    pub fn compile_file(&self, path: impl AsRef<Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        self.compile_named(path.display().to_string(), &bytes)
    }

    /// Compiles a `.wasm` module held in memory; errors call it `<bytes>` (see
    /// [`Loader::compile_named`]).
    ///
    /// # Errors
    /// As [`Loader::compile_file`].
    pub fn compile_bytes(&self, wasm: &[u8]) -> Result<Module, Error> {
        self.compile_named("<bytes>".to_owned(), wasm)
    }

    /// Compiles a `.wasm` module held in memory under `name`, which errors and host functions
    /// use (a plugin downloaded from a registry is known by its name, not its file).
    ///
    /// # Errors
    /// As [`Loader::compile_file`].
    pub fn compile_named(&self, name: impl Into<String>, wasm: &[u8]) -> Result<Module, Error> {
        let name = name.into();
        if !wasm.starts_with(b"\0asm") {
            return Err(Error::NotWasm { name });
        }
        let engine = &self.shared.engine;
        let cached = self.shared.cache.as_ref().map(|cache| {
            let entry = cache.entry(engine, wasm);
            (cache.load(engine, &entry), cache, entry)
        });
        if let Some((Some(module), _, _)) = cached {
            return Ok(self.module(name, module));
        }
        let module =
            wasmtime::Module::from_binary(engine, wasm).map_err(|error| Error::InvalidModule {
                name: name.clone(),
                reason: format!("{error:#}"),
            })?;
        if let Some((None, cache, entry)) = cached {
            // The cache only saves time: a module that cannot be stored is still usable.
            let _ = cache.store(&module, &entry);
        }
        Ok(self.module(name, module))
    }

    fn module(&self, name: String, module: wasmtime::Module) -> Module {
        Module {
            compiled: Arc::new(Compiled {
                imports: crate::linking::host_imports(&module),
                module,
                pre: OnceLock::new(),
                pre_async: OnceLock::new(),
            }),
            name: name.into(),
            loader: self.clone(),
        }
    }

    pub(crate) fn engine(&self) -> &wasmtime::Engine {
        &self.shared.engine
    }

    pub(crate) fn wasi_linker(&self, mode: Mode) -> Result<&Linker<StoreData>, Error> {
        match mode {
            Mode::Blocking => Ok(&self.shared.wasi_linker),
            Mode::Async => {
                if let Some(linker) = self.shared.wasi_linker_async.get() {
                    return Ok(linker);
                }
                let linker = crate::linking::wasi_linker(&self.shared.engine, Mode::Async)?;
                // Another thread may have made one too; either serves.
                Ok(self.shared.wasi_linker_async.get_or_init(|| linker))
            }
        }
    }

    pub(crate) fn max_idle_instances(&self) -> usize {
        self.shared.max_idle_instances
    }

    pub(crate) fn fuel_metering(&self) -> bool {
        self.shared.fuel_metering
    }

    /// Starts the epoch ticker if it does not run yet: calls with a deadline or a cancellation
    /// token need it.
    pub(crate) fn start_ticker(&self) -> Result<(), Error> {
        if self.shared.ticker.get().is_some() {
            return Ok(());
        }
        let ticker = EpochTicker::start(&self.shared.engine, Arc::clone(&self.shared.clock))
            .map_err(|error| Error::Config(format!("cannot start the deadline thread: {error}")))?;
        // Another call may have won the race; its ticker serves both.
        let _ = self.shared.ticker.set(ticker);
        Ok(())
    }

    /// The clock deadlines are measured against.
    pub(crate) fn clock(&self) -> &Arc<CoarseClock> {
        &self.shared.clock
    }
}

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("grants", &self.shared.grants)
            .field("fuel_metering", &self.shared.fuel_metering)
            .finish()
    }
}

impl LoaderBuilder {
    /// The grants of plugins loaded without grants of their own: everything the shortcuts
    /// below set, at once. Default: nothing granted ([`Grants::new`]).
    pub fn grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    /// Where plugins' stdout goes ([`Grants::stdout`]). Default: discarded.
    pub fn stdout(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.grants = self.grants.stdout(writer);
        self
    }

    /// Where plugins' stderr goes ([`Grants::stderr`]). Default: discarded.
    pub fn stderr(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.grants = self.grants.stderr(writer);
        self
    }

    /// Grants plugins the host directory `host` under the name `guest`
    /// ([`Grants::preopened_dir`]). Default: no files at all. The directory must exist when the
    /// loader is built.
    pub fn preopened_dir(
        mut self,
        host: impl Into<PathBuf>,
        guest: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        self.grants = self.grants.preopened_dir(host, guest, access);
        self
    }

    /// Sets an environment variable plugins see ([`Grants::env`]). Default: none.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.grants = self.grants.env(key, value);
        self
    }

    /// Stops any call that runs longer than `deadline` ([`Grants::deadline`]). Default: no
    /// deadline. Cheap: a background thread advances wasmtime's epoch, no timer per call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.grants = self.grants.deadline(deadline);
        self
    }

    /// Caps the linear memory of each plugin instance ([`Grants::memory_limit`]). Default: no
    /// cap beyond WebAssembly's 4 GiB.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.grants = self.grants.memory_limit(bytes);
        self
    }

    /// Offers the host functions of `module` to every plugin loaded with the loader's grants
    /// ([`Grants::host_module`]): go-plugin's host function libraries.
    pub fn host_module(mut self, module: HostModule) -> Self {
        self.grants = self.grants.host_module(module);
        self
    }

    /// Lets plugins have fuel budgets ([`Grants::fuel`]): the engine then counts the work of
    /// every plugin it compiles, which makes calls slower (BENCHMARKS.md). Default: off; a
    /// plugin with a budget on a loader without metering fails to load, saying so.
    pub fn fuel_metering(mut self, enabled: bool) -> Self {
        self.fuel_metering = enabled;
        self
    }

    /// How many idle instances each plugin keeps for reuse. More concurrent calls create more
    /// instances; those above this number are dropped after their call, and 0 gives every call
    /// a fresh instance. Default: the number of CPUs.
    pub fn max_idle_instances(mut self, count: usize) -> Self {
        self.max_idle_instances = Some(count);
        self
    }

    /// How many instances of all its plugins the loader keeps slots for at once: instances
    /// come from a pool allocated up front (each slot reserves address space for a 4 GiB
    /// memory, not memory), so that instantiating one costs little. Default: 256. Beyond it,
    /// instantiation fails with [`Error::Instantiate`].
    pub fn max_instances(mut self, count: u32) -> Self {
        self.max_instances = count;
        self
    }

    /// Keeps compiled modules in `dir`, so that loading a plugin again, in this process or the
    /// next, skips compilation. Entries are keyed by the module's content and by wasmtime's
    /// version and settings. Loading an entry runs its machine code, so `dir` must belong to
    /// this user and be writable by nobody else; it is created (mode 0700) if missing.
    /// Default: no cache, every load compiles.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Creates the loader.
    ///
    /// # Errors
    /// [`Error::Io`] for a granted directory that cannot be opened, [`Error::Config`] if
    /// wasmtime cannot be set up, host modules clash, or the cache directory is not safe.
    pub fn build(self) -> Result<Loader, Error> {
        self.grants.check("the loader's plugins")?;
        let cache = self
            .cache_dir
            .as_deref()
            .map(crate::cache::ModuleCache::open)
            .transpose()?;
        let mut config = wasmtime::Config::new();
        // Deadlines and cancellation are per call, so every plugin's code checks the epoch.
        config.epoch_interruption(true);
        config.consume_fuel(self.fuel_metering);
        // One memory per instance keeps the memory limit a limit per instance.
        config.wasm_multi_memory(false);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(self.max_instances)
            .total_memories(self.max_instances)
            .total_tables(self.max_instances)
            .table_elements(TABLE_ELEMENTS)
            // Freed slots are returned to the system 16 at a time: one madvise for many.
            .decommit_batch_size(16)
            // A freed slot's dirty pages (found with Linux's PAGEMAP_SCAN where the kernel has it)
            // are zeroed in place, up to these sizes, instead of being returned to the system
            // and faulted in again by the next instance: instantiation costs about what raw
            // wasmtime's does, for at most this much resident memory per warm slot.
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
            .table_keep_resident(TABLE_KEEP_RESIDENT);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = wasmtime::Engine::new(&config)
            .map_err(|error| Error::Config(format!("wasmtime: {error:#}")))?;
        let wasi_linker = crate::linking::wasi_linker(&engine, Mode::Blocking)?;
        let max_idle_instances = self.max_idle_instances.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        Ok(Loader {
            shared: Arc::new(Shared {
                engine,
                grants: self.grants,
                max_idle_instances,
                fuel_metering: self.fuel_metering,
                cache,
                wasi_linker,
                wasi_linker_async: OnceLock::new(),
                ticker: OnceLock::new(),
                clock: Arc::new(CoarseClock::new()),
            }),
        })
    }
}

/// A compiled `.wasm` module, ready to be instantiated as one or more services. Cloning is cheap.
#[derive(Clone)]
pub struct Module {
    pub(crate) compiled: Arc<Compiled>,
    pub(crate) name: Arc<str>,
    pub(crate) loader: Loader,
}

/// What every plugin of a module shares.
pub(crate) struct Compiled {
    pub module: wasmtime::Module,
    /// The host functions it imports, in order (`linking::host_imports`).
    pub imports: Vec<(String, String)>,
    /// The module linked against WASI and trampolines for its host functions, once, for all
    /// its plugins.
    pre: OnceLock<InstancePre<StoreData>>,
    /// The same for plugins whose calls are futures.
    pre_async: OnceLock<InstancePre<StoreData>>,
}

impl Module {
    /// The module pre-linked for instantiation in `mode`, made on first use.
    pub(crate) fn instance_pre(
        &self,
        plugin: &str,
        mode: Mode,
    ) -> Result<InstancePre<StoreData>, Error> {
        let cell = match mode {
            Mode::Blocking => &self.compiled.pre,
            Mode::Async => &self.compiled.pre_async,
        };
        if let Some(pre) = cell.get() {
            return Ok(pre.clone());
        }
        let linker = crate::linking::module_linker(
            self.loader.wasi_linker(mode)?,
            &self.compiled.imports,
            mode,
        )?;
        let pre = linker
            .instantiate_pre(&self.compiled.module)
            .map_err(|error| Error::Instantiate {
                plugin: plugin.to_owned(),
                reason: format!("{error:#}"),
            })?;
        // Another thread may have made one too; either serves.
        Ok(cell.get_or_init(|| pre).clone())
    }
}

impl Module {
    /// The name errors use: the file path, the name given to [`Loader::compile_named`], or
    /// `<bytes>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The loader that compiled it.
    pub fn loader(&self) -> &Loader {
        &self.loader
    }
}

/// Two modules are equal when they are the same compiled code (a clone, or the module a
/// [`Plugin`](crate::Plugin) was created from), not when they were compiled from equal bytes.
impl PartialEq for Module {
    fn eq(&self, other: &Self) -> bool {
        wasmtime::Module::same(&self.compiled.module, &other.compiled.module)
    }
}

impl Eq for Module {}

impl fmt::Debug for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Module").field("name", &self.name).finish()
    }
}
