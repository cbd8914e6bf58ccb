//! Profiling a source: what its columns hold, before any mapping is
//! trusted. Works on a configured source or a bare path.

use std::collections::HashMap;
use std::fmt::Write as _;

use cim_schema::{CanonicalField, QuarantineReason};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::assemble::find_column;
use crate::error::Error;
use crate::options::SourceOptions;
use crate::reader::{FileReader, detect_format, resolve_files};
use crate::report::SourceReport;
use crate::sink::{BadRow, Row, RowSink};

/// Distinct values counted exactly per column; beyond this the count is a
/// HyperLogLog estimate and top values only count values seen before.
pub const DISTINCT_CAP: usize = 50_000;
/// Distinct shapes tracked per column.
const SHAPE_CAP: usize = 10_000;
/// Shapes longer than this are cut (and end with `…`).
const SHAPE_LEN: usize = 40;
/// Entries in the top-values and top-shapes lists.
const TOP_N: usize = 5;

/// A value (or shape) and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueCount {
    /// The value or shape.
    pub value: String,
    /// Number of rows holding it.
    pub count: u64,
}

/// Profile of one source column (or JSON path).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnProfile {
    /// Column name (dotted path for JSON and struct columns).
    pub name: String,
    /// Canonical fields the source's mapping sends this column to.
    pub mapped_to: Vec<CanonicalField>,
    /// Rows profiled that could hold the column.
    pub rows: u64,
    /// Rows where it is non-empty.
    pub non_empty: u64,
    /// `non_empty / rows` (0 when there are no rows).
    pub completeness: f64,
    /// Distinct non-empty values.
    pub distinct: u64,
    /// `distinct` is an estimate (more than [`DISTINCT_CAP`] values).
    pub distinct_approximate: bool,
    /// Most frequent values (top 5, ties by value), exact unless
    /// `distinct_approximate`.
    pub top_values: Vec<ValueCount>,
    /// Most frequent shapes: digit -> `9`, letter -> `a`/`A`, Han -> `H`,
    /// anything else kept (e.g. `999-9999-9999`).
    pub top_shapes: Vec<ValueCount>,
    /// Longest value, in characters.
    pub max_length: usize,
    /// Values in this column that were invalid in the file's encoding.
    pub encoding_errors: u64,
}

/// Profile of a source: row accounting plus one [`ColumnProfile`] per
/// source column, in order of first appearance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceProfile {
    /// Source name.
    pub source: String,
    /// Rows read per file and in total, quarantine counts by reason.
    pub report: SourceReport,
    /// Reading stopped at `max_rows`.
    pub truncated: bool,
    /// The columns.
    pub columns: Vec<ColumnProfile>,
}

/// The name the CLI uses for a profile.
pub type Profile = SourceProfile;

/// Approximate distinct counting (HyperLogLog, 4096 registers, ~1.6 %
/// error).
#[derive(Clone)]
struct Hll {
    reg: Vec<u8>,
}

impl Hll {
    const P: u32 = 12;

    fn new() -> Self {
        Self {
            reg: vec![0; 1 << Self::P],
        }
    }

    fn add(&mut self, h: u64) {
        let idx = (h >> (64 - Self::P)) as usize;
        let rank = ((h << Self::P) | (1 << (Self::P - 1))).leading_zeros() as u8 + 1;
        self.reg[idx] = self.reg[idx].max(rank);
    }

    fn estimate(&self) -> u64 {
        let m = self.reg.len() as f64;
        let sum: f64 = self.reg.iter().map(|&r| 2f64.powi(-(r as i32))).sum();
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let e = alpha * m * m / sum;
        let zeros = self.reg.iter().filter(|&&r| r == 0).count();
        let e = if e <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            e
        };
        e.round() as u64
    }
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x30000..=0x3134F)
}

/// The shape of a value: digit -> `9`, Han -> `H`, upper-case letter ->
/// `A`, other letter -> `a`, anything else kept; cut after 40 characters.
pub fn shape(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == SHAPE_LEN {
            out.push('…');
            break;
        }
        out.push(if c.is_numeric() {
            '9'
        } else if is_han(c) {
            'H'
        } else if c.is_uppercase() {
            'A'
        } else if c.is_alphabetic() {
            'a'
        } else {
            c
        });
    }
    out
}

struct ColStats {
    name: String,
    rows: u64,
    non_empty: u64,
    counts: HashMap<String, u64>,
    overflow: bool,
    hll: Hll,
    shapes: HashMap<String, u64>,
    max_len: usize,
    enc_errors: u64,
}

