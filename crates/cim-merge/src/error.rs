//! Errors of the merge stage.

use arrow::error::ArrowError;

/// Errors raised by [`crate::merge`] and its helpers. Messages name columns,
/// counts and record/golden ids only, never customer values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input batch does not follow the expected schema, or an output
    /// batch could not be assembled.
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
    /// `cluster_of_row` does not have one entry per input row.
    #[error("cluster_of_row has {clusters} entries but the input has {rows} rows")]
    ClusterCount {
        /// Total rows over all input batches.
        rows: usize,
        /// Length of `cluster_of_row`.
        clusters: usize,
    },
    /// `cluster_of_row` is not dense: its largest index is not below the
    /// number of rows.
    #[error("cluster_of_row is not dense: index {max_index} with only {rows} rows")]
    SparseClusters {
        /// Largest cluster index found.
        max_index: usize,
        /// Total rows over all input batches.
        rows: usize,
    },
    /// Two input rows carry the same record id, so the crosswalk would be
    /// ambiguous.
    #[error("record id `{record_id}` occurs more than once in the input")]
    DuplicateRecordId {
        /// The repeated record id.
        record_id: String,
    },
    /// The survivorship options are inconsistent.
    #[error("invalid survivorship options: {0}")]
    InvalidOptions(String),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
