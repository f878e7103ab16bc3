//! Code generator for rules_wasm_plugin: from `.proto` files to Rust glue for WebAssembly
//! plugins whose interface is a protobuf service.
//!
//! A service marked `// wasm:plugin type=plugin version=1` (or with go-plugin's spelling,
//! `// go:plugin type=plugin version=1`) is the interface a plugin implements; one marked
//! `// wasm:plugin type=host` lists the functions a host offers to plugins. For both sides this
//! crate writes prost message types plus glue:
//!
//! - [`guest()`]: for a plugin crate built for `wasm32-wasip1`, using `wasm-plugin-guest`;
//! - [`host()`]: for a host crate, using `wasm-plugin-runtime`.
//!
//! ```no_run
//! // build.rs of a plugin crate
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     wasm_plugin_build::guest().compile_protos(&["proto/greeting.proto"], &["proto"])?;
//!     Ok(())
//! }
//! ```
//!
//! prost's options for the message types pass through ([`Builder::bytes`],
//! [`Builder::btree_map`], [`Builder::type_attribute`], [`Builder::field_attribute`],
//! [`Builder::disable_comments`], [`Builder::extern_path`]); the service glue works with all of
//! them:
//!
//! ```no_run
//! // build.rs of a host whose `bytes` fields are `Bytes` and whose messages are `Eq`
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     wasm_plugin_build::host()
//!         .bytes(["."])
//!         .type_attribute(".greeting", "#[derive(Eq)]")
//!         .compile_protos(&["proto/greeting.proto"], &["proto"])?;
//!     Ok(())
//! }
//! ```
//!
//! `.proto` files are parsed in-process by protox; no `protoc` is needed. Well-known types map
//! to `prost-types`, re-exported by the guest and runtime crates, so a plugin or host depends on
//! one of those crates and nothing else. The same generator runs under protoc or buf as
//! `protoc-gen-wasm-plugin` (see [`protoc`]). Directives are described in `docs/directives.md`.
#![deny(missing_docs)]

mod directive;
mod error;
mod format;
mod glue;
mod plan;
pub mod protoc;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use prost_types::{FileDescriptorProto, FileDescriptorSet};

pub use error::Error;
use plan::Plan;

/// Which side of the plugin boundary the generated glue is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The plugin, built for `wasm32-wasip1` against `wasm-plugin-guest`: a trait per plugin
    /// service, a struct that calls the host functions.
    Guest,
    /// The host, built against `wasm-plugin-runtime`: a typed handle per plugin service, a
    /// trait per host service.
    Host,
}

impl Side {
    /// The crate generated code of this side refers to.
    fn crate_path(self) -> &'static str {
        match self {
            Side::Guest => "::wasm_plugin_guest",
            Side::Host => "::wasm_plugin_runtime",
        }
    }
}

/// Generates glue for the plugin side; see [`Builder`].
pub fn guest() -> Builder {
    Builder::new(Side::Guest)
}

/// Generates glue for the host side; see [`Builder`].
pub fn host() -> Builder {
    Builder::new(Side::Host)
}

/// One generated Rust source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file name: the protobuf package with `.rs` (`greeting.rs`), `_.rs` for files without
    /// a package, or the include file.
    pub name: String,
    /// rustfmt-clean Rust source.
    pub content: String,
}

/// The default name of the file that includes every generated package as nested modules.
pub const DEFAULT_INCLUDE_FILE: &str = "wasm_plugin.rs";

/// Configures and runs code generation, in the manner of `tonic-build`.
#[derive(Debug, Clone)]
pub struct Builder {
    side: Side,
    out_dir: Option<PathBuf>,
    include_file: String,
    cargo_directives: Option<bool>,
    extern_paths: Vec<(String, String)>,
    rustfmt: Option<PathBuf>,
    format: bool,
    async_calls: bool,
    messages: MessageOptions,
}

/// How prost generates message types: the part of `prost_build::Config` a user can set.
#[derive(Debug, Clone, Default)]
struct MessageOptions {
    bytes: Vec<String>,
    btree_map: Vec<String>,
    type_attributes: Vec<(String, String)>,
    field_attributes: Vec<(String, String)>,
    disable_comments: Vec<String>,
}

