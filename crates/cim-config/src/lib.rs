//! The pipeline config file: `pipeline.toml` -> validated [`PipelineConfig`].
//!
//! [`load`] reads and validates a config file and returns a
//! [`LoadedConfig`]: the typed config with every relative path resolved
//! against the config file's directory, plus a hash of the file for the run
//! report. Errors ([`ConfigError`]) name the file, the key and, for syntax
//! and type errors, the line and column, and suggest the nearest valid key
//! for a misspelt one.
//!
//! Stage option types (`[normalize]`, `[dedupe]`, `[survivorship]`) are the
//! stage crates' own; this crate only assembles and validates them. It is the
//! only crate that knows TOML.

mod checks;
mod diagnose;
mod encryption;
mod error;
pub mod init;
mod reference;
mod source;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use encryption::EncryptionSettings;
pub use error::ConfigError;
pub use init::{ColumnSample, SourceSample, draft_config};
pub use reference::config_reference_markdown;
pub use source::SourceConfig;

/// A whole pipeline: sources, stage options and outputs.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// Run-wide settings. Optional.
    #[serde(default)]
    pub run: RunSettings,
    /// The sources to read, in order (`[[sources]]`). At least one. Source
    /// order is the tie-breaker of last resort in survivorship.
    pub sources: Vec<SourceConfig>,
    /// Normalisation options (`[normalize]`). Optional.
    #[serde(default)]
    pub normalize: cim_normalize::NormalizeOptions,
    /// Blocking, comparisons, model and clustering (`[dedupe]`). Optional:
    /// blocking rules and comparisons are chosen from the mapped fields.
    #[serde(default)]
    pub dedupe: cim_dedupe::DedupeOptions,
    /// Golden-record survivorship rules (`[survivorship]`). Optional.
    #[serde(default)]
    pub survivorship: cim_merge::SurvivorshipOptions,
    /// Where and what to write (`[output]`).
    #[serde(default)]
    pub output: OutputSettings,
}

/// Run-wide settings (`[run]`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RunSettings {
    /// Worker threads for normalisation and matching. Default: `0`, one per
    /// core. Results are identical whatever the value.
    pub threads: usize,
    /// Rows per Arrow record batch while reading. Default: `65536`.
    pub batch_rows: usize,
    /// Fail the run, before any output is replaced, when more than this share
    /// of all rows read is quarantined. Default: `0.1`. A source may set its
    /// own.
    pub max_quarantine_ratio: f64,
    /// The run's reference date (`YYYY-MM-DD`): golden ids issued in this run
    /// get it as `first_seen`. Default: today (UTC).
    pub as_of: Option<chrono::NaiveDate>,
    /// A trained model (`model.json` of an earlier run or of `cim train`) to
    /// score with instead of training. Default: none, train on this run's
    /// data. Relative to the config file.
    pub model: Option<PathBuf>,
    /// Spill the normalised records to disk before matching when they take
    /// more than this many MiB in memory (about 500 MiB a million records):
    /// only the columns matching interns stay in memory, and merging reads
    /// back only those it needs, so peak memory holds the records or the
    /// matching state, not both (at 10M records, 6.6 GiB peak instead of
    /// 8.4). `0` always spills. Outputs are identical either way. Spilling
    /// costs writing the records before matching rather than beside it
    /// (when `output.records` is off, a scratch file is written and
    /// deleted) and reading them back for merging: within the machine's
    /// noise at 1M records (16.4-17.8 s), for 1.1 -> 0.8 GiB peak. With
    /// spilled records, the same limit decides whether pairs.parquet is
    /// written beside merging (scored pairs at most this size, kept until
    /// merging ends) or before it (larger ones are freed first).
    /// Default: `256`.
    pub spill_records_above_mib: u64,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            threads: 0,
            batch_rows: 65_536,
            max_quarantine_ratio: 0.1,
            as_of: None,
            model: None,
            spill_records_above_mib: 256,
        }
    }
}

/// Outputs (`[output]`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSettings {
    /// The output directory, relative to the config file. cim owns it: each
    /// run replaces it as a whole, atomically. Its previous contents (the
    /// last run's crosswalk) keep golden ids stable. Default: `out`.
    pub dir: PathBuf,
    /// Write `pairs.parquet` with every scored pair above the dedupe
    /// `pairs_floor`. Default: `true`.
    pub pairs: bool,
    /// Write `records.parquet`: every accepted record after normalisation,
    /// which `cim explain` and `cim cluster` read. Default: `true`.
    pub records: bool,
    /// Write the self-contained `report.html`. Default: `true`.
    pub report: bool,
    /// Encrypt PII columns (`[output.encryption]`). Default: none.
    pub encryption: Option<EncryptionSettings>,
}

impl Default for OutputSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("out"),
            pairs: true,
            records: true,
            report: true,
            encryption: None,
        }
    }
}

/// A config read from a file, validated, with paths resolved.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The config, with `sources[].path`, `output.dir` and `run.model`
    /// resolved against the config file's directory.
    pub config: PipelineConfig,
    /// The config file.
    pub path: PathBuf,
    /// 16 hex digits of xxh3-64 over the file's bytes.
    pub hash: String,
}

impl LoadedConfig {
    /// Replaces `output.dir` (e.g. from `cim run --output`) and re-runs the
    /// checks that involve it.
    pub fn set_output_dir(&mut self, dir: &Path) -> Result<(), ConfigError> {
        self.config.output.dir = dir.to_path_buf();
        validate::validate(&self.config, &self.path)
    }
}

/// Reads, parses and validates the config file at `path`.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut loaded = parse(&text, path)?;
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    loaded.config.resolve_paths(&base);
    validate::validate(&loaded.config, path).map_err(|e| diagnose::locate_invalid(e, &text))?;
    Ok(loaded)
}

/// Parses config text without validation or path resolution. `path` is used
/// in error messages only.
pub fn parse(text: &str, path: &Path) -> Result<LoadedConfig, ConfigError> {
    let de = toml::Deserializer::parse(text).map_err(|e| ConfigError::from_toml(path, text, &e))?;
    let config: PipelineConfig = serde_path_to_error::deserialize(de)
        .map_err(|e| diagnose::from_deserialize(path, text, &e))?;
    Ok(LoadedConfig {
        config,
        path: path.to_path_buf(),
        hash: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes())),
    })
}

impl PipelineConfig {
    fn resolve_paths(&mut self, base: &Path) {
        let join = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        for s in &mut self.sources {
            s.path = join(&s.path);
        }
        self.output.dir = join(&self.output.dir);
        if let Some(enc) = &mut self.output.encryption {
            enc.resolve_paths(base);
        }
        if let Some(m) = &self.run.model {
            self.run.model = Some(join(m));
        }
    }

    /// The source names in config order.
    pub fn source_names(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests;