impl ColStats {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            rows: 0,
            non_empty: 0,
            counts: HashMap::new(),
            overflow: false,
            hll: Hll::new(),
            shapes: HashMap::new(),
            max_len: 0,
            enc_errors: 0,
        }
    }

    fn observe(&mut self, v: Option<&str>) {
        let Some(v) = v.filter(|v| !v.trim().is_empty()) else {
            return;
        };
        self.non_empty += 1;
        self.max_len = self.max_len.max(v.chars().count());
        self.hll.add(xxh3_64(v.as_bytes()));
        if let Some(n) = self.counts.get_mut(v) {
            *n += 1;
        } else if self.counts.len() < DISTINCT_CAP {
            self.counts.insert(v.to_owned(), 1);
        } else {
            self.overflow = true;
        }
        let s = shape(v);
        if let Some(n) = self.shapes.get_mut(&s) {
            *n += 1;
        } else if self.shapes.len() < SHAPE_CAP {
            self.shapes.insert(s, 1);
        }
    }

    fn finish(self, mapped_to: Vec<CanonicalField>) -> ColumnProfile {
        let top = |m: HashMap<String, u64>| {
            let mut v: Vec<ValueCount> = m
                .into_iter()
                .map(|(value, count)| ValueCount { value, count })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            v.truncate(TOP_N);
            v
        };
        ColumnProfile {
            completeness: if self.rows == 0 {
                0.0
            } else {
                self.non_empty as f64 / self.rows as f64
            },
            distinct: if self.overflow {
                self.hll.estimate().max(self.counts.len() as u64)
            } else {
                self.counts.len() as u64
            },
            distinct_approximate: self.overflow,
            top_values: top(self.counts),
            top_shapes: top(self.shapes),
            name: self.name,
            mapped_to,
            rows: self.rows,
            non_empty: self.non_empty,
            max_length: self.max_len,
            encoding_errors: self.enc_errors,
        }
    }
}

struct Profiler {
    cols: Vec<ColStats>,
    by_name: HashMap<String, usize>,
    /// Stats index of each column of the current tabular file.
    current: Vec<usize>,
    json_rows: u64,
    report: SourceReport,
}

impl Profiler {
    fn col(&mut self, name: &str) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.cols.push(ColStats::new(name));
        self.by_name.insert(name.to_owned(), self.cols.len() - 1);
        self.cols.len() - 1
    }
}

impl RowSink for Profiler {
    fn columns(&mut self, names: &[String]) -> Result<(), Error> {
        self.current = names.iter().map(|n| self.col(n)).collect();
        Ok(())
    }

    fn row(&mut self, row: Row<'_>) {
        self.report.accepted(row.used_fallback);
        match row.names {
            None => {
                for (i, v) in row.values.iter().enumerate() {
                    let c = &mut self.cols[self.current[i]];
                    c.rows += 1;
                    c.observe(v.as_deref());
                }
            }
            Some(names) => {
                self.json_rows += 1;
                for (n, v) in names.iter().zip(row.values) {
                    let i = self.col(n);
                    self.cols[i].observe(v.as_deref());
                }
            }
        }
    }

    fn bad_row(&mut self, bad: BadRow) {
        self.report.quarantined(bad.reason.code());
        if bad.reason == QuarantineReason::InvalidEncoding
            && let Some(&i) = bad.column.and_then(|c| self.current.get(c))
        {
            self.cols[i].enc_errors += 1;
        }
    }
}

/// Profiles a source (or, via [`SourceOptions::from_path`], a bare path
/// with its format detected), reading at most `max_rows` rows (all when
/// `None`). The mapping is not enforced (a profile is how one writes it),
/// but columns it names are marked in [`ColumnProfile::mapped_to`].
pub fn profile_source(
    opts: &SourceOptions,
    max_rows: Option<usize>,
) -> Result<SourceProfile, Error> {
    let mut opts = opts.clone();
    if opts.name.trim().is_empty() {
        opts.name = SourceOptions::from_path(opts.path.clone()).name;
    }
    crate::encoding::resolve_label(&opts.name, &opts.encoding)?;
    let mut p = Profiler {
        cols: Vec::new(),
        by_name: HashMap::new(),
        current: Vec::new(),
        json_rows: 0,
        report: SourceReport {
            source: opts.name.clone(),
            ..SourceReport::default()
        },
    };
    let limit = max_rows.unwrap_or(usize::MAX) as u64;
    let mut truncated = false;
    'files: for path in resolve_files(&opts)? {
        let file = path.display().to_string();
        let format = detect_format(&opts.name, &path, opts.format)?;
        let mut reader = FileReader::open(&opts, &path, &file, format, 8192)?;
        p.report.begin_file(&file, format, reader.encoding_name());
        loop {
            if p.report.rows_read >= limit {
                truncated = true;
                break 'files;
            }
            let step = (limit - p.report.rows_read).min(8192) as usize;
            if reader.read_some(&mut p, step)? {
                break;
            }
        }
    }
    let names: Vec<String> = p.cols.iter().map(|c| c.name.clone()).collect();
    let mut mapped: Vec<Vec<CanonicalField>> = vec![Vec::new(); names.len()];
    for (field, cs) in &opts.columns {
        for c in cs.columns() {
            if let Some(i) = find_column(&names, c) {
                mapped[i].push(*field);
            }
        }
    }
    let json_rows = p.json_rows;
    let columns = p
        .cols
        .into_iter()
        .zip(mapped)
        .map(|(mut c, m)| {
            c.rows += json_rows;
            c.finish(m)
        })
        .collect();
    Ok(SourceProfile {
        source: opts.name,
        report: p.report,
        truncated,
        columns,
    })
}

