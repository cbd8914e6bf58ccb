//! Right to erasure (`cim forget`): removes customers from a run's output
//! directory and records the erasure, without its values, in
//! `erasures.jsonl`.
//!
//! A customer is a golden record. Asking for a record id forgets the whole
//! customer that record belongs to (every member record), because the other
//! members describe the same person. What is removed:
//! - `master.parquet`: the golden rows;
//! - `crosswalk.parquet`, `records.parquet`: every member record;
//! - `pairs.parquet`: every scored pair with a member on either side;
//! - any other Parquet output with a `golden_id`, `record_id`,
//!   `record_id_l` or `record_id_r` column: rows naming an erased id;
//! - any other non-JSON file (`report.html`) that mentions an erased id is
//!   dropped as a whole (rerun to regenerate it).
//!
//! Left as is: `quarantine.parquet` (quarantined rows were never parsed into
//! records, so they are not linked to a customer: erase them at the source
//! and rerun), `golden_id_changes.parquet` (ids and counts only, no
//! values), `model.json` (aggregate probabilities). `run.json` keeps the
//! run's statistics; only its `outputs` list is updated to the new files.
//!
//! Source systems must erase the customer too: the next `cim run` on
//! unchanged inputs brings the customer back (under a new golden id).
//!
//! The directory is rewritten atomically with [`cim_output::OutputWriter`]
//! (locked against concurrent runs; unchanged files are copied byte for
//! byte).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use arrow::array::{Array, BooleanArray, StringArray};
use arrow::record_batch::RecordBatch;
use cim_output::{OutputWriter, ParquetOptions};
use serde::Serialize;

use crate::{PipelineError, files};

/// The erasure log's file name in the output directory (JSON Lines, one
/// object per `cim forget`, appended).
pub const ERASURE_LOG: &str = "erasures.jsonl";

/// Columns whose value identifies a customer or one of its records.
const ID_COLUMNS: [&str; 4] = ["golden_id", "record_id", "record_id_l", "record_id_r"];

/// What to forget.
#[derive(Debug, Clone, Default)]
pub struct ForgetRequest {
    /// Golden ids (`G…`) of customers to forget.
    pub golden_ids: Vec<String>,
    /// Record ids (`crm:10042`): forget the customer each belongs to.
    pub record_ids: Vec<String>,
    /// Why (ticket number, legal basis). Stored verbatim in the log: must
    /// not contain personal data.
    pub reason: Option<String>,
}

/// One entry of the erasure log, also returned by [`forget`]. Holds ids and
/// counts only, never values.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErasureEntry {
    /// When the erasure was made (UTC, RFC 3339).
    pub at: String,
    /// The run whose outputs were edited (`run.json` `run_id`).
    pub run_id: Option<String>,
    /// The ids asked for on the command line.
    pub requested: Vec<String>,
    /// Every golden id removed, sorted.
    pub golden_ids: Vec<String>,
    /// Every record id removed, sorted.
    pub record_ids: Vec<String>,
    /// The operator's reason, if given.
    pub reason: Option<String>,
    /// Rows removed per output file (files with 0 removals are listed too).
    pub rows_removed: BTreeMap<String, u64>,
    /// Files dropped as a whole because they mention an erased id.
    pub files_dropped: Vec<String>,
}

