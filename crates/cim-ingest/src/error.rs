//! Errors that stop a source. Bad rows are not errors: they become
//! [`cim_schema::QuarantineRow`]s. Messages name sources, files, columns and
//! positions, never customer values.

use std::path::PathBuf;

/// Why a source (or a duplicate-key resolution) could not be processed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The options are inconsistent (unknown encoding, non-ASCII delimiter,
    /// required field not mapped, ...).
    #[error("source `{source_name}`: {message}")]
    Config {
        /// Source name.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// The path does not exist.
    #[error("source `{source_name}`: file `{}` not found", path.display())]
    NotFound {
        /// Source name.
        source_name: String,
        /// The missing path.
        path: PathBuf,
    },
    /// A glob matched no file.
    #[error("source `{source_name}`: no file matches `{pattern}`")]
    NoFilesMatched {
        /// Source name.
        source_name: String,
        /// The glob pattern.
        pattern: String,
    },
    /// The file has 0 bytes.
    #[error("source `{source_name}`: file `{file}` is empty (0 bytes)")]
    EmptyFile {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
    },
    /// The file has a header (or a schema) but no data row.
    #[error("source `{source_name}`: file `{file}` has no data rows (header only)")]
    NoRows {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
    },
    /// Two header columns share a name; rename them or set
    /// `csv.column_names`.
    #[error(
        "source `{source_name}`: file `{file}` has duplicate column `{column}` (positions {first} and {second}); set csv.column_names to rename"
    )]
    DuplicateColumn {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
        /// The repeated column name.
        column: String,
        /// 1-based position of its first occurrence.
        first: usize,
        /// 1-based position of its second occurrence.
        second: usize,
    },
    /// A mapped column is not in the file.
    #[error("source `{source_name}`: file `{file}` has no column `{column}` (mapped to `{field}`)")]
    MissingColumn {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
        /// The column the mapping names.
        column: String,
        /// The canonical field it is mapped to.
        field: String,
    },
    /// A column has a type that cannot be read as text for its use.
    #[error("source `{source_name}`: file `{file}` column `{column}`: {message}")]
    UnsupportedColumn {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
        /// Column name.
        column: String,
        /// What is unsupported.
        message: String,
    },
    /// The file is not readable in its format (bad header, corrupt Parquet
    /// footer, ...).
    #[error("source `{source_name}`: file `{file}`: {message}")]
    Format {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
        /// What went wrong (no customer values).
        message: String,
    },
    /// An I/O error while reading a file.
    #[error("source `{source_name}`: reading `{file}`: {error}")]
    Io {
        /// Source name.
        source_name: String,
        /// File path.
        file: String,
        /// The underlying error.
        #[source]
        error: std::io::Error,
    },
    /// Building an output batch failed (a bug rather than bad data).
    #[error("building batch: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Batches given to [`crate::resolve_duplicate_keys`] lack a column or
    /// have the wrong type.
    #[error("duplicate-key resolution: {0}")]
    BatchSchema(String),
}

pub(crate) fn io_err(source_name: &str, file: &str, error: std::io::Error) -> Error {
    Error::Io {
        source_name: source_name.to_owned(),
        file: file.to_owned(),
        error,
    }
}

pub(crate) fn format_err(source_name: &str, file: &str, message: impl Into<String>) -> Error {
    Error::Format {
        source_name: source_name.to_owned(),
        file: file.to_owned(),
        message: message.into(),
    }
}
