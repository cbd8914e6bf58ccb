use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::arrow_writer::{ArrowLeafColumn, compute_leaves};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use serde::Serialize;

use crate::dictionary;
use crate::encryption::ParquetEncryption;
use crate::error::{Error, Result, io};

/// Marker file that identifies a directory as a cim output directory. A
/// commit refuses to replace a non-empty directory without it, so a config
/// pointing `output` at a home directory cannot wipe it.
const MARKER: &str = ".cim-output";

/// How Parquet files are encoded.
#[derive(Clone, Debug)]
pub struct ParquetOptions {
    /// Column compression. Default: Snappy (read by every Parquet reader).
    pub compression: Compression,
    /// Maximum rows per row group. Default: 262,144: a writer holds one
    /// encoded row group per file in memory, and readers (DuckDB, polars)
    /// read row groups in parallel.
    pub max_row_group_rows: usize,
    /// Columns to encrypt, and the key. Default: none. A file with none of
    /// the listed columns is written unencrypted.
    pub encryption: Option<ParquetEncryption>,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        Self {
            compression: Compression::SNAPPY,
            max_row_group_rows: 1 << 18,
            encryption: None,
        }
    }
}

/// One file written into the staging directory.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct WrittenFile {
    /// File name inside the output directory.
    pub name: String,
    /// Rows written (Parquet only; 0 for other files).
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// Writes one run's outputs into a staging directory and publishes them
/// atomically with [`OutputWriter::commit`]. See the crate docs.
#[derive(Debug)]
pub struct OutputWriter {
    dir: PathBuf,
    staging: PathBuf,
    // Held for the writer's lifetime: the OS releases the lock when the file
    // closes, including when the process is killed.
    _lock: File,
    committed: bool,
    written: Vec<WrittenFile>,
}

