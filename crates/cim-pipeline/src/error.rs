use std::path::PathBuf;

/// Why a run stopped. [`PipelineError::is_user_error`] tells the CLI whether
/// the user (config or data) or cim itself is at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The config is invalid.
    #[error(transparent)]
    Config(#[from] cim_config::ConfigError),
    /// A source cannot be read (missing file, empty file, missing column...).
    // Ingest errors already name the source, file and column; repeating
    // them (or chaining them as a source) printed the message twice.
    #[error("{error}")]
    Ingest {
        /// The source's name.
        source_name: String,
        /// What went wrong (boxed: it is the largest stage error and would
        /// otherwise make every `Result` of the pipeline large).
        error: Box<cim_ingest::Error>,
    },
    /// Normalisation failed for a batch (a bug: normalisers never fail on data).
    #[error("source `{source_name}`: normalisation failed: {error}")]
    Normalize {
        /// The source's name.
        source_name: String,
        /// What went wrong.
        #[source]
        error: cim_normalize::Error,
    },
    /// Blocking budget exceeded, or matching failed.
    #[error("matching: {0}")]
    Dedupe(#[from] cim_dedupe::Error),
    /// Golden-record merging failed.
    #[error("merging: {0}")]
    Merge(#[from] cim_merge::Error),
    /// Writing outputs (or reading the previous run's) failed.
    #[error("output: {0}{hint}", hint = disk_full_hint(.0))]
    Output(#[from] cim_output::Error),
    /// Too many rows were quarantined: nothing was published.
    #[error(
        "quality gate: {scope} quarantined {quarantined} of {read} rows ({ratio:.1}%), above `max_quarantine_ratio` = {limit}; previous outputs left intact, see the quarantine counts by reason in the run summary"
    )]
    QualityGate {
        /// `source `x`` or `all sources`.
        scope: String,
        /// Rows quarantined.
        quarantined: u64,
        /// Rows read.
        read: u64,
        /// Percentage quarantined.
        ratio: f64,
        /// The configured limit.
        limit: f64,
    },
    /// A model file that cannot be read or parsed.
    #[error("model file `{}`: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `cim forget` was asked for an unknown id or given no id.
    #[error("forget: {0}")]
    Forget(String),
    /// An invariant was broken: this is a bug in cim, please report it.
    #[error("internal error (a bug in cim, please report it): {0}")]
    Internal(String),
}

impl PipelineError {
    /// True when the config or the input data is at fault (exit code 1);
    /// false for failures of cim or of the machine (exit code 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            Self::Config(_)
            | Self::Ingest { .. }
            | Self::Dedupe(_)
            | Self::QualityGate { .. }
            | Self::Model { .. }
            | Self::Forget(_) => true,
            Self::Output(e) => matches!(
                e,
                cim_output::Error::Locked { .. } | cim_output::Error::Key { .. }
            ),
            _ => false,
        }
    }
}

impl From<arrow::error::ArrowError> for PipelineError {
    fn from(e: arrow::error::ArrowError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// Running out of space is the machine's problem, not a bug: say so, and
/// that nothing was published.
fn disk_full_hint(e: &cim_output::Error) -> &'static str {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && (io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28))
        {
            return DISK_FULL;
        }
        cause = c.source();
    }
    // Parquet wraps I/O errors as text.
    if e.to_string().contains("No space left on device") {
        return DISK_FULL;
    }
    ""
}

const DISK_FULL: &str = " (disk full: free space on the output filesystem and rerun; nothing was published, the previous outputs are intact)";

/// A source error the config caused (missing file, unknown column, unknown
/// encoding) becomes a config error naming the key (`sources[1].columns.email`)
/// and its line in the config file; other errors pass through.
pub(crate) fn keyed(cfg: &cim_config::LoadedConfig, e: PipelineError) -> PipelineError {
    match &e {
        PipelineError::Ingest { source_name, error } => cfg
            .source_error(source_name, error)
            .map_or(e, PipelineError::Config),
        _ => e,
    }
}
