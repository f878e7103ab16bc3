//! The precompiled-module cache: compiled code kept on disk, so that a plugin loads without
//! compiling it again.
//!
//! Entries are named by the SHA-256 of the `.wasm` bytes and of wasmtime's compatibility hash
//! (its version and every compilation setting), so a new wasmtime or another configuration
//! never reads an old entry. Loading an entry runs the machine code in it, so only a directory
//! this process owns, which nobody else can write to, is used.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Error;

/// A cache directory that has passed the ownership checks.
#[derive(Debug)]
pub(crate) struct ModuleCache {
    dir: PathBuf,
}

impl ModuleCache {
    /// Opens (creating it with mode 0700 if needed) the cache directory `dir`.
    ///
    /// # Errors
    /// [`Error::Io`] if the directory cannot be created, and [`Error::Config`] if another user
    /// owns it or others may write to it.
    pub(crate) fn open(dir: &Path) -> Result<Self, Error> {
        let io = |source| Error::Io {
            path: dir.to_owned(),
            source,
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        let metadata = fs::symlink_metadata(dir).map_err(io)?;
        if !metadata.is_dir() {
            return Err(Error::Config(format!(
                "the module cache {} is not a directory (a link is not accepted either)",
                dir.display()
            )));
        }
        if metadata.uid() != rustix::process::geteuid().as_raw() {
            return Err(Error::Config(format!(
                "the module cache {} belongs to another user; compiled code is only loaded from a \
                 directory this process owns",
                dir.display()
            )));
        }
        if metadata.permissions().mode() & 0o022 != 0 {
            return Err(Error::Config(format!(
                "others may write to the module cache {}; run `chmod go-w` on it",
                dir.display()
            )));
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The entry for `wasm` compiled by `engine`.
    pub(crate) fn entry(&self, engine: &wasmtime::Engine, wasm: &[u8]) -> PathBuf {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        hasher.0.update(wasm);
        let digest = hasher.0.finalize();
        let name: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        self.dir.join(format!("{name}.cwasm"))
    }

    /// Loads the entry at `path` if there is a usable one.
    pub(crate) fn load(&self, engine: &wasmtime::Engine, path: &Path) -> Option<wasmtime::Module> {
        // SAFETY: the entry was written by `store` into a directory only this user can write
        // to, and its name binds it to this engine's configuration and to the module's bytes.
        unsafe { wasmtime::Module::deserialize_file(engine, path) }.ok()
    }

    /// Writes `module` to `path`, atomically: readers see a whole entry or none.
    pub(crate) fn store(&self, module: &wasmtime::Module, path: &Path) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let bytes = module.serialize().map_err(|error| {
            Error::Config(format!("cannot serialize a compiled module: {error:#}"))
        })?;
        let mut temporary = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        temporary.write_all(&bytes).map_err(io)?;
        temporary.persist(path).map_err(|error| io(error.error))?;
        Ok(())
    }
}

/// Feeds `Hash` output into SHA-256, which, unlike `DefaultHasher`, is stable.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}
