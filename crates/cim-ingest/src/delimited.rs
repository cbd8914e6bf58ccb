//! Delimited text (CSV, TSV, any delimiter) on top of `csv-core`.
//!
//! `csv-core` parses; this module owns the buffer, so it knows each record's
//! raw bytes (for the quarantine), its start line, and can recover from an
//! unterminated quote: the physical line holding the opening quote is
//! quarantined and parsing resumes on the next line. Memory stays bounded by
//! the largest allowed record (`max_field_bytes` times the column count),
//! whatever the file size.

use std::borrow::Cow;
use std::path::Path;

use cim_schema::QuarantineReason;
use csv_core::{ReadRecordResult, Reader as CoreReader, ReaderBuilder, Terminator};

use crate::encoding::{self, Decoded, EncodingPlan, TextInput};
use crate::error::{Error, format_err, io_err};
use crate::options::SourceOptions;
use crate::sink::{BadRow, Row, RowSink};

const PREFIX_BYTES: usize = 64 * 1024;
const INITIAL_BUF: usize = 64 * 1024;
/// Raw bytes kept for the quarantine of an over-long record.
const RAW_KEEP: usize = 64 * 1024;

/// One record, or a stretch of input that could not be parsed as one.
#[derive(Debug)]
enum Event {
    /// Fields are in `out`/`ends`, raw bytes in `buf[start..cur]`.
    Record {
        line: u64,
    },
    Broken(BadRow),
}

pub(crate) struct DelimitedFile {
    source: String,
    file: String,
    input: TextInput,
    plan: EncodingPlan,
    core: CoreReader,
    delimiter: u8,
    quote: u8,
    escape: Option<u8>,
    double_quote: bool,
    comment: Option<u8>,
    buf: Vec<u8>,
    /// Offset of `buf[0]` in the (decoded) text stream.
    base: u64,
    start: usize,
    cur: usize,
    filled: usize,
    eof: bool,
    /// Line number of `buf[start]`.
    line_at_start: u64,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nends: usize,
    names: Vec<String>,
    max_field: usize,
    max_record: usize,
    peeked: Option<Event>,
    columns_sent: bool,
}

fn ascii(source: &str, what: &str, c: char) -> Result<u8, Error> {
    if c.is_ascii() {
        Ok(c as u8)
    } else {
        Err(Error::Config {
            source_name: source.to_owned(),
            message: format!("csv.{what} must be one ASCII character"),
        })
    }
}

/// Picks the delimiter from the first line: the most frequent of `,` `\t`
/// `;` `|` outside quotes, `default` when none occurs.
fn sniff_delimiter(first_line: &str, quote: char, default: u8) -> u8 {
    let candidates = [b',', b'\t', b';', b'|'];
    let mut counts = [0usize; 4];
    let mut in_quote = false;
    for c in first_line.chars() {
        if c == quote {
            in_quote = !in_quote;
        } else if !in_quote && let Some(i) = candidates.iter().position(|&d| d as char == c) {
            counts[i] += 1;
        }
    }
    let best = (0..4)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        default
    } else {
        candidates[best]
    }
}

/// What a scan of one record's raw bytes found about its quotes,
/// mirroring csv-core's state machine (quotes only open at the start of a
/// field).
#[derive(Debug, Default, PartialEq, Eq)]
struct QuoteScan {
    /// Offset of the quote opening a field still open at the end.
    open_at_end: Option<usize>,
    /// Offset of the first quote whose field runs over a line break.
    first_multiline: Option<usize>,
}

fn scan_quotes(
    bytes: &[u8],
    delimiter: u8,
    quote: u8,
    escape: Option<u8>,
    double_quote: bool,
) -> QuoteScan {
    #[derive(Clone, Copy)]
    enum S {
        Start,
        Field,
        Quoted,
        QuoteInQuoted,
        Escaped,
    }
    let mut s = S::Start;
    let mut open = 0;
    let mut scan = QuoteScan::default();
    for (i, &b) in bytes.iter().enumerate() {
        s = match s {
            S::Start | S::Field | S::QuoteInQuoted => {
                if let S::QuoteInQuoted = s
                    && double_quote
                    && b == quote
                {
                    S::Quoted
                } else if matches!(s, S::Start) && b == quote {
                    open = i;
                    S::Quoted
                } else if b == delimiter || b == b'\n' || b == b'\r' {
                    S::Start
                } else {
                    S::Field
                }
            }
            S::Quoted => {
                if b == b'\n' && scan.first_multiline.is_none() {
                    scan.first_multiline = Some(open);
                }
                if Some(b) == escape {
                    S::Escaped
                } else if b == quote {
                    if double_quote {
                        S::QuoteInQuoted
                    } else {
                        S::Field
                    }
                } else {
                    S::Quoted
                }
            }
            S::Escaped => S::Quoted,
        };
    }
    if matches!(s, S::Quoted | S::Escaped) {
        scan.open_at_end = Some(open);
    }
    scan
}

