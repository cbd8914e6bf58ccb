//! Vectorised normalisation of one raw batch.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray, StringBuilder, UInt8Array};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use chrono::Datelike;
use cim_schema::batch::opt_str;
use cim_schema::{CanonicalField, FieldStatus, MatchKey, col, normalized_schema};

use crate::FieldNorm;
use crate::address::{address, city, country, country_code, postcode, region};
use crate::company::company;
use crate::date::{date_with_reference, datetime_with_reference};
use crate::email::email;
use crate::error::Error;
use crate::misc::{gender, national_id, source_key};
use crate::name::person_name;
use crate::options::{NormalizeOptions, SourceHints};
use crate::phone::phone;

const N_FIELDS: usize = CanonicalField::ALL.len();
const N_KEYS: usize = MatchKey::ALL.len();

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, Error> {
    batch
        .column_by_name(name)
        .ok_or_else(|| Error::MissingColumn(name.to_string()))
}

fn check_type(array: &ArrayRef, name: &str, expected: &DataType) -> Result<(), Error> {
    if array.data_type() == expected {
        Ok(())
    } else {
        Err(Error::ColumnType {
            column: name.to_string(),
            found: array.data_type().to_string(),
            expected: expected.to_string(),
        })
    }
}

/// One row's output before it is appended to the column builders.
struct Row {
    fields: [(Option<String>, FieldStatus, Option<&'static str>); N_FIELDS],
    keys: [Option<String>; N_KEYS],
}

impl Row {
    fn new() -> Self {
        Self {
            fields: std::array::from_fn(|_| (None, FieldStatus::Missing, None)),
            keys: std::array::from_fn(|_| None),
        }
    }

    fn set(&mut self, field: CanonicalField, n: FieldNorm, key: Option<MatchKey>) {
        if let Some(k) = key {
            self.keys[k as usize] = n.key;
        }
        self.fields[field as usize] = (n.display, n.status, n.issue);
    }

    fn set_raw(
        &mut self,
        field: CanonicalField,
        display: Option<String>,
        status: FieldStatus,
        issue: Option<&'static str>,
    ) {
        self.fields[field as usize] = (display, status, issue);
    }

    fn key(&mut self, key: MatchKey, value: Option<String>) {
        self.keys[key as usize] = value;
    }
}

/// Normalises one raw batch ([`cim_schema::raw_schema`]) into a batch of
/// exactly [`cim_schema::normalized_schema`].
///
/// Provenance columns and `extra` pass through unchanged. For every
/// canonical field the display column holds the cleaned value (null when
/// missing) and `<field>__status` its [`FieldStatus`] code; `key_*` columns
/// hold the match keys (null when underivable); `quality_issues` lists the
/// row's invalid fields as `field:reason` joined by `;` (null when none).
///
/// Row-level context: the row's country (or `hints.default_country`) picks
/// the postcode rules and national-id checks and fills `key_country` when
/// the row has no country; the phone region is `hints.phone_region`, else
/// that country.
///
/// Errors only for a malformed batch (missing column, wrong type); bad
/// values are data.
pub fn normalize_batch(
    raw: &RecordBatch,
    hints: &SourceHints,
    opts: &NormalizeOptions,
) -> Result<RecordBatch, Error> {
    let schema = normalized_schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for name in col::PROVENANCE {
        let array = column(raw, name)?;
        let expected = schema.field_with_name(name)?.data_type();
        check_type(array, name, expected)?;
        columns.push(array.clone());
    }
    let mut inputs: Vec<&StringArray> = Vec::with_capacity(N_FIELDS);
    for f in CanonicalField::ALL {
        let array = column(raw, f.name())?;
        check_type(array, f.name(), &DataType::Utf8)?;
        inputs.push(
            array
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| Error::ColumnType {
                    column: f.name().to_string(),
                    found: array.data_type().to_string(),
                    expected: DataType::Utf8.to_string(),
                })?,
        );
    }

    let n = raw.num_rows();
    let reference = opts.reference_date_or_today();
    let default_country = hints.default_country.as_deref().and_then(country_code);
    // Hints may name the region ("China", "UK") as well as code it.
    let phone_region = hints.phone_region.as_deref().and_then(country_code);
    let mut displays: Vec<StringBuilder> = (0..N_FIELDS)
        .map(|_| StringBuilder::with_capacity(n, n * 12))
        .collect();
    let mut statuses: Vec<Vec<u8>> = (0..N_FIELDS).map(|_| Vec::with_capacity(n)).collect();
    let mut keys: Vec<StringBuilder> = (0..N_KEYS)
        .map(|_| StringBuilder::with_capacity(n, n * 8))
        .collect();
    let mut issues = StringBuilder::with_capacity(n, n * 4);

    // Reused across rows: most rows have no issue, the rest a short list.
    let mut issue_text = String::new();
    for i in 0..n {
        let get = |f: CanonicalField| opt_str(inputs[f as usize], i);
        let ctx = RowContext {
            hints,
            opts,
            reference,
            default_country,
            phone_region,
        };
        let row = normalize_row(&get, &ctx);
        issue_text.clear();
        for (f, (display, status, issue)) in CanonicalField::ALL.iter().zip(row.fields) {
            displays[*f as usize].append_option(display);
            statuses[*f as usize].push(status.code());
            if let Some(reason) = issue {
                if !issue_text.is_empty() {
                    issue_text.push(';');
                }
                issue_text.push_str(f.name());
                issue_text.push(':');
                issue_text.push_str(reason);
            }
        }
        for (b, k) in keys.iter_mut().zip(row.keys) {
            b.append_option(k);
        }
        if issue_text.is_empty() {
            issues.append_null();
        } else {
            issues.append_value(&issue_text);
        }
    }

    for (mut d, s) in displays.into_iter().zip(statuses) {
        columns.push(Arc::new(d.finish()));
        columns.push(Arc::new(UInt8Array::from(s)));
    }
    for mut k in keys {
        columns.push(Arc::new(k.finish()));
    }
    columns.push(Arc::new(issues.finish()));
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// What every row of a batch shares.
struct RowContext<'h> {
    hints: &'h SourceHints,
    opts: &'h NormalizeOptions,
    reference: chrono::NaiveDate,
    default_country: Option<&'static str>,
    phone_region: Option<&'static str>,
}

fn normalize_row<'a>(
    get: &impl Fn(CanonicalField) -> Option<&'a str>,
    ctx: &RowContext<'_>,
) -> Row {
    let RowContext {
        hints,
        opts,
        reference,
        default_country,
        phone_region,
    } = *ctx;
    use CanonicalField as F;
    use MatchKey as K;
    let mut row = Row::new();
    let text =
        |f: F, norm: &dyn Fn(&str) -> FieldNorm| get(f).map_or_else(FieldNorm::missing, norm);

    row.set(F::SourceKey, text(F::SourceKey, &source_key), None);

    let mut ctry = text(F::Country, &country);
    if ctry.key.is_none() && ctry.status == FieldStatus::Missing {
        ctry.key = default_country.map(str::to_owned);
    }
    // The key, else the default, whether or not the default was just
    // filled in: borrowed from `ctry`, which is stored last.
    let row_country: Option<&str> = ctry.key.as_deref().or(default_country);

    let names = person_name(
        get(F::FullName),
        get(F::GivenName),
        get(F::MiddleName),
        get(F::FamilyName),
        opts,
    );
    row.set(F::FullName, names.full_name, Some(K::FullName));
    row.set(F::GivenName, names.given_name, Some(K::GivenName));
    row.set(F::MiddleName, names.middle_name, None);
    row.set(F::FamilyName, names.family_name, Some(K::FamilyName));
    row.key(K::GivenPhonetic, names.given_phonetic);
    row.key(K::FamilyPhonetic, names.family_phonetic);
    row.key(K::GivenInitial, names.given_initial);
    row.key(K::HanName, names.han_name);

    if let Some(raw) = get(F::Email) {
        let e = email(raw, opts);
        row.key(K::Email, e.key);
        row.key(K::EmailLocal, e.local_key);
        row.set_raw(F::Email, e.display, e.status, e.issue);
    }

    if let Some(raw) = get(F::Phone) {
        let region = phone_region.or(row_country);
        let p = phone(raw, region);
        row.key(K::Phone, p.key);
        row.set_raw(F::Phone, p.display, p.status, p.issue);
    }

    if let Some(raw) = get(F::DateOfBirth) {
        let d = date_with_reference(raw, hints.date_order, hints.excel_dates, opts, reference);
        if d.status == FieldStatus::Valid {
            row.key(K::Dob, d.display.clone());
            // The display is `YYYY-MM-DD` for years 0-9999: its first four
            // characters are the year, without formatting it again.
            let year = match (&d.display, d.date) {
                (Some(s), Some(x)) if (0..=9999).contains(&x.year()) => Some(s[..4].to_string()),
                (_, x) => x.map(|x| format!("{:04}", x.year())),
            };
            row.key(K::BirthYear, year);
        }
        row.set_raw(F::DateOfBirth, d.display, d.status, d.issue);
    }

    row.set(F::Gender, text(F::Gender, &gender), None);

    let a = address(get(F::AddressLine1), get(F::AddressLine2), opts);
    row.set(F::AddressLine1, a.line1, None);
    row.set(F::AddressLine2, a.line2, None);
    row.key(K::Address, a.key);
    row.key(K::HouseNumber, a.house_number);

    row.set(F::City, text(F::City, &|s| city(s, opts)), Some(K::City));
    row.set(F::Region, text(F::Region, &region), None);
    row.set(
        F::Postcode,
        text(F::Postcode, &|s| postcode(s, row_country)),
        Some(K::Postcode),
    );
    row.set(
        F::Company,
        text(F::Company, &|s| company(s, opts)),
        Some(K::Company),
    );
    row.set(
        F::NationalId,
        text(F::NationalId, &|s| national_id(s, row_country)),
        Some(K::NationalId),
    );
    row.set(F::Country, ctry, Some(K::Country));

    if let Some(raw) = get(F::UpdatedAt) {
        let t = datetime_with_reference(raw, hints.date_order, reference);
        row.set_raw(F::UpdatedAt, t.display, t.status, t.issue);
    }
    row
}

#[cfg(test)]
mod tests;
