//! Writes a generated data set: one file per source, `truth.csv` and
//! `dataset.json`. Streams wave by wave; the next wave is generated while
//! the current one is written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use crate::error::Error;
use crate::generate::{CellRef, Chunk, RowMeta, Wave, generate, key_cell, key_text};
use crate::options::SynthOptions;
use crate::source::{Cell, Column, ColumnType, FileFormat, SourceKind};

/// Name of the ground-truth file (`source,source_key,entity_id`).
pub const TRUTH_FILE: &str = "truth.csv";
/// Name of the summary file.
pub const SUMMARY_FILE: &str = "dataset.json";

/// What [`write_dataset`] wrote; also saved as `dataset.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DatasetSummary {
    /// Always `cim-synth`.
    pub generator: &'static str,
    /// Layout version of this summary and the files it describes.
    pub format_version: u32,
    /// The seed used.
    pub seed: u64,
    /// Distinct true customers.
    pub entities: u64,
    /// Source rows written (excluding deliberately malformed rows).
    pub records: u64,
    /// Pairs of rows that belong to the same entity.
    pub true_pairs: u64,
    /// Of [`DatasetSummary::true_pairs`], those within one source.
    pub true_pairs_within_source: u64,
    /// Of [`DatasetSummary::true_pairs`], those across two sources.
    pub true_pairs_cross_source: u64,
    /// Number of entities having each record count (`"1": 680, ...`).
    pub records_per_entity: BTreeMap<u32, u64>,
    /// Per-source files.
    pub sources: Vec<SourceSummary>,
    /// The truth file name.
    pub truth_file: String,
    /// Rows deliberately broken to exercise quarantine (demo only). They
    /// have no truth rows.
    pub malformed: Vec<MalformedRow>,
    /// The options that produced the data set.
    pub options: SynthOptions,
}

/// One written source file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceSummary {
    /// Source name as in `truth.csv` (`crm`).
    pub name: &'static str,
    /// File name inside the data set directory.
    pub file: String,
    /// File format.
    pub format: FileFormat,
    /// Text encoding (`utf-8`, `gbk`, `binary`).
    pub encoding: &'static str,
    /// Whether the file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// Line terminator of text files (`"\r\n"` or `"\n"`; empty for Parquet).
    pub line_terminator: &'static str,
    /// Valid rows (each has one truth row).
    pub rows: u64,
    /// Column names in file order; dotted names are nested in JSON.
    pub columns: Vec<&'static str>,
}

/// A deliberately malformed row (see [`crate::write_demo`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MalformedRow {
    /// Source name.
    pub source: &'static str,
    /// File name.
    pub file: String,
    /// 1-based physical line number in the file (the header is line 1).
    pub line: u64,
    /// What is wrong with it.
    pub problem: &'static str,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether a source in a format gets an Excel-style BOM and CRLF.
fn text_conventions(kind: SourceKind, format: FileFormat) -> (bool, &'static str) {
    match (kind, format) {
        (SourceKind::Crm, FileFormat::Csv) => (true, "\r\n"),
        (SourceKind::Loyalty, FileFormat::CsvGbk) => (false, "\r\n"),
        (_, FileFormat::Parquet) => (false, ""),
        _ => (false, "\n"),
    }
}

