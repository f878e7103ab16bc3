use std::fmt;

/// An error a plugin returns to the host, or a host function returns to the plugin.
///
/// It crosses the boundary as its message text, exactly (an empty message stays empty). Any
/// [`std::error::Error`] converts into it, so `?` works inside plugin methods.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message, as it crosses the boundary.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Error").field(&self.message).finish()
    }
}

// Like `anyhow::Error`, `Error` does not implement `std::error::Error` itself, so that every
// standard error can convert into it.
impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}

impl From<Error> for Box<dyn std::error::Error + Send + Sync> {
    fn from(error: Error) -> Self {
        error.message.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_errors_convert_with_their_message() {
        fn parse(text: &str) -> Result<u8, Error> {
            Ok(text.parse::<u8>()?)
        }
        assert_eq!(
            parse("300").unwrap_err().message(),
            "number too large to fit in target type"
        );
        assert_eq!(parse("7"), Ok(7));
    }

    #[test]
    fn the_message_is_kept_exactly() {
        assert_eq!(Error::new("").to_string(), "");
        assert_eq!(Error::new(" spaced ").message(), " spaced ");
    }
}
