//! `cim check`: everything a run would find out about a config before it
//! spends the night on it, without writing anything.
//!
//! Two passes: a sample (the first `sample_rows` rows of each source) for the
//! normalised rows shown, and, unless told otherwise, a pass over every row
//! that keeps only the match keys of each normalised batch, for exact row
//! and quarantine counts, the quality gates and the candidate pairs of each
//! blocking rule (counting pairs needs only the block keys).

use std::collections::BTreeMap;
use std::time::Instant;

use arrow::array::Array;
use cim_config::LoadedConfig;
use cim_schema::{CanonicalField, MatchKey, batch::str_col, col};
use serde::Serialize;

use crate::error::keyed;
use crate::ingest::ingest_columns;
use crate::{NoProgress, PipelineError, Progress, ingest_all};

/// Normalised sample rows shown per source.
const SAMPLE_SHOWN: usize = 3;

/// What `cim check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Rows read from each source for the sample (the rows shown).
    pub sample_rows: u64,
    /// True when row counts, quarantine counts and blocking pairs cover
    /// every row of every source; false when they describe the sample only.
    pub exact: bool,
    /// Wall time of the check, in milliseconds.
    pub elapsed_ms: u64,
    /// Whether a run would proceed (no problems).
    pub proceed: bool,
    /// Why a run would not proceed.
    pub problems: Vec<String>,
    /// Things worth a look that do not stop a run.
    pub warnings: Vec<String>,
    /// One entry per source, in config order.
    pub sources: Vec<SourceCheck>,
    /// Candidate pairs of each blocking rule in force (over every row when
    /// [`CheckReport::exact`]), with the largest blocks (sizes and key
    /// hashes, never key values).
    pub blocking: Vec<cim_dedupe::RuleReport>,
}

/// The check of one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCheck {
    /// Source name.
    pub name: String,
    /// The resolved column mapping: canonical field -> source columns.
    pub mapping: BTreeMap<String, Vec<String>>,
    /// Rows read (every row when [`CheckReport::exact`], else the sample).
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// The quarantine limit in force for this source.
    pub max_quarantine_ratio: f64,
    /// The first normalised rows of the sample: canonical field -> display
    /// value. Raw customer values: mask them ([`CheckReport::mask`]) before
    /// showing.
    pub sample: Vec<BTreeMap<String, String>>,
}

impl CheckReport {
    /// Masks every sample value with `cim_normalize::mask`.
    pub fn mask(&mut self) {
        for s in &mut self.sources {
            for row in &mut s.sample {
                for (k, v) in row.iter_mut() {
                    if let Some(f) = CanonicalField::from_name(k) {
                        *v = cim_normalize::mask(f, v);
                    }
                }
            }
        }
    }
}