fn push_csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Text of a non-string cell as written in CSV (dates ISO, timestamps
/// `yyyy-mm-dd hh:mm:ss`).
fn push_cell_text(out: &mut String, c: CellRef<'_>) {
    match c {
        CellRef::Null => {}
        CellRef::Str(s) => out.push_str(s),
        CellRef::Int(i) => {
            let _ = write!(out, "{i}");
        }
        CellRef::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        CellRef::Date(d) => out.push_str(&Cell::Date(d).to_text()),
        CellRef::Ts(t) => out.push_str(&Cell::Timestamp(t).to_text()),
    }
}

fn push_json_cell(out: &mut String, c: CellRef<'_>) {
    match c {
        CellRef::Null => out.push_str("null"),
        CellRef::Int(_) | CellRef::Bool(_) => push_cell_text(out, c),
        CellRef::Str(s) => push_json_str(out, s),
        other => {
            let mut t = String::new();
            push_cell_text(&mut t, other);
            push_json_str(out, &t);
        }
    }
}

/// Cell `col` of a row, the key (column 0) included.
fn row_cell<'a>(chunk: &'a Chunk, row: &RowMeta, col: usize, key: &'a mut String) -> CellRef<'a> {
    if col > 0 {
        return chunk.cell(row, col);
    }
    match key_cell(row.source, row.key) {
        Cell::Int(i) => CellRef::Int(i),
        _ => {
            key.clear();
            key_text(row.source, row.key, key);
            CellRef::Str(key)
        }
    }
}

fn group_of(name: &str) -> Option<&str> {
    name.split_once('.').map(|(g, _)| g)
}

/// Renders one row as a JSON object; `a.b` columns become nested
/// objects, `null` when all their members are null.
fn push_json_row(
    out: &mut String,
    columns: &[Column],
    chunk: &Chunk,
    row: &RowMeta,
    key: &mut String,
) {
    let cell = |col: usize, key: &mut String, out: &mut String| {
        let mut k = std::mem::take(key);
        push_json_cell(out, row_cell(chunk, row, col, &mut k));
        *key = k;
    };
    out.push('{');
    let mut i = 0;
    while i < columns.len() {
        if i > 0 {
            out.push(',');
        }
        match group_of(columns[i].name) {
            None => {
                push_json_str(out, columns[i].name);
                out.push(':');
                cell(i, key, out);
                i += 1;
            }
            Some(group) => {
                let end = (i..columns.len())
                    .find(|&j| group_of(columns[j].name) != Some(group))
                    .unwrap_or(columns.len());
                push_json_str(out, group);
                out.push(':');
                if (i..end).all(|j| matches!(chunk.cell(row, j), CellRef::Null)) {
                    out.push_str("null");
                } else {
                    out.push('{');
                    for (j, column) in columns.iter().enumerate().take(end).skip(i) {
                        if j > i {
                            out.push(',');
                        }
                        push_json_str(out, &column.name[group.len() + 1..]);
                        out.push(':');
                        cell(j, key, out);
                    }
                    out.push('}');
                }
                i = end;
            }
        }
    }
    out.push('}');
}

enum Sink {
    Text {
        path: PathBuf,
        out: BufWriter<File>,
        format: FileFormat,
        eol: &'static str,
        scratch: String,
    },
    Parquet {
        path: PathBuf,
        writer: Box<ArrowWriter<File>>,
        schema: SchemaRef,
    },
}

fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Int => DataType::Int64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
    }
}

