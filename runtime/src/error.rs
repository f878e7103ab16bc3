use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong when loading or calling a plugin.
///
/// Each variant says what happened and, where the fix is not obvious, what to do. A plugin that
/// traps, runs out of time or memory, or misbehaves never takes the host down: its instance is
/// discarded and the next call gets a fresh one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plugin returned an error; `message` is its text, exactly (possibly empty).
    #[error("plugin {plugin} returned an error: {message}")]
    Plugin {
        /// The plugin, named after its file (or the name it was loaded under).
        plugin: String,
        /// The plugin's error message.
        message: String,
    },

    /// The plugin trapped: a Rust panic or `unreachable`, an out-of-bounds access, a stack
    /// overflow. Its instance was discarded; the next call runs on a fresh one.
    #[error("plugin {plugin} trapped in {function}: {message}")]
    Trap {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that was running.
        function: String,
        /// What kind of trap.
        code: TrapCode,
        /// wasmtime's description, with the guest backtrace where available.
        message: String,
    },

    /// The call ran longer than its deadline (the plugin's grant, or the call's timeout) and
    /// was stopped. Its instance was discarded.
    #[error("plugin {plugin} exceeded the deadline of {deadline:?} in {function} and was stopped")]
    DeadlineExceeded {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that was running.
        function: String,
        /// The deadline.
        deadline: Duration,
    },

    /// The call was cancelled ([`CancelToken::cancel`](crate::CancelToken::cancel)) and
    /// stopped. Its instance was discarded.
    #[error("the call of plugin {plugin} was cancelled in {function}")]
    Cancelled {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that was running.
        function: String,
    },

    /// The call used up its fuel budget ([`Grants::fuel`](crate::Grants::fuel)) and was
    /// stopped. Its instance was discarded.
    #[error(
        "plugin {plugin} used up its fuel budget of {fuel} in {function} and was stopped; raise \
         Grants::fuel if it really needs that much"
    )]
    FuelExhausted {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that was running.
        function: String,
        /// The budget.
        fuel: u64,
    },

    /// The plugin tried to grow its memory beyond the loader's memory limit.
    #[error(
        "plugin {plugin} exceeded its memory limit of {limit} bytes (it asked for {requested} \
         bytes); raise LoaderBuilder::memory_limit if it really needs that much"
    )]
    MemoryLimitExceeded {
        /// The plugin, named after its file.
        plugin: String,
        /// The configured limit in bytes.
        limit: usize,
        /// The memory size the plugin asked for.
        requested: usize,
    },

    /// The plugin called WASI `proc_exit` (for example `std::process::exit`).
    #[error("plugin {plugin} exited with code {code} in {function}")]
    Exit {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that was running.
        function: String,
        /// The exit code.
        code: i32,
    },

    /// The plugin described a buffer that lies outside its own memory.
    #[error(
        "plugin {plugin} returned a buffer of {len} bytes at offset {ptr} from {function}, outside \
         its {memory_size}-byte memory"
    )]
    OutOfBounds {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that returned the buffer.
        function: String,
        /// The offset it returned.
        ptr: u32,
        /// The length it returned.
        len: u32,
        /// The size of its memory.
        memory_size: usize,
    },

    /// The plugin's `malloc` returned a null pointer.
    #[error("plugin {plugin} could not allocate {size} bytes for a request (malloc returned 0)")]
    AllocationFailed {
        /// The plugin, named after its file.
        plugin: String,
        /// The size the host asked for.
        size: usize,
    },

    /// The plugin's response is not a valid encoding of the expected message.
    #[error(
        "the response of plugin {plugin} from {function} is not a valid {message_type}: {source}; \
         are host and plugin built from the same .proto file?"
    )]
    Decode {
        /// The plugin, named after its file.
        plugin: String,
        /// The export that returned the response.
        function: String,
        /// The protobuf message that was expected, such as `greeting.GreetReply`.
        message_type: &'static str,
        /// prost's explanation.
        source: prost::DecodeError,
    },

    /// A host function failed while called by a plugin that cannot receive errors (a go-plugin
    /// guest: see `docs/abi.md`), so the call was stopped.
    #[error("host function {import} failed while plugin {plugin} called it: {message}")]
    HostFunction {
        /// The plugin, named after its file.
        plugin: String,
        /// `module.name` of the host function.
        import: String,
        /// The host function's error message.
        message: String,
    },

    /// The plugin was built for another version of the interface. (The message ends as
    /// go-plugin's.)
    #[error("plugin {name}: API version mismatch, host: {host}, plugin: {plugin}")]
    ApiVersionMismatch {
        /// The plugin, named after its file.
        name: String,
        /// The version the host was generated with.
        host: u64,
        /// The version the plugin reports.
        plugin: u64,
    },

    /// A function or memory the interface needs is missing from the plugin.
    #[error("{export} is not exported by {plugin}{}", hint_suffix(.hint))]
    MissingExport {
        /// The plugin, named after its file.
        plugin: String,
        /// The missing export.
        export: String,
        /// What probably causes it, if known.
        hint: Option<&'static str>,
    },

    /// An export has another type than the interface requires.
    #[error("{export} in {plugin} has type {found}, but the interface requires {expected}")]
    ExportType {
        /// The plugin, named after its file.
        plugin: String,
        /// The export.
        export: String,
        /// The required type.
        expected: String,
        /// The type it has.
        found: String,
    },

    /// The plugin imports something the host does not provide.
    #[error("{plugin} imports {import}, which this host does not provide{}", hint_suffix(.hint))]
    MissingImport {
        /// The plugin, named after its file.
        plugin: String,
        /// `module.name` of the import.
        import: String,
        /// What probably causes it, if known.
        hint: Option<String>,
    },

    /// The file is not a WebAssembly module at all.
    #[error("{name} is not a WebAssembly module (it does not start with the \\0asm magic bytes)")]
    NotWasm {
        /// The file, or `<bytes>` for modules from memory.
        name: String,
    },

    /// The file is WebAssembly but cannot be compiled.
    #[error("{name} is not a valid WebAssembly module: {reason}")]
    InvalidModule {
        /// The file, or `<bytes>` for modules from memory.
        name: String,
        /// wasmtime's explanation.
        reason: String,
    },

    /// The plugin could not be instantiated (for example its `_initialize` trapped).
    #[error("plugin {plugin} could not be instantiated: {reason}")]
    Instantiate {
        /// The plugin, named after its file.
        plugin: String,
        /// The cause.
        reason: String,
    },

    /// A file or directory could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },

    /// The configuration of a loader or a plugin cannot be used; the message says why and what
    /// to change.
    #[error("{0}")]
    Config(String),
}

