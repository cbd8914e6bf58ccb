//! Opening a source: resolving its files, choosing each file's reader, and
//! streaming raw chunks out of them.

use std::path::{Path, PathBuf};

use crate::assemble::{Assembler, RawChunk};
use crate::columnar::{self, ColumnarFile};
use crate::delimited::DelimitedFile;
use crate::encoding;
use crate::error::{Error, io_err};
use crate::jsonl::JsonlFile;
use crate::options::{Format, SourceOptions};
use crate::report::SourceReport;
use crate::sink::RowSink;

/// One open file of any format.
pub(crate) enum FileReader {
    Delimited(Box<DelimitedFile>),
    Jsonl(Box<JsonlFile>),
    Columnar(Box<ColumnarFile>),
}

impl FileReader {
    /// Opens `path` (its format already resolved), reading the header or
    /// schema and checking that a data row follows.
    pub fn open(
        opts: &SourceOptions,
        path: &Path,
        file: &str,
        format: Format,
        batch_rows: usize,
    ) -> Result<Self, Error> {
        Ok(match format {
            Format::Csv | Format::Auto => {
                Self::Delimited(Box::new(DelimitedFile::open(opts, path, file)?))
            }
            Format::Jsonl => Self::Jsonl(Box::new(JsonlFile::open(opts, path, file)?)),
            Format::Parquet | Format::ArrowIpc => Self::Columnar(Box::new(ColumnarFile::open(
                opts, path, file, format, batch_rows,
            )?)),
        })
    }

    pub fn encoding_name(&self) -> String {
        match self {
            Self::Delimited(f) => f.encoding_name(),
            Self::Jsonl(f) => f.encoding_name(),
            Self::Columnar(f) => f.encoding_name(),
        }
    }

    /// Column names of a tabular file; `None` for JSON Lines.
    pub fn column_names(&self) -> Option<&[String]> {
        match self {
            Self::Delimited(f) => Some(f.names()),
            Self::Jsonl(_) => None,
            Self::Columnar(f) => Some(f.names()),
        }
    }

    /// Feeds up to `max_rows` rows to `sink`; `true` once the file is done.
    pub fn read_some(&mut self, sink: &mut dyn RowSink, max_rows: usize) -> Result<bool, Error> {
        match self {
            Self::Delimited(f) => f.read_some(sink, max_rows),
            Self::Jsonl(f) => f.read_some(sink, max_rows),
            Self::Columnar(f) => f.read_some(sink, max_rows),
        }
    }
}

/// The format of one file: the declared one, else by extension, else by
/// its first bytes.
pub fn detect_format(source: &str, path: &Path, declared: Format) -> Result<Format, Error> {
    if declared != Format::Auto {
        return Ok(declared);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "csv" | "tsv" | "tab" | "txt" => Format::Csv,
        "jsonl" | "ndjson" | "json" => Format::Jsonl,
        "parquet" | "pq" => Format::Parquet,
        "arrow" | "ipc" | "feather" | "arrows" => Format::ArrowIpc,
        _ => {
            let file = path.display().to_string();
            let prefix = columnar::file_prefix(path, 64).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::NotFound {
                        source_name: source.to_owned(),
                        path: path.to_owned(),
                    }
                } else {
                    io_err(source, &file, e)
                }
            })?;
            if let Some(f) = columnar::sniff_columnar(&prefix) {
                f
            } else {
                let start = encoding_rs::Encoding::for_bom(&prefix).map_or(0, |(_, n)| n);
                match prefix[start..].iter().find(|b| !b.is_ascii_whitespace()) {
                    Some(b'{') => Format::Jsonl,
                    _ => Format::Csv,
                }
            }
        }
    })
}