impl Sink {
    fn create(dir: &Path, kind: SourceKind, format: FileFormat) -> Result<Sink, Error> {
        let path = dir.join(format.file_name(kind));
        let file = File::create(&path).map_err(io_err(&path))?;
        let columns = kind.columns();
        if format == FileFormat::Parquet {
            let schema: SchemaRef = Arc::new(Schema::new(
                columns
                    .iter()
                    .map(|c| Field::new(c.name, arrow_type(c.ty), true))
                    .collect::<Vec<_>>(),
            ));
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
                .build();
            let writer =
                ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|source| {
                    Error::Parquet {
                        path: path.clone(),
                        source,
                    }
                })?;
            return Ok(Sink::Parquet {
                path,
                writer: Box::new(writer),
                schema,
            });
        }
        let (bom, eol) = text_conventions(kind, format);
        let out = BufWriter::with_capacity(1 << 20, file);
        let mut scratch = String::new();
        if bom {
            scratch.push('\u{feff}');
        }
        if format != FileFormat::Jsonl {
            for (i, c) in columns.iter().enumerate() {
                if i > 0 {
                    scratch.push(',');
                }
                push_csv_field(&mut scratch, c.name);
            }
            scratch.push_str(eol);
        }
        let mut sink = Sink::Text {
            path,
            out,
            format,
            eol,
            scratch,
        };
        sink.flush_scratch()?;
        Ok(sink)
    }

    fn flush_scratch(&mut self) -> Result<(), Error> {
        if let Sink::Text {
            path,
            out,
            format,
            scratch,
            ..
        } = self
        {
            let bytes: std::borrow::Cow<'_, [u8]> = if *format == FileFormat::CsvGbk {
                let (b, _, _) = encoding_rs::GBK.encode(scratch);
                b
            } else {
                scratch.as_bytes().into()
            };
            out.write_all(&bytes).map_err(io_err(path))?;
            scratch.clear();
        }
        Ok(())
    }

    fn write(&mut self, kind: SourceKind, rows: &[(&Chunk, &RowMeta)]) -> Result<(), Error> {
        let columns = kind.columns();
        match self {
            Sink::Text {
                format,
                eol,
                scratch,
                ..
            } => {
                let mut key = String::new();
                for (chunk, row) in rows {
                    if *format == FileFormat::Jsonl {
                        push_json_row(scratch, columns, chunk, row, &mut key);
                    } else {
                        for col in 0..columns.len() {
                            if col > 0 {
                                scratch.push(',');
                            }
                            match row_cell(chunk, row, col, &mut key) {
                                CellRef::Str(s) => push_csv_field(scratch, s),
                                other => push_cell_text(scratch, other),
                            }
                        }
                    }
                    scratch.push_str(eol);
                }
                self.flush_scratch()
            }
            Sink::Parquet {
                path,
                writer,
                schema,
            } => {
                if rows.is_empty() {
                    return Ok(());
                }
                let arrays: Vec<ArrayRef> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| column_array(c.ty, rows, i))
                    .collect();
                let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|source| {
                    Error::Arrow {
                        path: path.clone(),
                        source,
                    }
                })?;
                writer.write(&batch).map_err(|source| Error::Parquet {
                    path: path.clone(),
                    source,
                })
            }
        }
    }

    fn finish(self) -> Result<(), Error> {
        match self {
            Sink::Text { path, mut out, .. } => out.flush().map_err(io_err(&path)),
            Sink::Parquet { path, writer, .. } => writer
                .close()
                .map(|_| ())
                .map_err(|source| Error::Parquet { path, source }),
        }
    }
}

