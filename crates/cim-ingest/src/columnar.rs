//! Parquet and Arrow IPC (file and stream). Struct columns are flattened to
//! dotted leaf names (`address.city`); scalar columns of any type are cast to
//! text with arrow's cast kernel (dates as ISO 8601, numbers as decimal
//! text); binary columns are decoded with the source's encoding; list and
//! map columns can only go to `extra` (as arrow's display text).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, StringArray, StructArray};
use arrow::buffer::NullBuffer;
use arrow::compute::{can_cast_types, cast};
use arrow::datatypes::{DataType, Fields, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use cim_schema::QuarantineReason;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::encoding::{self, EncodingPlan};
use crate::error::{Error, format_err, io_err};
use crate::options::{Format, SourceOptions};
use crate::sink::{BadRow, Row, RowSink};

type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

struct LeafSpec {
    name: String,
    /// Child indices from the top-level column down to the leaf.
    path: Vec<usize>,
    data_type: DataType,
}

enum LeafData {
    Str(StringArray),
    Bin(BinaryArray),
    Display(ArrayRef),
}

pub(crate) struct ColumnarFile {
    source: String,
    file: String,
    batches: BatchIter,
    pending: Option<RecordBatch>,
    leaves: Vec<LeafSpec>,
    names: Vec<String>,
    plan: EncodingPlan,
    row_no: u64,
    max_field: usize,
    columns_sent: bool,
}

fn flatten_fields(fields: &Fields, prefix: &str, path: &mut Vec<usize>, out: &mut Vec<LeafSpec>) {
    for (i, f) in fields.iter().enumerate() {
        let name = if prefix.is_empty() {
            f.name().clone()
        } else {
            format!("{prefix}.{}", f.name())
        };
        path.push(i);
        match f.data_type() {
            DataType::Struct(children) => flatten_fields(children, &name, path, out),
            dt => out.push(LeafSpec {
                name,
                path: path.clone(),
                data_type: dt.clone(),
            }),
        }
        path.pop();
    }
}

fn is_nested(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::FixedSizeList(_, _)
            | DataType::Map(_, _)
            | DataType::Union(_, _)
            | DataType::Struct(_)
    )
}

fn is_binary(dt: &DataType) -> bool {
    match dt {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => true,
        DataType::Dictionary(_, v) => is_binary(v),
        _ => false,
    }
}

impl ColumnarFile {
    pub fn open(
        opts: &SourceOptions,
        path: &Path,
        file: &str,
        format: Format,
        batch_rows: usize,
    ) -> Result<Self, Error> {
        let source = opts.name.as_str();
        let (prefix, _) = encoding::open_with_prefix(source, path, file, 8)?;
        let f = File::open(path).map_err(|e| io_err(source, file, e))?;
        let batch_rows = batch_rows.max(1);
        let not_readable = |what: &str, e: &dyn std::fmt::Display| {
            format_err(source, file, format!("not a readable {what} file: {e}"))
        };
        let (schema, batches, rows): (SchemaRef, BatchIter, Option<i64>) = match format {
            Format::Parquet => {
                let b = ParquetRecordBatchReaderBuilder::try_new(f)
                    .map_err(|e| not_readable("Parquet", &e))?;
                let rows = b.metadata().file_metadata().num_rows();
                let schema = b.schema().clone();
                let r = b
                    .with_batch_size(batch_rows)
                    .build()
                    .map_err(|e| not_readable("Parquet", &e))?;
                (schema, Box::new(r), Some(rows))
            }
            _ => {
                if prefix.starts_with(b"ARROW1") {
                    let r = arrow::ipc::reader::FileReader::try_new(BufReader::new(f), None)
                        .map_err(|e| not_readable("Arrow IPC", &e))?;
                    (r.schema(), Box::new(r), None)
                } else {
                    let r = arrow::ipc::reader::StreamReader::try_new(BufReader::new(f), None)
                        .map_err(|e| not_readable("Arrow IPC", &e))?;
                    (r.schema(), Box::new(r), None)
                }
            }
        };
        let mut leaves = Vec::new();
        flatten_fields(schema.fields(), "", &mut Vec::new(), &mut leaves);
        let names: Vec<String> = leaves.iter().map(|l| l.name.clone()).collect();
        crate::delimited::check_width(source, file, names.len(), opts.max_columns)?;
        crate::delimited::check_unique(source, file, &names)?;
        for (field, cs) in &opts.columns {
            for c in cs.columns() {
                if let Some(l) = leaves.iter().find(|l| &l.name == c)
                    && is_nested(&l.data_type)
                {
                    return Err(Error::UnsupportedColumn {
                        source_name: source.to_owned(),
                        file: file.to_owned(),
                        column: c.clone(),
                        message: format!(
                            "type {} cannot be mapped to `{field}` (nested values are not text)",
                            l.data_type
                        ),
                    });
                }
                let child = format!("{c}.");
                if !names.contains(c)
                    && let Some(example) = names.iter().find(|n| n.starts_with(&child))
                {
                    return Err(Error::UnsupportedColumn {
                        source_name: source.to_owned(),
                        file: file.to_owned(),
                        column: c.clone(),
                        message: format!(
                            "is a struct; map its fields (e.g. `{example}`) to `{field}`"
                        ),
                    });
                }
            }
        }
        // Binary columns are text in the source's encoding; the file has no
        // header bytes to sniff, so a BOM cannot apply.
        let plan = encoding::plan(opts, &[], &[])?;
        let mut me = Self {
            source: source.to_owned(),
            file: file.to_owned(),
            batches,
            pending: None,
            leaves,
            names,
            plan,
            row_no: 0,
            max_field: opts.max_field_bytes.max(1),
            columns_sent: false,
        };
        if rows == Some(0) || !me.peek()? {
            return Err(Error::NoRows {
                source_name: me.source.clone(),
                file: me.file.clone(),
            });
        }
        Ok(me)
    }

