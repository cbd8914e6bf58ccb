//! Errors of the normalisation stage. Bad values are data (status and
//! `quality_issues`), not errors: only a malformed input batch fails.

use thiserror::Error;

/// Why a batch could not be normalised.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The input batch lacks a column of `cim_schema::raw_schema()`.
    #[error("input batch has no column `{0}`")]
    MissingColumn(String),
    /// A column of the input batch has the wrong Arrow type.
    #[error("input column `{column}` is {found}, expected {expected}")]
    ColumnType {
        /// Column name.
        column: String,
        /// Type found in the batch.
        found: String,
        /// Type the raw schema requires.
        expected: String,
    },
    /// Building the output batch failed.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
}
