//! Duplicate source keys: rows of one source that share a `source_key`.
//! Applied by the pipeline after normalisation, where `updated_at` is ISO
//! 8601 text, so comparing strings compares times.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use arrow::array::{Array, BooleanArray, StringArray, UInt64Array};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use cim_schema::{CanonicalField, QuarantineReason, QuarantineRow, col, escape_raw};

use crate::error::Error;

type Xxh3Hasher = std::hash::BuildHasherDefault<xxhash_rust::xxh3::Xxh3Default>;

/// A row without a (non-blank) source key.
const NO_GROUP: u32 = u32::MAX;
use crate::options::DuplicateKeyPolicy;

/// What [`resolve_duplicate_keys`] decided.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateResolution {
    /// One mask per input batch, same length: `true` keeps the row.
    pub keep: Vec<BooleanArray>,
    /// The rows dropped, as `duplicate_key` (policy `quarantine`) or
    /// `superseded_duplicate` (policy `keep_latest`), in input order.
    pub quarantine: Vec<QuarantineRow>,
    /// Number of distinct (source, source key) pairs held by more than one
    /// row.
    pub duplicate_keys: u64,
    /// Number of rows holding such a key (all of them, kept or not).
    pub duplicate_rows: u64,
}

struct Cols<'a> {
    record_id: &'a StringArray,
    source: &'a StringArray,
    file: &'a StringArray,
    line: &'a UInt64Array,
    key: &'a StringArray,
    updated: &'a StringArray,
}

fn cols(batch: &RecordBatch) -> Result<Cols<'_>, Error> {
    let s = |name: &str| -> Result<&StringArray, Error> {
        batch
            .column_by_name(name)
            .ok_or_else(|| Error::BatchSchema(format!("missing column `{name}`")))?
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| Error::BatchSchema(format!("column `{name}` is not Utf8")))
    };
    let line = batch
        .column_by_name(col::LINE)
        .ok_or_else(|| Error::BatchSchema(format!("missing column `{}`", col::LINE)))?;
    if line.data_type() != &DataType::UInt64 {
        return Err(Error::BatchSchema(format!(
            "column `{}` is not UInt64",
            col::LINE
        )));
    }
    Ok(Cols {
        record_id: s(col::RECORD_ID)?,
        source: s(col::SOURCE)?,
        file: s(col::FILE)?,
        line: line
            .as_any()
            .downcast_ref::<UInt64Array>()
            .expect("checked UInt64"),
        key: s(CanonicalField::SourceKey.name())?,
        updated: s(CanonicalField::UpdatedAt.name())?,
    })
}

/// Position of a row, in the order the comparisons need.
#[derive(Clone, Copy)]
struct Pos<'a> {
    updated: Option<&'a str>,
    file: &'a str,
    line: u64,
    record_id: &'a str,
    batch: usize,
    row: usize,
}

/// Reading order: file (as a path), then line, then record id.
fn read_order(a: &Pos<'_>, b: &Pos<'_>) -> Ordering {
    Path::new(a.file)
        .cmp(Path::new(b.file))
        .then(a.line.cmp(&b.line))
        .then(a.record_id.cmp(b.record_id))
}

/// Latest first by `updated_at` (missing is oldest), then reading order.
fn recency(a: &Pos<'_>, b: &Pos<'_>) -> Ordering {
    a.updated.cmp(&b.updated).then_with(|| read_order(a, b))
}

fn opt(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

/// The row's non-null text columns as a JSON object, for the quarantine.
fn raw_row(batch: &RecordBatch, row: usize) -> String {
    let mut m = serde_json::Map::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if let Some(s) = c.as_any().downcast_ref::<StringArray>()
            && !s.is_null(row)
        {
            m.insert(
                f.name().clone(),
                serde_json::Value::String(s.value(row).to_owned()),
            );
        }
    }
    escape_raw(serde_json::Value::Object(m).to_string().as_bytes())
}

