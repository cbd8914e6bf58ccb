use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use arrow::array::Array;
use arrow::compute::filter_record_batch;
use arrow::record_batch::RecordBatch;
use cim_config::PipelineConfig;
use cim_schema::{CanonicalField, FieldStatus, QuarantineRow, batch::u8_col, col, status_column};
use rayon::prelude::*;

use crate::{FieldQuality, PipelineError, Progress, SourceSummary};

/// Every source read and normalised: the accepted records (normalised
/// schema, in source order then file order then line order), the quarantine
/// and per-source counts.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Accepted records, `cim_schema::normalized_schema()`.
    pub records: Vec<RecordBatch>,
    /// Quarantined rows of every source, in reading order.
    pub quarantine: Vec<QuarantineRow>,
    /// Counts per source.
    pub sources: Vec<SourceSummary>,
    /// Time spent reading, in milliseconds, summed over the sources (which
    /// are read concurrently, overlapping normalisation).
    pub ingest_ms: u64,
    /// Wall time of reading and normalising every source, in milliseconds.
    pub normalize_ms: u64,
}

impl Ingested {
    /// Accepted record count.
    pub fn accepted(&self) -> u64 {
        self.records.iter().map(|b| b.num_rows() as u64).sum()
    }

    /// Validity counts per canonical field over the accepted records.
    pub fn field_quality(&self) -> Result<BTreeMap<String, FieldQuality>, PipelineError> {
        let mut out: BTreeMap<String, FieldQuality> = BTreeMap::new();
        for field in CanonicalField::ALL {
            let q = out.entry(field.name().to_owned()).or_default();
            for b in &self.records {
                let status = u8_col(b, &status_column(field))?;
                for code in status.values().iter() {
                    match FieldStatus::from_code(*code) {
                        FieldStatus::Valid => q.valid += 1,
                        FieldStatus::Invalid => q.invalid += 1,
                        FieldStatus::Missing => q.missing += 1,
                    }
                }
            }
        }
        for b in &self.records {
            let issues = cim_schema::batch::str_col(b, col::QUALITY_ISSUES)?;
            for i in 0..issues.len() {
                if issues.is_null(i) {
                    continue;
                }
                for issue in issues.value(i).split(';').filter(|s| !s.is_empty()) {
                    let (field, reason) = issue.split_once(':').unwrap_or((issue, "invalid"));
                    *out.entry(field.to_owned())
                        .or_default()
                        .reasons
                        .entry(reason.to_owned())
                        .or_default() += 1;
                }
            }
        }
        Ok(out)
    }
}

/// Reads and normalises every source of `cfg`. Must run inside the
/// pipeline's rayon pool. `row_limit` stops each source after that many rows
/// (for `cim check`); counts then describe the sample only.
pub fn ingest_all(
    cfg: &PipelineConfig,
    progress: &dyn Progress,
    row_limit: Option<u64>,
) -> Result<Ingested, PipelineError> {
    ingest_columns(cfg, progress, row_limit, None)
}

/// Columns every projection keeps: provenance and what duplicate-key
/// resolution reads.
const BASE_COLUMNS: [&str; 6] = [
    col::RECORD_ID,
    col::SOURCE,
    col::FILE,
    col::LINE,
    "source_key",
    "updated_at",
];

