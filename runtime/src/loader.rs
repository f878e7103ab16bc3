//! The loader: one wasmtime engine, the sandbox every plugin gets, and compiled modules.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::host::HostModule;
use crate::limits::EpochTicker;
use crate::output::SharedWriter;
use crate::Error;

/// Compiles plugins and holds what every plugin it loads shares: the wasmtime engine and the
/// sandbox configuration. Create one per process (or per kind of plugin) and keep it; cloning
/// is cheap.
///
/// ```no_run
/// use std::time::Duration;
/// use wasm_plugin_runtime::Loader;
///
/// let loader = Loader::builder()
///     .stdout(std::io::stdout())
///     .preopened_dir("data", "/data", wasm_plugin_runtime::DirAccess::ReadOnly)
///     .deadline(Duration::from_secs(1))
///     .memory_limit(64 << 20)
///     .build()?;
/// let module = loader.compile_file("plugin.wasm")?;
/// # Ok::<(), wasm_plugin_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct Loader {
    pub(crate) shared: Arc<Shared>,
}

/// What the loader and every plugin it loads share.
pub(crate) struct Shared {
    pub engine: wasmtime::Engine,
    pub sandbox: Sandbox,
    pub host_modules: Vec<HostModule>,
    pub max_idle_instances: usize,
    pub cache: Option<crate::cache::ModuleCache>,
    pub wasi_linker: wasmtime::Linker<crate::plugin::State>,
    /// Present when a deadline is set; plugins keep it (and its thread) alive.
    pub ticker: Option<EpochTicker>,
}

/// What a plugin instance may see and do. Everything is denied unless granted.
pub(crate) struct Sandbox {
    pub stdout: Option<SharedWriter>,
    pub stderr: Option<SharedWriter>,
    pub dirs: Vec<(PathBuf, String, FsPerms)>,
    pub env: Vec<(String, String)>,
    pub deadline: Option<Duration>,
    pub memory_limit: Option<usize>,
}

impl Sandbox {
    /// A WASI context for one instance.
    pub(crate) fn wasi(&self) -> Result<wasmtime_wasi::p1::WasiP1Ctx, Error> {
        let mut wasi = WasiCtxBuilder::new();
        if let Some(stdout) = &self.stdout {
            wasi.stdout(stdout.clone());
        }
        if let Some(stderr) = &self.stderr {
            wasi.stderr(stderr.clone());
        }
        wasi.envs(&self.env);
        for (host, guest, perms) in &self.dirs {
            wasi.preopened_dir(host, guest, *perms)
                .map_err(|error| Error::Io {
                    path: host.clone(),
                    source: std::io::Error::other(error.to_string()),
                })?;
        }
        Ok(wasi.build_p1())
    }
}

/// Whether a plugin may change what is in a directory it was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirAccess {
    /// Read files and list directories.
    ReadOnly,
    /// Also create, write, rename and delete.
    ReadWrite,
}

/// Configures a [`Loader`]. Every option has a safe default: the plugin sees no files, no
/// environment, no arguments, and its output is discarded.
#[must_use]
pub struct LoaderBuilder {
    sandbox: Sandbox,
    host_modules: Vec<HostModule>,
    max_idle_instances: Option<usize>,
    cache_dir: Option<PathBuf>,
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
            sandbox: Sandbox {
                stdout: None,
                stderr: None,
                dirs: Vec::new(),
                env: Vec::new(),
                deadline: None,
                memory_limit: None,
            },
            host_modules: Vec::new(),
            max_idle_instances: None,
            cache_dir: None,
        }
    }

    /// Compiles the `.wasm` file at `path`.
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
        self.compile(path.display().to_string(), &bytes)
    }

    /// Compiles a `.wasm` module held in memory; errors call it `<bytes>`.
    ///
    /// # Errors
    /// As [`Loader::compile_file`].
    pub fn compile_bytes(&self, wasm: &[u8]) -> Result<Module, Error> {
        self.compile("<bytes>".to_owned(), wasm)
    }

    fn compile(&self, name: String, bytes: &[u8]) -> Result<Module, Error> {
        if !bytes.starts_with(b"\0asm") {
            return Err(Error::NotWasm { name });
        }
        let engine = &self.shared.engine;
        let cached = self.shared.cache.as_ref().map(|cache| {
            let entry = cache.entry(engine, bytes);
            (cache.load(engine, &entry), cache, entry)
        });
        if let Some((Some(module), _, _)) = cached {
            return Ok(self.module(name, module));
        }
        let module =
            wasmtime::Module::from_binary(engine, bytes).map_err(|error| Error::InvalidModule {
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
            module,
            name: name.into(),
            loader: self.clone(),
        }
    }
}

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sandbox = &self.shared.sandbox;
        f.debug_struct("Loader")
            .field("stdout", &sandbox.stdout.is_some())
            .field("stderr", &sandbox.stderr.is_some())
            .field("dirs", &sandbox.dirs.len())
            .field("env", &sandbox.env.len())
            .field("deadline", &sandbox.deadline)
            .field("memory_limit", &sandbox.memory_limit)
            .field("host_modules", &self.shared.host_modules)
            .finish()
    }
}

