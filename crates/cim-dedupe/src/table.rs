//! Interned view of the normalised batches: every needed column becomes one
//! `u32` id per global row plus a table of distinct values with their
//! counts. Equality is an integer compare, term frequencies are a lookup,
//! and each distinct string is stored once.
//!
//! The ids are stored row-major (all of a row's columns side by side):
//! comparing a pair reads one or two cache lines per record instead of one
//! per compared column, and candidate pairs visit records in no useful
//! order, so at a million records comparing is bound by memory latency.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU32, Ordering};

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use cim_schema::batch::str_col;
use cim_schema::{CanonicalField, MatchKey, col};

use crate::Error;

/// How many pairs ahead of the one being compared the rows of the next are
/// prefetched ([`Table::prefetch_row`], [`Table::prefetch_ahead`]).
pub(crate) const PREFETCH_AHEAD: usize = 8;

/// Id of a null or empty value in every [`StrCol`].
pub(crate) const NULL: u32 = 0;

/// A column reference: a display value or a match key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ColRef {
    Display(CanonicalField),
    Key(MatchKey),
    Source,
}

impl ColRef {
    pub(crate) fn column_name(self) -> String {
        match self {
            Self::Display(f) => f.name().to_string(),
            Self::Key(k) => k.column_name(),
            Self::Source => col::SOURCE.to_string(),
        }
    }
}

/// The distinct values of one interned column.
#[derive(Debug, Clone)]
pub(crate) struct StrCol {
    /// Distinct values back to back; value `id` is
    /// `bytes[ends[id - 1]..ends[id]]` (id 0, the empty string, ends at 0).
    /// One buffer instead of a `Box<str>` per value: a 1M-row column has
    /// hundreds of thousands of distinct values.
    bytes: String,
    ends: Vec<usize>,
    /// Occurrences of each id among rows.
    pub counts: Vec<u32>,
    /// Rows with a value.
    pub non_null: u32,
}

impl StrCol {
    /// Interns `values`, returning the id of each and the distinct values.
    pub(crate) fn from_values<'a>(
        values: impl IntoIterator<Item = Option<&'a str>>,
        rows: usize,
    ) -> (Vec<u32>, Self) {
        let mut ids = Vec::with_capacity(rows);
        let col = Self::intern_each(values, |id| ids.push(id));
        (ids, col)
    }

    /// Interns `values`, handing the id of each to `emit` in order, and
    /// returns the distinct values.
    pub(crate) fn intern_each<'a>(
        values: impl IntoIterator<Item = Option<&'a str>>,
        mut emit: impl FnMut(u32),
    ) -> Self {
        // Values are keyed by their 128-bit xxh3 hash, so a lookup never
        // reads back the earlier string it matches (a cache miss into the
        // Arrow buffers for most of tens of millions of lookups at 1M
        // records). Two of even a billion distinct values share a 128-bit
        // hash with probability below 1e-20.
        let mut map: HashMap<u128, u32, BuildHasherDefault<PreHashed>> = HashMap::default();
        let mut col = StrCol {
            bytes: String::new(),
            ends: vec![0],
            counts: vec![0],
            non_null: 0,
        };
        for v in values {
            let id = match v {
                Some(s) if !is_blank(s) => {
                    let next = col.ends.len() as u32;
                    let id = *map
                        .entry(xxhash_rust::xxh3::xxh3_128(s.as_bytes()))
                        .or_insert(next);
                    if id == next {
                        col.push_value(s);
                    }
                    col.counts[id as usize] += 1;
                    col.non_null += 1;
                    id
                }
                _ => {
                    col.counts[0] += 1;
                    NULL
                }
            };
            emit(id);
        }
        col
    }

    /// The distinct `values` (`values[0]` must be the empty string) of a
    /// column whose rows hold `ids`; counts are taken from `ids`.
    pub(crate) fn from_parts<'a>(ids: &[u32], values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut col = StrCol {
            bytes: String::new(),
            ends: vec![0],
            counts: Vec::new(),
            non_null: 0,
        };
        for v in values.into_iter().skip(1) {
            col.push_value(v);
        }
        col.counts = vec![0; col.ends.len()];
        for &id in ids {
            col.counts[id as usize] += 1;
        }
        col.non_null = ids.len() as u32 - col.counts[0];
        col
    }

    fn push_value(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len());
        self.counts.push(0);
    }

    /// Every distinct value by id, `""` for [`NULL`] first.
    pub(crate) fn values(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|id| self.value(id as u32))
    }

    #[inline]
    pub(crate) fn value(&self, id: u32) -> &str {
        let id = id as usize;
        match id {
            0 => "",
            _ => &self.bytes[self.ends[id - 1]..self.ends[id]],
        }
    }

    /// Relative frequency of a value among rows that have one.
    #[inline]
    pub(crate) fn tf(&self, id: u32) -> f64 {
        if self.non_null == 0 || id == NULL {
            return 1.0;
        }
        f64::from(self.counts[id as usize]) / f64::from(self.non_null)
    }
}

