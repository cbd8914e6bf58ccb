//! Typed access to the normalised input batches and per-record facts that
//! every survivorship decision needs.

use std::collections::HashMap;

use rayon::prelude::*;

use arrow::array::{Array, StringArray, UInt8Array, UInt64Array};
use arrow::record_batch::RecordBatch;
use cim_schema::batch::{opt_str, str_col, u8_col, u64_col};
use cim_schema::{CanonicalField, FieldStatus, MatchKey, col, status_column};

use crate::error::{Error, Result};
use crate::options::SurvivorshipOptions;
use crate::time::parse_timestamp_ms;

/// The match key that identifies "the same value" of a field, when the key
/// is derived from that field alone.
pub(crate) fn group_key_of(field: CanonicalField) -> Option<MatchKey> {
    use CanonicalField as F;
    Some(match field {
        F::FullName => MatchKey::FullName,
        F::GivenName => MatchKey::GivenName,
        F::FamilyName => MatchKey::FamilyName,
        F::Email => MatchKey::Email,
        F::Phone => MatchKey::Phone,
        F::DateOfBirth => MatchKey::Dob,
        F::City => MatchKey::City,
        F::Postcode => MatchKey::Postcode,
        F::Country => MatchKey::Country,
        F::Company => MatchKey::Company,
        F::NationalId => MatchKey::NationalId,
        _ => return None,
    })
}

/// The columns of the normalised records that merging reads (every other
/// column may be left out of its input, e.g. when the records come back
/// from a spill): provenance, `extra`, each field with its status and
/// group key, and `key_address`.
pub fn input_columns() -> Vec<String> {
    let mut cols: Vec<String> = col::PROVENANCE.map(str::to_owned).into();
    for f in CanonicalField::ALL {
        cols.push(f.name().to_owned());
        cols.push(status_column(f));
        cols.extend(group_key_of(f).map(|k| k.column_name()));
    }
    cols.push(MatchKey::Address.column_name());
    cols
}

/// Columns of one input batch: shared handles on the caller's arrays, so
/// that the merge owns what it reads and the caller may drop its batches.
pub(crate) struct BatchCols {
    pub record_id: StringArray,
    pub line: UInt64Array,
    pub row_hash: StringArray,
    /// Display value per canonical field (index as in `CanonicalField::ALL`);
    /// `None` once released (fields the master does not show).
    values: Vec<Option<StringArray>>,
    /// What only survivorship reads; `None` once the golden records are
    /// built (see [`Input::release_survivorship_columns`]).
    ranking: Option<RankingCols>,
}

/// The columns survivorship reads besides the display values.
struct RankingCols {
    extra: StringArray,
    status: Vec<UInt8Array>,
    /// Group key column per canonical field (index as in `CanonicalField::ALL`).
    keys: Vec<Option<StringArray>>,
    /// `key_address`, the agreement key of the address unit.
    key_address: StringArray,
}

fn field_index(field: CanonicalField) -> usize {
    field as usize
}

impl BatchCols {
    fn new(batch: &RecordBatch) -> Result<Self> {
        let mut values = Vec::with_capacity(CanonicalField::ALL.len());
        let mut status = Vec::with_capacity(CanonicalField::ALL.len());
        let mut keys = Vec::with_capacity(CanonicalField::ALL.len());
        for f in CanonicalField::ALL {
            values.push(Some(str_col(batch, f.name())?.clone()));
            status.push(u8_col(batch, &status_column(f))?.clone());
            keys.push(match group_key_of(f) {
                Some(k) => Some(str_col(batch, &k.column_name())?.clone()),
                None => None,
            });
        }
        Ok(Self {
            record_id: str_col(batch, col::RECORD_ID)?.clone(),
            line: u64_col(batch, col::LINE)?.clone(),
            row_hash: str_col(batch, col::ROW_HASH)?.clone(),
            values,
            ranking: Some(RankingCols {
                extra: str_col(batch, col::EXTRA)?.clone(),
                status,
                keys,
                key_address: str_col(batch, &MatchKey::Address.column_name())?.clone(),
            }),
        })
    }

