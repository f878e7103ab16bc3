use std::path::PathBuf;

/// Why code could not be generated. Each message names the file (and line, where known) and
/// says what to change.
///
/// `Debug` shows the message too, so that a build script returning this error prints it
/// readably.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `.proto` file does not parse, or an import cannot be resolved.
    #[error("{0}")]
    Parse(String),

    /// A plugin directive or a service it marks cannot be used.
    #[error("{file}:{}: {message}", line.map_or_else(|| "?".to_owned(), |line| line.to_string()))]
    Proto {
        /// The `.proto` file, as named in imports.
        file: String,
        /// The 1-based line of the service or rpc, if the descriptor carries source info.
        line: Option<u32>,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The configuration is incomplete or contradictory.
    #[error("{0}")]
    Config(String),

    /// prost-build rejected the descriptors.
    #[error("generating message types failed: {0}")]
    Prost(std::io::Error),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}
