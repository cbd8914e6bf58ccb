//! The library entry point of cim: [`run`] takes a loaded config and
//! performs the whole job — ingest every source, normalise, deduplicate,
//! merge into golden records, write all outputs atomically — and returns a
//! [`RunSummary`] (also written as `run.json`).
//!
//! Smaller entry points serve the other commands: [`ingest_all`] (read and
//! normalise every source, as `cim check` and `cim train` need) and
//! [`train`].
//!
//! This is the only crate that builds a rayon thread pool and the only one
//! that knows the order of the stages. Stage crates never call each other.
//! Nothing here prints: progress goes to a [`Progress`] sink chosen by the
//! caller, diagnostics to `tracing`.

mod audit;
mod check;
mod encryption;
mod error;
mod forget;
mod ingest;
mod memory;
mod previous;
mod progress;
mod run;
mod summary;

pub use audit::{comparison_value, explanation_waterfall};
pub use check::{CheckReport, SourceCheck, check};
pub use error::PipelineError;
pub use forget::{ERASURE_LOG, ErasureEntry, ForgetRequest, forget};
pub use ingest::{Ingested, ingest_all};
pub use progress::{NoProgress, Progress};
pub use run::{RunOptions, run, train};
pub use summary::{FieldQuality, RowCounts, RunSummary, SourceSummary};

/// The names of the files a run writes into the output directory.
pub mod files {
    /// One row per golden customer.
    pub const MASTER: &str = "master.parquet";
    /// Every accepted source record -> its golden id.
    pub const CROSSWALK: &str = "crosswalk.parquet";
    /// Scored candidate pairs above the floor, with per-comparison levels.
    pub const PAIRS: &str = "pairs.parquet";
    /// Rows that were not accepted, with source, line and reason.
    pub const QUARANTINE: &str = "quarantine.parquet";
    /// Every golden id change ever made (cumulative across runs).
    pub const ID_CHANGES: &str = "golden_id_changes.parquet";
    /// Every accepted record after normalisation (for `cim explain`).
    pub const RECORDS: &str = "records.parquet";
    /// The trained (or reused) model.
    pub const MODEL: &str = "model.json";
    /// The machine-readable run summary.
    pub const RUN: &str = "run.json";
    /// The self-contained HTML run report.
    pub const REPORT: &str = "report.html";
}
