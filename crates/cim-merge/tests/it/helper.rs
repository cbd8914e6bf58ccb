//! Builds normalised batches by hand (the normaliser is written elsewhere).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray, UInt8Array, UInt64Array};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use cim_merge::{MergeOutput, PreviousRun, RunInfo, SurvivorshipOptions, merge};
use cim_schema::{CanonicalField as F, FieldStatus, MatchKey, normalized_schema};

/// One normalised record under construction.
#[derive(Clone, Debug)]
pub struct Rec {
    pub id: String,
    pub source: String,
    pub file: String,
    pub line: u64,
    pub values: BTreeMap<F, (String, FieldStatus)>,
    pub keys: BTreeMap<MatchKey, String>,
    pub extra: Option<String>,
}

/// A record `<source>:<key>` read from `<source>.csv` at `line`.
pub fn rec(source: &str, key: &str, line: u64) -> Rec {
    Rec {
        id: format!("{source}:{key}"),
        source: source.to_owned(),
        file: format!("{source}.csv"),
        line,
        values: BTreeMap::new(),
        keys: BTreeMap::new(),
        extra: None,
    }
}

impl Rec {
    /// A valid value.
    pub fn v(mut self, f: F, value: &str) -> Self {
        self.values
            .insert(f, (value.to_owned(), FieldStatus::Valid));
        self
    }
    /// An invalid (flagged) value.
    pub fn bad(mut self, f: F, value: &str) -> Self {
        self.values
            .insert(f, (value.to_owned(), FieldStatus::Invalid));
        self
    }
    /// A valid `updated_at`.
    pub fn at(self, ts: &str) -> Self {
        self.v(F::UpdatedAt, ts)
    }
    /// Overrides a match key (default: the field's value lower-cased).
    pub fn key(mut self, k: MatchKey, value: &str) -> Self {
        self.keys.insert(k, value.to_owned());
        self
    }
    pub fn file(mut self, file: &str) -> Self {
        self.file = file.to_owned();
        self
    }
    pub fn extra(mut self, json: &str) -> Self {
        self.extra = Some(json.to_owned());
        self
    }

    fn key_value(&self, k: MatchKey) -> Option<String> {
        if let Some(v) = self.keys.get(&k) {
            return Some(v.clone());
        }
        let field = match k {
            MatchKey::FullName => F::FullName,
            MatchKey::GivenName => F::GivenName,
            MatchKey::FamilyName => F::FamilyName,
            MatchKey::Email => F::Email,
            MatchKey::Phone => F::Phone,
            MatchKey::Dob => F::DateOfBirth,
            MatchKey::City => F::City,
            MatchKey::Postcode => F::Postcode,
            MatchKey::Country => F::Country,
            MatchKey::Company => F::Company,
            MatchKey::NationalId => F::NationalId,
            MatchKey::Address => {
                let l1 = self.values.get(&F::AddressLine1)?.0.to_lowercase();
                let l2 = self
                    .values
                    .get(&F::AddressLine2)
                    .map(|v| v.0.to_lowercase())
                    .unwrap_or_default();
                return Some(format!("{l1} {l2}").trim().to_owned());
            }
            _ => return None,
        };
        self.values.get(&field).map(|v| v.0.to_lowercase())
    }
}

