//! Errors of the audit crate.

use arrow::error::ArrowError;

/// Errors raised while reading a ground truth or feeding an
/// [`crate::Evaluator`] from Arrow batches. Messages name files, lines,
/// columns and record ids only, never other customer values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The truth file's header matches none of the supported formats.
    #[error(
        "{file}: unrecognised ground-truth header [{found}]; expected one of: \
         `record_id,entity_id` | `source,source_key,entity_id` | `record_id_l,record_id_r`"
    )]
    TruthHeader {
        /// The truth file, as named by the caller.
        file: String,
        /// The header fields found, comma-separated.
        found: String,
    },
    /// The truth file could not be read as CSV (I/O, invalid UTF-8, a row
    /// with the wrong number of fields).
    #[error("{file}: {source}")]
    TruthCsv {
        /// The truth file, as named by the caller.
        file: String,
        /// The CSV reader's error (positions only, no field contents).
        #[source]
        source: csv::Error,
    },
    /// A truth row is unusable: an empty id, or a record assigned to two
    /// different entities.
    #[error("{file}, line {line}: {detail}")]
    TruthRow {
        /// The truth file, as named by the caller.
        file: String,
        /// 1-based line of the row.
        line: u64,
        /// What is wrong (names the column or the record id).
        detail: String,
    },
    /// A crosswalk or pairs batch lacks a column or has the wrong type.
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
}
