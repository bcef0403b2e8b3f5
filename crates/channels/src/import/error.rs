//! Why a file cannot be read or written at all, as opposed to a bad row.

use std::path::Path;

/// Why a file cannot be read at all (as opposed to a bad row).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not in a format or encoding we read.
    #[error("{0}")]
    Format(String),
}

/// The [`ImportError::Io`] of an operation on `path`.
pub(super) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.display().to_string(),
        source,
    }
}
