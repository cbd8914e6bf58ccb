//! Errors of the dedupe stage. Messages name rules, comparisons, columns and
//! sizes, never customer values.

use arrow::error::ArrowError;

/// Everything that can make deduplication fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A column is missing or has the wrong type.
    #[error("input batch: {0}")]
    Arrow(#[from] ArrowError),

    /// One blocking rule would produce more candidate pairs than
    /// `max_pairs_per_rule` allows.
    #[error(
        "blocking rule {rule} ({description}) would produce {pairs} candidate pairs, over the \
         budget of {budget} (max_pairs_per_rule); largest blocks: {largest_blocks}. Make the rule \
         more specific (add a key), lower max_block_size, or raise the budget"
    )]
    RuleOverBudget {
        /// Index of the rule in the effective rule list.
        rule: usize,
        /// The rule as text, e.g. `family_phonetic & birth_year`.
        description: String,
        /// Candidate pairs the rule would produce.
        pairs: u64,
        /// The configured budget.
        budget: u64,
        /// The largest blocks as `size (key #hash)`, values masked.
        largest_blocks: String,
    },

    /// All rules together would produce more candidate pairs than
    /// `max_pairs` allows.
    #[error(
        "blocking rules would produce {pairs} candidate pairs in total, over the budget of \
         {budget} (max_pairs); per rule: {per_rule}"
    )]
    TotalOverBudget {
        /// Sum of the rules' candidate pairs.
        pairs: u64,
        /// The configured budget.
        budget: u64,
        /// `rule index: pairs` for every rule.
        per_rule: String,
    },

    /// The options are inconsistent (unknown comparison, bad threshold...).
    #[error("invalid dedupe configuration: {0}")]
    Config(String),

    /// A model file does not fit the data or the options.
    #[error("model: {0}")]
    Model(String),

    /// A model could not be read or written as JSON.
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),

    /// A row index is out of range.
    #[error("row {row} is out of range (the input has {rows} rows)")]
    RowOutOfRange {
        /// The requested row.
        row: usize,
        /// Number of rows of the input.
        rows: usize,
    },
}
