//! Output schemas and the assembly of output batches.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Float32Builder, ListBuilder, StringBuilder, StructArray,
    TimestampMillisecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use cim_schema::{CanonicalField, col};

use crate::error::Result;
use crate::ids::{IdAssignment, IdChange};
use crate::input::Input;
use crate::options::{Rule, RunInfo, SurvivorshipOptions};
use crate::survivorship::{GoldenRecord, MASTER_FIELDS};
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

/// Builds the master from golden records, rows in `order` (by golden id).
/// `goldens[i]` is the golden record of cluster `order[i]`: callers build
/// the master a slice of `order` at a time, so that only one slice's golden
/// records are alive at once.
pub(crate) fn build_master(
    opts: &SurvivorshipOptions,
    input: &Input<'_>,
    goldens: &[GoldenRecord<'_>],
    clusters: &[Vec<usize>],
    ids: &IdAssignment,
    order: &[usize],
) -> Result<RecordBatch> {
    debug_assert_eq!(goldens.len(), order.len());
    let schema = master_schema_for(opts);
    let n = order.len();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());

    let mut gid = StringBuilder::with_capacity(n, n * 17);
    for &c in order {
        gid.append_value(ids.ids[c].as_str());
    }
    columns.push(Arc::new(gid.finish()));

    for (i, &f) in MASTER_FIELDS.iter().enumerate() {
        let values = goldens.iter().map(|g| &g.fields[i].values);
        let array: ArrayRef = match field_type(opts, f) {
            DataType::List(_) => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for v in values {
                    if v.is_empty() {
                        b.append_null();
                    } else {
                        for s in v {
                            b.values().append_value(s);
                        }
                        b.append(true);
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Date32 => {
                let mut b = Date32Builder::with_capacity(n);
                for v in values {
                    b.append_option(v.first().and_then(|s| parse_date(s)).map(date_to_days));
                }
                Arc::new(b.finish())
            }
            _ => {
                let mut b = StringBuilder::new();
                for v in values {
                    b.append_option(v.first());
                }
                Arc::new(b.finish())
            }
        };
        columns.push(array);
    }

    let mut extra = StringBuilder::new();
    let mut count = UInt32Builder::with_capacity(n);
    let mut sources = ListBuilder::new(StringBuilder::new());
    let mut first_seen = Date32Builder::with_capacity(n);
    let mut last_updated = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut quality = Float32Builder::with_capacity(n);
    let mut lineage: Vec<StringBuilder> = (0..=MASTER_FIELDS.len())
        .map(|_| StringBuilder::new())
        .collect();
    let rid = |g: Option<usize>| g.map(|g| input.records[g].record_id);
    for (&c, gr) in order.iter().zip(goldens) {
        extra.append_option(gr.extra.as_deref());
        count.append_value(clusters[c].len() as u32);
        for s in &gr.sources {
            sources.values().append_value(s);
        }
        sources.append(true);
        first_seen.append_value(date_to_days(ids.first_seen[c]));
        last_updated.append_option(gr.last_updated);
        quality.append_value(gr.quality);
        for (b, fo) in lineage.iter_mut().zip(&gr.fields) {
            b.append_option(rid(fo.from));
        }
        lineage[MASTER_FIELDS.len()].append_option(rid(gr.last_updated_from));
    }
    columns.push(Arc::new(extra.finish()));
    columns.push(Arc::new(count.finish()));
    columns.push(Arc::new(sources.finish()));
    columns.push(Arc::new(first_seen.finish()));
    columns.push(Arc::new(last_updated.finish()));
    columns.push(Arc::new(quality.finish()));
    let children: Vec<ArrayRef> = lineage
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    columns.push(Arc::new(StructArray::try_new(
        lineage_fields(),
        children,
        None,
    )?));
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// Builds the crosswalk: every input record with its golden id, sorted by
/// record id.
pub(crate) fn build_crosswalk(
    input: &Input<'_>,
    clusters: &[Vec<usize>],
    ids: &IdAssignment,
) -> Result<RecordBatch> {
    let mut rows: Vec<(usize, usize)> = clusters
        .iter()
        .enumerate()
        .flat_map(|(c, m)| m.iter().map(move |&g| (g, c)))
        .collect();
    rows.sort_unstable_by(|a, b| {
        input.records[a.0]
            .record_id
            .cmp(input.records[b.0].record_id)
    });
    let n = rows.len();
    let (mut rid, mut src, mut gid, mut file, mut hash) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::with_capacity(n, n * 17),
        StringBuilder::new(),
        StringBuilder::with_capacity(n, n * 16),
    );
    let mut line = UInt64Builder::with_capacity(n);
    for (g, c) in rows {
        let m = &input.records[g];
        let (cols, row) = input.at(g);
        rid.append_value(m.record_id);
        src.append_value(m.source);
        gid.append_value(ids.ids[c].as_str());
        file.append_value(m.file);
        line.append_value(m.line);
        hash.append_value(cols.row_hash.value(row));
    }
    Ok(RecordBatch::try_new(
        crosswalk_schema(),
        vec![
            Arc::new(rid.finish()),
            Arc::new(src.finish()),
            Arc::new(gid.finish()),
            Arc::new(file.finish()),
            Arc::new(line.finish()),
            Arc::new(hash.finish()),
        ],
    )?)
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