/// Offset of the quote that opens a field still open at the end of `bytes`.
fn open_quote(
    bytes: &[u8],
    delimiter: u8,
    quote: u8,
    escape: Option<u8>,
    double_quote: bool,
) -> Option<usize> {
    scan_quotes(bytes, delimiter, quote, escape, double_quote).open_at_end
}

fn count_nl(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn trim_terminator(mut raw: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = raw {
        raw = rest;
    }
    raw
}

impl DelimitedFile {
    /// Opens `path`, reads the header (or the first record of a headerless
    /// file) and checks that a data row follows.
    pub fn open(opts: &SourceOptions, path: &Path, file: &str) -> Result<Self, Error> {
        let source = opts.name.as_str();
        let csv = &opts.csv;
        let quote = ascii(source, "quote", csv.quote)?;
        let escape = csv.escape.map(|c| ascii(source, "escape", c)).transpose()?;
        let comment = csv
            .comment
            .map(|c| ascii(source, "comment", c))
            .transpose()?;
        let (prefix, f) = encoding::open_with_prefix(source, path, file, PREFIX_BYTES)?;
        let delimiter = match csv.delimiter {
            Some(d) => ascii(source, "delimiter", d)?,
            None => {
                let tsv = path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab")
                });
                let default = if tsv { b'\t' } else { b',' };
                if tsv {
                    default
                } else {
                    let (enc, bom, _) = encoding::sniff_encoding(opts, &prefix)?;
                    let text = enc.decode_without_bom_handling(&prefix[bom..]).0;
                    let first = text.lines().next().unwrap_or("");
                    sniff_delimiter(first, csv.quote, default)
                }
            }
        };
        let mut structural = vec![delimiter, quote, b'\n', b'\r'];
        structural.extend(escape);
        structural.extend(comment);
        let plan = encoding::plan(opts, &prefix, &structural)?;
        let input = TextInput::new(prefix, f, &plan);
        let core = ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .escape(escape)
            .double_quote(csv.double_quote)
            .terminator(Terminator::CRLF)
            .build();
        let max_field = opts.max_field_bytes.max(1);
        let mut me = Self {
            source: source.to_owned(),
            file: file.to_owned(),
            input,
            plan,
            core,
            delimiter,
            quote,
            escape,
            double_quote: csv.double_quote,
            comment,
            buf: vec![0; INITIAL_BUF],
            base: 0,
            start: 0,
            cur: 0,
            filled: 0,
            eof: false,
            line_at_start: 1,
            out: vec![0; 4096],
            ends: vec![0; 64],
            nout: 0,
            nends: 0,
            names: Vec::new(),
            max_field,
            // The header's size is not known yet: allow 256 maximal fields.
            max_record: (256 * (max_field + 3)).max(1 << 20),
            peeked: None,
            columns_sent: false,
        };
        me.read_header(opts)?;
        check_width(&me.source, &me.file, me.names.len(), opts.max_columns)?;
        me.max_record = ((me.names.len() * 2 + 8) * (max_field + 3)).max(1 << 20);
        if me.peeked.is_none() {
            me.peeked = me.next_event()?;
        }
        if me.peeked.is_none() {
            return Err(Error::NoRows {
                source_name: me.source.clone(),
                file: me.file.clone(),
            });
        }
        Ok(me)
    }

    /// Name of the encoding the file is read in.
    pub fn encoding_name(&self) -> String {
        self.plan.name()
    }

    /// The file's column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn read_header(&mut self, opts: &SourceOptions) -> Result<(), Error> {
        let csv = &opts.csv;
        let first = self.next_event()?;
        let Some(first) = first else {
            return Err(Error::NoRows {
                source_name: self.source.clone(),
                file: self.file.clone(),
            });
        };
        let nfields = self.nends;
        let mut names: Vec<String> = if csv.has_header {
            let Event::Record { .. } = first else {
                return Err(format_err(
                    &self.source,
                    &self.file,
                    "header has an unterminated quote",
                ));
            };
            let fields: Vec<&[u8]> = self.fields().collect();
            let decoded = match self.plan.decode_record(&fields) {
                Decoded::Ok(v, _) => v,
                Decoded::Invalid(i) => {
                    return Err(format_err(
                        &self.source,
                        &self.file,
                        format!(
                            "header column {} is not valid {}",
                            i + 1,
                            self.plan.encoding_name()
                        ),
                    ));
                }
            };
            let names: Vec<String> = decoded.into_iter().map(Cow::into_owned).collect();
            match &csv.column_names {
                Some(given) if given.len() != names.len() => {
                    return Err(format_err(
                        &self.source,
                        &self.file,
                        format!(
                            "csv.column_names has {} names but the header has {} columns",
                            given.len(),
                            names.len()
                        ),
                    ));
                }
                Some(given) => given.clone(),
                None => names,
            }
        } else {
            // The first record is data: keep it for the first read.
            self.peeked = Some(first);
            match &csv.column_names {
                Some(given) => given.clone(),
                None => (1..=nfields).map(|i| format!("column_{i}")).collect(),
            }
        };
        for (i, n) in names.iter_mut().enumerate() {
            if n.trim().is_empty() {
                *n = format!("column_{}", i + 1);
            }
        }
        check_unique(&self.source, &self.file, &names)?;
        self.names = names;
        Ok(())
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut prev = 0;
        self.ends[..self.nends].iter().map(move |&e| {
            let f = &self.out[prev..e];
            prev = e;
            f
        })
    }

    /// Reads more input into the buffer, keeping `buf[start..]`.
    fn fill(&mut self) -> Result<(), Error> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.base += self.start as u64;
            self.cur -= self.start;
            self.filled -= self.start;
            self.start = 0;
        }
        if self.filled == self.buf.len() {
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        loop {
            match std::io::Read::read(&mut self.input, &mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(&self.source, &self.file, e)),
            }
        }
    }

    /// Moves `start` past the previous record, then past blank and comment
    /// lines. `false` at end of input.
    fn skip_to_record(&mut self) -> Result<bool, Error> {
        self.line_at_start += count_nl(&self.buf[self.start..self.cur]);
        self.start = self.cur;
        loop {
            if self.cur == self.filled {
                if self.eof {
                    return Ok(false);
                }
                self.fill()?;
                continue;
            }
            let b = self.buf[self.cur];
            if b == b'\n' || b == b'\r' {
                self.cur += 1;
                self.line_at_start += (b == b'\n') as u64;
                self.start = self.cur;
            } else if Some(b) == self.comment {
                loop {
                    if let Some(p) = self.buf[self.cur..self.filled]
                        .iter()
                        .position(|&c| c == b'\n')
                    {
                        self.cur += p + 1;
                        self.line_at_start += 1;
                        self.start = self.cur;
                        break;
                    }
                    self.cur = self.filled;
                    self.start = self.cur;
                    if self.eof {
                        return Ok(false);
                    }
                    self.fill()?;
                }
            } else {
                return Ok(true);
            }
        }
    }

    fn next_event(&mut self) -> Result<Option<Event>, Error> {
        if !self.skip_to_record()? {
            return Ok(None);
        }
        self.nout = 0;
        self.nends = 0;
        loop {
            let (res, nin, nout, nend) = self.core.read_record(
                &self.buf[self.cur..self.filled],
                &mut self.out[self.nout..],
                &mut self.ends[self.nends..],
            );
            self.cur += nin;
            self.nout += nout;
            self.nends += nend;
            match res {
                ReadRecordResult::InputEmpty => {
                    if self.filled - self.start > self.max_record {
                        return self.overflow().map(Some);
                    }
                    self.fill()?;
                }
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    if self.eof
                        && self.cur == self.filled
                        && let Some(open) = open_quote(
                            &self.buf[self.start..self.cur],
                            self.delimiter,
                            self.quote,
                            self.escape,
                            self.double_quote,
                        )
                    {
                        return Ok(Some(self.recover(self.start + open, false)));
                    }
                    return Ok(Some(Event::Record {
                        line: self.line_at_start,
                    }));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// The current record grew past `max_record` bytes.
    fn overflow(&mut self) -> Result<Event, Error> {
        let bytes = &self.buf[self.start..self.filled];
        match open_quote(
            bytes,
            self.delimiter,
            self.quote,
            self.escape,
            self.double_quote,
        ) {
            Some(open) if bytes[open..].contains(&b'\n') => {
                Ok(self.recover(self.start + open, false))
            }
            _ => {
                // One enormous line: drop it up to its end, keeping a prefix.
                let line = self.line_at_start;
                let nl = count_nl(bytes);
                let raw = bytes[..bytes.len().min(RAW_KEEP)].to_vec();
                let mut skipped = bytes.len();
                self.start = self.filled;
                self.cur = self.filled;
                loop {
                    if let Some(p) = self.buf[self.cur..self.filled]
                        .iter()
                        .position(|&c| c == b'\n')
                    {
                        self.cur += p + 1;
                        skipped += p + 1;
                        break;
                    }
                    skipped += self.filled - self.cur;
                    self.cur = self.filled;
                    self.start = self.cur;
                    if self.eof {
                        break;
                    }
                    self.fill()?;
                }
                self.start = self.cur;
                self.line_at_start = line + nl + 1;
                self.core.reset();
                Ok(Event::Broken(BadRow {
                    line,
                    reason: QuarantineReason::FieldTooLarge,
                    detail: format!(
                        "record longer than {} bytes ({skipped} bytes skipped to the end of line)",
                        self.max_record
                    ),
                    raw,
                    column: None,
                }))
            }
        }
    }

    /// Quarantines from the record start to the end of the physical line
    /// holding the quote at `open`, and resumes parsing after it.
    /// `wrong_width`: the quote was closed, but only by swallowing following
    /// lines into a record of the wrong width.
    fn recover(&mut self, open: usize, wrong_width: bool) -> Event {
        let line = self.line_at_start;
        let open_line = line + count_nl(&self.buf[self.start..open]);
        let end = match self.buf[open..self.filled].iter().position(|&c| c == b'\n') {
            Some(p) => open + p + 1,
            None => self.filled,
        };
        let raw = trim_terminator(&self.buf[self.start..end]).to_vec();
        self.cur = end;
        self.core.reset();
        let detail = if wrong_width {
            format!(
                "quoted field opened on line {open_line} runs over several lines and the record has {} fields, expected {}; resumed on line {}",
                self.nends,
                self.names.len(),
                open_line + 1
            )
        } else if self.eof && end == self.filled {
            format!("quote opened on line {open_line} is never closed")
        } else {
            format!(
                "quote opened on line {open_line} is not closed; resumed on line {}",
                open_line + 1
            )
        };
        Event::Broken(BadRow {
            line,
            reason: QuarantineReason::UnterminatedQuote,
            detail,
            raw,
            column: None,
        })
    }

    fn process(&mut self, ev: Event, sink: &mut dyn RowSink) {
        let line = match ev {
            Event::Broken(bad) => return sink.bad_row(bad),
            Event::Record { line } => line,
        };
        let (abs_start, abs_end) = (self.base + self.start as u64, self.base + self.cur as u64);
        let malformed = self.input.malformed_in(abs_start, abs_end);
        let raw_bytes = trim_terminator(&self.buf[self.start..self.cur]);
        let bad = |reason, detail: String, column| BadRow {
            line,
            reason,
            detail,
            raw: raw_bytes.to_vec(),
            column,
        };
        let ncols = self.names.len();
        if self.nends != ncols {
            // A quoted field running over lines in a record of the wrong
            // width is almost always an unbalanced quote that swallowed the
            // following rows: give those rows back.
            if let Some(open) = scan_quotes(
                raw_bytes,
                self.delimiter,
                self.quote,
                self.escape,
                self.double_quote,
            )
            .first_multiline
            {
                let Event::Broken(bad) = self.recover(self.start + open, true) else {
                    unreachable!("recover gives a broken event")
                };
                return sink.bad_row(bad);
            }
            return sink.bad_row(bad(
                QuarantineReason::WrongFieldCount,
                format!("expected {ncols} fields, found {}", self.nends),
                None,
            ));
        }
        let fields: Vec<&[u8]> = self.fields().collect();
        let names = &self.names;
        let col = |i: usize| format!("column {} (`{}`)", i + 1, names[i]);
        if self.out[..self.nout].contains(&0) {
            let i = fields.iter().position(|f| f.contains(&0)).unwrap_or(0);
            return sink.bad_row(bad(
                QuarantineReason::NulByte,
                format!("NUL byte in {}", col(i)),
                Some(i),
            ));
        }
        if let Some(i) = fields.iter().position(|f| f.len() > self.max_field) {
            return sink.bad_row(bad(
                QuarantineReason::FieldTooLarge,
                format!(
                    "{} has {} bytes, limit {}",
                    col(i),
                    fields[i].len(),
                    self.max_field
                ),
                Some(i),
            ));
        }
        if malformed && !self.plan.replace {
            let i = fields
                .iter()
                .position(|f| f.windows(3).any(|w| w == "\u{FFFD}".as_bytes()));
            let detail = match i {
                Some(i) => format!(
                    "{} has bytes invalid in {}",
                    col(i),
                    self.plan.encoding_name()
                ),
                None => format!("bytes invalid in {}", self.plan.encoding_name()),
            };
            return sink.bad_row(bad(QuarantineReason::InvalidEncoding, detail, i));
        }
        let (values, used_fallback) = match self.plan.decode_record(&fields) {
            Decoded::Ok(v, fb) => (v, fb),
            Decoded::Invalid(i) => {
                return sink.bad_row(bad(
                    QuarantineReason::InvalidEncoding,
                    format!("{} is not valid {}", col(i), self.plan.encoding_name()),
                    Some(i),
                ));
            }
        };
        let values: Vec<Option<Cow<'_, str>>> = values.into_iter().map(Some).collect();
        let raw = || raw_bytes.to_vec();
        sink.row(Row {
            line,
            names: None,
            values: &values,
            nested: &[],
            used_fallback,
            raw: &raw,
        });
    }

    /// Feeds up to `max_rows` records to `sink`; `true` once the file is
    /// exhausted.
    pub fn read_some(&mut self, sink: &mut dyn RowSink, max_rows: usize) -> Result<bool, Error> {
        if !self.columns_sent {
            sink.columns(&self.names)?;
            self.columns_sent = true;
        }
        for _ in 0..max_rows.max(1) {
            let ev = match self.peeked.take() {
                Some(ev) => ev,
                None => match self.next_event()? {
                    Some(ev) => ev,
                    None => return Ok(true),
                },
            };
            self.process(ev, sink);
        }
        Ok(false)
    }
}

/// Errors when a file has more columns than `max_columns` allows.
pub(crate) fn check_width(source: &str, file: &str, n: usize, max: usize) -> Result<(), Error> {
    if n > max {
        return Err(format_err(
            source,
            file,
            format!(
                "{n} columns, more than `max_columns` = {max}; raise the source's `max_columns` if the file really is this wide"
            ),
        ));
    }
    Ok(())
}

/// Errors on a repeated column name.
pub(crate) fn check_unique(source: &str, file: &str, names: &[String]) -> Result<(), Error> {
    let mut seen = std::collections::HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(first) = seen.insert(n.as_str(), i) {
            return Err(Error::DuplicateColumn {
                source_name: source.to_owned(),
                file: file.to_owned(),
                column: n.clone(),
                first: first + 1,
                second: i + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_quote_follows_csv_rules() {
        let q = |s: &str| open_quote(s.as_bytes(), b',', b'"', None, true);
        assert_eq!(q("a,b\n"), None);
        assert_eq!(q("a,\"b\"\"c\",d\n"), None);
        assert_eq!(q("a,\"b\n"), Some(2));
        assert_eq!(
            q("a,b\"c\n"),
            None,
            "a quote inside an unquoted field is literal"
        );
        assert_eq!(q("\"x\"\n1,\"y"), Some(6));
        assert_eq!(
            open_quote(b"\"a\\\"", b',', b'"', Some(b'\\'), false),
            Some(0)
        );
        assert_eq!(
            open_quote(b"\"a\\\"\"", b',', b'"', Some(b'\\'), false),
            None
        );
    }

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter("a;b;c", '"', b','), b';');
        assert_eq!(sniff_delimiter("a,b;c", '"', b','), b',');
        assert_eq!(sniff_delimiter("\"a;b\",c", '"', b','), b',');
        assert_eq!(sniff_delimiter("a|b|c", '"', b','), b'|');
        assert_eq!(sniff_delimiter("abc", '"', b'\t'), b'\t');
    }
}
