//! Explaining one golden record as plain text (`cim cluster OUTPUT GOLDEN_ID`).
//!
//! The caller reads the master, crosswalk and normalised rows back and
//! fills a [`GoldenView`] and [`MemberView`]s (directly, or with
//! [`GoldenView::from_master`] and [`MemberView::from_normalized`]);
//! [`render_cluster`] then prints golden values with their lineage and every
//! member's values, masked unless PII display is asked for.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use cim_schema::batch::{opt_str, str_col, u8_col, u64_col};
use cim_schema::{CanonicalField, FieldStatus, GoldenId, RecordId, col, status_column};

use crate::error::Result;
use crate::schema::LAST_UPDATED;
use crate::survivorship::MASTER_FIELDS;
use crate::time::format_timestamp_ms;

/// One field of a golden record with its lineage.
#[derive(Clone, Debug, PartialEq)]
pub struct GoldenFieldView {
    /// The field; [`CanonicalField::UpdatedAt`] stands for `last_updated`.
    pub field: CanonicalField,
    /// The value(s) as text (several for `collect_all` fields), empty when
    /// missing.
    pub values: Vec<String>,
    /// The record that supplied the (first) value (`lineage.<field>`).
    pub record_id: Option<RecordId>,
}

/// A golden record as read back from the master.
#[derive(Clone, Debug, PartialEq)]
pub struct GoldenView {
    /// The golden id.
    pub golden_id: GoldenId,
    /// Master fields in column order, then `last_updated`.
    pub fields: Vec<GoldenFieldView>,
    /// The merged extra attributes (JSON object text).
    pub extra: Option<String>,
    /// `member_count`.
    pub member_count: u32,
    /// `sources`.
    pub sources: Vec<String>,
    /// `first_seen`.
    pub first_seen: Option<NaiveDate>,
    /// `quality_score`.
    pub quality_score: Option<f32>,
}

/// One member record of a cluster, from the normalised rows.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberView {
    /// The record id.
    pub record_id: RecordId,
    /// Source name.
    pub source: String,
    /// File the record was read from.
    pub file: String,
    /// Line (or row number) in that file.
    pub line: u64,
    /// Display value and status of each canonical field, in schema order.
    pub values: Vec<(CanonicalField, Option<String>, FieldStatus)>,
}

fn schema_err(msg: String) -> ArrowError {
    ArrowError::SchemaError(msg)
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
    Ok(batch
        .column_by_name(name)
        .ok_or_else(|| schema_err(format!("missing column `{name}`")))?)
}

/// Every non-null element of `array` as text.
fn texts(array: &dyn Array) -> Result<Vec<String>> {
    let array = match array.data_type() {
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            let a = array.as_primitive::<arrow::datatypes::TimestampMillisecondType>();
            return Ok(a.iter().flatten().map(format_timestamp_ms).collect());
        }
        DataType::Utf8 => {
            return Ok(array
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_owned)
                .collect());
        }
        _ => cast(array, &DataType::Utf8)?,
    };
    Ok(array
        .as_string::<i32>()
        .iter()
        .flatten()
        .map(str::to_owned)
        .collect())
}

/// The value(s) of one cell as text; lists give one entry per element.
fn cell(array: &dyn Array, row: usize) -> Result<Vec<String>> {
    if array.is_null(row) {
        return Ok(Vec::new());
    }
    match array.data_type() {
        DataType::List(_) => texts(array.as_list::<i32>().value(row).as_ref()),
        DataType::LargeList(_) => texts(array.as_list::<i64>().value(row).as_ref()),
        _ => texts(array.slice(row, 1).as_ref()),
    }
}

impl GoldenView {
    /// Finds `golden_id` in master batches ([`crate::master_schema_for`]
    /// any options) and reads it; `None` when it is not there.
    pub fn from_master(master: &[RecordBatch], golden_id: &GoldenId) -> Result<Option<Self>> {
        for batch in master {
            let ids = str_col(batch, "golden_id")?;
            let Some(row) = (0..batch.num_rows()).find(|&i| ids.value(i) == golden_id.as_str())
            else {
                continue;
            };
            let lineage = column(batch, "lineage")?
                .as_struct_opt()
                .ok_or_else(|| schema_err("column `lineage` is not a struct".into()))?;
            let names = MASTER_FIELDS
                .iter()
                .map(|&f| (f, f.name()))
                .chain([(CanonicalField::UpdatedAt, LAST_UPDATED)]);
            let mut fields = Vec::new();
            for (field, name) in names {
                let from = lineage
                    .column_by_name(name)
                    .map(|c| cell(c.as_ref(), row))
                    .transpose()?
                    .and_then(|v| v.into_iter().next())
                    .map(RecordId);
                fields.push(GoldenFieldView {
                    field,
                    values: cell(column(batch, name)?.as_ref(), row)?,
                    record_id: from,
                });
            }
            let first_seen = cell(column(batch, "first_seen")?.as_ref(), row)?
                .first()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            let quality = column(batch, "quality_score")?;
            let quality_score = quality
                .as_primitive_opt::<arrow::datatypes::Float32Type>()
                .filter(|q| !q.is_null(row))
                .map(|q| q.value(row));
            let member_count = column(batch, "member_count")?
                .as_primitive_opt::<arrow::datatypes::UInt32Type>()
                .map_or(0, |a| a.value(row));
            return Ok(Some(Self {
                golden_id: golden_id.clone(),
                fields,
                extra: cell(column(batch, col::EXTRA)?.as_ref(), row)?
                    .into_iter()
                    .next(),
                member_count,
                sources: cell(column(batch, "sources")?.as_ref(), row)?,
                first_seen,
                quality_score,
            }));
        }
        Ok(None)
    }
}