/// [`ingest_all`], keeping of each normalised batch only the columns named
/// in `keep` (plus provenance) as soon as it is normalised, so that a pass
/// over every row (`cim check` counting blocking pairs) holds little more
/// than the match keys. [`Ingested::field_quality`] needs every column.
///
/// Every source is read by its own task and each raw batch is normalised by
/// a task of its own as soon as it is read, so that both reading (serial
/// per source: line numbers and order stay exact) and normalising keep
/// every thread busy. Results are put back in reading order per source and
/// in config order across sources, whatever thread ran what.
pub(crate) fn ingest_columns(
    cfg: &PipelineConfig,
    progress: &dyn Progress,
    row_limit: Option<u64>,
    keep: Option<&[String]>,
) -> Result<Ingested, PipelineError> {
    let started = Instant::now();
    // Raw batches a source may have read but not yet normalised before its
    // reader helps normalising: bounds memory to a few batches per source
    // (sources are read concurrently) while keeping every thread fed.
    let in_flight = rayon::current_num_threads().max(2);
    progress.start("ingest", None);
    let read: Vec<SourceRead> = {
        let slots: Vec<SourceSlot> = cfg.sources.iter().map(|_| SourceSlot::default()).collect();
        let ctx = ReadCtx {
            cfg,
            progress,
            row_limit,
            keep,
            in_flight,
        };
        let ctx = &ctx;
        rayon::scope(|s| {
            for (source, slot) in cfg.sources.iter().zip(&slots) {
                s.spawn(move |s| read_source(ctx, source, slot, s));
            }
        });
        slots.into_iter().map(SourceSlot::into_read).collect()
    };
    // Duplicate keys are resolved per source, independently.
    let done: Vec<Result<SourceDone, PipelineError>> = cfg
        .sources
        .par_iter()
        .zip(read)
        .map(|(source, r)| finish_source(source, r))
        .collect();
    let mut out = Ingested::default();
    for d in done {
        let d = d?;
        out.ingest_ms += d.read_ms;
        tracing::info!(
            source = %d.summary.name,
            read = d.summary.read,
            accepted = d.summary.accepted,
            quarantined = d.summary.quarantined,
            read_ms = d.read_ms,
            "source ingested"
        );
        out.sources.push(d.summary);
        out.records.extend(d.batches);
        out.quarantine.extend(d.quarantine);
    }
    // Reading overlaps normalising: `normalize` is the wall time of both,
    // `ingest` the time spent reading, summed over the sources (which are
    // read concurrently).
    out.normalize_ms = started.elapsed().as_millis() as u64;
    progress.finish("ingest");
    Ok(out)
}

/// What a source's reader task leaves behind.
#[derive(Default)]
struct SourceSlot {
    /// The reader (`None` when opening failed), its quarantine, read time
    /// and first error.
    reader: Mutex<ReaderState>,
    /// Normalised batches by reading index.
    normalized: Mutex<Vec<(usize, Result<RecordBatch, PipelineError>)>>,
    /// Raw batches read and not yet normalised.
    pending: AtomicUsize,
}

#[derive(Default)]
struct ReaderState {
    reader: Option<cim_ingest::SourceReader>,
    quarantine: Vec<QuarantineRow>,
    read_ms: u64,
    error: Option<PipelineError>,
}

/// A source read and normalised, before duplicate-key resolution.
struct SourceRead {
    state: ReaderState,
    normalized: Vec<(usize, Result<RecordBatch, PipelineError>)>,
}

impl SourceSlot {
    fn into_read(self) -> SourceRead {
        let mut normalized = self
            .normalized
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        normalized.sort_by_key(|(i, _)| *i);
        SourceRead {
            state: self.reader.into_inner().unwrap_or_else(|e| e.into_inner()),
            normalized,
        }
    }
}

struct SourceDone {
    summary: SourceSummary,
    batches: Vec<RecordBatch>,
    quarantine: Vec<QuarantineRow>,
    read_ms: u64,
}

/// What every source's reader shares.
struct ReadCtx<'a> {
    cfg: &'a PipelineConfig,
    progress: &'a dyn Progress,
    row_limit: Option<u64>,
    keep: Option<&'a [String]>,
    /// See `ingest_columns`.
    in_flight: usize,
}

