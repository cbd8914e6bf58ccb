//! JSON Lines: one object per line, decoded line by line so a bad line only
//! costs itself. Nested objects are flattened to dotted paths
//! (`address.city`); arrays stay whole (as JSON text in `extra`, and are
//! refused where a mapped field needs text).

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::Path;

use cim_schema::QuarantineReason;
use serde_json::Value;

use crate::encoding::{self, EncodingPlan, TextInput};
use crate::error::{Error, io_err};
use crate::options::SourceOptions;
use crate::sink::{BadRow, Row, RowSink};

struct Line {
    number: u64,
    bytes: Vec<u8>,
    /// Full length including any part dropped for being too long.
    len: u64,
    /// Offsets of the line in the decoded stream.
    start: u64,
    end: u64,
}

pub(crate) struct JsonlFile {
    source: String,
    file: String,
    input: BufReader<TextInput>,
    plan: EncodingPlan,
    offset: u64,
    line_no: u64,
    max_field: usize,
    max_columns: usize,
    max_line: usize,
    pending: Option<Line>,
}

/// A flattened leaf: dotted path, text (None for null), and whether it is
/// an array.
type Leaf = (String, Option<String>, bool);

fn flatten(prefix: &str, map: serde_json::Map<String, Value>, out: &mut Vec<Leaf>) {
    for (k, v) in map {
        let path = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(m) => flatten(&path, m, out),
            Value::Null => out.push((path, None, false)),
            Value::String(s) => out.push((path, Some(s), false)),
            Value::Bool(b) => out.push((path, Some(b.to_string()), false)),
            Value::Number(n) => out.push((path, Some(n.to_string()), false)),
            a @ Value::Array(_) => out.push((path, Some(a.to_string()), true)),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl JsonlFile {
    pub fn open(opts: &SourceOptions, path: &Path, file: &str) -> Result<Self, Error> {
        let (prefix, f) = encoding::open_with_prefix(&opts.name, path, file, 4096)?;
        let plan = encoding::plan(opts, &prefix, b"\n\r")?;
        let input = TextInput::new(prefix, f, &plan);
        let max_field = opts.max_field_bytes.max(1);
        let mut me = Self {
            source: opts.name.clone(),
            file: file.to_owned(),
            input: BufReader::with_capacity(64 * 1024, input),
            plan,
            offset: 0,
            line_no: 0,
            max_field,
            max_columns: opts.max_columns,
            max_line: (64 * max_field).max(1 << 20),
            pending: None,
        };
        me.pending = me.next_line()?;
        if me.pending.is_none() {
            return Err(Error::NoRows {
                source_name: me.source.clone(),
                file: me.file.clone(),
            });
        }
        Ok(me)
    }

    pub fn encoding_name(&self) -> String {
        self.plan.name()
    }

    /// The next non-blank line, at most `max_line` bytes of it kept.
    fn next_line(&mut self) -> Result<Option<Line>, Error> {
        loop {
            let mut bytes = Vec::new();
            let mut len = 0u64;
            let start = self.offset;
            loop {
                let chunk = match self.input.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io_err(&self.source, &self.file, e)),
                };
                if chunk.is_empty() {
                    break;
                }
                let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                    Some(p) => (p + 1, true),
                    None => (chunk.len(), false),
                };
                let room = (self.max_line + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..take.min(room)]);
                len += take as u64;
                self.input.consume(take);
                if done {
                    break;
                }
            }
            if len == 0 {
                return Ok(None);
            }
            self.offset += len;
            self.line_no += 1;
            let line = Line {
                number: self.line_no,
                bytes,
                len,
                start,
                end: self.offset,
            };
            if !line.bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(line));
            }
        }
    }

    fn process(&mut self, line: Line, sink: &mut dyn RowSink) {
        let mut raw: &[u8] = &line.bytes;
        while let [rest @ .., b'\n' | b'\r'] = raw {
            raw = rest;
        }
        let bad = |reason, detail: String| BadRow {
            line: line.number,
            reason,
            detail,
            raw: raw.to_vec(),
            column: None,
        };
        if line.len > self.max_line as u64 {
            return sink.bad_row(bad(
                QuarantineReason::FieldTooLarge,
                format!(
                    "line of {} bytes exceeds the limit of {} bytes",
                    line.len, self.max_line
                ),
            ));
        }
        let malformed = self.input.get_mut().malformed_in(line.start, line.end);
        if malformed && !self.plan.replace {
            return sink.bad_row(bad(
                QuarantineReason::InvalidEncoding,
                format!("bytes invalid in {}", self.plan.encoding_name()),
            ));
        }
        let Some((text, used_fallback)) = self.plan.decode_one(raw) else {
            return sink.bad_row(bad(
                QuarantineReason::InvalidEncoding,
                format!("line is not valid {}", self.plan.encoding_name()),
            ));
        };
        if raw.contains(&0) {
            return sink.bad_row(bad(
                QuarantineReason::NulByte,
                "NUL byte in line".to_owned(),
            ));
        }
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                let what = match e.classify() {
                    serde_json::error::Category::Eof => "truncated",
                    _ => "syntax error",
                };
                return sink.bad_row(bad(
                    QuarantineReason::InvalidJson,
                    format!("invalid JSON ({what}) at column {}", e.column()),
                ));
            }
        };
        let map = match value {
            Value::Object(m) => m,
            other => {
                return sink.bad_row(bad(
                    QuarantineReason::NotAnObject,
                    format!("JSON line is {}, not an object", kind(&other)),
                ));
            }
        };
        let mut leaves = Vec::with_capacity(map.len());
        flatten("", map, &mut leaves);
        leaves.sort_by(|a, b| a.0.cmp(&b.0));
        leaves.dedup_by(|a, b| a.0 == b.0);
        if leaves.len() > self.max_columns {
            return sink.bad_row(bad(
                QuarantineReason::WrongFieldCount,
                format!(
                    "{} fields, more than `max_columns` = {}",
                    leaves.len(),
                    self.max_columns
                ),
            ));
        }
        for (path, v, _) in &leaves {
            if let Some(v) = v {
                if v.len() > self.max_field {
                    return sink.bad_row(bad(
                        QuarantineReason::FieldTooLarge,
                        format!("`{path}` has {} bytes, limit {}", v.len(), self.max_field),
                    ));
                }
                if v.contains('\0') {
                    return sink.bad_row(bad(
                        QuarantineReason::NulByte,
                        format!("NUL character in `{path}`"),
                    ));
                }
            }
        }
        let names: Vec<String> = leaves.iter().map(|l| l.0.clone()).collect();
        let nested: Vec<bool> = leaves.iter().map(|l| l.2).collect();
        let values: Vec<Option<Cow<'_, str>>> =
            leaves.into_iter().map(|l| l.1.map(Cow::Owned)).collect();
        let raw_fn = || raw.to_vec();
        sink.row(Row {
            line: line.number,
            names: Some(&names),
            values: &values,
            nested: &nested,
            used_fallback,
            raw: &raw_fn,
        });
    }

    /// Feeds up to `max_rows` lines to `sink`; `true` at end of file.
    pub fn read_some(&mut self, sink: &mut dyn RowSink, max_rows: usize) -> Result<bool, Error> {
        for _ in 0..max_rows.max(1) {
            let line = match self.pending.take() {
                Some(l) => l,
                None => match self.next_line()? {
                    Some(l) => l,
                    None => return Ok(true),
                },
            };
            self.process(line, sink);
        }
        Ok(false)
    }
}