    fn ranking(&self) -> &RankingCols {
        self.ranking
            .as_ref()
            .expect("survivorship columns are read only before they are released")
    }

    /// The display values of `field`.
    fn values(&self, field: CanonicalField) -> &StringArray {
        self.values[field_index(field)]
            .as_ref()
            .expect("only fields of the master are read after release")
    }

    /// Display value and status of `field` at `row`; `None` when missing
    /// (status missing, null or empty display value).
    pub fn value(&self, field: CanonicalField, row: usize) -> Option<(&str, FieldStatus)> {
        let status = FieldStatus::from_code(self.ranking().status[field_index(field)].value(row));
        if status == FieldStatus::Missing {
            return None;
        }
        let v = opt_str(self.values(field), row)?;
        if v.is_empty() {
            return None;
        }
        Some((v, status))
    }

    /// Group key of `field` at `row`: its match key when derivable, else
    /// the display value.
    pub fn group_key<'s>(&'s self, field: CanonicalField, row: usize, display: &'s str) -> &'s str {
        match &self.ranking().keys[field_index(field)] {
            Some(k) => match opt_str(k, row) {
                Some(s) if !s.is_empty() => s,
                _ => display,
            },
            None => display,
        }
    }

    /// `extra` (JSON object of extra attributes) at `row`, when present.
    pub fn extra(&self, row: usize) -> Option<&str> {
        opt_str(&self.ranking().extra, row)
    }

    /// `key_address` at `row`.
    pub fn key_address(&self, row: usize) -> Option<&str> {
        opt_str(&self.ranking().key_address, row)
    }

    /// Drops the survivorship columns and the values of fields the master
    /// does not show.
    fn release(&mut self, shown: &[CanonicalField]) {
        self.ranking = None;
        for f in CanonicalField::ALL {
            if !shown.contains(&f) {
                self.values[field_index(f)] = None;
            }
        }
    }
}

/// Facts about one input record used across fields.
pub(crate) struct RecordMeta {
    /// Position in [`Input::by_record_id`]: comparing ranks compares
    /// record ids.
    pub rank: u32,
    pub line: u64,
    /// Valid `updated_at` in epoch milliseconds.
    pub updated: Option<i64>,
    pub batch: u32,
    pub row: u32,
    /// Rank of the source for `source_priority` (smaller = more trusted).
    pub priority: u32,
    /// Rank of the source in config order (record order, first key).
    pub order: u32,
    /// Index of the source name in [`Input::sources`] (sorted by name, so
    /// comparing indices compares names).
    pub source: u32,
    /// Index of the file name in [`Input::files`] (sorted, like `source`).
    pub file: u32,
}

/// All input batches with their columns and per-record facts.
pub(crate) struct Input {
    pub batches: Vec<BatchCols>,
    pub records: Vec<RecordMeta>,
    /// Distinct source names, sorted.
    pub sources: Vec<String>,
    /// Distinct file names, sorted.
    pub files: Vec<String>,
    /// Global record indices sorted by record id (the crosswalk order).
    pub by_record_id: Vec<u32>,
    /// Global index of each batch's first record.
    starts: Vec<usize>,
}