/// Reads one source, spawning the normalisation of every raw batch on `s`.
fn read_source<'s>(
    ctx: &'s ReadCtx<'s>,
    source: &'s cim_config::SourceConfig,
    slot: &'s SourceSlot,
    s: &rayon::Scope<'s>,
) {
    let &ReadCtx {
        cfg,
        progress,
        row_limit,
        keep,
        in_flight,
    } = ctx;
    let ingest_err = |error| PipelineError::Ingest {
        source_name: source.name.clone(),
        error: Box::new(error),
    };
    let mut state = ReaderState::default();
    let t = Instant::now();
    let mut reader = match cim_ingest::open_source(&source.ingest_options(), cfg.run.batch_rows) {
        Ok(r) => r,
        Err(e) => {
            state.error = Some(ingest_err(e));
            *slot.reader.lock().unwrap_or_else(|e| e.into_inner()) = state;
            return;
        }
    };
    let hints = std::sync::Arc::new(source.normalize_hints());
    let mut seen: u64 = 0;
    let mut index = 0;
    let mut helping = std::time::Duration::ZERO;
    loop {
        if row_limit.is_some_and(|l| seen >= l) {
            break;
        }
        let Some(chunk) = reader.next() else { break };
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                state.error = Some(ingest_err(e));
                break;
            }
        };
        seen += (chunk.batch.num_rows() + chunk.quarantine.len()) as u64;
        state.quarantine.extend(chunk.quarantine);
        let raw = chunk.batch;
        let i = index;
        index += 1;
        slot.pending.fetch_add(1, Ordering::SeqCst);
        let hints = hints.clone();
        let name = &source.name;
        s.spawn(move |_| {
            let rows = raw.num_rows() as u64;
            // A batch shorter than `batch_rows` is its source's last: the
            // one that would leave threads idle. Full batches are
            // normalised whole (concatenating slices costs a copy: about
            // a tenth more normalising time at 10M records).
            let slice_rows = if raw.num_rows() < cfg.run.batch_rows {
                NORMALIZE_SLICE_ROWS
            } else {
                usize::MAX
            };
            let result = normalize_in_slices(&raw, &hints, &cfg.normalize, name, slice_rows)
                .and_then(|b| project(b, keep));
            drop(raw);
            // Once the raw batch is gone the provenance columns it shared are
            // ours alone, and every buffer can give back the slack its
            // builder reserved (about a third of the records' memory).
            let result = result.and_then(shrink);
            slot.normalized
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((i, result));
            slot.pending.fetch_sub(1, Ordering::SeqCst);
            progress.advance(rows);
        });
        // Too far ahead of normalisation: help with it (this thread's own
        // queue first) instead of reading on.
        while slot.pending.load(Ordering::SeqCst) > in_flight {
            let t_help = Instant::now();
            let helped = match rayon::yield_local() {
                Some(rayon::Yield::Executed) => true,
                _ => matches!(rayon::yield_now(), Some(rayon::Yield::Executed)),
            };
            if !helped {
                // Every pending batch is being normalised elsewhere.
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            // Helping is not reading.
            helping += t_help.elapsed();
        }
    }
    state.read_ms = t.elapsed().saturating_sub(helping).as_millis() as u64;
    state.reader = Some(reader);
    *slot.reader.lock().unwrap_or_else(|e| e.into_inner()) = state;
}

/// Rows normalised by one task when a source's last batch is cut up.
const NORMALIZE_SLICE_ROWS: usize = 16_384;

/// [`cim_normalize::normalize_batch`] of `raw`, in slices of `slice_rows`
/// run in parallel and concatenated: a source's last batch would otherwise
/// be normalised by one thread while the others wait (a fifth of the
/// ingest wall time at 100k records, where each source is one batch). The
/// result is the same batch as normalising `raw` whole: normalisation is
/// row by row.
fn normalize_in_slices(
    raw: &RecordBatch,
    hints: &cim_normalize::SourceHints,
    opts: &cim_normalize::NormalizeOptions,
    source_name: &str,
    slice_rows: usize,
) -> Result<RecordBatch, PipelineError> {
    let normalize = |b: &RecordBatch| {
        cim_normalize::normalize_batch(b, hints, opts).map_err(|error| PipelineError::Normalize {
            source_name: source_name.to_owned(),
            error,
        })
    };
    let n = raw.num_rows();
    if n <= slice_rows {
        return normalize(raw);
    }
    let starts: Vec<usize> = (0..n).step_by(slice_rows).collect();
    let parts: Vec<RecordBatch> = starts
        .into_par_iter()
        .map(|start| normalize(&raw.slice(start, slice_rows.min(n - start))))
        .collect::<Result<_, _>>()?;
    Ok(arrow::compute::concat_batches(&parts[0].schema(), &parts)?)
}

/// `b` with every buffer it alone holds reallocated to its length.
fn shrink(b: RecordBatch) -> Result<RecordBatch, PipelineError> {
    let (schema, mut columns, rows) = b.into_parts();
    for c in &mut columns {
        if let Some(array) = std::sync::Arc::get_mut(c) {
            array.shrink_to_fit();
        }
    }
    let opts = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(schema, columns, &opts)?)
}

/// Keeps of `b` only the base columns and `keep` (all when `None`).
fn project(b: RecordBatch, keep: Option<&[String]>) -> Result<RecordBatch, PipelineError> {
    let Some(keep) = keep else { return Ok(b) };
    let schema = b.schema();
    let idx: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| {
            let n = schema.field(i).name();
            BASE_COLUMNS.contains(&n.as_str()) || keep.contains(n)
        })
        .collect();
    Ok(b.project(&idx)?)
}