    /// Loads the next non-empty batch into `pending`; `false` at the end.
    fn peek(&mut self) -> Result<bool, Error> {
        while self.pending.is_none() {
            match self.batches.next() {
                None => return Ok(false),
                Some(Err(e)) => {
                    return Err(format_err(
                        &self.source,
                        &self.file,
                        format!("reading batch: {e}"),
                    ));
                }
                Some(Ok(b)) if b.num_rows() == 0 => {}
                Some(Ok(b)) => self.pending = Some(b),
            }
        }
        Ok(true)
    }

    pub fn encoding_name(&self) -> String {
        "arrow (UTF-8)".to_owned()
    }

    /// The flattened leaf column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn leaf(
        &self,
        batch: &RecordBatch,
        spec: &LeafSpec,
    ) -> Result<(LeafData, Option<NullBuffer>), Error> {
        let mut arr: ArrayRef = batch.column(spec.path[0]).clone();
        let mut nulls: Option<NullBuffer> = None;
        for &i in &spec.path[1..] {
            let s: &StructArray = arr.as_struct();
            nulls = NullBuffer::union(nulls.as_ref(), s.nulls());
            arr = s.column(i).clone();
        }
        nulls = NullBuffer::union(nulls.as_ref(), arr.logical_nulls().as_ref());
        let err = |e: ArrowError| {
            format_err(
                &self.source,
                &self.file,
                format!("column `{}`: {e}", spec.name),
            )
        };
        let dt = arr.data_type();
        let data = if *dt == DataType::Utf8 {
            LeafData::Str(arr.as_string::<i32>().clone())
        } else if is_binary(dt) {
            let b = cast(&arr, &DataType::Binary).map_err(err)?;
            LeafData::Bin(b.as_binary::<i32>().clone())
        } else if !is_nested(dt) && can_cast_types(dt, &DataType::Utf8) {
            let s = cast(&arr, &DataType::Utf8).map_err(err)?;
            LeafData::Str(s.as_string::<i32>().clone())
        } else {
            LeafData::Display(arr)
        };
        Ok((data, nulls))
    }

    fn process(&mut self, batch: &RecordBatch, sink: &mut dyn RowSink) -> Result<(), Error> {
        let mut leaves = Vec::with_capacity(self.leaves.len());
        for spec in &self.leaves {
            leaves.push(self.leaf(batch, spec)?);
        }
        let opts = FormatOptions::default();
        let mut formatters = Vec::with_capacity(leaves.len());
        for (data, _) in &leaves {
            formatters.push(match data {
                LeafData::Display(a) => Some(ArrayFormatter::try_new(a.as_ref(), &opts)?),
                _ => None,
            });
        }
        for r in 0..batch.num_rows() {
            self.row_no += 1;
            let line = self.row_no;
            let mut values: Vec<Option<Cow<'_, str>>> = Vec::with_capacity(leaves.len());
            let mut used_fallback = false;
            let mut bad: Option<(QuarantineReason, String, usize)> = None;
            for (j, (data, nulls)) in leaves.iter().enumerate() {
                if nulls.as_ref().is_some_and(|n| n.is_null(r)) {
                    values.push(None);
                    continue;
                }
                let v = match data {
                    LeafData::Str(a) => Cow::Borrowed(a.value(r)),
                    LeafData::Bin(a) => match self.plan.decode_one(a.value(r)) {
                        Some((s, fb)) => {
                            used_fallback |= fb;
                            s
                        }
                        None => {
                            bad.get_or_insert((
                                QuarantineReason::InvalidEncoding,
                                format!(
                                    "column `{}` is not valid {}",
                                    self.names[j],
                                    self.plan.encoding_name()
                                ),
                                j,
                            ));
                            Cow::Owned(String::from_utf8_lossy(a.value(r)).into_owned())
                        }
                    },
                    LeafData::Display(_) => {
                        let f = formatters[j].as_ref().expect("formatter for display leaf");
                        Cow::Owned(f.value(r).to_string())
                    }
                };
                values.push(Some(v));
            }
            let names = &self.names;
            let raw = || {
                let mut m = serde_json::Map::new();
                for (n, v) in names.iter().zip(&values) {
                    let jv = match v {
                        Some(s) => serde_json::Value::String(s.to_string()),
                        None => serde_json::Value::Null,
                    };
                    m.insert(n.clone(), jv);
                }
                serde_json::Value::Object(m).to_string().into_bytes()
            };
            if bad.is_none() {
                for (j, v) in values.iter().enumerate() {
                    let Some(v) = v else { continue };
                    if v.contains('\0') {
                        bad = Some((
                            QuarantineReason::NulByte,
                            format!("NUL character in column `{}`", names[j]),
                            j,
                        ));
                        break;
                    }
                    if v.len() > self.max_field {
                        bad = Some((
                            QuarantineReason::FieldTooLarge,
                            format!(
                                "column `{}` has {} bytes, limit {}",
                                names[j],
                                v.len(),
                                self.max_field
                            ),
                            j,
                        ));
                        break;
                    }
                }
            }
            if let Some((reason, detail, j)) = bad {
                sink.bad_row(BadRow {
                    line,
                    reason,
                    detail,
                    raw: raw(),
                    column: Some(j),
                });
                continue;
            }
            sink.row(Row {
                line,
                names: None,
                values: &values,
                nested: &[],
                used_fallback,
                raw: &raw,
            });
        }
        Ok(())
    }

    /// Feeds up to `max_rows` rows to `sink`; `true` at end of file.
    pub fn read_some(&mut self, sink: &mut dyn RowSink, max_rows: usize) -> Result<bool, Error> {
        if !self.columns_sent {
            sink.columns(&self.names)?;
            self.columns_sent = true;
        }
        if !self.peek()? {
            return Ok(true);
        }
        let batch = self.pending.take().expect("peeked batch");
        let max_rows = max_rows.max(1);
        let now = if batch.num_rows() > max_rows {
            self.pending = Some(batch.slice(max_rows, batch.num_rows() - max_rows));
            batch.slice(0, max_rows)
        } else {
            batch
        };
        self.process(&now, sink)?;
        Ok(!self.peek()?)
    }
}

/// Whether `prefix` starts like a Parquet or Arrow IPC file.
pub(crate) fn sniff_columnar(prefix: &[u8]) -> Option<Format> {
    if prefix.starts_with(b"PAR1") {
        Some(Format::Parquet)
    } else if prefix.starts_with(b"ARROW1") || prefix.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
        Some(Format::ArrowIpc)
    } else {
        None
    }
}

/// First bytes of a file (for format sniffing).
pub(crate) fn file_prefix(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(n);
    File::open(path)?.take(n as u64).read_to_end(&mut v)?;
    Ok(v)
}