impl MessageOptions {
    fn apply(&self, config: &mut prost_build::Config) {
        config.bytes(&self.bytes).btree_map(&self.btree_map);
        if !self.btree_map.is_empty() {
            // prost-derive's `Debug` of a `BTreeMap` field names the crate `::prost`, which a
            // crate that has prost through wasm-plugin-runtime or wasm-plugin-guest lacks:
            // derive the standard `Debug` instead.
            config
                .skip_debug(["."])
                .type_attribute(".", "#[derive(Debug)]");
        }
        for (path, attribute) in &self.type_attributes {
            config.type_attribute(path, attribute);
        }
        for (path, attribute) in &self.field_attributes {
            config.field_attribute(path, attribute);
        }
        config.disable_comments(&self.disable_comments);
    }
}

impl Builder {
    /// A builder for `side` with the defaults below.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            out_dir: None,
            include_file: DEFAULT_INCLUDE_FILE.to_owned(),
            cargo_directives: None,
            extern_paths: Vec::new(),
            rustfmt: None,
            format: true,
            async_calls: false,
            messages: MessageOptions::default(),
        }
    }

    /// Uses the Rust type at `rust_path` for the protobuf type or package `proto_path` instead of
    /// generating it, as prost-build's `Config::extern_path` does: `.acme.common` for a package,
    /// `.acme.common.Id` for one message. Generated services refer to such types by `rust_path`
    /// too. Default: none.
    pub fn extern_path(
        mut self,
        proto_path: impl Into<String>,
        rust_path: impl Into<String>,
    ) -> Self {
        self.extern_paths
            .push((proto_path.into(), rust_path.into()));
        self
    }

    /// Generates `bytes` fields under `paths` (protobuf paths: `.` for all, `.acme` for a
    /// package, `.acme.Blob` for a message, `.acme.Blob.data` for one field) as `bytes::Bytes`
    /// instead of `Vec<u8>`, as prost-build's `Config::bytes` does: a host decodes them from a
    /// plugin's reply without copying them again. Both sides may differ. Default: none.
    pub fn bytes<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.messages
            .bytes
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// Generates `map` fields under `paths` as `BTreeMap` instead of `HashMap` (deterministic
    /// iteration and encoding), as prost-build's `Config::btree_map` does. Then every message
    /// derives the standard `Debug` instead of prost's (which shows enum fields by name): prost's
    /// `Debug` of a `BTreeMap` refers to a crate `prost` that users need not have. Default: none.
    pub fn btree_map<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.messages
            .btree_map
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// Adds `attribute` (such as `#[derive(serde::Serialize)]`) to the messages and enums under
    /// `path`, as prost-build's `Config::type_attribute` does. Default: none.
    pub fn type_attribute(mut self, path: impl Into<String>, attribute: impl Into<String>) -> Self {
        self.messages
            .type_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Adds `attribute` (such as `#[serde(skip)]`) to the fields under `path`, as
    /// prost-build's `Config::field_attribute` does. Default: none.
    pub fn field_attribute(
        mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> Self {
        self.messages
            .field_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Leaves the `.proto` file's comments out of the messages and enums under `paths` (`.`
    /// for all), as prost-build's `Config::disable_comments` does: for comments that are not
    /// valid rustdoc. The services' documentation stays. Default: comments are kept.
    pub fn disable_comments<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.messages
            .disable_comments
            .extend(paths.into_iter().map(Into::into));
        self
    }

    /// The rustfmt that lays out the generated code. Default: `$RUSTFMT`, else the rustfmt next
    /// to `$RUSTC` (in a build script, that of the toolchain compiling the crate), else the
    /// first on `PATH`; generating fails if there is none, rather than lay the code out
    /// differently on machines without it.
    pub fn rustfmt(mut self, path: impl Into<PathBuf>) -> Self {
        self.rustfmt = Some(path.into());
        self
    }

    /// Whether the host side's code is async: the plugin handles' rpcs (and `load`) are
    /// `async fn`s, and host-function traits are implemented with `async fn`, for hosts on
    /// tokio (or any executor). Ignored on the guest side. Default: off, everything blocks.
    pub fn async_calls(mut self, enabled: bool) -> Self {
        self.async_calls = enabled;
        self
    }

    /// Whether to lay the generated code out with rustfmt. Default: on. Off, the code keeps
    /// prettyplease's layout (valid Rust, not rustfmt's style) and no rustfmt is needed.
    pub fn format(mut self, enabled: bool) -> Self {
        self.format = enabled;
        self
    }

    /// Where files are written. Default: the `OUT_DIR` of the running build script.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The name of the file that nests all generated packages as modules, for
    /// `include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs"))`. Default: `wasm_plugin.rs`.
    pub fn include_file(mut self, name: impl Into<String>) -> Self {
        self.include_file = name.into();
        self
    }

    /// Whether to print `cargo:` directives: rerun when a `.proto` file changes, and, for a guest
    /// built for wasm, export libc's `malloc` and `free` from the plugin (the interface needs
    /// them). Default: on when running in a build script (`OUT_DIR` is set).
    pub fn emit_cargo_directives(mut self, enabled: bool) -> Self {
        self.cargo_directives = Some(enabled);
        self
    }

    /// Parses `protos` (paths under one of `includes`) with protox and writes the generated code
    /// of every file they need, except the well-known types, which come from `prost-types`.
    ///
    /// Several calls may write into one directory: the include file nests the packages of all
    /// of them. The files of one package belong in one call (prost makes one module of a
    /// package): a call that would replace a package an earlier call wrote from other files
    /// fails, naming both.
    ///
    /// # Errors
    /// A `.proto` file that does not parse, an unusable directive (with file and line), an
    /// output directory that cannot be written, or a package split over two calls.
    pub fn compile_protos(
        &self,
        protos: &[impl AsRef<Path>],
        includes: &[impl AsRef<Path>],
    ) -> Result<(), Error> {
        let mut compiler = protox::Compiler::new(includes.iter().map(AsRef::as_ref))
            .map_err(render_protox_error)?;
        compiler.include_imports(true).include_source_info(true);
        for proto in protos {
            compiler.open_file(proto).map_err(render_protox_error)?;
        }
        if self.cargo_directives() {
            let mut sources: Vec<&Path> = compiler.files().filter_map(|file| file.path()).collect();
            sources.sort();
            for source in sources {
                println!("cargo:rerun-if-changed={}", source.display());
            }
        }
        self.compile_fds(compiler.file_descriptor_set())
    }

    /// Writes the generated code of every file in `fds` except the well-known types.
    ///
    /// `fds` must carry source info (comments), or directives cannot be found.
    ///
    /// # Errors
    /// As [`Builder::compile_protos`].
    pub fn compile_fds(&self, fds: FileDescriptorSet) -> Result<(), Error> {
        let to_generate: Vec<String> = fds
            .file
            .iter()
            .filter(|file| file.package() != "google.protobuf")
            .map(|file| file.name().to_owned())
            .collect();
        let mut files = self.generate(&fds.file, &to_generate)?;
        // The include file comes last; it is made again below from everything written here.
        files.pop();
        let out_dir = self.resolved_out_dir()?;
        std::fs::create_dir_all(&out_dir).map_err(|source| Error::Io {
            path: out_dir.clone(),
            source,
        })?;
        // What earlier calls of this process (a build script) wrote into `out_dir`: a package
        // written twice from different files would silently lose the first call's code.
        let mut written = WRITTEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let in_dir = written.entry(out_dir.clone()).or_default();
        let mut kept = Vec::new();
        for file in files {
            let Some(earlier) = in_dir.get(&file.name) else {
                kept.push(file);
                continue;
            };
            let (before, now) = (sources_of(earlier), sources_of(&file));
            if now.is_superset(&before) {
                // This call generates the earlier one's files too (it imports them).
                kept.push(file);
            } else if !before.is_superset(&now) {
                return Err(Error::Config(format!(
                    "{}: both {} and {} generate this file (one protobuf package), in two \
                         calls that would write one over the other: pass all the .proto files \
                         of a package to one compile_protos call",
                    out_dir.join(&file.name).display(),
                    before.into_iter().collect::<Vec<_>>().join(", "),
                    now.into_iter().collect::<Vec<_>>().join(", "),
                )));
            }
        }
        for file in kept {
            write_if_changed(&out_dir.join(&file.name), &file.content)?;
            in_dir.insert(file.name.clone(), file);
        }
        // Every package written into `out_dir`, by this call or an earlier one.
        let all: Vec<GeneratedFile> = in_dir.values().cloned().collect();
        let include = include_file(&self.include_file, &all);
        write_if_changed(&out_dir.join(&include.name), &include.content)?;
        if self.side == Side::Guest && self.cargo_directives() {
            export_allocator();
        }
        Ok(())
    }

    /// Generates code for the files named in `to_generate`; `files` holds them and everything
    /// they import. Writes nothing: this is the entry point for protoc plugins and build rules.
    ///
    /// # Errors
    /// An unusable directive (with file and line), or a file named in `to_generate` that
    /// `files` does not hold.
    pub fn generate(
        &self,
        files: &[FileDescriptorProto],
        to_generate: &[String],
    ) -> Result<Vec<GeneratedFile>, Error> {
        let requested = requested_files(files, to_generate)?;
        let plan = Rc::new(Plan::new(requested.iter().copied(), self.side)?);
        let layout = match (&self.rustfmt, self.format) {
            (_, false) => format::Layout::Plain,
            (Some(rustfmt), true) => format::Layout::Rustfmt(rustfmt.clone()),
            (None, true) => format::Layout::Rustfmt(format::find_rustfmt()?),
        };

        let error = Rc::new(RefCell::new(None));
        let mut config = prost_build::Config::new();
        let crate_path = self.side.crate_path();
        config
            .prost_path(format!("{crate_path}::prost"))
            .prost_types_path(format!("{crate_path}::prost_types"))
            .service_generator(Box::new(glue::Glue::new(
                self.side,
                self.async_calls,
                Rc::clone(&plan),
                Rc::clone(&error),
            )));
        for (proto_path, rust_path) in &self.extern_paths {
            config.extern_path(proto_path, rust_path);
        }
        self.messages.apply(&mut config);
        // prost resolves types (of imports and well-known types too) among the files it is
        // given, so it gets all of them; only the packages asked for are kept.
        let requests = files
            .iter()
            .map(|file| {
                let module = prost_build::Module::from_protobuf_package_name(file.package());
                (module, file.clone())
            })
            .collect();
        let mut modules = config.generate(requests).map_err(Error::Prost)?;
        if let Some(error) = error.borrow_mut().take() {
            return Err(error);
        }

        let mut sources: HashMap<prost_build::Module, BTreeSet<&str>> = HashMap::new();
        for file in &requested {
            sources
                .entry(prost_build::Module::from_protobuf_package_name(
                    file.package(),
                ))
                .or_default()
                .insert(file.name());
        }
        modules.retain(|module, _| sources.contains_key(module));
        let mut generated: Vec<GeneratedFile> = modules
            .into_iter()
            .map(|(module, content)| {
                let from = sources.get(&module).map_or_else(String::new, |names| {
                    names.iter().copied().collect::<Vec<_>>().join(", ")
                });
                let name = module.to_file_name_or("_");
                let content = format::format(
                    &format!(
                        "// @generated by wasm-plugin-build from {from}. Do not edit.\n{content}"
                    ),
                    &layout,
                    &name,
                )?;
                Ok(GeneratedFile { name, content })
            })
            .collect::<Result<_, Error>>()?;
        generated.sort_by(|a, b| a.name.cmp(&b.name));
        generated.push(include_file(&self.include_file, &generated));
        Ok(generated)
    }

    /// Lists the services of the files named in `to_generate` that carry a plugin directive,
    /// after checking the directives as [`Builder::generate`] does.
    ///
    /// # Errors
    /// As [`Builder::generate`].
    pub fn describe(
        &self,
        files: &[FileDescriptorProto],
        to_generate: &[String],
    ) -> Result<Vec<ServiceDescription>, Error> {
        let requested = requested_files(files, to_generate)?;
        let plan = Plan::new(requested, self.side)?;
        Ok(plan
            .services
            .iter()
            .map(|(name, service)| ServiceDescription {
                name: name.clone(),
                kind: match service {
                    plan::ServicePlan::Plugin(plugin) => ServiceKind::Plugin {
                        version: plugin.version,
                    },
                    plan::ServicePlan::Host(host) => ServiceKind::Host {
                        module: host.module.clone(),
                    },
                },
            })
            .collect())
    }

    fn cargo_directives(&self) -> bool {
        self.cargo_directives
            .unwrap_or_else(|| self.out_dir.is_none() && std::env::var_os("OUT_DIR").is_some())
    }

    fn resolved_out_dir(&self) -> Result<PathBuf, Error> {
        match &self.out_dir {
            Some(dir) => Ok(dir.clone()),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::Config(
                    "OUT_DIR is not set: call this from a build script, or set Builder::out_dir"
                        .into(),
                )
                }),
        }
    }
}

