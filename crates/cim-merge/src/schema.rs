//! Output schemas and the assembly of output batches.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Date32Builder, Float32Array, ListBuilder, StringBuilder, StructArray,
    TimestampMillisecondBuilder, UInt32Array, UInt32Builder, UInt64Array,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use cim_schema::{CanonicalField, col};
use rayon::prelude::*;

use crate::Clusters;
use crate::error::Result;
use crate::ids::{IdAssignment, IdChange};
use crate::input::Input;
use crate::options::{Rule, RunInfo, SurvivorshipOptions};
use crate::survivorship::{Golden, MASTER_FIELDS, NONE};
use crate::time::{date_to_days, parse_date};

/// Name of the lineage child and master column standing for `updated_at`.
pub(crate) const LAST_UPDATED: &str = "last_updated";

fn list_of_utf8() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn timestamp_utc() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

fn lineage_fields() -> Fields {
    MASTER_FIELDS
        .iter()
        .map(|f| f.name())
        .chain([LAST_UPDATED])
        .map(|n| Field::new(n, DataType::Utf8, true))
        .collect()
}

/// Arrow type of a master field column under `opts`.
fn field_type(opts: &SurvivorshipOptions, f: CanonicalField) -> DataType {
    if opts.effective_rule(f) == Rule::CollectAll {
        list_of_utf8()
    } else if f == CanonicalField::DateOfBirth {
        DataType::Date32
    } else {
        DataType::Utf8
    }
}

/// Schema of `master.parquet` under the default [`SurvivorshipOptions`]
/// (`email` and `phone` as `List<Utf8>`). See the crate docs for the columns.
pub fn master_schema() -> SchemaRef {
    master_schema_for(&SurvivorshipOptions::default())
}

/// Schema of `master.parquet` under `opts`: a field whose effective rule is
/// `collect_all` is a `List<Utf8>` column, every other field keeps its
/// scalar type. [`crate::merge`] always returns a master of this schema.
pub fn master_schema_for(opts: &SurvivorshipOptions) -> SchemaRef {
    let mut fields = vec![Field::new("golden_id", DataType::Utf8, false)];
    fields.extend(
        MASTER_FIELDS
            .iter()
            .map(|&f| Field::new(f.name(), field_type(opts, f), true)),
    );
    fields.extend([
        Field::new(col::EXTRA, DataType::Utf8, true),
        Field::new("member_count", DataType::UInt32, false),
        Field::new("sources", list_of_utf8(), false),
        Field::new("first_seen", DataType::Date32, false),
        Field::new(LAST_UPDATED, timestamp_utc(), true),
        Field::new("quality_score", DataType::Float32, false),
        Field::new("lineage", DataType::Struct(lineage_fields()), false),
    ]);
    Arc::new(Schema::new(fields))
}

/// Schema of `crosswalk.parquet`: one row per accepted input record, sorted
/// by `record_id`: `record_id`, `source`, `golden_id`, `file`, `line`
/// (`UInt64`), `row_hash`, all non-null.
pub fn crosswalk_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(col::RECORD_ID, DataType::Utf8, false),
        Field::new(col::SOURCE, DataType::Utf8, false),
        Field::new("golden_id", DataType::Utf8, false),
        Field::new(col::FILE, DataType::Utf8, false),
        Field::new(col::LINE, DataType::UInt64, false),
        Field::new(col::ROW_HASH, DataType::Utf8, false),
    ]))
}

/// Schema of `golden_id_changes.parquet`: `run_id`, `old_id` (null for
/// `created`), `new_id` (null for `retired`), `kind` (`created`, `merged`,
/// `retired`, `split`; unchanged and grown ids are not listed),
/// `record_count` (`UInt32`: records of the cluster for `created`; former
/// records of `old_id` that moved to `new_id` for `merged` and `split`;
/// former records of `old_id` for `retired`). Sorted by kind, old id, new id.
pub fn id_changes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("old_id", DataType::Utf8, true),
        Field::new("new_id", DataType::Utf8, true),
        Field::new("kind", DataType::Utf8, false),
        Field::new("record_count", DataType::UInt32, false),
    ]))
}

/// One column of the master (lineage children counted separately).
#[derive(Clone, Copy)]
enum MasterCol {
    GoldenId,
    /// Index in [`MASTER_FIELDS`].
    Field(usize),
    Extra,
    MemberCount,
    Sources,
    FirstSeen,
    LastUpdated,
    Quality,
    /// Index in [`MASTER_FIELDS`], or its length for `last_updated`.
    Lineage(usize),
}

