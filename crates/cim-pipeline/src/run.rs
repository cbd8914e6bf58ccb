use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use arrow::record_batch::RecordBatch;
use cim_config::LoadedConfig;
use cim_output::{OutputWriter, ParquetOptions, WrittenFile};
use cim_schema::{QuarantineRow, batch::str_col, col};

use crate::ingest::{Ingested, ingest_all};
use crate::memory::StagePeaks;
use crate::summary::{RowCounts, RunSummary};
use crate::{PipelineError, Progress, files, previous};

/// Per-invocation options that are not part of the config file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Score with this model file instead of the config's `run.model` or
    /// training a new one.
    pub model: Option<PathBuf>,
    /// Override the config's `run.threads`.
    pub threads: Option<usize>,
    /// Override the config's `run.as_of`.
    pub as_of: Option<chrono::NaiveDate>,
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, PipelineError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("cim-worker-{i}"))
        .build()
        .map_err(|e| PipelineError::Internal(format!("cannot start worker threads: {e}")))
}

fn load_model(path: &PathBuf) -> Result<cim_dedupe::Model, PipelineError> {
    let text = std::fs::read_to_string(path).map_err(|e| PipelineError::Model {
        path: path.clone(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| PipelineError::Model {
        path: path.clone(),
        message: format!("not a cim model: {e}"),
    })
}

/// Reads and normalises every source and trains the matching model, without
/// writing anything (`cim train`).
pub fn train(
    cfg: &LoadedConfig,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<cim_dedupe::Model, PipelineError> {
    let c = &cfg.config;
    pool(opts.threads.unwrap_or(c.run.threads))?.install(|| {
        let ingested = ingest_all(c, progress, None).map_err(|e| crate::error::keyed(cfg, e))?;
        progress.start("train", None);
        let model = cim_dedupe::train(&ingested.records, &c.dedupe)?;
        progress.finish("train");
        Ok(model)
    })
}

/// Runs the whole pipeline for `cfg` and publishes its outputs atomically.
/// On any error nothing is published and the previous outputs stay intact.
pub fn run(
    cfg: &LoadedConfig,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, PipelineError> {
    let c = &cfg.config;
    let threads = opts.threads.unwrap_or(c.run.threads);
    let pool = pool(threads)?;
    let started = Instant::now();
    // Lock the output directory first, so a concurrent run fails before
    // doing any work.
    let mut writer = OutputWriter::begin(&c.output.dir)?;
    // Load the encryption key now: a missing key fails before any work.
    let enc = crate::encryption::OutputEncryption::from_config(c)?;
    let as_of = opts
        .as_of
        .or(c.run.as_of)
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let model_path = opts.model.clone().or_else(|| c.run.model.clone());
    let model = model_path.as_ref().map(load_model).transpose()?;

    pool.install(|| {
        let mut ingested =
            ingest_all(c, progress, None).map_err(|e| crate::error::keyed(cfg, e))?;
        let mut peaks = StagePeaks::default();
        peaks.end("ingest");
        let rows = conservation(&ingested)?;
        quality_gate(cfg, &ingested, &rows)?;
        let field_quality = ingested.field_quality()?;
        let run_id = run_id(cfg, as_of, &ingested)?;

        progress.start("dedupe", None);
        let t = Instant::now();
        // Matching reads only its own columns, interned: the rest of the
        // records can go to disk first (see `Spill`).
        let planned = cim_dedupe::plan_matching(&ingested.records, &c.dedupe, model.as_ref())?;
        let records_mib = arrow_mib(&ingested.records);
        let spill = (records_mib > c.run.spill_records_above_mib
            || c.run.spill_records_above_mib == 0)
            .then_some(Spill {
                name: if c.output.records {
                    files::RECORDS
                } else {
                    SPILL
                },
                mib: records_mib,
            });
        let in_memory = match spill {
            Some(_) => Vec::new(),
            None => std::mem::take(&mut ingested.records),
        };

        // records.parquet depends on ingest only: it is encoded on a thread
        // of its own while dedupe and merge run (which leave a core idle
        // much of the time), so the write stage only has the later files
        // left. Files are staged and then recorded in a fixed order, so
        // run.json's `outputs` do not depend on which finished first.
        let background = rayon::current_num_threads() > 1;
        let staged = std::thread::scope(|scope| {
            // A spill is written before interning, on every thread, each
            // batch dropped once encoded but for the columns interning
            // reads. (Interned beside the whole records, at 10M the two
            // together were a 7.8 GiB peak; read back from the spill, those
            // columns cost ~2 s at 3M; written beside matching, ~100 MiB
            // more at 1M for ~0.4 s less.)
            let (spilled, interned) = match spill {
                Some(spill) => {
                    tracing::info!(
                        records_mib = spill.mib,
                        limit_mib = c.run.spill_records_above_mib,
                        "records spilled to disk before matching"
                    );
                    let batches = std::mem::take(&mut ingested.records);
                    // The columns matching reads stay while the rest of
                    // each batch goes as it is encoded.
                    let matched = planned.matched_columns(&batches)?;
                    let file = writer.stage_parquet_from(
                        spill.name,
                        cim_schema::normalized_schema(),
                        batches.into_iter().map(Ok::<_, std::convert::Infallible>),
                        &enc.options(files::RECORDS),
                    )?;
                    let interned = cim_dedupe::intern_planned(planned, &matched)?;
                    (Some((spill, file)), interned)
                }
                None => (None, cim_dedupe::intern_planned(planned, &in_memory)?),
            };
            let mut records_file = match spill {
                Some(_) => None,
                None => c.output.records.then(|| {
                    let opts = enc.options(files::RECORDS);
                    let (writer, records) = (&writer, &in_memory);
                    Staging::start(scope, background, move || {
                        Ok(writer.stage_parquet(
                            files::RECORDS,
                            cim_schema::normalized_schema(),
                            records,
                            &opts,
                        )?)
                    })
                }),
            };

            let mut result = cim_dedupe::dedupe_interned(interned, &c.dedupe, model.as_ref())?;
            let dedupe_ms = t.elapsed().as_millis() as u64;
            peaks.end("dedupe");
            progress.finish("dedupe");
            // Skipped blocks and rules change what was compared: say so (keys
            // appear as hashes only, never values).
            for w in &result.report.warnings {
                tracing::warn!("matching: {w}");
            }

            // Each file encoded column-parallel; master, crosswalk and pairs
            // are built a row group at a time as their file takes them, so
            // none is ever whole in memory (gigabytes each at 10M records).
            let staged_file = |file: WrittenFile, t: Instant| {
                tracing::debug!(
                    file = file.name,
                    rows = file.rows,
                    bytes = file.bytes,
                    ms = t.elapsed().as_millis() as u64,
                    "output staged"
                );
                file
            };
            // Slices of one row group, so the file has the same row groups
            // as from one batch and holds one group's rows at a time.
            let sliced = |name: &str,
                          rows: usize,
                          schema: arrow::datatypes::SchemaRef,
                          opts: &ParquetOptions,
                          slice: &dyn Fn(Range<usize>) -> Result<RecordBatch, PipelineError>| {
                let t = Instant::now();
                let step = opts.max_row_group_rows.max(1);
                let slices = (0..rows)
                    .step_by(step)
                    .map(|s| slice(s..(s + step).min(rows)));
                let file = writer.stage_parquet_from(name, schema, slices, opts)?;
                Ok::<_, PipelineError>(staged_file(file, t))
            };

            // pairs.parquet is written beside reading the spill back and
            // merging, which leave a core idle much of the time (golden id
            // assignment is serial), when the scored pairs are small (see
            // `beside` below). Its record ids are read first, while the
            // spill is still on disk.
            let report_sample = c
                .output
                .report
                .then(|| crate::audit::report_sample(&result, c.dedupe.match_threshold));
            let mut spilled_ids = match (&spilled, c.output.pairs) {
                (Some((spill, _)), true) => {
                    Some(writer.read_staged(spill.name, Some(&[cim_schema::col::RECORD_ID]))?)
                }
                _ => None,
            };
            let write_pairs = || {
                c.output
                    .pairs
                    .then(|| {
                        let with_ids: &[RecordBatch] = spilled_ids.as_deref().unwrap_or(&in_memory);
                        let ids = cim_dedupe::record_ids(with_ids)?;
                        let slice = |r| Ok(cim_dedupe::pairs_slice(&result, &ids, r)?);
                        sliced(
                            files::PAIRS,
                            result.pairs.len(),
                            slice(0..0)?.schema(),
                            &ParquetOptions::default(),
                            &slice,
                        )
                    })
                    .transpose()
            };
            let read_back_and_merge = || {
                let read_back = match &spilled {
                    Some((spill, _)) => {
                        let t = Instant::now();
                        // Only what merge and the report read: not the
                        // match keys that blocking alone needs.
                        let columns = cim_merge::input_columns();
                        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                        let batches = writer.read_staged(spill.name, Some(&columns))?;
                        tracing::debug!(
                            ms = t.elapsed().as_millis() as u64,
                            "spilled records read back"
                        );
                        Some(batches)
                    }
                    None => None,
                };
                let records: &[RecordBatch] = read_back.as_deref().unwrap_or(&in_memory);
                let report_parts = report_sample
                    .map(|sample| {
                        crate::audit::report_parts(
                            sample,
                            &result.model,
                            records,
                            c.dedupe.match_threshold,
                        )
                    })
                    .transpose()?;

                progress.start("merge", None);
                let t = Instant::now();
                let prev = previous::read(&c.output.dir)?;
                // Merge owns its input, so that it frees what it has read
                // once it no longer needs it (in memory, the records stay
                // for records.parquet: the batches are shared).
                let records = match read_back {
                    Some(batches) => batches,
                    None => in_memory.clone(),
                };
                let merged = cim_merge::merge_lazily(
                    records,
                    &result.cluster_of_row,
                    &c.survivorship,
                    &c.source_names(),
                    prev.as_ref().map(|p| &p.state),
                    &cim_merge::RunInfo {
                        run_id: run_id.clone(),
                        as_of,
                    },
                )?;
                Ok::<_, PipelineError>((report_parts, prev, merged, t))
            };
            // Held through merging only while the scored pairs are no
            // larger than the records may be in memory: at 10M records
            // (half a GiB of pairs) they are written and freed first, as
            // merging would otherwise set the run's peak (+570 MiB).
            // (`0`, always spill, is never beside: the least memory.)
            let beside = spilled.is_none()
                || result.pairs.memory_bytes() as u64 <= c.run.spill_records_above_mib << 20;
            tracing::debug!(
                pairs_mib = result.pairs.memory_bytes() >> 20,
                "pairs.parquet written {} merging",
                if beside { "beside" } else { "before" }
            );
            let mut pairs_took = std::time::Duration::ZERO;
            let (pairs, merging) = if beside {
                rayon::join(write_pairs, read_back_and_merge)
            } else {
                let t_pairs = Instant::now();
                let pairs = write_pairs();
                pairs_took = t_pairs.elapsed();
                result.pairs = Default::default();
                drop(spilled_ids.take());
                (pairs, read_back_and_merge())
            };
            let pairs = pairs?;
            let (report_parts, prev, merged, t) = merging?;
            drop(spilled_ids);
            result.pairs = Default::default();
            if let Some((spill, file)) = spilled {
                if spill.name == SPILL {
                    writer.discard(SPILL)?;
                } else {
                    records_file = Some(Staging::Done(Ok(file)));
                }
            }
            // pairs.parquet counts here when written beside merging, in
            // the write stage otherwise.
            let merge_ms = t.elapsed().as_millis() as u64;
            peaks.end("merge");
            progress.finish("merge");

            progress.start("write", None);
            let t = Instant::now()
                .checked_sub(pairs_took)
                .unwrap_or_else(Instant::now);
            let merge_stats = merged.stats.clone();
            let id_changes = &merged.id_changes;
            // The crosswalk and the id history are written beside the
            // master: building a master slice is serial, and its encoding
            // alone leaves a core idle part of the time. The master's
            // slices stay the stage's peak (a crosswalk slice is ~15 MB).
            let (small, master) = rayon::join(
                || {
                    let crosswalk = sliced(
                        files::CROSSWALK,
                        merged.crosswalk_rows(),
                        cim_merge::crosswalk_schema(),
                        &ParquetOptions::default(),
                        &|r| Ok(merged.crosswalk_batch(r)?),
                    )?;
                    let t_history = Instant::now();
                    let history = staged_file(
                        writer.stage_parquet(
                            files::ID_CHANGES,
                            id_changes.schema(),
                            &previous::history(prev.as_ref(), id_changes),
                            &ParquetOptions::default(),
                        )?,
                        t_history,
                    );
                    Ok::<_, PipelineError>((crosswalk, history))
                },
                || {
                    sliced(
                        files::MASTER,
                        merged.master_rows(),
                        cim_merge::master_schema_for(&c.survivorship),
                        &enc.options(files::MASTER),
                        &|r| Ok(merged.master_batch(r)?),
                    )
                },
            );
            let (crosswalk, history) = small?;
            let master = master?;
            drop(prev);
            drop(merged);
            let quarantine = writer.stage_parquet(
                files::QUARANTINE,
                cim_schema::quarantine_schema(),
                &[quarantine_batch(&ingested.quarantine)?],
                &enc.options(files::QUARANTINE),
            )?;
            let staged = [
                Some(master),
                Some(crosswalk),
                Some(history),
                pairs,
                Some(quarantine),
                records_file
                    .map(|r| {
                        let t = Instant::now();
                        let file = r.finish()?;
                        tracing::debug!(
                            ms = t.elapsed().as_millis() as u64,
                            "records.parquet awaited"
                        );
                        Ok::<_, PipelineError>(file)
                    })
                    .transpose()?,
            ];
            Ok::<_, PipelineError>((
                result,
                merge_stats,
                dedupe_ms,
                merge_ms,
                t,
                staged,
                report_parts,
            ))
        });
        let (result, merge_stats, dedupe_ms, merge_ms, t, staged, report_parts) = staged?;
        drop(in_memory);
        peaks.end("write");
        for file in staged.into_iter().flatten() {
            writer.record(file);
        }
        writer.write_json(files::MODEL, &result.model)?;

        let mut timings = BTreeMap::new();
        timings.insert("ingest".to_owned(), ingested.ingest_ms);
        timings.insert("normalize".to_owned(), ingested.normalize_ms);
        timings.insert("dedupe".to_owned(), dedupe_ms);
        timings.insert("merge".to_owned(), merge_ms);
        let mut summary = RunSummary {
            cim_version: env!("CARGO_PKG_VERSION").to_owned(),
            run_id,
            as_of,
            config_path: cfg.path.display().to_string(),
            config_hash: cfg.hash.clone(),
            threads: rayon::current_num_threads(),
            rows,
            sources: ingested.sources.clone(),
            field_quality,
            dedupe: to_json(&result.report)?,
            dedupe_options: Some(c.dedupe.clone()),
            merge: to_json(&merge_stats)?,
            outputs: Vec::new(),
            timings_ms: timings,
            peak_rss_mib: peaks.0,
            records_spilled_mib: spill.map(|s| s.mib),
        };
        summary
            .timings_ms
            .insert("write".to_owned(), t.elapsed().as_millis() as u64);
        summary
            .timings_ms
            .insert("total".to_owned(), started.elapsed().as_millis() as u64);
        summary.outputs = writer
            .written()
            .iter()
            .map(|w| serde_json::to_value(w).expect("WrittenFile serialises"))
            .collect();
        if let Some(parts) = &report_parts {
            let t = Instant::now();
            let html = crate::audit::report_html(
                &summary,
                &result.model,
                parts,
                c.dedupe.match_threshold,
            )?;
            writer.write_bytes(files::REPORT, html.as_bytes())?;
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "report written");
            summary.outputs = writer
                .written()
                .iter()
                .map(|w| serde_json::to_value(w).expect("WrittenFile serialises"))
                .collect();
        }
        writer.write_json(files::RUN, &summary)?;
        progress.finish("write");
        Ok::<_, PipelineError>(summary)
    })
    .and_then(|summary| {
        writer.commit()?;
        Ok(summary)
    })
}

/// The scratch file the records go to before matching when
/// `output.records` is off; deleted before the outputs are published.
const SPILL: &str = "records.spill.parquet";

/// Records written to disk before matching: matching keeps the columns it
/// interns, merging reads back those it reads
/// (`run.spill_records_above_mib`).
#[derive(Debug, Clone, Copy)]
struct Spill {
    /// The staged file: records.parquet when that is an output, else
    /// [`SPILL`].
    name: &'static str,
    /// The records' in-memory size.
    mib: u64,
}

/// In-memory size of `batches`, in MiB (buffers shared between arrays are
/// counted once per array: an upper bound).
fn arrow_mib(batches: &[RecordBatch]) -> u64 {
    let bytes: usize = batches.iter().map(RecordBatch::get_array_memory_size).sum();
    (bytes >> 20) as u64
}

/// A file being staged: on a thread of its own beside the running stages,
/// or already written (one worker thread: no background work).
enum Staging<'scope> {
    Running(std::thread::ScopedJoinHandle<'scope, Result<WrittenFile, PipelineError>>),
    Done(Result<WrittenFile, PipelineError>),
}

impl<'scope> Staging<'scope> {
    fn start<'env, F>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        background: bool,
        job: F,
    ) -> Self
    where
        F: FnOnce() -> Result<WrittenFile, PipelineError> + Send + 'scope,
    {
        if background {
            Self::Running(
                std::thread::Builder::new()
                    .name("cim-writer".to_owned())
                    .spawn_scoped(scope, job)
                    .expect("cannot start a writer thread"),
            )
        } else {
            Self::Done(job())
        }
    }

    fn finish(self) -> Result<WrittenFile, PipelineError> {
        match self {
            Self::Running(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Self::Done(result) => result,
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, PipelineError> {
    serde_json::to_value(value).map_err(|e| PipelineError::Internal(e.to_string()))
}

fn conservation(ingested: &Ingested) -> Result<RowCounts, PipelineError> {
    let read: u64 = ingested.sources.iter().map(|s| s.read).sum();
    let accepted = ingested.accepted();
    let quarantined = ingested.quarantine.len() as u64;
    let mut by_reason = BTreeMap::new();
    for q in &ingested.quarantine {
        *by_reason.entry(q.reason.code().to_owned()).or_default() += 1;
    }
    let rows = RowCounts {
        read,
        accepted,
        quarantined,
        quarantined_by_reason: by_reason,
        conservation_holds: read == accepted + quarantined,
    };
    if !rows.conservation_holds {
        return Err(PipelineError::Internal(format!(
            "row conservation broken: read {read} != accepted {accepted} + quarantined {quarantined}"
        )));
    }
    Ok(rows)
}

fn quality_gate(
    cfg: &LoadedConfig,
    ingested: &Ingested,
    rows: &RowCounts,
) -> Result<(), PipelineError> {
    let c = &cfg.config;
    for (source, summary) in c.sources.iter().zip(&ingested.sources) {
        let limit = source
            .max_quarantine_ratio
            .unwrap_or(c.run.max_quarantine_ratio);
        check_ratio(
            format!("source `{}`", source.name),
            summary.quarantined,
            summary.read,
            limit,
        )?;
    }
    check_ratio(
        "all sources".to_owned(),
        rows.quarantined,
        rows.read,
        c.run.max_quarantine_ratio,
    )
}

fn check_ratio(
    scope: String,
    quarantined: u64,
    read: u64,
    limit: f64,
) -> Result<(), PipelineError> {
    if read > 0 && quarantined as f64 / read as f64 > limit {
        return Err(PipelineError::QualityGate {
            scope,
            quarantined,
            read,
            ratio: 100.0 * quarantined as f64 / read as f64,
            limit,
        });
    }
    Ok(())
}

/// `YYYYMMDD-<16 hex>`: the date plus a hash of the config and every
/// accepted row's hash, so the same inputs on the same day give the same id.
fn run_id(
    cfg: &LoadedConfig,
    as_of: chrono::NaiveDate,
    ingested: &Ingested,
) -> Result<String, PipelineError> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(cfg.hash.as_bytes());
    for b in &ingested.records {
        let ids = str_col(b, col::RECORD_ID)?;
        let hashes = str_col(b, col::ROW_HASH)?;
        for i in 0..b.num_rows() {
            h.update(ids.value(i).as_bytes());
            h.update(hashes.value(i).as_bytes());
        }
    }
    Ok(format!("{}-{:016x}", as_of.format("%Y%m%d"), h.digest()))
}

fn quarantine_batch(rows: &[QuarantineRow]) -> Result<RecordBatch, PipelineError> {
    use arrow::array::{StringArray, UInt64Array};
    use std::sync::Arc;
    let s =
        |f: fn(&QuarantineRow) -> &str| Arc::new(StringArray::from_iter_values(rows.iter().map(f)));
    Ok(RecordBatch::try_new(
        cim_schema::quarantine_schema(),
        vec![
            s(|r| &r.source),
            s(|r| &r.file),
            Arc::new(UInt64Array::from_iter(rows.iter().map(|r| r.line))),
            s(|r| r.reason.code()),
            s(|r| &r.detail),
            s(|r| &r.raw),
        ],
    )?)
}
