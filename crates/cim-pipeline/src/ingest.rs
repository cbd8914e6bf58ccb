use std::collections::BTreeMap;
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
    /// Wall time spent reading, in milliseconds.
    pub ingest_ms: u64,
    /// Wall time spent normalising, in milliseconds.
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
pub(crate) fn ingest_columns(
    cfg: &PipelineConfig,
    progress: &dyn Progress,
    row_limit: Option<u64>,
    keep: Option<&[String]>,
) -> Result<Ingested, PipelineError> {
    let mut out = Ingested::default();
    let normalize_opts = &cfg.normalize;
    // Enough batches in flight to keep every thread busy while reading stays
    // sequential (one reader per source keeps line numbers and order exact).
    let window = rayon::current_num_threads().max(1) * 2;
    progress.start("ingest", None);
    for source in &cfg.sources {
        let name = source.name.clone();
        let ingest_err = |error| PipelineError::Ingest {
            source_name: name.clone(),
            error: Box::new(error),
        };
        let hints = source.normalize_hints();
        let t = Instant::now();
        let mut reader = cim_ingest::open_source(&source.ingest_options(), cfg.run.batch_rows)
            .map_err(ingest_err)?;
        out.ingest_ms += t.elapsed().as_millis() as u64;

        let mut batches: Vec<RecordBatch> = Vec::new();
        let mut quarantine: Vec<QuarantineRow> = Vec::new();
        let mut seen: u64 = 0;
        // The next window of raw batches and the time spent reading it.
        let mut read_window = |quarantine: &mut Vec<QuarantineRow>| {
            let t = Instant::now();
            let mut raw = Vec::with_capacity(window);
            while raw.len() < window {
                if row_limit.is_some_and(|l| seen >= l) {
                    break;
                }
                match reader.next() {
                    Some(chunk) => {
                        let chunk = chunk.map_err(ingest_err)?;
                        seen += (chunk.batch.num_rows() + chunk.quarantine.len()) as u64;
                        quarantine.extend(chunk.quarantine);
                        raw.push(chunk.batch);
                    }
                    None => break,
                }
            }
            Ok::<_, PipelineError>((raw, t.elapsed().as_millis() as u64))
        };
        let (mut raw, ms) = read_window(&mut quarantine)?;
        out.ingest_ms += ms;
        while !raw.is_empty() {
            let t = Instant::now();
            let rows: u64 = raw.iter().map(|b| b.num_rows() as u64).sum();
            // Read the next window while this one is normalised: the reader
            // is sequential (line numbers and order stay exact), so on its
            // own it would leave the other threads idle. Results are
            // collected in window order, whatever thread ran what.
            let (next, normalized) = rayon::join(
                || read_window(&mut quarantine),
                || {
                    raw.par_iter()
                        .map(|b| cim_normalize::normalize_batch(b, &hints, normalize_opts))
                        .collect::<Result<Vec<RecordBatch>, _>>()
                },
            );
            let normalized = normalized.map_err(|error| PipelineError::Normalize {
                source_name: name.clone(),
                error,
            })?;
            let (next, ms) = next?;
            // Reading overlaps normalising: `normalize` is the wall time of
            // both, `ingest` the part spent reading.
            out.ingest_ms += ms;
            out.normalize_ms += t.elapsed().as_millis() as u64;
            raw = next;
            let normalized = match keep {
                Some(keep) => normalized
                    .into_iter()
                    .map(|b| {
                        let schema = b.schema();
                        let idx: Vec<usize> = (0..schema.fields().len())
                            .filter(|&i| {
                                let n = schema.field(i).name();
                                BASE_COLUMNS.contains(&n.as_str()) || keep.contains(n)
                            })
                            .collect();
                        b.project(&idx)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                None => normalized,
            };
            batches.extend(normalized.into_iter().filter(|b| b.num_rows() > 0));
            progress.advance(rows);
        }

        let resolution = cim_ingest::resolve_duplicate_keys(&batches, source.duplicate_keys)
            .map_err(ingest_err)?;
        let batches: Vec<RecordBatch> = batches
            .iter()
            .zip(&resolution.keep)
            .map(|(b, keep)| filter_record_batch(b, keep))
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
        tracing::info!(
            source = %name,
            read = summary.read,
            accepted = summary.accepted,
            quarantined = summary.quarantined,
            "source ingested"
        );
        out.sources.push(summary);
        out.records.extend(batches);
        out.quarantine.extend(quarantine);
    }
    progress.finish("ingest");
    Ok(out)
}