/// Builds master rows for the clusters `order` (a slice of the master's
/// golden-id order). `goldens[c]` is the golden record of cluster `c`.
/// Each column is built on its own (in parallel) in cluster order, which
/// reads the input nearly sequentially, then put in golden-id order with
/// one `take` (random reads of the compact column instead of the whole
/// input).
pub(crate) fn build_master(
    opts: &SurvivorshipOptions,
    input: &Input,
    goldens: &[Golden],
    clusters: &Clusters,
    ids: &IdAssignment,
    order: &[u32],
) -> Result<RecordBatch> {
    let schema = master_schema_for(opts);
    let n = order.len();
    // by_cluster[k] is the position in `order` of the k-th smallest cluster.
    let mut by_cluster: Vec<u32> = (0..n as u32).collect();
    by_cluster.par_sort_unstable_by_key(|&i| order[i as usize]);
    let rows = || by_cluster.iter().map(|&i| order[i as usize] as usize);
    let mut back = vec![0u32; n];
    for (k, &i) in by_cluster.iter().enumerate() {
        back[i as usize] = k as u32;
    }
    let back = UInt32Array::from(back);
    let rid = |g: u32| (g != NONE).then(|| input.record_id(g as usize));
    // The source record of every field (and of `last_updated`), one
    // column per field in `rows()` order: one pass over the golden records
    // instead of one per column. The clusters of a slice are scattered over
    // all golden records, so each visit is a cache miss (three quarters of
    // the time of building the master at 1M records).
    let mut from: Vec<Vec<u32>> = vec![Vec::with_capacity(n); MASTER_FIELDS.len() + 1];
    let mut last_updated = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut quality = Vec::with_capacity(n);
    for c in rows() {
        let gr = &goldens[c];
        for (col, &g) in from.iter_mut().zip(&gr.from) {
            col.push(g);
        }
        from[MASTER_FIELDS.len()].push(gr.last_updated_from);
        last_updated.append_option(gr.last_updated);
        quality.push(gr.quality);
    }
    let last_updated: ArrayRef = Arc::new(last_updated.finish());
    let quality: ArrayRef = Arc::new(Float32Array::from(quality));

    let mut jobs = vec![MasterCol::GoldenId];
    jobs.extend((0..MASTER_FIELDS.len()).map(MasterCol::Field));
    jobs.extend([
        MasterCol::Extra,
        MasterCol::MemberCount,
        MasterCol::Sources,
        MasterCol::FirstSeen,
        MasterCol::LastUpdated,
        MasterCol::Quality,
    ]);
    jobs.extend((0..=MASTER_FIELDS.len()).map(MasterCol::Lineage));

    let build = |job: MasterCol| -> ArrayRef {
        match job {
            MasterCol::GoldenId => {
                let mut b = StringBuilder::with_capacity(n, n * 17);
                for c in rows() {
                    b.append_value(ids.ids[c].as_str());
                }
                Arc::new(b.finish())
            }
            MasterCol::Field(i) => {
                let f = MASTER_FIELDS[i];
                let value = |g: u32| input.display(f, g as usize);
                match field_type(opts, f) {
                    DataType::List(_) => {
                        let mut b = ListBuilder::with_capacity(StringBuilder::new(), n);
                        for c in rows() {
                            let gr = &goldens[c];
                            if gr.from[i] == NONE {
                                b.append_null();
                                continue;
                            }
                            b.values().append_value(value(gr.from[i]));
                            for &(_, g) in gr.more.iter().filter(|(k, _)| *k as usize == i) {
                                b.values().append_value(value(g));
                            }
                            b.append(true);
                        }
                        Arc::new(b.finish())
                    }
                    DataType::Date32 => {
                        let mut b = Date32Builder::with_capacity(n);
                        for &g in &from[i] {
                            b.append_option(
                                (g != NONE)
                                    .then(|| parse_date(value(g)))
                                    .flatten()
                                    .map(date_to_days),
                            );
                        }
                        Arc::new(b.finish())
                    }
                    _ => {
                        let mut b = StringBuilder::with_capacity(n, n * 8);
                        for &g in &from[i] {
                            b.append_option((g != NONE).then(|| value(g)));
                        }
                        Arc::new(b.finish())
                    }
                }
            }
            MasterCol::Extra => {
                let mut b = StringBuilder::new();
                for c in rows() {
                    b.append_option(goldens[c].extra.as_deref());
                }
                Arc::new(b.finish())
            }
            MasterCol::MemberCount => Arc::new(UInt32Array::from_iter_values(
                rows().map(|c| clusters.members(c).len() as u32),
            )),
            MasterCol::Sources => {
                let mut b = ListBuilder::with_capacity(StringBuilder::new(), n);
                let mut ids: Vec<u32> = Vec::new();
                for c in rows() {
                    // Source indices follow name order: sorted indices are
                    // sorted names.
                    ids.clear();
                    ids.extend(
                        clusters
                            .members(c)
                            .iter()
                            .map(|&g| input.records[g as usize].source),
                    );
                    ids.sort_unstable();
                    ids.dedup();
                    for &s in &ids {
                        b.values().append_value(&input.sources[s as usize]);
                    }
                    b.append(true);
                }
                Arc::new(b.finish())
            }
            MasterCol::FirstSeen => Arc::new(Date32Array::from_iter_values(
                rows().map(|c| date_to_days(ids.first_seen[c])),
            )),
            MasterCol::LastUpdated => Arc::clone(&last_updated),
            MasterCol::Quality => Arc::clone(&quality),
            MasterCol::Lineage(i) => {
                let mut b = StringBuilder::with_capacity(n, n * 12);
                for &g in &from[i] {
                    b.append_option(rid(g));
                }
                Arc::new(b.finish())
            }
        }
    };
    let mut built: Vec<ArrayRef> = jobs
        .par_iter()
        .map(|&j| Ok(arrow::compute::take(&build(j), &back, None)?))
        .collect::<Result<_>>()?;
    let children = built.split_off(built.len() - (MASTER_FIELDS.len() + 1));
    // As `take` of a struct array makes it: with an all-valid null buffer.
    built.push(Arc::new(StructArray::try_new(
        lineage_fields(),
        children,
        Some(NullBuffer::new_valid(n)),
    )?));
    Ok(RecordBatch::try_new(schema, built)?)
}