/// Makes the plugin being built export libc's `malloc` and `free`, which hosts allocate and
/// release buffers with (`docs/abi.md`), by printing linker flags for its `cdylib`.
///
/// [`Builder::compile_protos`] does this for guests. Call it yourself from the `build.rs` of a
/// plugin crate whose `.proto` files are compiled in another crate: the flags only apply to
/// the crate whose build script prints them. Prints nothing when not building for wasm32.
pub fn export_allocator() {
    if target_is_wasm() {
        println!("cargo:rustc-link-arg-cdylib=--export=malloc");
        println!("cargo:rustc-link-arg-cdylib=--export=free");
    }
}

/// A service that carries a plugin directive, as [`Builder::describe`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDescription {
    /// The full protobuf name, such as `greeting.Greeter`.
    pub name: String,
    /// What the directive makes of it.
    pub kind: ServiceKind,
}

/// The kind of a described service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceKind {
    /// `type=plugin`, with its interface version.
    Plugin {
        /// `version=N`.
        version: u64,
    },
    /// `type=host`, with its import module.
    Host {
        /// `module=NAME`.
        module: String,
    },
}

/// One line: `plugin greeting.Greeter 1` or `host greeting.HostFunctions env`.
impl std::fmt::Display for ServiceDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ServiceKind::Plugin { version } => write!(f, "plugin {} {version}", self.name),
            ServiceKind::Host { module } => write!(f, "host {} {module}", self.name),
        }
    }
}