/// Removes the requested customers from the output directory `dir` and
/// appends an [`ErasureEntry`] to its `erasures.jsonl`. Unknown ids are an
/// error ([`PipelineError::Forget`]) and nothing changes.
pub fn forget(dir: &Path, req: &ForgetRequest) -> Result<ErasureEntry, PipelineError> {
    let user = |m: String| PipelineError::Forget(m);
    if req.golden_ids.is_empty() && req.record_ids.is_empty() {
        return Err(user("name at least one --golden-id or --record-id".into()));
    }
    let crosswalk_path = dir.join(files::CROSSWALK);
    if !crosswalk_path.is_file() {
        return Err(user(format!(
            "`{}` not found: is `{}` the output directory of a cim run?",
            crosswalk_path.display(),
            dir.display()
        )));
    }
    // Lock first: a run publishing meanwhile would resurrect the customer.
    let mut writer = OutputWriter::begin(dir)?;
    let (_, crosswalk) = cim_output::read_parquet(&crosswalk_path)?;

    let mut by_record: BTreeMap<String, String> = BTreeMap::new();
    for b in &crosswalk {
        let rid = string_column(b, "record_id")?;
        let gid = string_column(b, "golden_id")?;
        for i in 0..b.num_rows() {
            by_record.insert(rid.value(i).to_owned(), gid.value(i).to_owned());
        }
    }
    let known_golden: BTreeSet<&str> = by_record.values().map(String::as_str).collect();
    let mut golden: BTreeSet<String> = BTreeSet::new();
    for g in &req.golden_ids {
        if !known_golden.contains(g.as_str()) {
            return Err(user(format!("no golden id `{g}` in `{}`", dir.display())));
        }
        golden.insert(g.clone());
    }
    for r in &req.record_ids {
        let g = by_record
            .get(r)
            .ok_or_else(|| user(format!("no record id `{r}` in `{}`", dir.display())))?;
        golden.insert(g.clone());
    }
    let records: BTreeSet<String> = by_record
        .iter()
        .filter(|(_, g)| golden.contains(*g))
        .map(|(r, _)| r.clone())
        .collect();
    let erased: BTreeSet<&str> = golden
        .iter()
        .chain(records.iter())
        .map(String::as_str)
        .collect();

    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // the output marker; the writer makes its own
        }
        if !entry.file_type().map_err(|e| io_err(dir, e))?.is_file() {
            return Err(PipelineError::Internal(format!(
                "`{}` is not a plain file; cim output directories hold files only",
                entry.path().display()
            )));
        }
        names.push(name);
    }
    names.sort();

    let pq = ParquetOptions::default();
    let mut rows_removed = BTreeMap::new();
    let mut files_dropped = Vec::new();
    for name in &names {
        let path = dir.join(name);
        if name == files::RUN || name == ERASURE_LOG {
            continue; // rewritten below
        }
        if name.ends_with(".parquet") {
            let (schema, batches) = cim_output::read_parquet(&path)?;
            let id_cols: Vec<usize> = ID_COLUMNS
                .iter()
                .filter_map(|c| schema.index_of(c).ok())
                .collect();
            if id_cols.is_empty() {
                copy(&mut writer, &path, name)?;
                continue;
            }
            let mut kept = Vec::with_capacity(batches.len());
            let mut removed = 0u64;
            for b in &batches {
                let mut keep = Vec::with_capacity(b.num_rows());
                let cols: Vec<&StringArray> = id_cols
                    .iter()
                    .map(|&i| string_at(b, i))
                    .collect::<Result<_, _>>()?;
                for row in 0..b.num_rows() {
                    let hit = cols
                        .iter()
                        .any(|c| !c.is_null(row) && erased.contains(c.value(row)));
                    keep.push(!hit);
                }
                removed += keep.iter().filter(|k| !**k).count() as u64;
                kept.push(arrow::compute::filter_record_batch(
                    b,
                    &BooleanArray::from(keep),
                )?);
            }
            rows_removed.insert(name.clone(), removed);
            if removed == 0 {
                copy(&mut writer, &path, name)?;
            } else {
                // Encrypted columns stay encrypted, with the key they name.
                let opts = ParquetOptions {
                    encryption: cim_output::parquet_encryption(&path)?,
                    ..pq.clone()
                };
                writer.write_parquet(name, schema, &kept, &opts)?;
            }
        } else {
            let bytes = std::fs::read(&path).map_err(|e| io_err(&path, e))?;
            let text = String::from_utf8_lossy(&bytes);
            if !name.ends_with(".json") && erased.iter().any(|id| text.contains(id)) {
                files_dropped.push(name.clone());
            } else {
                writer.write_bytes(name, &bytes)?;
            }
        }
    }

    // run.json: the run's statistics stay; `outputs` lists the new files.
    let run_path = dir.join(files::RUN);
    let mut run_id = None;
    if run_path.is_file() {
        let bytes = std::fs::read(&run_path).map_err(|e| io_err(&run_path, e))?;
        let mut run: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| PipelineError::Internal(format!("`{}`: {e}", run_path.display())))?;
        run_id = run
            .get("run_id")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        if let Some(obj) = run.as_object_mut() {
            let outputs: Vec<serde_json::Value> = writer
                .written()
                .iter()
                .map(|w| serde_json::to_value(w).expect("WrittenFile serialises"))
                .collect();
            obj.insert("outputs".into(), serde_json::Value::Array(outputs));
        }
        writer.write_json(files::RUN, &run)?;
    }

    let entry = ErasureEntry {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        run_id,
        requested: req
            .golden_ids
            .iter()
            .chain(&req.record_ids)
            .cloned()
            .collect(),
        golden_ids: golden.into_iter().collect(),
        record_ids: records.into_iter().collect(),
        reason: req.reason.clone(),
        rows_removed,
        files_dropped,
    };
    let log_path = dir.join(ERASURE_LOG);
    let mut log = if log_path.is_file() {
        std::fs::read(&log_path).map_err(|e| io_err(&log_path, e))?
    } else {
        Vec::new()
    };
    serde_json::to_writer(&mut log, &entry).map_err(|e| PipelineError::Internal(e.to_string()))?;
    log.write_all(b"\n").expect("writing to a Vec");
    writer.write_bytes(ERASURE_LOG, &log)?;
    writer.commit()?;
    Ok(entry)
}

fn copy(writer: &mut OutputWriter, path: &Path, name: &str) -> Result<(), PipelineError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    writer.write_bytes(name, &bytes)?;
    Ok(())
}

fn io_err(path: &Path, source: std::io::Error) -> PipelineError {
    PipelineError::Output(cim_output::Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn string_column<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a StringArray, PipelineError> {
    let i = b
        .schema()
        .index_of(name)
        .map_err(|e| PipelineError::Internal(e.to_string()))?;
    string_at(b, i)
}

fn string_at(b: &RecordBatch, i: usize) -> Result<&StringArray, PipelineError> {
    b.column(i)
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| {
            PipelineError::Internal(format!(
                "column `{}` is not text",
                b.schema().field(i).name()
            ))
        })
}