/// Masks a value for display: first character, then `***`.
pub fn mask(value: &str) -> String {
    match value.chars().next() {
        Some(c) => format!("{c}***"),
        None => String::new(),
    }
}

fn list(items: &[ValueCount], f: impl Fn(&str) -> String) -> String {
    items
        .iter()
        .map(|v| format!("{} ({})", f(&v.value), v.count))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plain-text rendering of a profile for the terminal. Top values are
/// masked (first character + `***`) unless `show_pii`; shapes are shown as
/// they are.
pub fn render_profile(p: &SourceProfile, show_pii: bool) -> String {
    let r = &p.report;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "source `{}`: {} file(s), {} rows read, {} accepted, {} quarantined{}",
        p.source,
        r.files.len(),
        r.rows_read,
        r.accepted,
        r.quarantined,
        if p.truncated {
            " (stopped at the row limit)"
        } else {
            ""
        }
    );
    for (reason, n) in &r.quarantined_by_reason {
        let _ = writeln!(s, "  quarantined {reason}: {n}");
    }
    for f in &r.files {
        let _ = writeln!(
            s,
            "  file {} [{}, {}]: {} rows, {} quarantined",
            f.file, f.format, f.encoding, f.rows_read, f.quarantined
        );
    }
    for c in &p.columns {
        let mapped = if c.mapped_to.is_empty() {
            String::new()
        } else {
            let m: Vec<&str> = c.mapped_to.iter().map(|f| f.name()).collect();
            format!(" -> {}", m.join(", "))
        };
        let _ = writeln!(s, "\ncolumn `{}`{mapped}", c.name);
        let _ = writeln!(
            s,
            "  complete {:.1}% ({}/{}), distinct {}{}, max length {}",
            c.completeness * 100.0,
            c.non_empty,
            c.rows,
            if c.distinct_approximate { "~" } else { "" },
            c.distinct,
            c.max_length
        );
        if !c.top_shapes.is_empty() {
            let _ = writeln!(s, "  shapes: {}", list(&c.top_shapes, str::to_owned));
        }
        if !c.top_values.is_empty() {
            let shown = if show_pii {
                list(&c.top_values, str::to_owned)
            } else {
                list(&c.top_values, mask)
            };
            let _ = writeln!(s, "  top values: {shown}");
        }
        if c.encoding_errors > 0 {
            let _ = writeln!(s, "  encoding errors: {}", c.encoding_errors);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("138-1234-5678"), "999-9999-9999");
        assert_eq!(shape("John Smith"), "Aaaa Aaaaa");
        assert_eq!(shape("张伟"), "HH");
        assert_eq!(shape("a@b.co"), "a@a.aa");
        assert_eq!(shape("Müller"), "Aaaaaa");
        assert_eq!(shape(&"9".repeat(50)).chars().count(), 41);
    }

    #[test]
    fn hll_is_close() {
        let mut h = Hll::new();
        for i in 0..200_000u64 {
            h.add(xxh3_64(&i.to_le_bytes()));
        }
        let e = h.estimate() as f64;
        assert!((e - 200_000.0).abs() / 200_000.0 < 0.05, "{e}");
        let mut small = Hll::new();
        for i in 0..100u64 {
            small.add(xxh3_64(&i.to_le_bytes()));
        }
        assert!((small.estimate() as i64 - 100).abs() <= 3);
    }

    #[test]
    fn masking() {
        assert_eq!(mask("Zhang"), "Z***");
        assert_eq!(mask("张伟"), "张***");
        assert_eq!(mask(""), "");
    }
}