fn column_array(ty: ColumnType, rows: &[(&Chunk, &RowMeta)], i: usize) -> ArrayRef {
    let mut key = String::new();
    macro_rules! primitive {
        ($builder:expr, $variant:ident) => {{
            let mut b = $builder;
            for (c, r) in rows {
                b.append_option(match row_cell(c, r, i, &mut key) {
                    CellRef::$variant(v) => Some(v),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }};
    }
    match ty {
        ColumnType::Text => {
            let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 16);
            let mut t = String::new();
            for (c, r) in rows {
                match row_cell(c, r, i, &mut key) {
                    CellRef::Null => b.append_null(),
                    CellRef::Str(s) => b.append_value(s),
                    other => {
                        t.clear();
                        push_cell_text(&mut t, other);
                        b.append_value(&t);
                    }
                }
            }
            Arc::new(b.finish())
        }
        ColumnType::Int => primitive!(Int64Builder::with_capacity(rows.len()), Int),
        ColumnType::Bool => primitive!(BooleanBuilder::with_capacity(rows.len()), Bool),
        ColumnType::Date => primitive!(Date32Builder::with_capacity(rows.len()), Date),
        ColumnType::Timestamp => {
            primitive!(
                TimestampMillisecondBuilder::with_capacity(rows.len()).with_timezone("UTC"),
                Ts
            )
        }
    }
}

/// Streaming state of one data set being written.
struct Writer {
    sinks: Vec<(SourceKind, Sink)>,
    rows: Vec<u64>,
    truth_path: PathBuf,
    truth: BufWriter<File>,
    truth_buf: String,
    hist: BTreeMap<u32, u64>,
    pairs: u64,
    pairs_within: u64,
}

impl Writer {
    fn write_wave(&mut self, wave: &Wave) -> Result<(), Error> {
        for (slot, (kind, sink)) in self.sinks.iter_mut().enumerate() {
            let rows: Vec<(&Chunk, &RowMeta)> =
                wave.rows().filter(|(_, r)| r.source == *kind).collect();
            self.rows[slot] += rows.len() as u64;
            sink.write(*kind, &rows)?;
        }
        for (_, r) in wave.rows() {
            self.truth_buf.push_str(r.source.name());
            self.truth_buf.push(',');
            key_text(r.source, r.key, &mut self.truth_buf);
            let _ = writeln!(self.truth_buf, ",{}", r.entity);
        }
        self.truth
            .write_all(self.truth_buf.as_bytes())
            .map_err(io_err(&self.truth_path))?;
        self.truth_buf.clear();
        // Every entity's records are inside one batch, so pairs can be
        // counted per batch.
        let mut ids: Vec<(u64, SourceKind)> =
            wave.rows().map(|(_, r)| (r.entity, r.source)).collect();
        ids.sort_unstable();
        for group in ids.chunk_by(|a, b| a.0 == b.0) {
            let n = group.len() as u64;
            *self.hist.entry(group.len() as u32).or_default() += 1;
            self.pairs += n * (n - 1) / 2;
            for per_source in group.chunk_by(|a, b| a.1 == b.1) {
                let m = per_source.len() as u64;
                self.pairs_within += m * (m - 1) / 2;
            }
        }
        Ok(())
    }
}

/// Generates the data set described by `opts` into `dir` (created if
/// missing): one file per source, `truth.csv` and `dataset.json`. Existing
/// files of the same names are replaced.
pub fn write_dataset(dir: &Path, opts: &SynthOptions) -> Result<DatasetSummary, Error> {
    let summary = write_files(dir, opts)?;
    write_summary(dir, &summary)?;
    Ok(summary)
}

pub(crate) fn write_summary(dir: &Path, summary: &DatasetSummary) -> Result<(), Error> {
    let path = dir.join(SUMMARY_FILE);
    let mut json = serde_json::to_string_pretty(summary).unwrap_or_default();
    json.push('\n');
    std::fs::write(&path, json).map_err(io_err(&path))
}

/// Writes the source and truth files, not `dataset.json`.
pub(crate) fn write_files(dir: &Path, opts: &SynthOptions) -> Result<DatasetSummary, Error> {
    let mut records = generate(opts)?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut sinks = Vec::with_capacity(opts.sources.len());
    for s in &opts.sources {
        sinks.push((s.kind, Sink::create(dir, s.kind, s.effective_format())?));
    }
    let truth_path = dir.join(TRUTH_FILE);
    let mut truth = BufWriter::new(File::create(&truth_path).map_err(io_err(&truth_path))?);
    truth
        .write_all(b"source,source_key,entity_id\n")
        .map_err(io_err(&truth_path))?;
    let mut w = Writer {
        rows: vec![0; sinks.len()],
        sinks,
        truth_path,
        truth,
        truth_buf: String::new(),
        hist: BTreeMap::new(),
        pairs: 0,
        pairs_within: 0,
    };
    let mut wave = records.next_wave();
    while let Some(current) = wave {
        // The writer also drops the wave, so freeing overlaps generation.
        let (next, written) = rayon::join(
            || records.next_wave(),
            || {
                let r = w.write_wave(&current);
                drop(current);
                r
            },
        );
        written?;
        wave = next;
    }
    let Writer {
        sinks,
        rows,
        truth_path,
        mut truth,
        hist,
        pairs,
        pairs_within,
        ..
    } = w;
    truth.flush().map_err(io_err(&truth_path))?;
    let mut sources = Vec::with_capacity(sinks.len());
    for ((kind, sink), n) in sinks.into_iter().zip(rows) {
        sink.finish()?;
        let spec = opts
            .sources
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.effective_format());
        let format = spec.unwrap_or(kind.native_format());
        let (bom, eol) = text_conventions(kind, format);
        sources.push(SourceSummary {
            name: kind.name(),
            file: format.file_name(kind),
            format,
            encoding: format.encoding(),
            bom,
            line_terminator: eol,
            rows: n,
            columns: kind.columns().iter().map(|c| c.name).collect(),
        });
    }
    Ok(DatasetSummary {
        generator: "cim-synth",
        format_version: 1,
        seed: opts.seed,
        entities: opts.entities,
        records: sources.iter().map(|s| s.rows).sum(),
        true_pairs: pairs,
        true_pairs_within_source: pairs_within,
        true_pairs_cross_source: pairs - pairs_within,
        records_per_entity: hist,
        sources,
        truth_file: TRUTH_FILE.to_string(),
        malformed: Vec::new(),
        options: opts.clone(),
    })
}