/// One interned column of a [`Table`]: row ids plus the distinct values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col<'t> {
    ids: &'t [u32],
    width: usize,
    i: usize,
    values: &'t StrCol,
}

impl<'t> Col<'t> {
    #[inline]
    pub(crate) fn id(&self, row: usize) -> u32 {
        self.ids[row * self.width + self.i]
    }

    #[inline]
    pub(crate) fn get(&self, row: usize) -> Option<&'t str> {
        match self.id(row) {
            NULL => None,
            id => Some(self.values.value(id)),
        }
    }

    #[inline]
    pub(crate) fn value(&self, id: u32) -> &'t str {
        self.values.value(id)
    }

    /// Relative frequency of a value among rows that have one.
    #[inline]
    pub(crate) fn tf(&self, id: u32) -> f64 {
        self.values.tf(id)
    }

    /// The distinct values and their counts.
    pub(crate) fn distinct(&self) -> &'t StrCol {
        self.values
    }
}

/// The interned columns needed by one run.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub n_rows: usize,
    /// Value ids, row-major: row `r`, column `i` at `r * width + i`.
    ids: Vec<u32>,
    width: usize,
    cols: Vec<StrCol>,
    index: HashMap<ColRef, usize>,
    /// The source column again, column-major: every eligibility check and
    /// per-source count scans it.
    source_ids: Vec<u32>,
}

impl Table {
    /// Interns `refs` (and the source column) from `records`, rows in
    /// batch concatenation order.
    pub(crate) fn build(records: &[RecordBatch], refs: &[ColRef]) -> Result<Self, Error> {
        use rayon::prelude::*;
        let n_rows: usize = records.iter().map(RecordBatch::num_rows).sum();
        let mut wanted: Vec<ColRef> = refs.to_vec();
        wanted.push(ColRef::Source);
        wanted.sort();
        wanted.dedup();
        // Check every column first so a bad schema fails before any work.
        for b in records {
            for r in &wanted {
                str_col(b, &r.column_name())?;
            }
        }
        // Each column's ids go straight to their row-major places, a block
        // of rows at a time: a column-major copy first would double the
        // table's peak (gigabytes at 10M records). Atomic stores let the
        // columns, interned in parallel, share the table without unsafe
        // code; relaxed, they are plain stores, and the join below orders
        // them before any read.
        let width = wanted.len();
        let shared: Vec<AtomicU32> = (0..n_rows * width).map(|_| AtomicU32::new(NULL)).collect();
        let cols: Vec<StrCol> = wanted
            .par_iter()
            .enumerate()
            .map(|(i, r)| {
                let name = r.column_name();
                let arrays: Vec<_> = records
                    .iter()
                    .map(|b| str_col(b, &name).expect("checked above"))
                    .collect();
                const BLOCK: usize = 1 << 14;
                let mut block = Vec::with_capacity(BLOCK);
                let mut first = 0;
                let flush = |block: &mut Vec<u32>, first: &mut usize| {
                    for (k, &id) in block.iter().enumerate() {
                        shared[(*first + k) * width + i].store(id, Ordering::Relaxed);
                    }
                    *first += block.len();
                    block.clear();
                };
                let col = StrCol::intern_each(arrays.iter().flat_map(|a| a.iter()), |id| {
                    block.push(id);
                    if block.len() == BLOCK {
                        flush(&mut block, &mut first);
                    }
                });
                flush(&mut block, &mut first);
                col
            })
            .collect();
        // Same size and alignment: collected in place, no second buffer.
        let ids: Vec<u32> = shared.into_iter().map(AtomicU32::into_inner).collect();
        let index: HashMap<ColRef, usize> =
            wanted.iter().enumerate().map(|(i, r)| (*r, i)).collect();
        let source = index[&ColRef::Source];
        let source_ids = (0..n_rows).map(|r| ids[r * width + source]).collect();
        Ok(Self {
            n_rows,
            ids,
            width,
            cols,
            index,
            source_ids,
        })
    }

    /// Index of a column; panics when it was not requested at build time
    /// (a programming error).
    pub(crate) fn idx(&self, r: ColRef) -> usize {
        *self
            .index
            .get(&r)
            .unwrap_or_else(|| panic!("column {r:?} not interned"))
    }

    pub(crate) fn has(&self, r: ColRef) -> bool {
        self.index.contains_key(&r)
    }

