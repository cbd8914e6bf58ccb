use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::{CanonicalField, MatchKey};

/// Names of the provenance and bookkeeping columns shared by the raw and
/// normalised batches (and carried into outputs).
pub mod col {
    /// Stable record id ([`crate::RecordId`]), unique across all sources.
    pub const RECORD_ID: &str = "record_id";
    /// Source name from the config.
    pub const SOURCE: &str = "source";
    /// File the row was read from (as given or matched by a glob).
    pub const FILE: &str = "file";
    /// 1-based physical line (CSV/JSONL) or 1-based row number (Parquet, IPC).
    pub const LINE: &str = "line";
    /// 16 hex digits of xxh3-64 over the row's raw values, for change detection.
    pub const ROW_HASH: &str = "row_hash";
    /// Unmapped source columns as a JSON object (keys sorted); null if none.
    pub const EXTRA: &str = "extra";
    /// Normalised batches only: the row's validation problems as
    /// `field:reason` codes joined by `;` (e.g. `phone:too_short;email:syntax`);
    /// null when every present value is valid.
    pub const QUALITY_ISSUES: &str = "quality_issues";
    /// The provenance columns every raw and normalised batch starts with,
    /// in schema order.
    pub const PROVENANCE: [&str; 6] = [RECORD_ID, SOURCE, FILE, LINE, ROW_HASH, EXTRA];
}

fn provenance_fields() -> Vec<Field> {
    vec![
        Field::new(col::RECORD_ID, DataType::Utf8, false),
        Field::new(col::SOURCE, DataType::Utf8, false),
        Field::new(col::FILE, DataType::Utf8, false),
        Field::new(col::LINE, DataType::UInt64, false),
        Field::new(col::ROW_HASH, DataType::Utf8, false),
        Field::new(col::EXTRA, DataType::Utf8, true),
    ]
}

static RAW: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = provenance_fields();
    fields.extend(
        CanonicalField::ALL
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true)),
    );
    Arc::new(Schema::new(fields))
});

static NORMALIZED: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = provenance_fields();
    for f in CanonicalField::ALL {
        fields.push(Field::new(f.name(), DataType::Utf8, true));
        fields.push(Field::new(status_column(f), DataType::UInt8, false));
    }
    fields.extend(
        MatchKey::ALL
            .iter()
            .map(|k| Field::new(k.column_name(), DataType::Utf8, true)),
    );
    fields.push(Field::new(col::QUALITY_ISSUES, DataType::Utf8, true));
    Arc::new(Schema::new(fields))
});

static QUARANTINE: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, false),
        Field::new("raw", DataType::Utf8, false),
    ]))
});

/// Schema of ingested batches: provenance, then every [`CanonicalField`] as a
/// nullable `Utf8` holding the value as read (decoded, otherwise untouched).
pub fn raw_schema() -> SchemaRef {
    RAW.clone()
}

/// Schema of normalised batches: provenance; for every [`CanonicalField`] its
/// cleaned display value (`Utf8`, null when missing) and its
/// `<field>__status` ([`crate::FieldStatus`] code, `UInt8`); then every
/// [`MatchKey`] as `key_<name>` (`Utf8`, null when underivable); last
/// [`col::QUALITY_ISSUES`].
pub fn normalized_schema() -> SchemaRef {
    NORMALIZED.clone()
}

/// Schema of `quarantine.parquet`: source, file, line (null when the
/// position is unknown), reason code ([`crate::QuarantineReason::code`]),
/// a PII-free detail and the raw row as escaped text.
pub fn quarantine_schema() -> SchemaRef {
    QUARANTINE.clone()
}

/// Name of the status column of a field: `<field>__status`.
pub fn status_column(field: CanonicalField) -> String {
    format!("{}__status", field.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_and_normalised_batches_start_with_the_provenance_columns() {
        for schema in [raw_schema(), normalized_schema()] {
            let names: Vec<&str> = schema
                .fields()
                .iter()
                .take(col::PROVENANCE.len())
                .map(|f| f.name().as_str())
                .collect();
            assert_eq!(names, col::PROVENANCE);
        }
    }
}
