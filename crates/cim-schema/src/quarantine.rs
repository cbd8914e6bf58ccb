use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a row was quarantined instead of accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QuarantineReason {
    /// The row has a different number of fields than the header.
    WrongFieldCount,
    /// A quoted field is never closed.
    UnterminatedQuote,
    /// Bytes that are invalid in the declared encoding.
    InvalidEncoding,
    /// A field longer than the configured maximum.
    FieldTooLarge,
    /// A NUL byte inside a field.
    NulByte,
    /// A JSON line that does not parse.
    InvalidJson,
    /// A JSON line that parses but is not an object.
    NotAnObject,
    /// A value that cannot be typed (e.g. a nested value where text is needed).
    UnparseableValue,
    /// A required field is empty.
    MissingRequired,
    /// The source key was already seen in this source (policy `quarantine`).
    DuplicateKey,
    /// The row is older than another with the same key (policy `keep_latest`).
    SupersededDuplicate,
    /// Removed on request (right to erasure).
    Erased,
}

impl QuarantineReason {
    /// Stable `snake_case` code written to `quarantine.parquet` and `run.json`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::WrongFieldCount => "wrong_field_count",
            Self::UnterminatedQuote => "unterminated_quote",
            Self::InvalidEncoding => "invalid_encoding",
            Self::FieldTooLarge => "field_too_large",
            Self::NulByte => "nul_byte",
            Self::InvalidJson => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::UnparseableValue => "unparseable_value",
            Self::MissingRequired => "missing_required",
            Self::DuplicateKey => "duplicate_key",
            Self::SupersededDuplicate => "superseded_duplicate",
            Self::Erased => "erased",
        }
    }
}

impl fmt::Display for QuarantineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One quarantined row. `detail` must never contain raw customer values
/// (column names and positions only); `raw` holds the row itself, escaped,
/// and is written only to the quarantine output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineRow {
    /// Source name from the config.
    pub source: String,
    /// File the row came from.
    pub file: String,
    /// 1-based line or row number, when known.
    pub line: Option<u64>,
    /// Why the row was quarantined.
    pub reason: QuarantineReason,
    /// Human-readable detail without customer values (e.g. "expected 7
    /// fields, found 9").
    pub detail: String,
    /// The raw row as text, non-printable bytes escaped (`\xNN`).
    pub raw: String,
}

/// Escapes raw bytes for the quarantine `raw` column: valid UTF-8 stays,
/// control characters and invalid bytes become `\xNN`, backslash doubles.
pub fn escape_raw(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push('\t'),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_raw;

    #[test]
    fn escape_raw_keeps_text_and_escapes_bytes() {
        assert_eq!(escape_raw(b"a,b"), "a,b");
        assert_eq!(escape_raw(b"a\0b"), "a\\x00b");
        assert_eq!(escape_raw(&[b'x', 0xff, b'y']), "x\\xffy");
        assert_eq!(escape_raw("张伟".as_bytes()), "张伟");
        assert_eq!(escape_raw(b"a\\b"), "a\\\\b");
    }
}