/// Finds rows that share a (source, `source_key`) and decides which to keep.
///
/// Batches need the columns `record_id`, `source`, `file`, `line`
/// (`UInt64`), `source_key` and `updated_at` (`Utf8`); null or blank keys
/// are never duplicates. The decision does not depend on the order of
/// `batches`:
/// * `keep_latest`: the greatest `updated_at` wins (a missing value is the
///   oldest); on a tie the row read last wins (greatest file path, then
///   line, then record id). Losers: `superseded_duplicate`.
/// * `quarantine`: the row read first (smallest file path, then line) is
///   kept; later ones: `duplicate_key`.
/// * `keep_all`: everything is kept; only the counts are reported.
pub fn resolve_duplicate_keys(
    batches: &[RecordBatch],
    policy: DuplicateKeyPolicy,
) -> Result<DuplicateResolution, Error> {
    let all: Vec<Cols<'_>> = batches.iter().map(cols).collect::<Result<_, _>>()?;
    // (source, key) -> index into `groups`: (rows with it, winner). Hashed
    // with xxh3 (one entry per accepted row: SipHash showed in profiles);
    // the map's order is never read. Each row remembers its group, so the
    // second pass does not hash again.
    let rows: usize = all.iter().map(|c| c.key.len()).sum();
    let mut index: HashMap<(&str, &str), u32, Xxh3Hasher> =
        HashMap::with_capacity_and_hasher(rows, Xxh3Hasher::default());
    let mut groups: Vec<(u64, Pos<'_>)> = Vec::with_capacity(rows);
    let mut group_of: Vec<Vec<u32>> = Vec::with_capacity(all.len());
    for (bi, c) in all.iter().enumerate() {
        let mut ids = vec![NO_GROUP; c.key.len()];
        for (r, id) in ids.iter_mut().enumerate() {
            let Some(key) = opt(c.key, r).filter(|k| !k.trim().is_empty()) else {
                continue;
            };
            let pos = Pos {
                updated: opt(c.updated, r).filter(|u| !u.is_empty()),
                file: c.file.value(r),
                line: c.line.value(r),
                record_id: c.record_id.value(r),
                batch: bi,
                row: r,
            };
            let g = *index.entry((c.source.value(r), key)).or_insert_with(|| {
                groups.push((0, pos));
                (groups.len() - 1) as u32
            });
            *id = g;
            let (n, best) = &mut groups[g as usize];
            *n += 1;
            if *n > 1 {
                let better = match policy {
                    DuplicateKeyPolicy::KeepLatest => recency(&pos, best).is_gt(),
                    _ => read_order(&pos, best).is_lt(),
                };
                if better {
                    *best = pos;
                }
            }
        }
        group_of.push(ids);
    }
    drop(index);
    let duplicate_keys = groups.iter().filter(|(n, _)| *n > 1).count() as u64;
    let duplicate_rows = groups.iter().filter(|(n, _)| *n > 1).map(|(n, _)| n).sum();
    let mut keep = Vec::with_capacity(batches.len());
    let mut quarantine = Vec::new();
    for (bi, (c, ids)) in all.iter().zip(&group_of).enumerate() {
        let mut mask = vec![true; c.key.len()];
        if policy != DuplicateKeyPolicy::KeepAll {
            for (r, m) in mask.iter_mut().enumerate() {
                if ids[r] == NO_GROUP {
                    continue;
                }
                let (n, best) = &groups[ids[r] as usize];
                if *n < 2 || (best.batch == bi && best.row == r) {
                    continue;
                }
                *m = false;
                let (reason, detail) = match policy {
                    DuplicateKeyPolicy::Quarantine => (
                        QuarantineReason::DuplicateKey,
                        format!(
                            "source key held by {n} rows; first read at `{}` line {}",
                            best.file, best.line
                        ),
                    ),
                    _ => (
                        QuarantineReason::SupersededDuplicate,
                        format!(
                            "source key held by {n} rows; superseded by `{}` line {}",
                            best.file, best.line
                        ),
                    ),
                };
                quarantine.push(QuarantineRow {
                    source: c.source.value(r).to_owned(),
                    file: c.file.value(r).to_owned(),
                    line: Some(c.line.value(r)),
                    reason,
                    detail,
                    raw: raw_row(&batches[bi], r),
                });
            }
        }
        keep.push(BooleanArray::from(mask));
    }
    Ok(DuplicateResolution {
        keep,
        quarantine,
        duplicate_keys,
        duplicate_rows,
    })
}
