//! Errors of the generator. Messages name options and files, never
//! generated values.

use std::path::PathBuf;

/// Why generating or writing a data set failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option is out of range or inconsistent.
    #[error("invalid synth option `{option}`: {reason}")]
    InvalidOption {
        /// Dotted option name (`rates.typo`, `sources[2]`).
        option: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Creating or writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Encoding the Parquet file failed.
    #[error("cannot write Parquet file {}: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: parquet::errors::ParquetError,
    },
    /// Building an Arrow batch failed (a bug: the schema is ours).
    #[error("cannot build Arrow batch for {}: {source}", path.display())]
    Arrow {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: arrow::error::ArrowError,
    },
}
