//! Per-source options. The config crate embeds these types as they are, so
//! every field documents its default (the config reference is generated from
//! these comments).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cim_schema::CanonicalField;
use serde::{Deserialize, Serialize};

/// Default maximum size of one field, in bytes (64 KiB).
pub const DEFAULT_MAX_FIELD_BYTES: usize = 64 * 1024;

/// Default maximum number of columns (fields) of one record.
pub const DEFAULT_MAX_COLUMNS: usize = 4096;

/// How to read one source: where its files are, their format and encoding,
/// and which source columns feed which canonical field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceOptions {
    /// Source name, used in record ids (`<name>:<key>`), reports and
    /// quarantine rows. Default: empty (the config layer sets it from the
    /// source's table name).
    pub name: String,
    /// A file or a glob such as `exports/crm-*.csv` (all matches are read, in
    /// sorted order), already resolved relative to the config file.
    /// Default: empty.
    pub path: PathBuf,
    /// File format. Default: `auto` (by extension, then by content).
    pub format: Format,
    /// Text encoding: `auto` or any WHATWG label understood by encoding_rs
    /// (`utf-8`, `utf-16le`, `gbk`, `gb18030`, `big5`, `shift_jis`,
    /// `euc-kr`, `windows-1252`, `latin1`, ...). `auto` honours a byte-order
    /// mark, else reads UTF-8 and decodes rows that are not valid UTF-8 with
    /// `fallback_encoding`. A byte-order mark always wins over the declared
    /// encoding. Default: `auto`.
    pub encoding: String,
    /// With `encoding = "auto"`: the encoding of rows that are not valid
    /// UTF-8. Default: none (such rows are quarantined as `invalid_encoding`).
    pub fallback_encoding: Option<String>,
    /// Replace bytes that are invalid in the encoding with U+FFFD instead of
    /// quarantining the row. Default: `false`.
    pub replace_invalid: bool,
    /// Options for delimited text files. Default: see [`CsvOptions`].
    pub csv: CsvOptions,
    /// Canonical field -> source column(s). Unmapped columns go to `extra`.
    /// A column name matches exactly, else uniquely after trimming and
    /// ignoring ASCII case. For JSON Lines a column is a dotted path
    /// (`address.city`; absent in a line = null, so paths cannot be checked
    /// up front); Parquet and Arrow struct fields are addressed the same way.
    /// Default: empty.
    pub columns: BTreeMap<CanonicalField, ColumnSource>,
    /// Canonical fields that must be non-empty; rows without them are
    /// quarantined as `missing_required`. Each must be mapped. Default: none.
    pub required: Vec<CanonicalField>,
    /// Largest accepted field, in bytes as read (UTF-8 bytes for UTF-16
    /// input, JSON values and Parquet/Arrow columns); longer fields
    /// quarantine the row as `field_too_large`. A CSV record longer than
    /// about twice the column count times this (at least 1 MiB), or a JSON
    /// line longer than 64 times this (at least 1 MiB), is skipped to the
    /// end of its line without being held in memory. Default: 65536.
    pub max_field_bytes: usize,
    /// Most columns a record may have: a CSV header (or first record) or a
    /// Parquet/Arrow schema with more is refused with an error naming the
    /// count; a JSON line with more leaf fields is quarantined as
    /// `wrong_field_count`. With `max_field_bytes` it bounds the memory one
    /// record may take. Default: 4096.
    pub max_columns: usize,
    /// Keep unmapped columns in the `extra` JSON column. Default: `true`.
    pub keep_extra: bool,
    /// What to do with rows sharing a source key. Default: `keep_latest`.
    pub duplicate_keys: DuplicateKeyPolicy,
}

impl Default for SourceOptions {
    fn default() -> Self {
        Self {
            name: String::new(),
            path: PathBuf::new(),
            format: Format::Auto,
            encoding: "auto".to_owned(),
            fallback_encoding: None,
            replace_invalid: false,
            csv: CsvOptions::default(),
            columns: BTreeMap::new(),
            required: Vec::new(),
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
            max_columns: DEFAULT_MAX_COLUMNS,
            keep_extra: true,
            duplicate_keys: DuplicateKeyPolicy::KeepLatest,
        }
    }
}

impl SourceOptions {
    /// Options for a bare path (as `cim profile <file>` uses): the source is
    /// named after the file stem, everything else is default.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = Path::new(&path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "source".to_owned());
        Self {
            name,
            path,
            ..Self::default()
        }
    }
}