fn hint_suffix<T: AsRef<str>>(hint: &Option<T>) -> String {
    hint.as_ref()
        .map(|hint| format!(" ({})", hint.as_ref()))
        .unwrap_or_default()
}

/// The kind of a trap, from wasmtime's trap codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    /// `unreachable` executed: what a Rust panic or `abort` in the plugin turns into.
    Unreachable,
    /// The plugin's call stack overflowed.
    StackOverflow,
    /// A load or store outside the plugin's memory.
    MemoryOutOfBounds,
    /// An integer division by zero.
    IntegerDivisionByZero,
    /// An integer overflow in a division or conversion.
    IntegerOverflow,
    /// An indirect call through a null or mistyped table entry.
    BadIndirectCall,
    /// Any other trap.
    Other,
}

impl From<wasmtime::Trap> for TrapCode {
    fn from(trap: wasmtime::Trap) -> Self {
        use wasmtime::Trap;
        match trap {
            Trap::UnreachableCodeReached => TrapCode::Unreachable,
            Trap::StackOverflow => TrapCode::StackOverflow,
            Trap::MemoryOutOfBounds | Trap::HeapMisaligned => TrapCode::MemoryOutOfBounds,
            Trap::IntegerDivisionByZero => TrapCode::IntegerDivisionByZero,
            Trap::IntegerOverflow | Trap::BadConversionToInteger => TrapCode::IntegerOverflow,
            Trap::TableOutOfBounds | Trap::IndirectCallToNull | Trap::BadSignature => {
                TrapCode::BadIndirectCall
            }
            _ => TrapCode::Other,
        }
    }
}

impl Error {
    /// Whether the plugin itself returned this error (as opposed to the runtime).
    pub fn is_plugin_error(&self) -> bool {
        matches!(self, Error::Plugin { .. })
    }

    /// The plugin (or module file) the error is about: its file name or the name it was loaded
    /// under. `None` for errors of a file system path or of the configuration.
    pub fn plugin(&self) -> Option<&str> {
        match self {
            Error::Plugin { plugin, .. }
            | Error::Trap { plugin, .. }
            | Error::DeadlineExceeded { plugin, .. }
            | Error::Cancelled { plugin, .. }
            | Error::FuelExhausted { plugin, .. }
            | Error::MemoryLimitExceeded { plugin, .. }
            | Error::Exit { plugin, .. }
            | Error::OutOfBounds { plugin, .. }
            | Error::AllocationFailed { plugin, .. }
            | Error::Decode { plugin, .. }
            | Error::HostFunction { plugin, .. }
            | Error::MissingExport { plugin, .. }
            | Error::ExportType { plugin, .. }
            | Error::MissingImport { plugin, .. }
            | Error::Instantiate { plugin, .. } => Some(plugin),
            Error::ApiVersionMismatch { name, .. }
            | Error::NotWasm { name }
            | Error::InvalidModule { name, .. } => Some(name),
            Error::Io { .. } | Error::Config(_) => None,
        }
    }

    /// The plugin's own message, if the plugin returned this error.
    pub fn plugin_message(&self) -> Option<&str> {
        match self {
            Error::Plugin { message, .. } => Some(message),
            _ => None,
        }
    }
}