/// Reads the first `sample_rows` rows of every source of `cfg` for the rows
/// shown; with `exact`, reads every row too (match keys only) for exact
/// counts and blocking pairs; says whether a run would proceed. Errors are
/// what would stop a run outright (unreadable source, unknown column); failed
/// gates are [`CheckReport::problems`]. `progress` follows the pass over
/// every row.
pub fn check(
    cfg: &LoadedConfig,
    sample_rows: u64,
    exact: bool,
    progress: &dyn Progress,
) -> Result<CheckReport, PipelineError> {
    let started = Instant::now();
    let c = &cfg.config;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(c.run.threads)
        .build()
        .map_err(|e| PipelineError::Internal(format!("cannot start worker threads: {e}")))?;
    pool.install(|| {
        // Batches no larger than the sample, so that the sample pass stops
        // near `sample_rows` instead of after a whole default batch.
        let mut small = c.clone();
        small.run.batch_rows = small.run.batch_rows.min(sample_rows.max(1) as usize);
        let sampled =
            ingest_all(&small, &NoProgress, Some(sample_rows)).map_err(|e| keyed(cfg, e))?;
        let samples = sample_rows_by_source(&sampled.records)?;
        let counted = if exact {
            let keys: Vec<String> = MatchKey::ALL.iter().map(|k| k.column_name()).collect();
            ingest_columns(c, progress, None, Some(&keys)).map_err(|e| keyed(cfg, e))?
        } else {
            sampled
        };
        let what = if exact { "rows" } else { "sample rows" };
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let mut sources = Vec::new();
        let (mut read, mut quarantined) = (0, 0);
        for (s, summary) in c.sources.iter().zip(&counted.sources) {
            let limit = s.max_quarantine_ratio.unwrap_or(c.run.max_quarantine_ratio);
            read += summary.read;
            quarantined += summary.quarantined;
            if summary.read > 0 && summary.quarantined as f64 / summary.read as f64 > limit {
                problems.push(format!(
                    "source `{}`: {} of {} {what} quarantined ({:.1} %), over the limit of {:.1} %",
                    s.name,
                    summary.quarantined,
                    summary.read,
                    100.0 * summary.quarantined as f64 / summary.read as f64,
                    100.0 * limit
                ));
            }
            if summary.accepted == 0 {
                warnings.push(format!("source `{}`: no row accepted", s.name));
            }
            sources.push(SourceCheck {
                name: s.name.clone(),
                mapping: s
                    .columns
                    .iter()
                    .map(|(f, cs)| (f.name().to_owned(), cs.columns().to_vec()))
                    .collect(),
                read: summary.read,
                accepted: summary.accepted,
                quarantined: summary.quarantined,
                quarantined_by_reason: summary.quarantined_by_reason.clone(),
                max_quarantine_ratio: limit,
                sample: samples.get(&s.name).cloned().unwrap_or_default(),
            });
        }
        let limit = c.run.max_quarantine_ratio;
        if read > 0 && quarantined as f64 / read as f64 > limit {
            problems.push(format!(
                "all sources: {quarantined} of {read} {what} quarantined, over the limit of {:.1} %",
                100.0 * limit
            ));
        }
        // Counting reads only the blocking keys: no comparison is compiled,
        // so the projected batches (match keys only) suffice.
        let mut count_opts = c.dedupe.clone();
        count_opts.comparisons = Some(Vec::new());
        let blocking = if counted.accepted() > 0 {
            progress.start("blocking", None);
            let b = cim_dedupe::count_candidate_pairs(&counted.records, &count_opts)?;
            progress.finish("blocking");
            b
        } else {
            Vec::new()
        };
        let on = if exact { "" } else { " on the sample" };
        let mut kept_total = 0;
        for r in &blocking {
            let over = r.candidate_pairs > c.dedupe.max_pairs_per_rule;
            match (over, r.origin) {
                (true, cim_dedupe::RuleOrigin::Default) => warnings.push(format!(
                    "default blocking rule {} ({}) would be left out: {} candidate pairs{on}, over max_pairs_per_rule {}",
                    r.index, r.rule, r.candidate_pairs, c.dedupe.max_pairs_per_rule
                )),
                (true, _) => problems.push(format!(
                    "blocking rule {} ({}): {} candidate pairs{on}, over max_pairs_per_rule {}",
                    r.index, r.rule, r.candidate_pairs, c.dedupe.max_pairs_per_rule
                )),
                (false, _) => kept_total += r.candidate_pairs,
            }
            if !r.skipped_blocks.is_empty() {
                warnings.push(format!(
                    "blocking rule {} ({}): {} blocks {} would be skipped (largest: {} records)",
                    r.index,
                    r.rule,
                    r.skipped_block_count,
                    r.skip_reason(c.dedupe.max_block_size),
                    r.skipped_blocks.first().map_or(0, |b| b.size)
                ));
            }
        }
        if kept_total > c.dedupe.max_pairs {
            problems.push(format!(
                "blocking: {kept_total} candidate pairs{on}, over max_pairs {}",
                c.dedupe.max_pairs
            ));
        }
        if blocking.is_empty() && counted.accepted() > 0 {
            warnings.push(
                "no blocking rule in force: map more fields (email, phone, names, date of birth)"
                    .to_owned(),
            );
        }
        Ok(CheckReport {
            sample_rows,
            exact,
            elapsed_ms: started.elapsed().as_millis() as u64,
            proceed: problems.is_empty(),
            problems,
            warnings,
            sources,
            blocking,
        })
    })
}

/// The first [`SAMPLE_SHOWN`] normalised rows of each source, non-empty
/// fields only.
fn sample_rows_by_source(
    records: &[arrow::record_batch::RecordBatch],
) -> Result<BTreeMap<String, Vec<BTreeMap<String, String>>>, PipelineError> {
    let mut out: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for b in records {
        let source = str_col(b, col::SOURCE)?;
        let fields: Vec<(CanonicalField, _)> = CanonicalField::ALL
            .into_iter()
            .filter_map(|f| str_col(b, f.name()).ok().map(|c| (f, c)))
            .collect();
        for i in 0..b.num_rows() {
            let rows = out.entry(source.value(i).to_owned()).or_default();
            if rows.len() >= SAMPLE_SHOWN {
                continue;
            }
            let row = fields
                .iter()
                .filter(|(_, c)| !c.is_null(i) && !c.value(i).is_empty())
                .map(|(f, c)| (f.name().to_owned(), c.value(i).to_owned()))
                .collect();
            rows.push(row);
        }
    }
    Ok(out)
}
