//! Source layouts: which columns each simulated system exports, in which
//! format, and the record type the generator yields.

use serde::{Deserialize, Serialize};

/// A simulated source system. Each has its own column names and value
/// styles, like real exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Sales CRM, Excel "CSV UTF-8" export (BOM, CRLF), separate name
    /// columns, `dd/mm/yyyy` dates.
    Crm,
    /// Web shop, JSON Lines, full name in one field, nested address, ISO dates.
    Webshop,
    /// Chinese loyalty app, GBK-encoded CSV (CRLF), Chinese headers, Han
    /// names, `yyyymmdd` dates.
    Loyalty,
    /// ERP, Parquet with typed columns (`Date32` birth date, `Int64` key,
    /// UTC timestamp), `FAMILY, Given` names.
    Erp,
}

impl SourceKind {
    /// Every kind, in canonical order.
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Crm,
        SourceKind::Webshop,
        SourceKind::Loyalty,
        SourceKind::Erp,
    ];

    /// Lower-case name (`crm`), used in file names and `truth.csv`.
    pub const fn name(self) -> &'static str {
        match self {
            SourceKind::Crm => "crm",
            SourceKind::Webshop => "webshop",
            SourceKind::Loyalty => "loyalty",
            SourceKind::Erp => "erp",
        }
    }

    /// The format a real export of this system would have.
    pub const fn native_format(self) -> FileFormat {
        match self {
            SourceKind::Crm => FileFormat::Csv,
            SourceKind::Webshop => FileFormat::Jsonl,
            SourceKind::Loyalty => FileFormat::CsvGbk,
            SourceKind::Erp => FileFormat::Parquet,
        }
    }

    /// Columns in file order. The first is always the source key. Dotted
    /// names (`address.line1`) are nested objects in JSON and flat columns
    /// elsewhere.
    pub const fn columns(self) -> &'static [Column] {
        match self {
            SourceKind::Crm => CRM,
            SourceKind::Webshop => WEBSHOP,
            SourceKind::Loyalty => LOYALTY,
            SourceKind::Erp => ERP,
        }
    }

    /// (weight outside China, weight in China).
    pub(crate) const fn default_weights(self) -> (f64, f64) {
        match self {
            SourceKind::Crm => (0.45, 0.15),
            SourceKind::Webshop => (0.45, 0.25),
            SourceKind::Loyalty => (0.0, 0.6),
            SourceKind::Erp => (0.3, 0.1),
        }
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// How a source is written to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// UTF-8 CSV with a header row (`<source>.csv`).
    Csv,
    /// GBK-encoded CSV with a header row (`<source>_gbk.csv`).
    CsvGbk,
    /// One JSON object per line (`<source>.jsonl`).
    Jsonl,
    /// Parquet, one row group per generation wave (`<source>.parquet`).
    Parquet,
}

impl FileFormat {
    /// Lower-case name as in options (`csv_gbk`).
    pub const fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::CsvGbk => "csv_gbk",
            FileFormat::Jsonl => "jsonl",
            FileFormat::Parquet => "parquet",
        }
    }

    /// File name of `source` in this format.
    pub fn file_name(self, source: SourceKind) -> String {
        match self {
            FileFormat::Csv => format!("{}.csv", source.name()),
            FileFormat::CsvGbk => format!("{}_gbk.csv", source.name()),
            FileFormat::Jsonl => format!("{}.jsonl", source.name()),
            FileFormat::Parquet => format!("{}.parquet", source.name()),
        }
    }

    /// Text encoding of the file (`binary` for Parquet).
    pub const fn encoding(self) -> &'static str {
        match self {
            FileFormat::Csv | FileFormat::Jsonl => "utf-8",
            FileFormat::CsvGbk => "gbk",
            FileFormat::Parquet => "binary",
        }
    }
}

/// Value type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text (`Utf8` in Parquet, a string in JSON).
    Text,
    /// 64-bit integer.
    Int,
    /// Boolean.
    Bool,
    /// Calendar date (`Date32` in Parquet, ISO text elsewhere).
    Date,
    /// UTC timestamp in milliseconds (`Timestamp(ms, UTC)` in Parquet).
    Timestamp,
}

/// One column of a source layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Header / field name exactly as in the file.
    pub name: &'static str,
    /// Value type.
    pub ty: ColumnType,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
    }
}

const CRM: &[Column] = &[
    text("CustomerID"),
    text("First Name"),
    text("Last Name"),
    text("Email"),
    text("Phone"),
    text("DOB"),
    text("Street"),
    text("City"),
    text("Postcode"),
    text("Country"),
    text("Company"),
    text("LastModified"),
];

const WEBSHOP: &[Column] = &[
    Column {
        name: "id",
        ty: ColumnType::Int,
    },
    text("name"),
    text("email"),
    text("phone"),
    text("birthday"),
    text("address.line1"),
    text("address.line2"),
    text("address.city"),
    text("address.zip"),
    text("address.country"),
    text("updated_at"),
    Column {
        name: "newsletter",
        ty: ColumnType::Bool,
    },
    Column {
        name: "orders",
        ty: ColumnType::Int,
    },
];

const LOYALTY: &[Column] = &[
    text("会员编号"),
    text("姓名"),
    text("手机"),
    text("邮箱"),
    text("出生日期"),
    text("地址"),
    text("城市"),
    text("邮编"),
    text("更新时间"),
];

const ERP: &[Column] = &[
    Column {
        name: "partner_no",
        ty: ColumnType::Int,
    },
    text("name"),
    text("gender"),
    Column {
        name: "birth_date",
        ty: ColumnType::Date,
    },
    text("mobile"),
    text("email"),
    text("street"),
    text("postal_code"),
    text("city"),
    text("country_iso"),
    Column {
        name: "created_at",
        ty: ColumnType::Timestamp,
    },
    text("status"),
];

/// One value of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Absent: empty in CSV, `null` in JSON and Parquet.
    Null,
    /// Text.
    Str(String),
    /// Integer.
    Int(i64),
    /// Boolean.
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
}

impl Cell {
    /// The value as text, as it appears in a CSV file (`Null` is empty,
    /// dates ISO, timestamps `yyyy-mm-dd hh:mm:ss`).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Str(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => crate::date::civil_from_days(*d).iso(),
            Cell::Timestamp(ms) => {
                let t = crate::date::DateTime::from_epoch(ms.div_euclid(1000));
                format!("{} {:02}:{:02}:{:02}", t.date.iso(), t.h, t.min, t.s)
            }
        }
    }

    /// Whether the value is absent.
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
}

/// One generated source row with its ground truth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthRecord {
    /// The source the row belongs to.
    pub source: SourceKind,
    /// The row's primary key in its source (`cells[0]` as text).
    pub source_key: String,
    /// The true customer (entity) id. Never written into source files,
    /// only into `truth.csv`.
    pub entity_id: u64,
    /// Values in the order of [`SourceKind::columns`].
    pub cells: Vec<Cell>,
}