/// Interns the strings of one column: distinct values (first-seen order)
/// and, per row, the index of its value. Runs of equal values (files and
/// sources come in long runs) skip the hash map.
fn intern<'a>(
    array: &'a StringArray,
    distinct: &mut Vec<&'a str>,
    index: &mut HashMap<&'a str, u32>,
) -> Vec<u32> {
    let mut last: Option<(&'a str, u32)> = None;
    (0..array.len())
        .map(|row| {
            let v = array.value(row);
            if let Some((l, i)) = last
                && l == v
            {
                return i;
            }
            let i = *index.entry(v).or_insert_with(|| {
                distinct.push(v);
                distinct.len() as u32 - 1
            });
            last = Some((v, i));
            i
        })
        .collect()
}

/// Sorts `distinct` and returns, per first-seen index, the sorted position.
fn sort_interned(distinct: &mut [&str]) -> Vec<u32> {
    let mut by_name: Vec<u32> = (0..distinct.len() as u32).collect();
    by_name.sort_unstable_by_key(|&i| distinct[i as usize]);
    let mut pos = vec![0u32; distinct.len()];
    for (p, &i) in by_name.iter().enumerate() {
        pos[i as usize] = p as u32;
    }
    distinct.sort_unstable();
    pos
}

impl Input {
    pub fn new(
        batches: &[RecordBatch],
        opts: &SurvivorshipOptions,
        source_order: &[String],
    ) -> Result<Self> {
        let cols = batches
            .iter()
            .map(BatchCols::new)
            .collect::<Result<Vec<_>>>()?;
        let order_of: HashMap<&str, u32> = source_order
            .iter()
            .enumerate()
            .rev()
            .map(|(i, s)| (s.as_str(), i as u32))
            .collect();
        let mut priority_of: HashMap<&str, u32> = HashMap::new();
        for (i, s) in opts.source_priority.iter().enumerate() {
            priority_of.entry(s.as_str()).or_insert(i as u32);
        }
        let listed = opts.source_priority.len() as u32;

        // Sources and files as small integers ordered like their names.
        let (mut sources, mut files) = (Vec::new(), Vec::new());
        let (mut source_index, mut file_index) = (HashMap::new(), HashMap::new());
        let mut source_ids: Vec<Vec<u32>> = Vec::with_capacity(cols.len());
        let mut file_ids: Vec<Vec<u32>> = Vec::with_capacity(cols.len());
        for b in batches {
            let (source, file) = (str_col(b, col::SOURCE)?, str_col(b, col::FILE)?);
            source_ids.push(intern(source, &mut sources, &mut source_index));
            file_ids.push(intern(file, &mut files, &mut file_index));
        }
        let source_pos = sort_interned(&mut sources);
        let file_pos = sort_interned(&mut files);
        // (order, priority) per sorted source.
        let ranks: Vec<(u32, u32)> = sources
            .iter()
            .map(|s| {
                let order = order_of.get(s).copied().unwrap_or(u32::MAX);
                let priority = priority_of
                    .get(s)
                    .copied()
                    .unwrap_or_else(|| listed.saturating_add(order));
                (order, priority)
            })
            .collect();

        let per_batch: Vec<Vec<RecordMeta>> = cols
            .par_iter()
            .zip(source_ids.par_iter().zip(file_ids.par_iter()))
            .enumerate()
            .map(|(b, (c, (sid, fid)))| {
                (0..c.record_id.len())
                    .map(|row| {
                        let source = source_pos[sid[row] as usize];
                        let (order, priority) = ranks[source as usize];
                        let updated = match c.value(CanonicalField::UpdatedAt, row) {
                            Some((v, FieldStatus::Valid)) => parse_timestamp_ms(v),
                            _ => None,
                        };
                        RecordMeta {
                            rank: 0,
                            line: c.line.value(row),
                            updated,
                            batch: b as u32,
                            row: row as u32,
                            priority,
                            order,
                            source,
                            file: file_pos[fid[row] as usize],
                        }
                    })
                    .collect()
            })
            .collect();
        drop((source_ids, file_ids));
        let mut records: Vec<RecordMeta> = Vec::with_capacity(per_batch.iter().map(Vec::len).sum());
        for part in per_batch {
            records.extend(part);
        }

        // One sort by record id serves the duplicate check, the crosswalk
        // order and the golden id seeds.
        // The first 16 bytes as a number settle most comparisons without
        // touching the strings (see `prefix_key`).
        let mut keyed: Vec<(u128, &str, u32)> = records
            .par_iter()
            .enumerate()
            .map(|(g, r)| {
                let id = cols[r.batch as usize].record_id.value(r.row as usize);
                (prefix_key(id), id, g as u32)
            })
            .collect();
        keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        let sorted: Vec<(&str, u32)> = keyed.iter().map(|&(_, r, g)| (r, g)).collect();
        drop(keyed);
        check_unique(&sorted)?;
        let by_record_id: Vec<u32> = sorted.iter().map(|&(_, g)| g).collect();
        drop(sorted);
        for (p, &g) in by_record_id.iter().enumerate() {
            records[g as usize].rank = p as u32;
        }
        let starts = cols
            .iter()
            .scan(0, |next, c| {
                let start = *next;
                *next += c.record_id.len();
                Some(start)
            })
            .collect();
        let owned = |names: Vec<&str>| names.into_iter().map(str::to_owned).collect();
        Ok(Self {
            sources: owned(sources),
            files: owned(files),
            batches: cols,
            records,
            by_record_id,
            starts,
        })
    }

    /// Columns holding global record `g`, and its row in them.
    #[inline]
    pub fn at(&self, g: usize) -> (&BatchCols, usize) {
        let m = &self.records[g];
        (&self.batches[m.batch as usize], m.row as usize)
    }

    /// Display value and status of `field` for global record `g`.
    #[inline]
    pub fn value(&self, field: CanonicalField, g: usize) -> Option<(&str, FieldStatus)> {
        let (c, row) = self.at(g);
        c.value(field, row)
    }

    /// Batch and row of global record `g`, from the batch offsets alone
    /// (no look-up in `records`: the master gathers cells in random order).
    #[inline]
    fn locate(&self, g: usize) -> (&BatchCols, usize) {
        let b = self.starts.partition_point(|&s| s <= g) - 1;
        (&self.batches[b], g - self.starts[b])
    }

    /// Display value of `field` for global record `g`, missing or not
    /// (the master reads the cells survivorship chose, never missing ones).
    #[inline]
    pub fn display(&self, field: CanonicalField, g: usize) -> &str {
        let (c, row) = self.locate(g);
        c.values(field).value(row)
    }

    /// Record id of global record `g`.
    #[inline]
    pub fn record_id(&self, g: usize) -> &str {
        let (c, row) = self.locate(g);
        c.record_id.value(row)
    }

    /// Source name of global record `g`.
    #[inline]
    pub fn source(&self, g: usize) -> &str {
        &self.sources[self.records[g].source as usize]
    }

    /// File name of global record `g`.
    #[inline]
    pub fn file(&self, g: usize) -> &str {
        &self.files[self.records[g].file as usize]
    }

    /// Once every golden record is built, the master and crosswalk read
    /// only record ids, provenance and the display values of the master's
    /// fields: the rest (statuses, group keys, `extra`, other fields) is
    /// dropped, and with it the memory when the caller holds none of it.
    pub fn release_survivorship_columns(&mut self, shown: &[CanonicalField]) {
        for b in &mut self.batches {
            b.release(shown);
        }
    }
}

/// The first 16 bytes of `s`, big-endian, zero-padded. `prefix_key(a) <
/// prefix_key(b)` implies `a < b`: at the first differing byte either both
/// are real bytes, or `a` has ended (padding 0) where `b` goes on. Equal
/// keys say nothing, so ties fall back to comparing the strings.
fn prefix_key(s: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = s.len().min(16);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// Fails on the first record, in input order, whose id an earlier record
/// already has. `sorted` holds (record id, global index) sorted by id.
fn check_unique(sorted: &[(&str, u32)]) -> Result<()> {
    // Per run of equal ids, the second smallest index is where an
    // input-order scan would notice the repetition.
    let mut first: Option<(u32, &str)> = None;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        if j - i > 1 {
            let mut idx: Vec<u32> = sorted[i..j].iter().map(|&(_, g)| g).collect();
            idx.sort_unstable();
            if first.is_none_or(|(g, _)| idx[1] < g) {
                first = Some((idx[1], sorted[i].0));
            }
        }
        i = j;
    }
    match first {
        Some((_, id)) => Err(Error::DuplicateRecordId {
            record_id: id.to_owned(),
        }),
        None => Ok(()),
    }
}