    #[inline]
    pub(crate) fn col(&self, i: usize) -> Col<'_> {
        Col {
            ids: &self.ids,
            width: self.width,
            i,
            values: &self.cols[i],
        }
    }

    pub(crate) fn by_ref(&self, r: ColRef) -> Col<'_> {
        self.col(self.idx(r))
    }

    /// Asks the CPU to start loading row `r`'s ids. Pairs visit rows in no
    /// useful order, so at a million records each row is a cache miss;
    /// hinted a few pairs ahead, the misses overlap with comparing the
    /// pairs before. Only a hint: no effect on any result.
    #[inline]
    pub(crate) fn prefetch_row(&self, r: usize) {
        let start = r * self.width;
        if let Some(first) = self.ids.get(start) {
            mem_prefetch::prefetch_read_data::<_, 3>(first);
        }
        // A row of more than 16 ids spans two cache lines.
        if let Some(last) = self.ids.get(start + self.width.saturating_sub(1)) {
            mem_prefetch::prefetch_read_data::<_, 3>(last);
        }
    }

    /// Row `r`'s ids with their columns (none when `r` is out of range).
    #[inline]
    fn row_values(&self, r: usize) -> impl Iterator<Item = (&StrCol, u32)> {
        let start = r * self.width;
        let row = self.ids.get(start..start + self.width).unwrap_or(&[]);
        self.cols.iter().zip(row.iter().copied())
    }

    /// Asks the CPU to start loading where row `r`'s values are: each
    /// column's end offset for the row's id. Call it a few pairs after
    /// [`Self::prefetch_row`] for the same row, so the ids it reads are
    /// already in cache; the offsets are the next miss of a random row.
    #[inline]
    pub(crate) fn prefetch_values(&self, r: usize) {
        for (col, id) in self.row_values(r) {
            if let Some(end) = col.ends.get(id as usize) {
                mem_prefetch::prefetch_read_data::<_, 3>(end);
            }
        }
    }

    /// Asks the CPU to start loading row `r`'s value bytes, the last miss
    /// of a random row. Call it after [`Self::prefetch_values`] for the row.
    #[inline]
    pub(crate) fn prefetch_bytes(&self, r: usize) {
        for (col, id) in self.row_values(r).filter(|&(_, id)| id != NULL) {
            let first = col.ends.get(id as usize - 1);
            if let Some(b) = first.and_then(|&at| col.bytes.as_bytes().get(at)) {
                mem_prefetch::prefetch_read_data::<_, 3>(b);
            }
        }
    }

    /// Hints every load of the row `upcoming(k)` will compare `k` pairs
    /// from now, in three stages that each read what the stage before
    /// loaded: ids [`PREFETCH_AHEAD`] x 3 pairs ahead, value offsets x 2,
    /// value bytes x 1.
    #[inline]
    pub(crate) fn prefetch_ahead(&self, upcoming: impl Fn(usize) -> Option<usize>) {
        if let Some(r) = upcoming(3 * PREFETCH_AHEAD) {
            self.prefetch_row(r);
        }
        if let Some(r) = upcoming(2 * PREFETCH_AHEAD) {
            self.prefetch_values(r);
        }
        if let Some(r) = upcoming(PREFETCH_AHEAD) {
            self.prefetch_bytes(r);
        }
    }

    /// Source id per row.
    pub(crate) fn source_ids(&self) -> &[u32] {
        &self.source_ids
    }

    /// The distinct sources and their row counts.
    pub(crate) fn sources(&self) -> &StrCol {
        &self.cols[self.idx(ColRef::Source)]
    }
}

/// `columns` (each `n_rows` long) interleaved row by row: row `r`, column
/// `i` at `r * columns.len() + i`.
pub(crate) fn row_major(columns: &[&[u32]], n_rows: usize) -> Vec<u32> {
    use rayon::prelude::*;
    let width = columns.len();
    let mut out = vec![0; n_rows * width];
    if width == 0 {
        return out;
    }
    const ROWS: usize = 4096;
    out.par_chunks_mut(ROWS * width)
        .enumerate()
        .for_each(|(chunk, rows)| {
            let first = chunk * ROWS;
            for (i, col) in columns.iter().enumerate() {
                let col = &col[first..first + rows.len() / width];
                for (o, &id) in rows[i..].iter_mut().step_by(width).zip(col) {
                    *o = id;
                }
            }
        });
    out
}

/// Hasher for keys that are already well-mixed hashes: their low 64 bits.
#[derive(Default)]
struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u128` keys are hashed with it; anything else still works.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

/// Empty or only whitespace: such a value is missing.
#[inline]
fn is_blank(s: &str) -> bool {
    // Most values start with a visible ASCII character.
    match s.as_bytes().first() {
        None => true,
        Some(c) if c.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

/// Share of rows whose column `r` holds a non-empty value, straight from
/// the batches (used to choose default rules and comparisons before
/// interning).
pub(crate) fn fill_rate(records: &[RecordBatch], r: ColRef) -> Result<f64, Error> {
    let name = r.column_name();
    let mut rows = 0usize;
    let mut filled = 0usize;
    for b in records {
        let a = str_col(b, &name)?;
        rows += a.len();
        filled += a.iter().flatten().filter(|s| !s.trim().is_empty()).count();
    }
    Ok(if rows == 0 {
        0.0
    } else {
        filled as f64 / rows as f64
    })
}