fn requested_files<'a>(
    files: &'a [FileDescriptorProto],
    to_generate: &[String],
) -> Result<Vec<&'a FileDescriptorProto>, Error> {
    to_generate
        .iter()
        .map(|name| {
            files
                .iter()
                .find(|file| file.name() == name)
                .ok_or_else(|| {
                    Error::Config(format!("{name} is to be generated but was not provided"))
                })
        })
        .collect()
}

fn target_is_wasm() -> bool {
    std::env::var("TARGET").is_ok_and(|target| target.starts_with("wasm32"))
}

/// The file called `name` that nests the `generated` packages in modules named after them:
/// `pub mod a { pub mod b { include!("a.b.rs"); } }`. `generated` must be sorted by name. Paths
/// are relative to the include file, so it works wherever the files are written.
pub fn include_file(name: &str, generated: &[GeneratedFile]) -> GeneratedFile {
    let mut content = String::from("// @generated by wasm-plugin-build. Do not edit.\n");
    let mut open: Vec<&str> = Vec::new();
    for file in generated {
        let stem = file.name.trim_end_matches(".rs");
        let parts: Vec<&str> = if stem == "_" {
            Vec::new()
        } else {
            stem.split('.').collect()
        };
        let common = open.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        while open.len() > common {
            open.pop();
            content.push_str(&format!("{}}}\n", "    ".repeat(open.len())));
        }
        for part in &parts[common..] {
            content.push_str(&format!("{}pub mod {part} {{\n", "    ".repeat(open.len())));
            open.push(part);
        }
        content.push_str(&format!(
            "{}include!(\"{}\");\n",
            "    ".repeat(open.len()),
            file.name
        ));
    }
    while !open.is_empty() {
        open.pop();
        content.push_str(&format!("{}}}\n", "    ".repeat(open.len())));
    }
    GeneratedFile {
        name: name.to_owned(),
        content,
    }
}