impl MemberView {
    /// Reads the rows of `record_ids` from normalised batches, in the order
    /// of `record_ids`; ids not found are skipped.
    pub fn from_normalized(batches: &[RecordBatch], record_ids: &[RecordId]) -> Result<Vec<Self>> {
        let wanted: HashSet<&str> = record_ids.iter().map(RecordId::as_str).collect();
        let mut found: BTreeMap<&str, MemberView> = BTreeMap::new();
        for batch in batches {
            let rid = str_col(batch, col::RECORD_ID)?;
            let source = str_col(batch, col::SOURCE)?;
            let file = str_col(batch, col::FILE)?;
            let line = u64_col(batch, col::LINE)?;
            let mut cols = Vec::new();
            for f in CanonicalField::ALL {
                cols.push((
                    f,
                    str_col(batch, f.name())?,
                    u8_col(batch, &status_column(f))?,
                ));
            }
            for row in 0..batch.num_rows() {
                let Some(&id) = wanted.get(rid.value(row)) else {
                    continue;
                };
                found.insert(
                    id,
                    MemberView {
                        record_id: RecordId(id.to_owned()),
                        source: source.value(row).to_owned(),
                        file: file.value(row).to_owned(),
                        line: line.value(row),
                        values: cols
                            .iter()
                            .map(|(f, v, s)| {
                                (
                                    *f,
                                    opt_str(v, row).map(str::to_owned),
                                    FieldStatus::from_code(s.value(row)),
                                )
                            })
                            .collect(),
                    },
                );
            }
        }
        Ok(record_ids
            .iter()
            .filter_map(|r| found.remove(r.as_str()))
            .collect())
    }
}

/// Masks a value of `field` for display without PII: e-mail keeps the first
/// letter and the top-level domain (`j***@***.com`), phone the last two
/// digits (`***67`), dates nothing (`****-**-**`), national ids nothing
/// (`***`), other fields the first letter of each word (`J*** S***`).
/// Values of non-PII fields are returned unchanged.
pub fn mask(field: CanonicalField, value: &str) -> String {
    if !field.is_pii() || value.is_empty() {
        return value.to_owned();
    }
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match field {
        CanonicalField::Email => {
            let (local, domain) = value.rsplit_once('@').unwrap_or((value, ""));
            let tld = domain.rsplit_once('.').map_or("", |(_, t)| t);
            format!("{}***@***.{tld}", first(local))
        }
        CanonicalField::Phone => {
            let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
            let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
            format!("***{tail}")
        }
        CanonicalField::DateOfBirth => "****-**-**".to_owned(),
        CanonicalField::NationalId => "***".to_owned(),
        _ => value
            .split_whitespace()
            .map(|w| format!("{}***", first(w)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn shown(field: CanonicalField, value: &str, show_pii: bool) -> String {
    if show_pii {
        value.to_owned()
    } else {
        mask(field, value)
    }
}

fn label(field: CanonicalField) -> &'static str {
    if field == CanonicalField::UpdatedAt {
        LAST_UPDATED
    } else {
        field.name()
    }
}

/// Masks the values of a JSON object, keeping its keys.
fn shown_extra(extra: &str, show_pii: bool) -> String {
    if show_pii {
        return extra.to_owned();
    }
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(extra) {
        Ok(map) => {
            let keys: Vec<String> = map.keys().map(|k| format!("{k:?}: \"***\"")).collect();
            format!("{{{}}}", keys.join(", "))
        }
        Err(_) => "***".to_owned(),
    }
}

/// Renders a golden record, its per-field lineage and its members as plain
/// text. Values are masked with [`mask`] unless `show_pii`; record ids,
/// sources, files and lines are always shown. In the member listing `*`
/// marks the values that made it into the golden record and `!` flags
/// invalid values.
pub fn render_cluster(golden: &GoldenView, members: &[MemberView], show_pii: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "golden record {}", golden.golden_id);
    let quality = golden
        .quality_score
        .map_or_else(|| "-".to_owned(), |q| format!("{q:.2}"));
    let first_seen = golden
        .first_seen
        .map_or_else(|| "-".to_owned(), |d| d.to_string());
    let _ = writeln!(
        out,
        "  members {} | sources {} | first seen {first_seen} | quality {quality}",
        golden.member_count,
        golden.sources.join(", "),
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "  {:<14} {:<44} supplied by", "field", "golden value");
    for f in &golden.fields {
        let value = if f.values.is_empty() {
            "-".to_owned()
        } else {
            f.values
                .iter()
                .map(|v| shown(f.field, v, show_pii))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let from = f.record_id.as_ref().map_or("-", RecordId::as_str);
        let _ = writeln!(out, "  {:<14} {value:<44} {from}", label(f.field));
    }
    if let Some(extra) = &golden.extra {
        let _ = writeln!(out, "  {:<14} {}", "extra", shown_extra(extra, show_pii));
    }

    let supplied: HashSet<(&str, CanonicalField)> = golden
        .fields
        .iter()
        .filter_map(|f| f.record_id.as_ref().map(|r| (r.as_str(), f.field)))
        .collect();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "members ({}; * supplied the golden value, ! invalid)",
        members.len()
    );
    for m in members {
        let _ = writeln!(
            out,
            "  {}  source {}  {}:{}",
            m.record_id, m.source, m.file, m.line
        );
        for (f, v, status) in &m.values {
            let Some(v) = v.as_deref().filter(|_| *status != FieldStatus::Missing) else {
                continue;
            };
            let star = if supplied.contains(&(m.record_id.as_str(), *f)) {
                '*'
            } else {
                ' '
            };
            let bang = if *status == FieldStatus::Invalid {
                "  ! invalid"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {star} {:<14} {}{bang}",
                f.name(),
                shown(*f, v, show_pii)
            );
        }
    }
    out
}