impl LoaderBuilder {
    /// Where plugins' stdout goes. Default: discarded.
    pub fn stdout(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.sandbox.stdout = Some(SharedWriter::new(writer));
        self
    }

    /// Where plugins' stderr goes (a Rust plugin's panic message, for example). Default:
    /// discarded.
    pub fn stderr(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.sandbox.stderr = Some(SharedWriter::new(writer));
        self
    }

    /// Grants plugins the host directory `host` under the name `guest` (such as `/data`).
    /// Default: no files at all. The directory must exist when the loader is built.
    pub fn preopened_dir(
        mut self,
        host: impl Into<PathBuf>,
        guest: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        let perms = match access {
            DirAccess::ReadOnly => FsPerms::ReadOnly,
            DirAccess::ReadWrite => FsPerms::ReadWrite,
        };
        self.sandbox.dirs.push((host.into(), guest.into(), perms));
        self
    }

    /// Sets an environment variable that plugins see. Default: an empty environment.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.sandbox.env.push((key.into(), value.into()));
        self
    }

    /// Stops any call into a plugin that runs longer than `deadline`, with
    /// [`Error::DeadlineExceeded`]: WebAssembly code is interrupted within a tick (a tenth of
    /// the deadline, between 1 and 10 ms), and sleeping through WASI ends at the deadline. A
    /// host function that blocks is not interrupted; the call stops when it returns. Default:
    /// no deadline. Cheap: a background thread advances wasmtime's epoch, no timer per call;
    /// arming it and the epoch checks cost about 60 ns per call (BENCHMARKS.md).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.sandbox.deadline = Some(deadline);
        self
    }

    /// Caps the linear memory of each plugin instance at `bytes`, with
    /// [`Error::MemoryLimitExceeded`]. Default: no cap beyond WebAssembly's 4 GiB.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.sandbox.memory_limit = Some(bytes);
        self
    }

    /// Offers the host functions of `module` to every plugin of this loader, in addition to
    /// those given to a plugin's `load` (go-plugin's host function libraries).
    pub fn host_module(mut self, module: HostModule) -> Self {
        self.host_modules.push(module);
        self
    }

    /// How many idle instances each plugin keeps for reuse. More concurrent calls create more
    /// instances; those above this number are dropped after their call, and 0 gives every call
    /// a fresh instance. Default: the number of CPUs.
    pub fn max_idle_instances(mut self, count: usize) -> Self {
        self.max_idle_instances = Some(count);
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
        for (host, _, _) in &self.sandbox.dirs {
            if !host.is_dir() {
                return Err(Error::Io {
                    path: host.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the directory to grant to plugins does not exist",
                    ),
                });
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for module in &self.host_modules {
            if !seen.insert(module.name()) {
                return Err(Error::Config(format!(
                    "two host modules are named `{}`; merge them or rename one",
                    module.name()
                )));
            }
        }
        let cache = self
            .cache_dir
            .as_deref()
            .map(crate::cache::ModuleCache::open)
            .transpose()?;
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(self.sandbox.deadline.is_some());
        // One memory per instance keeps the memory limit a limit per instance.
        config.wasm_multi_memory(false);
        let engine = wasmtime::Engine::new(&config)
            .map_err(|error| Error::Config(format!("wasmtime: {error:#}")))?;
        let wasi_linker = crate::plugin::wasi_linker(&engine, self.sandbox.deadline.is_some())?;
        let ticker = match self.sandbox.deadline {
            Some(deadline) => Some(EpochTicker::start(&engine, deadline).map_err(|error| {
                Error::Config(format!("cannot start the deadline thread: {error}"))
            })?),
            None => None,
        };
        let max_idle_instances = self.max_idle_instances.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        Ok(Loader {
            shared: Arc::new(Shared {
                engine,
                sandbox: self.sandbox,
                host_modules: self.host_modules,
                max_idle_instances,
                ticker,
                cache,
                wasi_linker,
            }),
        })
    }
}

/// A compiled `.wasm` module, ready to be instantiated as one or more services. Cloning is cheap.
#[derive(Clone)]
pub struct Module {
    pub(crate) module: wasmtime::Module,
    pub(crate) name: Arc<str>,
    pub(crate) loader: Loader,
}

impl Module {
    /// The name errors use: the file path, or `<bytes>`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Two modules are equal when they are the same compiled code (a clone, or the module a
/// [`Plugin`](crate::Plugin) was created from), not when they were compiled from equal bytes.
impl PartialEq for Module {
    fn eq(&self, other: &Self) -> bool {
        wasmtime::Module::same(&self.module, &other.module)
    }
}

impl Eq for Module {}

impl fmt::Debug for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Module").field("name", &self.name).finish()
    }
}
