use std::collections::BTreeMap;
use std::path::PathBuf;

use cim_schema::CanonicalField;
use serde::{Deserialize, Serialize};

/// One source (`[[sources]]`): where its rows are, how to read them, how its
/// columns map onto canonical fields, and hints for normalising its values.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Source name, unique in the config: letters, digits, `_` and `-`. It
    /// prefixes every record id (`crm:10042`), so keep it stable across runs.
    /// Required.
    pub name: String,
    /// A file or a glob (`exports/crm-*.csv`), relative to the config file.
    /// Required.
    pub path: PathBuf,
    /// `auto` (by file extension), `csv`, `jsonl`, `parquet` or `arrow_ipc`.
    /// Default: `auto`.
    #[serde(default)]
    pub format: cim_ingest::Format,
    /// Text encoding: `auto` (BOM, then UTF-8, then `fallback_encoding`) or a
    /// label such as `utf-8`, `utf-16le`, `gbk`, `gb18030`, `big5`,
    /// `shift_jis`, `euc-kr`, `windows-1252`, `latin1`. Default: `auto`.
    #[serde(default = "auto")]
    pub encoding: String,
    /// With `encoding = "auto"`: the encoding to try when a file is not
    /// valid UTF-8. Default: none (such rows are quarantined).
    #[serde(default)]
    pub fallback_encoding: Option<String>,
    /// Replace bytes that are invalid in the encoding with U+FFFD instead of
    /// quarantining the row. Default: `false`.
    #[serde(default)]
    pub replace_invalid: bool,
    /// CSV dialect (`[sources.csv]`). Default: comma (tab for `.tsv`), a
    /// header row, `"` quotes.
    #[serde(default)]
    pub csv: cim_ingest::CsvOptions,
    /// Canonical field -> source column (`[sources.columns]`): a column name,
    /// a JSON path (`address.city`), or a list of columns joined with a space
    /// (`address_line1 = ["street_number", "street"]`). Required, non-empty.
    #[schemars(with = "BTreeMap<String, cim_ingest::ColumnSource>")]
    pub columns: BTreeMap<CanonicalField, cim_ingest::ColumnSource>,
    /// Canonical fields that must be non-empty; rows without them are
    /// quarantined (`missing_required`). Default: none.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub required: Vec<CanonicalField>,
    /// Largest accepted field, in bytes; longer fields quarantine the row.
    /// Default: `65536`.
    #[serde(default = "max_field_bytes")]
    pub max_field_bytes: usize,
    /// Most columns a record may have: a CSV header or Parquet/Arrow schema
    /// with more stops the run with an error; a JSON line with more leaf
    /// fields is quarantined (`wrong_field_count`). Default: `4096`.
    #[serde(default = "max_columns")]
    pub max_columns: usize,
    /// Carry unmapped columns to the master as extra attributes. Default:
    /// `true`.
    #[serde(default = "yes")]
    pub keep_extra: bool,
    /// Rows sharing a `source_key`: `keep_latest` (by `updated_at`),
    /// `keep_all`, or `quarantine` all but the first. Default: `keep_latest`.
    #[serde(default)]
    pub duplicate_keys: cim_ingest::DuplicateKeyPolicy,
    /// Region for phone numbers without a country code, ISO 3166 alpha-2
    /// (`CN`, `GB`, `US`). Default: none (such numbers are invalid).
    #[serde(default)]
    pub phone_region: Option<String>,
    /// Order of all-numeric dates: `ymd`, `dmy` (`25/12/1990`) or `mdy`
    /// (`12/25/1990`). Never guessed: with `ymd`, ambiguous day/month dates
    /// are flagged invalid. Default: `ymd`.
    #[serde(default)]
    pub date_order: cim_normalize::DateOrder,
    /// Country assumed for addresses without one, ISO 3166 alpha-2.
    /// Default: none.
    #[serde(default)]
    pub default_country: Option<String>,
    /// Read 5-digit numbers in date fields as Excel serial dates. Default:
    /// `false`.
    #[serde(default)]
    pub excel_dates: bool,
    /// This source's own quarantine guard; overrides `run.max_quarantine_ratio`.
    /// Default: none.
    #[serde(default)]
    pub max_quarantine_ratio: Option<f64>,
}

fn auto() -> String {
    "auto".to_owned()
}
fn yes() -> bool {
    true
}
fn max_field_bytes() -> usize {
    65_536
}
fn max_columns() -> usize {
    cim_ingest::DEFAULT_MAX_COLUMNS
}

impl SourceConfig {
    /// Options for `cim_ingest::open_source`.
    pub fn ingest_options(&self) -> cim_ingest::SourceOptions {
        cim_ingest::SourceOptions {
            name: self.name.clone(),
            path: self.path.clone(),
            format: self.format,
            encoding: self.encoding.clone(),
            fallback_encoding: self.fallback_encoding.clone(),
            replace_invalid: self.replace_invalid,
            csv: self.csv.clone(),
            columns: self.columns.clone(),
            required: self.required.clone(),
            max_field_bytes: self.max_field_bytes,
            max_columns: self.max_columns,
            keep_extra: self.keep_extra,
            duplicate_keys: self.duplicate_keys,
        }
    }

    /// Hints for `cim_normalize::normalize_batch`.
    pub fn normalize_hints(&self) -> cim_normalize::SourceHints {
        cim_normalize::SourceHints {
            phone_region: self.phone_region.clone(),
            date_order: self.date_order,
            default_country: self.default_country.clone(),
            excel_dates: self.excel_dates,
        }
    }
}
