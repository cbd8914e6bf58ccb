//! Ingestion: reads customer sources into Arrow batches with
//! [`cim_schema::raw_schema`], accounting for every row.
//!
//! * [`SourceOptions`] (with [`CsvOptions`], [`ColumnSource`], [`Format`],
//!   [`DuplicateKeyPolicy`]) describes a source: a file or glob, its format
//!   (CSV/TSV, JSON Lines, Parquet, Arrow IPC), encoding and column mapping.
//! * [`open_source`] validates the source up front and returns a
//!   [`SourceReader`], an iterator of [`RawChunk`]s: a batch of accepted rows
//!   plus the [`cim_schema::QuarantineRow`]s met on the way. Input is
//!   streamed, `batch_rows` rows at a time; memory does not grow with file
//!   size. [`SourceReader::report`] gives a [`SourceReport`] where, per file
//!   and in total, rows read = accepted + quarantined.
//! * [`resolve_duplicate_keys`] applies the [`DuplicateKeyPolicy`] to
//!   normalised batches and returns keep masks ([`DuplicateResolution`]).
//! * [`profile_source`] builds a [`SourceProfile`] of a source's columns;
//!   [`render_profile`] prints it with values masked.
//!
//! Text is decoded with encoding_rs, record by record where the encoding
//! allows it, so one bad row never poisons a file; invalid bytes quarantine
//! the row (`invalid_encoding`) unless [`SourceOptions::replace_invalid`].
//! Duplicate header names are an error ([`Error::DuplicateColumn`]): which
//! of the two a mapping means cannot be guessed; `csv.column_names`
//! renames them.
//!
//! Provenance of each accepted row: `record_id` is `<source>:<key>` when
//! `source_key` is mapped and non-empty (with `~n` for repeats under
//! `keep_all`), else `<source>:#<row hash>` with `~n` for identical rows;
//! `line` is the physical line where a CSV record or JSON line starts, or
//! the 1-based row number in Parquet/Arrow; `row_hash` covers the row's
//! values in column order (for JSON Lines: path and value pairs in path
//! order, since objects have no fixed columns).
//!
//! CSV is parsed with `csv-core` over a buffer this crate owns, which lets
//! it keep each record's raw bytes for the quarantine and recover from an
//! unbalanced quote: the line holding the quote is quarantined
//! (`unterminated_quote`) and parsing resumes on the next line, both when
//! the quote is still open at end of file (or past the record size limit)
//! and when closing it took a record of the wrong width over several lines.
//! Memory per source is bounded by the batch and the largest allowed
//! record, plus 16 bytes per distinct keyless row (occurrence numbering).

mod assemble;
mod columnar;
mod delimited;
mod duplicates;
mod encoding;
mod error;
mod jsonl;
mod options;
mod profile;
mod reader;
mod report;
mod sink;

pub use assemble::RawChunk;
pub use duplicates::{DuplicateResolution, resolve_duplicate_keys};
pub use error::Error;
pub use options::{
    ColumnSource, CsvOptions, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_FIELD_BYTES, DuplicateKeyPolicy,
    Format, SourceOptions,
};
pub use profile::{
    ColumnProfile, DISTINCT_CAP, Profile, SourceProfile, ValueCount, mask, profile_source,
    render_profile, shape,
};
pub use reader::{SourceReader, detect_format, open_source, resolve_files};
pub use report::{FileReport, SourceReport};