impl OutputWriter {
    /// Locks `dir` against concurrent runs and creates an empty staging
    /// directory beside it. Leftover staging directories of killed runs are
    /// removed (the lock proves nobody else is using them).
    pub fn begin(dir: &Path) -> Result<Self> {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::InvalidName(dir.display().to_string()))?
            .to_owned();
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io(&parent))?;

        let lock_path = parent.join(format!(".{name}.cim-lock"));
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        if lock.try_lock().is_err() {
            let mut holder = String::new();
            let _ = lock.read_to_string(&mut holder);
            return Err(Error::Locked {
                dir: dir.to_path_buf(),
                lock: lock_path,
                holder: Some(holder.trim().to_owned()).filter(|h| !h.is_empty()),
            });
        }
        lock.set_len(0).map_err(io(&lock_path))?;
        writeln!(lock, "pid {}", std::process::id()).map_err(io(&lock_path))?;

        let prefix = format!(".{name}.cim-staging-");
        if let Ok(entries) = fs::read_dir(&parent) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let staging = parent.join(format!("{prefix}{}", std::process::id()));
        fs::create_dir(&staging).map_err(io(&staging))?;
        fs::write(staging.join(MARKER), b"cim output directory\n").map_err(io(&staging))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            staging,
            _lock: lock,
            committed: false,
            written: Vec::new(),
        })
    }

    /// The live output directory this writer will replace.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Files written so far, in write order.
    pub fn written(&self) -> &[WrittenFile] {
        &self.written
    }

    fn staged_path(&self, name: &str) -> Result<PathBuf> {
        let plain = Path::new(name).file_name().and_then(|n| n.to_str()) == Some(name);
        if !plain || name.starts_with('.') {
            return Err(Error::InvalidName(name.to_owned()));
        }
        Ok(self.staging.join(name))
    }

    /// Writes `batches` (all of `schema`) as the Parquet file `name` and
    /// records it in [`OutputWriter::written`].
    ///
    /// Columns are encoded in parallel on the current rayon pool when called
    /// from one (sequentially otherwise); the bytes do not depend on it.
    pub fn write_parquet(
        &mut self,
        name: &str,
        schema: SchemaRef,
        batches: &[RecordBatch],
        opts: &ParquetOptions,
    ) -> Result<&WrittenFile> {
        let file = self.stage_parquet(name, schema, batches, opts)?;
        self.push(file)
    }

    /// Writes the Parquet file `name` like [`OutputWriter::write_parquet`]
    /// but does not record it: with `&self`, several files can be written
    /// at once (from other threads). Record each with
    /// [`OutputWriter::record`], in a fixed order, so that
    /// [`OutputWriter::written`] stays deterministic.
    pub fn stage_parquet(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: &[RecordBatch],
        opts: &ParquetOptions,
    ) -> Result<WrittenFile> {
        self.stage_parquet_from(
            name,
            schema,
            batches
                .iter()
                .cloned()
                .map(Ok::<_, std::convert::Infallible>),
            opts,
        )
    }

    /// [`OutputWriter::stage_parquet`] from batches made on demand: each
    /// is pulled when the file needs it and dropped once encoded, so a
    /// table built a slice at a time is never whole in memory. A batch
    /// that fails to build fails the file with its error.
    pub fn stage_parquet_from<I, E>(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: I,
        opts: &ParquetOptions,
    ) -> Result<WrittenFile>
    where
        I: IntoIterator<Item = std::result::Result<RecordBatch, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = self.staged_path(name)?;
        let file = File::create(&path).map_err(io(&path))?;
        let perr = |source| Error::Parquet {
            path: path.clone(),
            source,
        };
        let mut batches = batches.into_iter().peekable();
        let mut props = WriterProperties::builder()
            .set_compression(opts.compression)
            .set_max_row_group_row_count(Some(opts.max_row_group_rows));
        if let Some(Ok(first)) = batches.peek() {
            props = dictionary::plain_for_unique_columns(props, &schema, first);
        }
        if let Some(enc) = &opts.encryption
            && let Some((fep, kv)) = enc.properties(&schema).map_err(perr)?
        {
            props = props
                .with_file_encryption_properties(fep)
                .set_key_value_metadata(Some(vec![kv]));
        }
        let writer =
            ArrowWriter::try_new(file, Arc::clone(&schema), Some(props.build())).map_err(perr)?;
        let batches =
            batches.map(|b| b.map_err(|e| parquet::errors::ParquetError::External(e.into())));
        let (file, rows) =
            encode(writer, &schema, batches, opts.max_row_group_rows.max(1)).map_err(perr)?;
        file.sync_all().map_err(io(&path))?;
        Ok(WrittenFile {
            name: name.to_owned(),
            rows,
            bytes: file.metadata().map_err(io(&path))?.len(),
        })
    }

    /// Reads back a Parquet file staged by this writer (a spill, or an
    /// output a later stage needs): every column, or only the named
    /// top-level `columns` (in file order; names the file lacks are
    /// skipped), row groups decoded in parallel on the current rayon pool,
    /// one batch per row group, in file order. Encrypted columns are
    /// decrypted as by [`read_parquet`].
    pub fn read_staged(&self, name: &str, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>> {
        let path = self.staged_path(name)?;
        read_row_groups(&path, columns)
    }

    /// Deletes a staged file that is not an output (a spill), so that
    /// [`OutputWriter::commit`] does not publish it.
    pub fn discard(&self, name: &str) -> Result<()> {
        let path = self.staged_path(name)?;
        fs::remove_file(&path).map_err(io(&path))
    }

    /// Records a file written with [`OutputWriter::stage_parquet`] (a later
    /// file of the same name replaces an earlier one).
    pub fn record(&mut self, file: WrittenFile) -> &WrittenFile {
        self.written.retain(|w| w.name != file.name);
        self.written.push(file);
        self.written.last().expect("just pushed")
    }

    /// Writes `value` as pretty-printed JSON (with a final newline).
    pub fn write_json<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<&WrittenFile> {
        let path = self.staged_path(name)?;
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        bytes.push(b'\n');
        self.write_bytes(name, &bytes)
    }

    /// Writes raw bytes as the file `name`.
    pub fn write_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<&WrittenFile> {
        let path = self.staged_path(name)?;
        let mut file = File::create(&path).map_err(io(&path))?;
        file.write_all(bytes).map_err(io(&path))?;
        file.sync_all().map_err(io(&path))?;
        self.push(WrittenFile {
            name: name.to_owned(),
            rows: 0,
            bytes: bytes.len() as u64,
        })
    }

    fn push(&mut self, file: WrittenFile) -> Result<&WrittenFile> {
        Ok(self.record(file))
    }

    /// Publishes the staged outputs: after this returns, `dir` holds exactly
    /// the files written through this writer. A crash before the swap leaves
    /// the previous outputs untouched; the swap itself is atomic.
    pub fn commit(mut self) -> Result<()> {
        sync_dir(&self.staging)?;
        if self.dir.exists() {
            let ours = self.dir.join(MARKER).exists()
                || fs::read_dir(&self.dir)
                    .map_err(io(&self.dir))?
                    .next()
                    .is_none();
            if !ours {
                return Err(Error::Io {
                    path: self.dir.clone(),
                    source: std::io::Error::other(
                        "directory exists, is not empty and was not written by cim; refusing to replace it",
                    ),
                });
            }
            exchange(&self.staging, &self.dir)?;
            // `staging` now holds the previous generation.
            fs::remove_dir_all(&self.staging).map_err(io(&self.staging))?;
        } else {
            fs::rename(&self.staging, &self.dir).map_err(io(&self.dir))?;
        }
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Encodes `batches` through the column writers of `writer` (which holds
/// the file's properties, Arrow schema metadata and encryptor), one row
/// group of at most `group_rows` rows at a time, each column on its own
/// rayon task, and returns the finished file. Produces the same bytes as
/// `ArrowWriter::write` for each batch followed by `into_inner`.
/// Encodes `batches` as row groups of `group_rows`; returns the file and
/// the rows written.
fn encode(
    writer: ArrowWriter<File>,
    schema: &SchemaRef,
    batches: impl Iterator<Item = parquet::errors::Result<RecordBatch>>,
    group_rows: usize,
) -> parquet::errors::Result<(File, u64)> {
    use parquet::errors::ParquetError;
    let check = |b: RecordBatch| {
        let same = b.num_columns() == schema.fields().len()
            && b.schema()
                .fields()
                .iter()
                .zip(schema.fields())
                .all(|(a, f)| a.data_type() == f.data_type());
        if same {
            Ok(b)
        } else {
            Err(ParquetError::General(
                "a batch does not match the file's schema".to_owned(),
            ))
        }
    };
    let (mut file, factory) = writer.into_serialized_writer()?;
    // Inside a rayon pool, use it; outside one, stay on this thread rather
    // than start rayon's global pool behind the caller's back.
    let parallel = rayon::current_thread_index().is_some();
    let mut pending = batches
        .map(|b| b.and_then(check))
        .filter(|b| b.as_ref().map_or(true, |b| b.num_rows() > 0));
    let mut carry: Option<RecordBatch> = None;
    let mut group = 0;
    let mut total = 0u64;
    loop {
        // The next row group: up to `group_rows` rows, splitting a batch
        // across groups where needed (as ArrowWriter does).
        let mut pieces = Vec::new();
        let mut rows = 0;
        while rows < group_rows {
            let b = match carry.take() {
                Some(b) => b,
                None => match pending.next() {
                    Some(b) => b?,
                    None => break,
                },
            };
            let take = (group_rows - rows).min(b.num_rows());
            if take < b.num_rows() {
                carry = Some(b.slice(take, b.num_rows() - take));
            }
            // Whole batches, as ArrowWriter hands them over: the column
            // writers cut pages relative to each write call.
            pieces.push(b.slice(0, take));
            rows += take;
        }
        if rows == 0 {
            break;
        }
        total += rows as u64;
        let mut writers = factory.create_column_writers(group)?;
        for piece in &pieces {
            let leaves = |(field, column)| compute_leaves(field, column);
            let pairs: Vec<_> = schema
                .fields()
                .iter()
                .map(|f| f.as_ref())
                .zip(piece.columns())
                .collect();
            let leaves: Vec<ArrowLeafColumn> = if parallel {
                pairs
                    .into_par_iter()
                    .map(leaves)
                    .collect::<parquet::errors::Result<Vec<_>>>()?
            } else {
                pairs
                    .into_iter()
                    .map(leaves)
                    .collect::<parquet::errors::Result<Vec<_>>>()?
            }
            .into_iter()
            .flatten()
            .collect();
            if leaves.len() != writers.len() {
                return Err(ParquetError::General(format!(
                    "{} leaf columns for {} column writers",
                    leaves.len(),
                    writers.len()
                )));
            }
            if parallel {
                writers
                    .par_iter_mut()
                    .zip(leaves.par_iter())
                    .try_for_each(|(w, l)| w.write(l))?;
            } else {
                for (w, l) in writers.iter_mut().zip(&leaves) {
                    w.write(l)?;
                }
            }
        }
        let chunks: Vec<_> = if parallel {
            writers
                .into_par_iter()
                .map(|w| w.close())
                .collect::<parquet::errors::Result<_>>()?
        } else {
            writers
                .into_iter()
                .map(|w| w.close())
                .collect::<parquet::errors::Result<_>>()?
        };
        let mut row_group = file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
        group += 1;
    }
    Ok((file.into_inner()?, total))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // Filesystems without RENAME_EXCHANGE (some network mounts): fall back
        // to two renames, which leaves a short window without `b`.
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            exchange_by_renames(a, b)
        }
        Err(e) => Err(Error::Io {
            path: b.to_path_buf(),
            source: e.into(),
        }),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    exchange_by_renames(a, b)
}

fn exchange_by_renames(a: &Path, b: &Path) -> Result<()> {
    let tmp = a.with_extension("swap");
    fs::rename(b, &tmp).map_err(io(b))?;
    fs::rename(a, b).map_err(io(b))?;
    fs::rename(&tmp, a).map_err(io(a))?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    // Directory fsync makes the renames durable; not all platforms allow
    // opening a directory, which is harmless to skip.
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
    Ok(())
}

/// Reads a whole Parquet file into memory: its Arrow schema and batches.
/// Encrypted columns of a file cim wrote are decrypted with the key its key
/// metadata names (environment variable or key file; see
/// [`crate::encryption`]).
pub fn read_parquet(path: &Path) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    read(path, None)
}

/// [`read_parquet`] of only the named top-level columns (in file order):
/// the rest is never decoded, e.g. the previous run's master when only its
/// ids are needed. Names the file lacks are skipped; the caller finds them
/// missing from the batches.
pub fn read_parquet_columns(path: &Path, columns: &[&str]) -> Result<Vec<RecordBatch>> {
    Ok(read(path, Some(columns))?.1)
}

/// Every row group of `path` as one batch (of `columns`, when given),
/// decoded in parallel.
fn read_row_groups(path: &Path, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>> {
    use parquet::arrow::arrow_reader::ArrowReaderMetadata;
    let perr = |source| Error::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io(path))?;
    let opts = ArrowReaderOptions::new()
        .with_file_decryption_properties(crate::encryption::decryption_properties());
    let meta = ArrowReaderMetadata::load(&file, opts).map_err(perr)?;
    let groups: Vec<(usize, usize)> = meta
        .metadata()
        .row_groups()
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g.num_rows() as usize))
        .collect();
    let mask = columns.map(|columns| projection(meta.schema(), meta.parquet_schema(), columns));
    let decoded: Vec<Result<Vec<RecordBatch>>> = groups
        .into_par_iter()
        .map(|(i, rows)| {
            let file = File::open(path).map_err(io(path))?;
            let mut builder =
                ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                    .with_row_groups(vec![i])
                    .with_batch_size(rows.max(1));
            if let Some(mask) = &mask {
                builder = builder.with_projection(mask.clone());
            }
            let reader = builder.build().map_err(perr)?;
            reader
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| perr(e.into()))
        })
        .collect();
    let mut batches = Vec::new();
    for d in decoded {
        batches.extend(d?.into_iter().filter(|b| b.num_rows() > 0));
    }
    Ok(batches)
}

fn read(path: &Path, columns: Option<&[&str]>) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let file = File::open(path).map_err(io(path))?;
    let perr = |source| Error::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let opts = ArrowReaderOptions::new()
        .with_file_decryption_properties(crate::encryption::decryption_properties());
    let mut builder =
        ParquetRecordBatchReaderBuilder::try_new_with_options(file, opts).map_err(perr)?;
    if let Some(columns) = columns {
        let mask = projection(builder.schema(), builder.parquet_schema(), columns);
        builder = builder.with_projection(mask);
    }
    let schema = Arc::clone(builder.schema());
    let reader = builder.build().map_err(perr)?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Parquet {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
    Ok((schema, batches))
}

/// The top-level `columns` of a file (names it lacks are skipped).
fn projection(
    schema: &SchemaRef,
    parquet_schema: &parquet::schema::types::SchemaDescriptor,
    columns: &[&str],
) -> parquet::arrow::ProjectionMask {
    let roots = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| columns.contains(&f.name().as_str()))
        .map(|(i, _)| i);
    parquet::arrow::ProjectionMask::roots(parquet_schema, roots)
}

#[cfg(test)]
mod tests;
