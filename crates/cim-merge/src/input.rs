//! Typed access to the normalised input batches and per-record facts that
//! every survivorship decision needs.

use std::collections::{HashMap, HashSet};

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

/// Columns of one input batch.
pub(crate) struct BatchCols<'a> {
    pub record_id: &'a StringArray,
    pub source: &'a StringArray,
    pub file: &'a StringArray,
    pub line: &'a UInt64Array,
    pub row_hash: &'a StringArray,
    pub extra: &'a StringArray,
    values: Vec<&'a StringArray>,
    status: Vec<&'a UInt8Array>,
    /// Group key column per canonical field (index as in `CanonicalField::ALL`).
    keys: Vec<Option<&'a StringArray>>,
    /// `key_address`, the agreement key of the address unit.
    pub key_address: &'a StringArray,
}

fn field_index(field: CanonicalField) -> usize {
    field as usize
}

impl<'a> BatchCols<'a> {
    fn new(batch: &'a RecordBatch) -> Result<Self> {
        let mut values = Vec::with_capacity(CanonicalField::ALL.len());
        let mut status = Vec::with_capacity(CanonicalField::ALL.len());
        let mut keys = Vec::with_capacity(CanonicalField::ALL.len());
        for f in CanonicalField::ALL {
            values.push(str_col(batch, f.name())?);
            status.push(u8_col(batch, &status_column(f))?);
            keys.push(match group_key_of(f) {
                Some(k) => Some(str_col(batch, &k.column_name())?),
                None => None,
            });
        }
        Ok(Self {
            record_id: str_col(batch, col::RECORD_ID)?,
            source: str_col(batch, col::SOURCE)?,
            file: str_col(batch, col::FILE)?,
            line: u64_col(batch, col::LINE)?,
            row_hash: str_col(batch, col::ROW_HASH)?,
            extra: str_col(batch, col::EXTRA)?,
            values,
            status,
            keys,
            key_address: str_col(batch, &MatchKey::Address.column_name())?,
        })
    }

    /// Display value and status of `field` at `row`; `None` when missing
    /// (status missing, null or empty display value).
    pub fn value(&self, field: CanonicalField, row: usize) -> Option<(&'a str, FieldStatus)> {
        let i = field_index(field);
        let status = FieldStatus::from_code(self.status[i].value(row));
        if status == FieldStatus::Missing {
            return None;
        }
        let v = opt_str(self.values[i], row)?;
        if v.is_empty() {
            return None;
        }
        Some((v, status))
    }

    /// Group key of `field` at `row`: its match key when derivable, else
    /// the display value.
    pub fn group_key(&self, field: CanonicalField, row: usize, display: &'a str) -> &'a str {
        match self.keys[field_index(field)] {
            Some(k) => match opt_str(k, row) {
                Some(s) if !s.is_empty() => s,
                _ => display,
            },
            None => display,
        }
    }
}

/// Facts about one input record used across fields.
pub(crate) struct RecordMeta<'a> {
    pub batch: u32,
    pub row: u32,
    pub record_id: &'a str,
    pub source: &'a str,
    pub file: &'a str,
    pub line: u64,
    /// Rank of the source for `source_priority` (smaller = more trusted).
    pub priority: u32,
    /// Rank of the source in config order (record order, first key).
    pub order: u32,
    /// Valid `updated_at` in epoch milliseconds.
    pub updated: Option<i64>,
}

/// All input batches with their columns and per-record facts.
pub(crate) struct Input<'a> {
    pub batches: Vec<BatchCols<'a>>,
    pub records: Vec<RecordMeta<'a>>,
}

impl<'a> Input<'a> {
    pub fn new(
        batches: &'a [RecordBatch],
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
        let per_batch: Vec<Vec<RecordMeta<'a>>> = cols
            .par_iter()
            .enumerate()
            .map(|(b, c)| {
                (0..c.record_id.len())
                    .map(|row| {
                        let source = c.source.value(row);
                        let order = order_of.get(source).copied().unwrap_or(u32::MAX);
                        let priority = priority_of
                            .get(source)
                            .copied()
                            .unwrap_or_else(|| listed.saturating_add(order));
                        let updated = match c.value(CanonicalField::UpdatedAt, row) {
                            Some((v, FieldStatus::Valid)) => parse_timestamp_ms(v),
                            _ => None,
                        };
                        RecordMeta {
                            batch: b as u32,
                            row: row as u32,
                            record_id: c.record_id.value(row),
                            source,
                            file: c.file.value(row),
                            line: c.line.value(row),
                            priority,
                            order,
                            updated,
                        }
                    })
                    .collect()
            })
            .collect();
        let records: Vec<RecordMeta<'a>> = per_batch.into_iter().flatten().collect();
        let mut seen: HashSet<&str> = HashSet::with_capacity(records.len());
        for r in &records {
            if !seen.insert(r.record_id) {
                return Err(Error::DuplicateRecordId {
                    record_id: r.record_id.to_owned(),
                });
            }
        }
        Ok(Self {
            batches: cols,
            records,
        })
    }

    /// Columns holding global record `g`, and its row in them.
    #[inline]
    pub fn at(&self, g: usize) -> (&BatchCols<'a>, usize) {
        let m = &self.records[g];
        (&self.batches[m.batch as usize], m.row as usize)
    }

    /// Display value and status of `field` for global record `g`.
    #[inline]
    pub fn value(&self, field: CanonicalField, g: usize) -> Option<(&'a str, FieldStatus)> {
        let (c, row) = self.at(g);
        c.value(field, row)
    }
}