/// The files of a source: the path itself, or every file matching it as a
/// glob (`*`, `?`, `[`), sorted.
pub fn resolve_files(opts: &SourceOptions) -> Result<Vec<PathBuf>, Error> {
    let pattern = opts.path.to_string_lossy().into_owned();
    if pattern.is_empty() {
        return Err(Error::Config {
            source_name: opts.name.clone(),
            message: "no path given".to_owned(),
        });
    }
    if pattern.contains(['*', '?', '[']) {
        let paths = glob::glob(&pattern).map_err(|e| Error::Config {
            source_name: opts.name.clone(),
            message: format!("invalid glob `{pattern}`: {e}"),
        })?;
        let mut files = Vec::new();
        for p in paths {
            let p = p.map_err(|e| {
                let file = e.path().display().to_string();
                io_err(&opts.name, &file, e.into())
            })?;
            if p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(Error::NoFilesMatched {
                source_name: opts.name.clone(),
                pattern,
            });
        }
        Ok(files)
    } else if opts.path.is_dir() {
        Err(Error::Config {
            source_name: opts.name.clone(),
            message: format!("`{pattern}` is a directory; use a glob such as `{pattern}/*.csv`"),
        })
    } else if opts.path.exists() {
        Ok(vec![opts.path.clone()])
    } else {
        Err(Error::NotFound {
            source_name: opts.name.clone(),
            path: opts.path.clone(),
        })
    }
}

/// Checks options that do not depend on any file.
pub(crate) fn check_options(opts: &SourceOptions) -> Result<(), Error> {
    let cfg = |message: String| Error::Config {
        source_name: opts.name.clone(),
        message,
    };
    if opts.name.trim().is_empty() {
        return Err(cfg("source has no name".to_owned()));
    }
    encoding::resolve_label(&opts.name, &opts.encoding)?;
    if let Some(fb) = &opts.fallback_encoding {
        encoding::resolve_label(&opts.name, fb)?;
    }
    for (field, cs) in &opts.columns {
        if cs.columns().is_empty() || cs.columns().iter().any(|c| c.is_empty()) {
            return Err(cfg(format!("mapping of `{field}` names no column")));
        }
    }
    for f in &opts.required {
        if !opts.columns.contains_key(f) {
            return Err(cfg(format!(
                "required field `{f}` is not mapped to a column"
            )));
        }
    }
    Ok(())
}

/// Streams a source as [`RawChunk`]s. Chunks never span files; each holds
/// at most `batch_rows` rows read (accepted + quarantined). After an `Err`
/// the iterator ends.
pub struct SourceReader {
    opts: SourceOptions,
    batch_rows: usize,
    files: Vec<(PathBuf, Format)>,
    next_file: usize,
    current: Option<FileReader>,
    asm: Assembler,
    failed: bool,
}

/// Opens a source for reading, validating up front what can be: the files
/// exist and are not empty, each has a data row, headers have no duplicate
/// names and contain every mapped column, encodings are known.
pub fn open_source(opts: &SourceOptions, batch_rows: usize) -> Result<SourceReader, Error> {
    check_options(opts)?;
    let batch_rows = batch_rows.max(1);
    let mut files = Vec::new();
    let mut check = Assembler::new(opts);
    for path in resolve_files(opts)? {
        let file = path.display().to_string();
        let format = detect_format(&opts.name, &path, opts.format)?;
        let reader = FileReader::open(opts, &path, &file, format, batch_rows)?;
        if let Some(names) = reader.column_names() {
            check.set_file(&file);
            check.columns(names)?;
        }
        files.push((path, format));
    }
    Ok(SourceReader {
        opts: opts.clone(),
        batch_rows,
        files,
        next_file: 0,
        current: None,
        asm: Assembler::new(opts),
        failed: false,
    })
}

impl SourceReader {
    /// Row counts so far (complete once the iterator is exhausted).
    pub fn report(&self) -> &SourceReport {
        &self.asm.report
    }

    /// The files this source reads, in order.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    fn step(&mut self) -> Result<Option<RawChunk>, Error> {
        loop {
            if self.current.is_none() {
                let Some((path, format)) = self.files.get(self.next_file) else {
                    return Ok(None);
                };
                self.next_file += 1;
                let file = path.display().to_string();
                let reader = FileReader::open(&self.opts, path, &file, *format, self.batch_rows)?;
                self.asm.begin_file(&file, *format, reader.encoding_name());
                self.current = Some(reader);
            }
            let reader = self.current.as_mut().expect("current file");
            let done = reader.read_some(&mut self.asm, self.batch_rows)?;
            if done {
                self.current = None;
            }
            if let Some(chunk) = self.asm.take_chunk()? {
                return Ok(Some(chunk));
            }
        }
    }
}

impl Iterator for SourceReader {
    type Item = Result<RawChunk, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.step() {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
