//! The previous run's outputs, read back to keep golden ids stable.

use std::path::Path;

use arrow::record_batch::RecordBatch;
use cim_schema::col;

use crate::{PipelineError, files};

/// What the last run in this output directory left behind.
pub(crate) struct Previous {
    /// Golden id state for `cim_merge::merge`.
    pub state: cim_merge::PreviousRun,
    /// The cumulative id change history so far.
    pub history: Vec<RecordBatch>,
}

/// Reads the previous run's master, crosswalk and id history from `dir`;
/// `None` when `dir` holds no previous run.
pub(crate) fn read(dir: &Path) -> Result<Option<Previous>, PipelineError> {
    let crosswalk_path = dir.join(files::CROSSWALK);
    if !crosswalk_path.is_file() {
        return Ok(None);
    }
    // Only the id columns: the rest of the master is gigabytes at 10M
    // records and plays no part in keeping ids stable.
    let crosswalk =
        cim_output::read_parquet_columns(&crosswalk_path, &[col::RECORD_ID, "golden_id"])?;
    let master =
        cim_output::read_parquet_columns(&dir.join(files::MASTER), &["golden_id", "first_seen"])?;
    let history_path = dir.join(files::ID_CHANGES);
    let history = if history_path.is_file() {
        cim_output::read_parquet(&history_path)?.1
    } else {
        Vec::new()
    };
    let state = cim_merge::PreviousRun::from_batches(&master, &crosswalk, &history)?;
    tracing::info!(
        records = state.crosswalk.len(),
        golden_ids = state.first_seen.len(),
        retired = state.retired.len(),
        "previous run found"
    );
    Ok(Some(Previous { state, history }))
}

/// The cumulative history: the previous history's batches followed by this
/// run's changes (no copy of the rows; the writer checks the column types).
pub(crate) fn history(previous: Option<&Previous>, changes: &RecordBatch) -> Vec<RecordBatch> {
    let mut all: Vec<RecordBatch> = previous.map(|p| p.history.clone()).unwrap_or_default();
    all.push(changes.clone());
    all
}