/// The files [`Builder::compile_fds`] wrote in this process, by output directory and name.
static WRITTEN: std::sync::Mutex<BTreeMap<PathBuf, BTreeMap<String, GeneratedFile>>> =
    std::sync::Mutex::new(BTreeMap::new());

/// The `.proto` files a generated file says it was generated from.
fn sources_of(file: &GeneratedFile) -> BTreeSet<&str> {
    file.content
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("// @generated by wasm-plugin-build from "))
        .and_then(|rest| rest.strip_suffix(". Do not edit."))
        .map_or_else(
            || BTreeSet::from([file.name.as_str()]),
            |sources| sources.split(", ").collect(),
        )
}

fn write_if_changed(path: &Path, content: &str) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|old| old == content.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// protox errors as `file:line:column: message`, the way compilers print them.
fn render_protox_error(error: protox::Error) -> Error {
    use miette::Diagnostic;
    let located = error
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| {
            let source = error.source_code()?;
            let span = source.read_span(label.inner(), 0, 0).ok()?;
            Some((span.line() + 1, span.column() + 1))
        });
    let file = error.file().unwrap_or("<protos>");
    Error::Parse(match located {
        Some((line, column)) => format!("{file}:{line}:{column}: {error}"),
        None if error.is_file_not_found() || error.file().is_none() => error.to_string(),
        None => format!("{file}: {error}"),
    })
}