/// Duplicate-key resolution and counts of one source read.
fn finish_source(
    source: &cim_config::SourceConfig,
    read: SourceRead,
) -> Result<SourceDone, PipelineError> {
    let name = source.name.clone();
    let ingest_err = |error| PipelineError::Ingest {
        source_name: name.clone(),
        error: Box::new(error),
    };
    let SourceRead { state, normalized } = read;
    let mut batches: Vec<RecordBatch> = Vec::with_capacity(normalized.len());
    for (_, b) in normalized {
        let b = b?;
        if b.num_rows() > 0 {
            batches.push(b);
        }
    }
    if let Some(e) = state.error {
        return Err(e);
    }
    let reader = state.reader.expect("reader kept when no error");
    let mut quarantine = state.quarantine;

    let resolution =
        cim_ingest::resolve_duplicate_keys(&batches, source.duplicate_keys).map_err(ingest_err)?;
    // Only batches that lose rows are copied, each original dropped as its
    // copy is made: a source is never held twice.
    let batches: Vec<RecordBatch> = batches
        .into_iter()
        .zip(&resolution.keep)
        .map(|(b, keep)| {
            if keep.true_count() == b.num_rows() {
                Ok(b)
            } else {
                filter_record_batch(&b, keep)
            }
        })
        .collect::<Result<_, _>>()?;
    quarantine.extend(resolution.quarantine);

    let accepted: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    for q in &quarantine {
        *by_reason.entry(q.reason.code().to_owned()).or_default() += 1;
    }
    let summary = SourceSummary {
        name: name.clone(),
        // The reader's own count, so that conservation is checked
        // against an independent tally rather than derived from it.
        read: reader.report().rows_read,
        accepted,
        quarantined: quarantine.len() as u64,
        quarantined_by_reason: by_reason,
        duplicate_keys: resolution.duplicate_keys as u64,
        ingest: serde_json::to_value(reader.report())
            .map_err(|e| PipelineError::Internal(e.to_string()))?,
    };
    Ok(SourceDone {
        summary,
        batches,
        quarantine,
        read_ms: state.read_ms,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, StringArray, UInt64Array};
    use cim_schema::raw_schema;

    use super::*;

    /// Enough varied rows for three slices, the last one short.
    fn raw_rows(n: usize) -> RecordBatch {
        let given = ["Anna", "  JOSÉ ", "li", "Mary-Jane", "", "Ｔｏｍ"];
        let family = ["Smith", "o'brien", "王", "van der Berg", "N/A"];
        let value = |f: CanonicalField, i: usize| -> Option<String> {
            let k = i % 7;
            match f {
                CanonicalField::GivenName => Some(given[i % given.len()].to_owned()),
                CanonicalField::FamilyName => Some(family[i % family.len()].to_owned()),
                CanonicalField::Email => (k != 3).then(|| format!("User{i}@Example.COM")),
                CanonicalField::Phone => Some(format!("+44 20 7946 {:04}", i % 10_000)),
                CanonicalField::DateOfBirth => {
                    Some(format!("{}/0{}/19{}", 1 + i % 28, 1 + k, 50 + i % 50))
                }
                CanonicalField::Postcode => Some(format!("SW{} {}AA", 1 + k, i % 10)),
                CanonicalField::City => Some(["London", "london ", "LEEDS"][i % 3].to_owned()),
                _ => None,
            }
        };
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("s:{i}")),
            )),
            Arc::new(StringArray::from_iter_values((0..n).map(|_| "s"))),
            Arc::new(StringArray::from_iter_values((0..n).map(|_| "s.csv"))),
            Arc::new(UInt64Array::from_iter_values(2..n as u64 + 2)),
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("{i:016x}")),
            )),
            Arc::new(StringArray::from_iter((0..n).map(|_| None::<&str>))),
        ];
        for f in CanonicalField::ALL {
            columns.push(Arc::new(StringArray::from_iter(
                (0..n).map(|i| value(f, i)),
            )));
        }
        RecordBatch::try_new(raw_schema(), columns).unwrap()
    }

    #[test]
    fn normalising_in_slices_gives_the_batch_normalised_whole() {
        let raw = raw_rows(2 * NORMALIZE_SLICE_ROWS + 1234);
        let hints = cim_normalize::SourceHints::default();
        let opts = cim_normalize::NormalizeOptions::default();
        let whole = cim_normalize::normalize_batch(&raw, &hints, &opts).unwrap();
        let sliced = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| normalize_in_slices(&raw, &hints, &opts, "s", NORMALIZE_SLICE_ROWS))
            .unwrap();
        assert_eq!(sliced.num_rows(), raw.num_rows());
        assert_eq!(sliced, whole);
    }
}
