//! Row accounting: for every file and for the source, rows read = accepted
//! + quarantined.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::options::Format;

/// Counts for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The file, as given or matched by the glob.
    pub file: String,
    /// Format the file was read as.
    pub format: String,
    /// Encoding the file was decoded with (after BOM sniffing).
    pub encoding: String,
    /// Records read (accepted + quarantined). Blank and comment lines are
    /// not records.
    pub rows_read: u64,
    /// Rows delivered in batches.
    pub accepted: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Quarantined rows per [`cim_schema::QuarantineReason::code`].
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Accepted rows that were decoded with the fallback encoding.
    pub fallback_decoded: u64,
}

/// Counts for one source: its files and their totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// Source name.
    pub source: String,
    /// One entry per file, in reading order (files not yet reached are
    /// absent).
    pub files: Vec<FileReport>,
    /// Sum of the files' `rows_read`.
    pub rows_read: u64,
    /// Sum of the files' `accepted`.
    pub accepted: u64,
    /// Sum of the files' `quarantined`.
    pub quarantined: u64,
    /// Sum of the files' `quarantined_by_reason`.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Sum of the files' `fallback_decoded`.
    pub fallback_decoded: u64,
}

impl SourceReport {
    pub(crate) fn begin_file(&mut self, file: &str, format: Format, encoding: String) {
        self.files.push(FileReport {
            file: file.to_owned(),
            format: format.name().to_owned(),
            encoding,
            ..FileReport::default()
        });
    }

    pub(crate) fn accepted(&mut self, fallback: bool) {
        self.rows_read += 1;
        self.accepted += 1;
        self.fallback_decoded += fallback as u64;
        if let Some(f) = self.files.last_mut() {
            f.rows_read += 1;
            f.accepted += 1;
            f.fallback_decoded += fallback as u64;
        }
    }

    pub(crate) fn quarantined(&mut self, reason: &str) {
        self.rows_read += 1;
        self.quarantined += 1;
        *self
            .quarantined_by_reason
            .entry(reason.to_owned())
            .or_default() += 1;
        if let Some(f) = self.files.last_mut() {
            f.rows_read += 1;
            f.quarantined += 1;
            *f.quarantined_by_reason
                .entry(reason.to_owned())
                .or_default() += 1;
        }
    }
}
