use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything a run did, as written to `run.json` and printed by
/// `cim run --json`. Stage reports are kept as JSON values so that this
/// summary stays readable by tools even as stage reports grow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// Version of cim that made the run.
    pub cim_version: String,
    /// Deterministic run id: `as_of` + a hash of the config and all input rows.
    pub run_id: String,
    /// The run's reference date.
    pub as_of: chrono::NaiveDate,
    /// The config file and its hash.
    pub config_path: String,
    /// 16 hex digits of xxh3-64 over the config file.
    pub config_hash: String,
    /// Worker threads used.
    pub threads: usize,
    /// Conservation of rows: read = accepted + quarantined.
    pub rows: RowCounts,
    /// Per-source counts and the ingest report of each file.
    pub sources: Vec<SourceSummary>,
    /// Per canonical field: how many accepted values were valid, invalid,
    /// missing, and why invalid.
    pub field_quality: BTreeMap<String, FieldQuality>,
    /// Blocking, training, scoring and clustering report.
    pub dedupe: serde_json::Value,
    /// The effective dedupe options of the run (what `cim explain` needs to
    /// re-compare any two records as the run did). Absent in older runs.
    #[serde(default)]
    pub dedupe_options: Option<cim_dedupe::DedupeOptions>,
    /// Golden-record report: counts of golden records and id changes.
    pub merge: serde_json::Value,
    /// Files written, with rows and bytes.
    pub outputs: Vec<serde_json::Value>,
    /// Wall time per stage in milliseconds (`ingest`, `normalize`, `dedupe`,
    /// `merge`, `write`, `total`).
    pub timings_ms: BTreeMap<String, u64>,
    /// The process's peak resident memory so far at the end of each stage,
    /// in MiB (`ingest` with normalising, `dedupe`, `merge`, `write`): the
    /// stage that set the run's peak is the first with the largest figure.
    /// Read from Linux's /proc; empty elsewhere. Absent in older runs.
    #[serde(default)]
    pub peak_rss_mib: BTreeMap<String, u64>,
    /// Set when the records were spilled to disk before matching
    /// (`run.spill_records_above_mib`): their in-memory size in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_spilled_mib: Option<u64>,
}

/// Row conservation across the whole run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowCounts {
    /// Rows read from all sources.
    pub read: u64,
    /// Rows accepted into matching (each in the crosswalk).
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// `read == accepted + quarantined`; a run where this is false fails.
    pub conservation_holds: bool,
}

/// Counts for one source.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceSummary {
    /// Source name.
    pub name: String,
    /// Rows read.
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Distinct source keys that occurred more than once.
    pub duplicate_keys: u64,
    /// The ingest report (per file counts).
    pub ingest: serde_json::Value,
}

/// Validity counts of one canonical field over all accepted records.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldQuality {
    /// Values that passed validation.
    pub valid: u64,
    /// Values present but invalid.
    pub invalid: u64,
    /// Missing values.
    pub missing: u64,
    /// Invalid values by reason code.
    pub reasons: BTreeMap<String, u64>,
}
