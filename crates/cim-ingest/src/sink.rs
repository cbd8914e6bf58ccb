//! The interface between format readers (which turn bytes into rows of
//! text) and their consumers: the batch assembler for ingestion and the
//! profiler.

use std::borrow::Cow;

use cim_schema::QuarantineReason;

use crate::error::Error;

/// A row of decoded text values.
pub(crate) struct Row<'a> {
    /// 1-based physical line (text formats) or row number (columnar).
    pub line: u64,
    /// Column names: `None` for tabular files (the header given to
    /// [`RowSink::columns`] applies), per-row sorted paths for JSON Lines.
    pub names: Option<&'a [Cow<'a, str>]>,
    /// One value per column; `None` is null.
    pub values: &'a [Option<Cow<'a, str>>],
    /// JSON Lines: values that are arrays (nested, not text). Empty otherwise.
    pub nested: &'a [bool],
    /// The row was decoded with the fallback encoding.
    pub used_fallback: bool,
    /// Produces the raw row for the quarantine (only called when needed).
    pub raw: &'a dyn Fn() -> Vec<u8>,
}

/// A row that could not be read.
#[derive(Debug)]
pub(crate) struct BadRow {
    pub line: u64,
    pub reason: QuarantineReason,
    /// PII-free explanation.
    pub detail: String,
    pub raw: Vec<u8>,
    /// 0-based column the problem is in, when known.
    pub column: Option<usize>,
}

/// Consumer of a file's rows.
pub(crate) trait RowSink {
    /// The column names of a tabular file, before its rows. Errors (e.g. a
    /// missing mapped column) stop the source.
    fn columns(&mut self, names: &[String]) -> Result<(), Error>;
    /// One readable row.
    fn row(&mut self, row: Row<'_>);
    /// One unreadable row.
    fn bad_row(&mut self, bad: BadRow);
}
