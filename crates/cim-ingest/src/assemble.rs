//! Turns rows of source text into `raw_schema` batches: applies the column
//! mapping, checks required fields, computes provenance (record id, row
//! hash) and collects unmapped columns into `extra`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder, UInt64Builder};
use arrow::record_batch::RecordBatch;
use cim_schema::{
    CanonicalField, QuarantineReason, QuarantineRow, RecordId, escape_raw, raw_schema,
};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::Error;
use crate::options::{DuplicateKeyPolicy, Format, SourceOptions};
use crate::report::SourceReport;
use crate::sink::{BadRow, Row, RowSink};

/// A batch of accepted rows and the rows quarantined while reading them.
#[derive(Debug, Clone)]
pub struct RawChunk {
    /// Accepted rows, with exactly [`cim_schema::raw_schema`] (may have 0
    /// rows when every row read was quarantined).
    pub batch: RecordBatch,
    /// Rows quarantined while this chunk was read.
    pub quarantine: Vec<QuarantineRow>,
}

/// Finds `wanted` among `names`: exact match, else the unique match after
/// trimming and ignoring ASCII case (exports love ` Email` and `EMAIL`).
pub(crate) fn find_column(names: &[String], wanted: &str) -> Option<usize> {
    if let Some(i) = names.iter().position(|n| n == wanted) {
        return Some(i);
    }
    let w = wanted.trim();
    let mut hits = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.trim().eq_ignore_ascii_case(w))
        .map(|(i, _)| i);
    match (hits.next(), hits.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

/// The mapping applied to one set of column names.
struct Resolved {
    /// (index in `CanonicalField::ALL`, column indices).
    fields: Vec<(usize, Vec<usize>)>,
    /// Unmapped columns, sorted by name.
    extra: Vec<usize>,
}

struct Builders {
    record_id: StringBuilder,
    source: StringBuilder,
    file: StringBuilder,
    line: UInt64Builder,
    row_hash: StringBuilder,
    extra: StringBuilder,
    fields: Vec<StringBuilder>,
    rows: usize,
}

impl Builders {
    fn new() -> Self {
        Self {
            record_id: StringBuilder::new(),
            source: StringBuilder::new(),
            file: StringBuilder::new(),
            line: UInt64Builder::new(),
            row_hash: StringBuilder::new(),
            extra: StringBuilder::new(),
            fields: CanonicalField::ALL
                .iter()
                .map(|_| StringBuilder::new())
                .collect(),
            rows: 0,
        }
    }

    fn finish(&mut self) -> Result<RecordBatch, Error> {
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(self.record_id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.file.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.row_hash.finish()),
            Arc::new(self.extra.finish()),
        ];
        cols.extend(
            self.fields
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        self.rows = 0;
        Ok(RecordBatch::try_new(raw_schema(), cols)?)
    }
}

pub(crate) struct Assembler {
    source: String,
    /// (index in `CanonicalField::ALL`, field, columns), in field order.
    mapping: Vec<(usize, CanonicalField, Vec<String>)>,
    required: Vec<usize>,
    keep_extra: bool,
    keep_all: bool,
    file: String,
    resolved: Option<Resolved>,
    /// Column names of the current tabular file.
    names_cache: Vec<Cow<'static, str>>,
    /// Mappings of the JSON row shapes (paths, array flags) seen last:
    /// most lines of a file share one of a few shapes, so resolving each
    /// line's paths anew is wasted work.
    json_shapes: Vec<(Vec<String>, Vec<bool>, Resolved)>,
    b: Builders,
    quarantine: Vec<QuarantineRow>,
    /// Occurrences of each source key (hash), for `~n` under keep_all.
    key_seen: HashMap<u64, u32>,
    /// Occurrences of each row hash of keyless rows.
    content_seen: HashMap<u64, u32>,
    pub report: SourceReport,
}

const SOURCE_KEY: usize = 0;

/// JSON row shapes whose mapping is kept (see `Assembler::json_shapes`).
const JSON_SHAPES: usize = 8;

fn field_index(f: CanonicalField) -> usize {
    CanonicalField::ALL
        .iter()
        .position(|&g| g == f)
        .expect("field in ALL")
}

impl Assembler {
    pub fn new(opts: &SourceOptions) -> Self {
        debug_assert_eq!(CanonicalField::ALL[SOURCE_KEY], CanonicalField::SourceKey);
        Self {
            source: opts.name.clone(),
            mapping: opts
                .columns
                .iter()
                .map(|(f, c)| (field_index(*f), *f, c.columns().to_vec()))
                .collect(),
            required: opts.required.iter().map(|&f| field_index(f)).collect(),
            keep_extra: opts.keep_extra,
            keep_all: opts.duplicate_keys == DuplicateKeyPolicy::KeepAll,
            file: String::new(),
            resolved: None,
            names_cache: Vec::new(),
            json_shapes: Vec::new(),
            b: Builders::new(),
            quarantine: Vec::new(),
            key_seen: HashMap::new(),
            content_seen: HashMap::new(),
            report: SourceReport {
                source: opts.name.clone(),
                ..SourceReport::default()
            },
        }
    }

    pub fn begin_file(&mut self, file: &str, format: Format, encoding: String) {
        self.file = file.to_owned();
        self.resolved = None;
        self.report.begin_file(file, format, encoding);
    }

    /// Sets the file name used in errors without starting a report entry
    /// (validation in `open_source`).
    pub fn set_file(&mut self, file: &str) {
        self.file = file.to_owned();
    }

    /// Everything read since the last call, or `None` if nothing was.
    pub fn take_chunk(&mut self) -> Result<Option<RawChunk>, Error> {
        if self.b.rows == 0 && self.quarantine.is_empty() {
            return Ok(None);
        }
        Ok(Some(RawChunk {
            batch: self.b.finish()?,
            quarantine: std::mem::take(&mut self.quarantine),
        }))
    }

    fn resolve_json(
        &self,
        names: &[Cow<'_, str>],
        nested: &[bool],
    ) -> Result<Resolved, (String, usize)> {
        let mut used = vec![false; names.len()];
        let mut fields = Vec::with_capacity(self.mapping.len());
        for (fi, field, cols) in &self.mapping {
            let mut idx = Vec::with_capacity(cols.len());
            for c in cols {
                match names.binary_search_by(|n| n.as_ref().cmp(c.as_str())) {
                    Ok(i) => {
                        if nested.get(i).copied().unwrap_or(false) {
                            return Err((
                                format!("`{c}` (mapped to `{field}`) holds an array, not text"),
                                i,
                            ));
                        }
                        used[i] = true;
                        idx.push(i);
                    }
                    Err(i) => {
                        let child = format!("{c}.");
                        if names.get(i).is_some_and(|n| n.starts_with(&child)) {
                            return Err((
                                format!("`{c}` (mapped to `{field}`) holds an object, not text"),
                                i,
                            ));
                        }
                    }
                }
            }
            fields.push((*fi, idx));
        }
        let extra = (0..names.len()).filter(|&i| !used[i]).collect();
        Ok(Resolved { fields, extra })
    }

    fn bad(&mut self, line: u64, reason: QuarantineReason, detail: String, raw: &[u8]) {
        self.report.quarantined(reason.code());
        self.quarantine.push(QuarantineRow {
            source: self.source.clone(),
            file: self.file.clone(),
            line: Some(line),
            reason,
            detail,
            raw: escape_raw(raw),
        });
    }
}

impl RowSink for Assembler {
    fn columns(&mut self, names: &[String]) -> Result<(), Error> {
        let mut used = vec![false; names.len()];
        let mut fields = Vec::with_capacity(self.mapping.len());
        for (fi, field, cols) in &self.mapping {
            let mut idx = Vec::with_capacity(cols.len());
            for c in cols {
                let i = find_column(names, c).ok_or_else(|| Error::MissingColumn {
                    source_name: self.source.clone(),
                    file: self.file.clone(),
                    column: c.clone(),
                    field: field.name().to_owned(),
                })?;
                used[i] = true;
                idx.push(i);
            }
            fields.push((*fi, idx));
        }
        let mut extra: Vec<usize> = (0..names.len()).filter(|&i| !used[i]).collect();
        extra.sort_by(|&a, &b| names[a].cmp(&names[b]));
        self.resolved = Some(Resolved { fields, extra });
        self.names_cache = names.iter().map(|n| Cow::Owned(n.clone())).collect();
        Ok(())
    }

    fn row(&mut self, row: Row<'_>) {
        let mut shape = 0;
        if let Some(names) = row.names {
            let same = |(n, a, _): &(Vec<String>, Vec<bool>, Resolved)| {
                a.as_slice() == row.nested
                    && n.len() == names.len()
                    && n.iter().zip(names).all(|(x, y)| x == y)
            };
            match self.json_shapes.iter().position(same) {
                Some(i) => shape = i,
                None => match self.resolve_json(names, row.nested) {
                    Ok(r) => {
                        if self.json_shapes.len() >= JSON_SHAPES {
                            self.json_shapes.remove(0);
                        }
                        let names = names.iter().map(|n| n.to_string()).collect();
                        self.json_shapes.push((names, row.nested.to_vec(), r));
                        shape = self.json_shapes.len() - 1;
                    }
                    Err((detail, _)) => {
                        let raw = (row.raw)();
                        return self.bad(
                            row.line,
                            QuarantineReason::UnparseableValue,
                            detail,
                            &raw,
                        );
                    }
                },
            }
        }
        let (resolved, names): (&Resolved, &[Cow<'_, str>]) = match row.names {
            Some(names) => (&self.json_shapes[shape].2, names),
            None => match &self.resolved {
                Some(r) => (r, &self.names_cache),
                None => unreachable!("columns() precedes tabular rows"),
            },
        };
        let values = row.values;
        let mut canon: Vec<Option<Cow<'_, str>>> = vec![None; CanonicalField::ALL.len()];
        for (fi, cols) in &resolved.fields {
            canon[*fi] = match cols.as_slice() {
                [] => None,
                [c] => values[*c]
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .map(Cow::Borrowed),
                many => {
                    let parts: Vec<&str> = many
                        .iter()
                        .filter_map(|&c| values[c].as_deref())
                        .filter(|s| !s.trim().is_empty())
                        .collect();
                    if parts.is_empty() {
                        None
                    } else {
                        Some(Cow::Owned(parts.join(" ")))
                    }
                }
            };
        }
        for &fi in &self.required {
            if canon[fi].as_deref().is_none_or(|s| s.trim().is_empty()) {
                let field = CanonicalField::ALL[fi];
                let cols = self
                    .mapping
                    .iter()
                    .find(|m| m.0 == fi)
                    .map(|m| m.2.join("`, `"))
                    .unwrap_or_default();
                let detail = format!("required field `{field}` (column `{cols}`) is empty");
                let raw = (row.raw)();
                return self.bad(row.line, QuarantineReason::MissingRequired, detail, &raw);
            }
        }
        let hash = match row.names {
            None => cim_schema::ids::row_hash(values.iter().map(|v| v.as_deref())),
            Some(ns) => cim_schema::ids::row_hash(
                ns.iter()
                    .zip(values)
                    .flat_map(|(n, v)| [Some(n.as_ref()), v.as_deref()]),
            ),
        };
        let b = &mut self.b;
        // Ids and hashes are written straight into the builders (no
        // per-row allocation).
        match canon[SOURCE_KEY]
            .as_deref()
            .filter(|k| !k.trim().is_empty())
        {
            Some(key) => {
                let _ = write!(b.record_id, "{}:{key}", self.source);
                if self.keep_all {
                    let n = self.key_seen.entry(xxh3_64(key.as_bytes())).or_insert(0);
                    if *n > 0 {
                        let _ = write!(b.record_id, "~{n}");
                    }
                    *n += 1;
                }
                b.record_id.append_value("");
            }
            None => {
                let n = self.content_seen.entry(hash).or_insert(0);
                b.record_id
                    .append_value(RecordId::from_content(&self.source, hash, *n).0);
                *n += 1;
            }
        }
        let extra = if self.keep_extra {
            let m: BTreeMap<&str, &str> = resolved
                .extra
                .iter()
                .filter_map(|&i| {
                    values[i]
                        .as_deref()
                        .filter(|v| !v.is_empty())
                        .map(|v| (names[i].as_ref(), v))
                })
                .collect();
            (!m.is_empty()).then(|| serde_json::to_string(&m).expect("string map serialises"))
        } else {
            None
        };
        b.source.append_value(&self.source);
        b.file.append_value(&self.file);
        b.line.append_value(row.line);
        let _ = write!(b.row_hash, "{hash:016x}");
        b.row_hash.append_value("");
        b.extra.append_option(extra);
        for (builder, v) in b.fields.iter_mut().zip(&canon) {
            builder.append_option(v.as_deref());
        }
        b.rows += 1;
        self.report.accepted(row.used_fallback);
    }

    fn bad_row(&mut self, bad: BadRow) {
        self.bad(bad.line, bad.reason, bad.detail, &bad.raw);
    }
}
