//! Interned, column-wise view of the normalised batches: every needed
//! column becomes one `u32` id per global row plus a table of distinct
//! values with their counts. Equality is an integer compare, term
//! frequencies are a lookup, and each distinct string is stored once.

use std::collections::HashMap;

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use cim_schema::batch::str_col;
use cim_schema::{CanonicalField, MatchKey, col};

use crate::Error;

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
    fn column_name(self) -> String {
        match self {
            Self::Display(f) => f.name().to_string(),
            Self::Key(k) => k.column_name(),
            Self::Source => col::SOURCE.to_string(),
        }
    }
}

/// One interned column.
#[derive(Debug, Clone)]
pub(crate) struct StrCol {
    /// Value id per row; [`NULL`] for null or empty.
    pub ids: Vec<u32>,
    /// Distinct values; `values[0]` is the empty string.
    pub values: Vec<Box<str>>,
    /// Occurrences of each id among rows.
    pub counts: Vec<u32>,
    /// Rows with a value.
    pub non_null: u32,
}

impl StrCol {
    pub(crate) fn from_values<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        // xxh3 instead of SipHash: interning hashes every value of every
        // compared column (tens of millions of strings at 1M records).
        let mut map: HashMap<&'a str, u32, xxhash_rust::xxh3::Xxh3DefaultBuilder> =
            HashMap::default();
        let mut col = StrCol {
            ids: Vec::new(),
            values: vec!["".into()],
            counts: vec![0],
            non_null: 0,
        };
        for v in values {
            let id = match v {
                Some(s) if !s.trim().is_empty() => {
                    let next = col.values.len() as u32;
                    let id = *map.entry(s).or_insert(next);
                    if id == next {
                        col.values.push(s.into());
                        col.counts.push(0);
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
            col.ids.push(id);
        }
        col
    }

    #[inline]
    pub(crate) fn id(&self, row: usize) -> u32 {
        self.ids[row]
    }

    #[inline]
    pub(crate) fn get(&self, row: usize) -> Option<&str> {
        match self.ids[row] {
            NULL => None,
            id => Some(&self.values[id as usize]),
        }
    }

    #[inline]
    pub(crate) fn value(&self, id: u32) -> &str {
        &self.values[id as usize]
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

/// The interned columns needed by one run.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub n_rows: usize,
    cols: Vec<StrCol>,
    index: HashMap<ColRef, usize>,
}

impl Table {
    /// Interns `refs` (and the source column) from `records`, rows in
    /// batch concatenation order.
    pub(crate) fn build(records: &[RecordBatch], refs: &[ColRef]) -> Result<Self, Error> {
        let n_rows = records.iter().map(RecordBatch::num_rows).sum();
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
        let cols: Vec<StrCol> = {
            use rayon::prelude::*;
            wanted
                .par_iter()
                .map(|r| {
                    let name = r.column_name();
                    let arrays: Vec<_> = records
                        .iter()
                        .map(|b| str_col(b, &name).expect("checked above"))
                        .collect();
                    StrCol::from_values(arrays.iter().flat_map(|a| a.iter()))
                })
                .collect()
        };
        let index = wanted.iter().enumerate().map(|(i, r)| (*r, i)).collect();
        Ok(Self {
            n_rows,
            cols,
            index,
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
    pub(crate) fn col(&self, i: usize) -> &StrCol {
        &self.cols[i]
    }

    pub(crate) fn by_ref(&self, r: ColRef) -> &StrCol {
        &self.cols[self.idx(r)]
    }

    pub(crate) fn source(&self) -> &StrCol {
        self.by_ref(ColRef::Source)
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
