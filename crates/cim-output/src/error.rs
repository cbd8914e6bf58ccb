use std::path::PathBuf;

/// Errors raised while writing or reading outputs. Every variant names the
/// path involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on `path`.
    #[error("`{}`: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Another cim run holds the lock of this output directory.
    #[error(
        "output directory `{}` is locked by another cim run (lock file `{}`{}); wait for it to finish",
        dir.display(),
        lock.display(),
        holder.as_deref().map(|h| format!(", held by {h}")).unwrap_or_default()
    )]
    Locked {
        /// The output directory.
        dir: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// What the other run wrote into the lock file (pid and start time).
        holder: Option<String>,
    },
    /// Parquet encoding or decoding failed.
    #[error("`{}`: {source}", path.display())]
    Parquet {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An output name that is not a plain file name.
    #[error("invalid output file name `{0}`: expected a plain file name")]
    InvalidName(String),
    /// An encryption key could not be loaded or is malformed. Names where
    /// the key comes from (`env:NAME`, `file:PATH`), never the key.
    #[error("encryption key `{source_id}`: {problem}")]
    Key {
        /// `env:NAME` or `file:PATH`.
        source_id: String,
        /// What is wrong, and what was expected.
        problem: String,
    },
    /// JSON serialisation failed (a bug: our report types always serialise).
    #[error("`{}`: could not serialise JSON: {source}", path.display())]
    Json {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