/// A normalised batch of `recs`.
pub fn batch(recs: &[Rec]) -> RecordBatch {
    let schema = normalized_schema();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for field in schema.fields() {
        let name = field.name().as_str();
        let strings = |f: &dyn Fn(&Rec) -> Option<String>| -> ArrayRef {
            Arc::new(recs.iter().map(f).collect::<StringArray>())
        };
        let col: ArrayRef = match name {
            "record_id" => strings(&|r| Some(r.id.clone())),
            "source" => strings(&|r| Some(r.source.clone())),
            "file" => strings(&|r| Some(r.file.clone())),
            "line" => Arc::new(recs.iter().map(|r| r.line).collect::<UInt64Array>()),
            "row_hash" => strings(&|r| Some(format!("{:016x}", r.line))),
            "extra" => strings(&|r| r.extra.clone()),
            "quality_issues" => strings(&|_| None),
            _ if name.ends_with("__status") => {
                let f = F::from_name(name.trim_end_matches("__status")).unwrap();
                Arc::new(
                    recs.iter()
                        .map(|r| r.values.get(&f).map_or(0, |v| v.1.code()))
                        .collect::<UInt8Array>(),
                )
            }
            _ if name.starts_with("key_") => {
                let k = MatchKey::from_name(&name[4..]).unwrap();
                strings(&|r| r.key_value(k))
            }
            _ => {
                let f = F::from_name(name).unwrap();
                strings(&|r| r.values.get(&f).map(|v| v.0.clone()))
            }
        };
        columns.push(col);
    }
    RecordBatch::try_new(schema, columns).unwrap()
}

pub fn sources() -> Vec<String> {
    ["crm", "web", "shop"].map(String::from).to_vec()
}

pub fn run(id: &str, day: u32) -> RunInfo {
    RunInfo {
        run_id: id.to_owned(),
        as_of: NaiveDate::from_ymd_opt(2024, 1, day).unwrap(),
    }
}

/// Merges clusters given as groups of records (one batch per group list
/// entry order), first run.
pub fn merge_groups(groups: &[Vec<Rec>], opts: &SurvivorshipOptions) -> MergeOutput {
    merge_groups_with(groups, opts, None, &run("r1", 1))
}

pub fn merge_groups_with(
    groups: &[Vec<Rec>],
    opts: &SurvivorshipOptions,
    previous: Option<&PreviousRun>,
    run: &RunInfo,
) -> MergeOutput {
    let recs: Vec<Rec> = groups.iter().flatten().cloned().collect();
    let clusters: Vec<u32> = groups
        .iter()
        .enumerate()
        .flat_map(|(c, g)| std::iter::repeat_n(c as u32, g.len()))
        .collect();
    // Two batches, to exercise the global row index across batches.
    let mid = recs.len() / 2;
    let batches = vec![batch(&recs[..mid]), batch(&recs[mid..])];
    merge(&batches, &clusters, opts, &sources(), previous, run).unwrap()
}

/// Text of a master cell: scalar strings, dates as `YYYY-MM-DD`, lists joined by `|`.
pub fn cell(out: &MergeOutput, column: &str, row: usize) -> Option<String> {
    let a = out.master.column_by_name(column).unwrap();
    if a.is_null(row) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(row).to_owned(),
        DataType::Date32 => {
            let d = a.as_primitive::<arrow::datatypes::Date32Type>().value(row);
            (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::TimeDelta::days(d.into()))
                .to_string()
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>().value(row);
            let s = l.as_string::<i32>();
            (0..s.len())
                .map(|i| s.value(i).to_owned())
                .collect::<Vec<_>>()
                .join("|")
        }
        other => panic!("unexpected type {other}"),
    })
}

/// `lineage.<field>` of a master row.
pub fn lineage(out: &MergeOutput, field: &str, row: usize) -> Option<String> {
    let l = out.master.column_by_name("lineage").unwrap().as_struct();
    let c = l.column_by_name(field).unwrap().as_string::<i32>();
    (!c.is_null(row)).then(|| c.value(row).to_owned())
}

/// (record_id, golden_id) pairs of the crosswalk.
pub fn crosswalk(out: &MergeOutput) -> Vec<(String, String)> {
    let c = &out.crosswalk;
    let r = c.column_by_name("record_id").unwrap().as_string::<i32>();
    let g = c.column_by_name("golden_id").unwrap().as_string::<i32>();
    (0..c.num_rows())
        .map(|i| (r.value(i).to_owned(), g.value(i).to_owned()))
        .collect()
}