/// Builds crosswalk rows: the records `rows` (global indices, a slice of
/// the crosswalk's record-id order) with their golden ids.
pub(crate) fn build_crosswalk(
    input: &Input,
    rows: &[u32],
    clusters: &Clusters,
    ids: &IdAssignment,
) -> Result<RecordBatch> {
    let n = rows.len();
    let build = |col: usize| -> ArrayRef {
        match col {
            0 => text_column(rows, |g| input.record_id(g), n * 16),
            1 => text_column(rows, |g| input.source(g), n * 8),
            2 => text_column(
                rows,
                |g| ids.ids[clusters.of_row[g] as usize].as_str(),
                n * 17,
            ),
            3 => text_column(rows, |g| input.file(g), n * 16),
            4 => Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|&g| input.records[g as usize].line),
            )),
            _ => text_column(
                rows,
                |g| {
                    let (cols, row) = input.at(g);
                    cols.row_hash.value(row)
                },
                n * 16,
            ),
        }
    };
    let columns: Vec<ArrayRef> = (0..6).into_par_iter().map(build).collect();
    Ok(RecordBatch::try_new(crosswalk_schema(), columns)?)
}

/// A non-null `Utf8` column of `value(g)` for every `g` of `rows`.
fn text_column<'s>(rows: &[u32], value: impl Fn(usize) -> &'s str, bytes: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(rows.len(), bytes);
    for &g in rows {
        b.append_value(value(g as usize));
    }
    Arc::new(b.finish())
}

/// Builds `golden_id_changes` for this run.
pub(crate) fn build_changes(run: &RunInfo, changes: &[IdChange]) -> Result<RecordBatch> {
    let n = changes.len();
    let mut run_id = StringBuilder::new();
    let mut old = StringBuilder::new();
    let mut new = StringBuilder::new();
    let mut kind = StringBuilder::new();
    let mut count = UInt32Builder::with_capacity(n);
    for ch in changes {
        run_id.append_value(&run.run_id);
        old.append_option(ch.old.as_ref().map(|g| g.as_str()));
        new.append_option(ch.new.as_ref().map(|g| g.as_str()));
        kind.append_value(ch.kind.name());
        count.append_value(ch.records);
    }
    Ok(RecordBatch::try_new(
        id_changes_schema(),
        vec![
            Arc::new(run_id.finish()),
            Arc::new(old.finish()),
            Arc::new(new.finish()),
            Arc::new(kind.finish()),
            Arc::new(count.finish()),
        ],
    )?)
}
