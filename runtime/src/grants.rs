//! What a plugin may see and do: its grants. Everything is denied unless granted.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::host::HostModule;
use crate::output::SharedWriter;
use crate::Error;

/// Whether a plugin may change what is in a directory it was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirAccess {
    /// Read files and list directories.
    ReadOnly,
    /// Also create, write, rename and delete.
    ReadWrite,
}

/// What one plugin may see and do: output, files, environment, arguments, time, memory,
/// instructions, host functions. Every grant is off by default: a plugin with
/// `Grants::new()` sees no files, no environment, no arguments, its output is discarded, and
/// nothing bounds its time or memory but WebAssembly's 4 GiB.
///
/// A loader's grants ([`LoaderBuilder::grants`](crate::LoaderBuilder::grants) and its shortcuts)
/// are the defaults of the plugins it loads; a plugin loaded with grants of its own
/// ([`PluginBuilder::grants`](crate::PluginBuilder::grants)) has those instead. Plugins with
/// different grants share the loader's engine, compiled modules and deadline thread.
///
/// ```
/// use std::time::Duration;
/// use wasm_plugin_runtime::{CapturedOutput, DirAccess, Grants};
///
/// let trusted = Grants::new()
///     .stdout(std::io::stdout())
///     .preopened_dir("/srv/data", "/data", DirAccess::ReadWrite)
///     .env("MODE", "full");
/// let untrusted = Grants::new()
///     .stdout(CapturedOutput::new())
///     .preopened_dir("/srv/public", "/data", DirAccess::ReadOnly)
///     .deadline(Duration::from_millis(50))
///     .memory_limit(16 << 20)
///     .fuel(10_000_000);
/// # drop((trusted, untrusted));
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct Grants {
    pub(crate) stdout: Option<SharedWriter>,
    pub(crate) stderr: Option<SharedWriter>,
    pub(crate) dirs: Vec<(PathBuf, String, DirAccess)>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) args: Vec<String>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) memory_limit: Option<usize>,
    pub(crate) fuel: Option<u64>,
    pub(crate) host_modules: Vec<HostModule>,
}

impl Grants {
    /// Nothing granted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the plugin's stdout goes. Default: discarded.
    pub fn stdout(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.stdout = Some(SharedWriter::new(writer));
        self
    }

    /// Where the plugin's stderr goes (a Rust plugin's panic message, for example). Default:
    /// discarded.
    pub fn stderr(mut self, writer: impl std::io::Write + Send + 'static) -> Self {
        self.stderr = Some(SharedWriter::new(writer));
        self
    }

    /// Grants the host directory `host` under the name `guest` (such as `/data`). Default: no
    /// files at all. The directory must exist when the plugin (or, for a loader's grants, the
    /// loader) is created.
    pub fn preopened_dir(
        mut self,
        host: impl Into<PathBuf>,
        guest: impl Into<String>,
        access: DirAccess,
    ) -> Self {
        self.dirs.push((host.into(), guest.into(), access));
        self
    }

    /// Sets an environment variable the plugin sees. Default: an empty environment.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Appends a program argument the plugin sees (WASI `args_get`). Default: none.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Stops any call that runs longer than `deadline`, with
    /// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded). The deadline covers the
    /// whole call, and never ends it early: WebAssembly code is interrupted at most about three
    /// milliseconds after the deadline (the runtime's clock ticks every millisecond), sleeping
    /// in WASI, or awaiting in an async host function, ends at the deadline, and a blocking host
    /// function that is still running when it passes ends the
    /// call as soon as it returns (host functions see it in
    /// [`HostContext::deadline`](crate::HostContext::deadline)). Default: no deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Caps the linear memory of each instance of the plugin at `bytes`, with
    /// [`Error::MemoryLimitExceeded`](crate::Error::MemoryLimitExceeded). Default: no cap
    /// beyond WebAssembly's 4 GiB.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Gives each call a budget of `fuel` units of work, with
    /// [`Error::FuelExhausted`](crate::Error::FuelExhausted) when it runs out: unlike a deadline,
    /// a budget gives the same result on every machine and every run (a unit is roughly one
    /// WebAssembly instruction). Needs a loader built with
    /// [`LoaderBuilder::fuel_metering`](crate::LoaderBuilder::fuel_metering), because counting
    /// fuel changes the compiled code. Default: no budget.
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.fuel = Some(fuel);
        self
    }

    /// Offers the host functions of `module` (a host function library, `module=` in the
    /// `.proto` file) to the plugin. Default: none; a plugin's own host functions are given to
    /// its `load`.
    pub fn host_module(mut self, module: HostModule) -> Self {
        self.host_modules.push(module);
        self
    }

    /// Checks what can be checked before the first instance: directories exist, host modules
    /// have distinct names.
    pub(crate) fn check(&self, plugin: &str) -> Result<(), Error> {
        for (host, _, _) in &self.dirs {
            if !host.is_dir() {
                return Err(Error::Io {
                    path: host.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("the directory to grant to {plugin} does not exist"),
                    ),
                });
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for module in &self.host_modules {
            if !seen.insert(module.name()) {
                return Err(Error::Config(format!(
                    "{plugin} was given two host modules named `{}`; merge them or rename one",
                    module.name()
                )));
            }
        }
        Ok(())
    }

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
        wasi.args(&self.args);
        for (host, guest, access) in &self.dirs {
            let perms = match access {
                DirAccess::ReadOnly => FsPerms::ReadOnly,
                DirAccess::ReadWrite => FsPerms::ReadWrite,
            };
            wasi.preopened_dir(host, guest, perms)
                .map_err(|error| Error::Io {
                    path: host.clone(),
                    source: std::io::Error::other(error.to_string()),
                })?;
        }
        Ok(wasi.build_p1())
    }
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grants")
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .field("dirs", &self.dirs)
            .field(
                "env",
                &self.env.iter().map(|(key, _)| key).collect::<Vec<_>>(),
            )
            .field("args", &self.args.len())
            .field("deadline", &self.deadline)
            .field("memory_limit", &self.memory_limit)
            .field("fuel", &self.fuel)
            .field("host_modules", &self.host_modules)
            .finish()
    }
}