/// Input file format.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Decide per file by extension (`csv tsv txt` -> CSV, `jsonl ndjson
    /// json` -> JSON Lines, `parquet pq` -> Parquet, `arrow ipc feather
    /// arrows` -> Arrow IPC), else by content (Parquet and Arrow magic bytes,
    /// a leading `{` for JSON Lines, otherwise CSV). The default.
    #[default]
    Auto,
    /// Delimited text (see [`CsvOptions`]).
    Csv,
    /// JSON Lines: one JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC, file or stream flavour (told apart by the magic bytes).
    ArrowIpc,
}

impl Format {
    /// Lower-case name, as written in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::Parquet => "parquet",
            Self::ArrowIpc => "arrow_ipc",
        }
    }
}

/// Options for delimited text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CsvOptions {
    /// Field delimiter (one ASCII character). Default: none, meaning tab for
    /// `.tsv` files, otherwise whichever of `,` `;` `\t` `|` occurs most in
    /// the first line (`,` on a tie).
    pub delimiter: Option<char>,
    /// The first record is a header naming the columns. Default: `true`.
    pub has_header: bool,
    /// Quote character. Default: `"`.
    pub quote: char,
    /// Escape character inside quoted fields (e.g. `\`). Default: none.
    pub escape: Option<char>,
    /// A doubled quote inside a quoted field is a literal quote.
    /// Default: `true`.
    pub double_quote: bool,
    /// Lines starting with this character are skipped. Default: none.
    pub comment: Option<char>,
    /// Column names. Required to map columns of a headerless file (otherwise
    /// they are called `column_1`, `column_2`, ...); with `has_header = true`
    /// they replace the file's header (which must have as many columns).
    /// Default: none.
    pub column_names: Option<Vec<String>>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: None,
            has_header: true,
            quote: '"',
            escape: None,
            double_quote: true,
            comment: None,
            column_names: None,
        }
    }
}

/// Where a canonical field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ColumnSource {
    /// One column (or JSON path such as `address.city`).
    One(String),
    /// Several columns joined with one space, empty parts skipped (e.g.
    /// `["street_number", "address_1"]`).
    Many(Vec<String>),
}

impl ColumnSource {
    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        match self {
            Self::One(c) => std::slice::from_ref(c),
            Self::Many(cs) => cs,
        }
    }
}

impl From<&str> for ColumnSource {
    fn from(s: &str) -> Self {
        Self::One(s.to_owned())
    }
}

/// Policy for rows sharing a source key within one source, applied by
/// [`crate::resolve_duplicate_keys`] after normalisation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKeyPolicy {
    /// Keep the row with the greatest `updated_at`; on a tie (or when it is
    /// missing) the row read last (greatest file, then line) wins. The
    /// others are quarantined as `superseded_duplicate`. The default.
    #[default]
    KeepLatest,
    /// Keep every row; record ids of repeats get `~1`, `~2`, ... suffixes.
    KeepAll,
    /// Keep the first row read (smallest file, then line); quarantine the
    /// later ones as `duplicate_key`.
    Quarantine,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserialises_with_defaults_and_rejects_unknown_fields() {
        let o: SourceOptions = serde_json::from_str(
            r#"{"name": "febrl", "path": "febrl.csv", "encoding": "gbk",
                "csv": {"delimiter": ";", "has_header": false},
                "columns": {"given_name": "given", "address_line1": ["street_number", "address_1"]},
                "required": ["given_name"], "duplicate_keys": "keep_all"}"#,
        )
        .unwrap();
        assert_eq!(o.csv.delimiter, Some(';'));
        assert!(!o.csv.has_header);
        assert_eq!(o.csv.quote, '"');
        assert_eq!(o.max_field_bytes, DEFAULT_MAX_FIELD_BYTES);
        assert_eq!(o.format, Format::Auto);
        assert_eq!(o.duplicate_keys, DuplicateKeyPolicy::KeepAll);
        assert_eq!(
            o.columns[&CanonicalField::GivenName],
            ColumnSource::One("given".into())
        );
        assert_eq!(
            o.columns[&CanonicalField::AddressLine1].columns(),
            ["street_number".to_owned(), "address_1".to_owned()]
        );
        let err = serde_json::from_str::<SourceOptions>(r#"{"name": "x", "delimiter": ","}"#)
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `delimiter`"),
            "{err}"
        );
        let f: Format = serde_json::from_str(r#""arrow_ipc""#).unwrap();
        assert_eq!(f, Format::ArrowIpc);
        let back = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<SourceOptions>(&back).unwrap(), o);
    }
}
