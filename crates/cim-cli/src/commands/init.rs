//! `cim init FILE... [-o pipeline.toml] [--force]`: drafts a commented
//! config from a sample of each file. The guessing is
//! `cim_config::draft_config`; this file only samples the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow::array::{Array, StringArray};
use cim_config::{ColumnSample, SourceSample};
use cim_schema::CanonicalField;

use crate::args::{GlobalArgs, InitArgs};
use crate::exit::{ExitStatus, UserError};

/// Rows read from each file.
const SAMPLE_ROWS: usize = 200;

/// Writes the drafted config, refusing to overwrite without `--force`.
pub fn init(args: &InitArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    if args.output.exists() && !args.force {
        return Err(UserError(format!(
            "`{}` already exists; use --force to overwrite it",
            args.output.display()
        ))
        .into());
    }
    let config_dir = absolute(args.output.parent().unwrap_or(Path::new("")));
    let mut names = BTreeSet::new();
    let mut samples = Vec::new();
    for file in &args.files {
        if !file.is_file() {
            return Err(UserError(format!("`{}` is not a file", file.display())).into());
        }
        let mut name = source_name(file);
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{}-{n}", source_name(file));
            n += 1;
        }
        let rel = relative_to(&absolute(file), &config_dir);
        samples.push(sample(file, &name, &rel)?);
    }
    let text = cim_config::draft_config(&samples);
    std::fs::write(&args.output, &text)
        .with_context(|| format!("writing `{}`", args.output.display()))?;
    if global.quiet == 0 {
        eprintln!(
            "wrote {} ({} sources); next: cim check {}",
            args.output.display(),
            samples.len(),
            args.output.display()
        );
    }
    Ok(ExitStatus::Success)
}

/// File stem up to the first `_` or `.`: `loyalty_gbk.csv` -> `loyalty`.
fn source_name(file: &Path) -> String {
    let stem = file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let head: String = stem
        .split(['_', '.'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if head.is_empty() {
        "source".to_owned()
    } else {
        head
    }
}

fn absolute(p: &Path) -> PathBuf {
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `file` relative to `dir` when it lies below it, else absolute.
fn relative_to(file: &Path, dir: &Path) -> String {
    let norm = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (f, d) = (norm(file), norm(dir));
    match f.strip_prefix(&d) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => f.display().to_string(),
    }
}

/// Profiles the file (format, columns, encoding), then reads up to
/// [`SAMPLE_ROWS`] rows for their values. A CSV that is not valid UTF-8 is
/// retried as GBK, then GB18030; the encoding with the fewest unreadable
/// rows wins.
fn sample(file: &Path, name: &str, rel: &str) -> anyhow::Result<SourceSample> {
    let mut best: Option<(String, cim_ingest::SourceProfile)> = None;
    let mut first_err: Option<cim_ingest::Error> = None;
    for enc in ["auto", "gbk", "gb18030"] {
        let mut opts = cim_ingest::SourceOptions::from_path(file);
        opts.name = name.to_owned();
        opts.encoding = enc.to_owned();
        // A header that is not valid UTF-8 is an error under `auto`: that
        // is the cue to try the Chinese encodings.
        let p = match cim_ingest::profile_source(&opts, Some(SAMPLE_ROWS)) {
            Ok(p) => p,
            Err(e) if best.is_none() && enc != "gb18030" => {
                first_err.get_or_insert(e);
                continue;
            }
            Err(e) => {
                return Err(anyhow::Error::new(first_err.unwrap_or(e)))
                    .with_context(|| format!("reading `{}`", file.display()));
            }
        };
        let bad = |p: &cim_ingest::SourceProfile| {
            p.report
                .quarantined_by_reason
                .get("invalid_encoding")
                .copied()
                .unwrap_or(0)
        };
        let is_csv = p.report.files.first().is_some_and(|f| f.format == "csv");
        let better = best.as_ref().is_none_or(|(_, b)| bad(&p) < bad(b));
        if better {
            best = Some((enc.to_owned(), p));
        }
        let (_, b) = best.as_ref().expect("set above");
        if bad(b) == 0 || !is_csv {
            break;
        }
    }
    let (encoding, profile) = best.expect("at least one attempt");
    let format = profile
        .report
        .files
        .first()
        .map(|f| f.format.clone())
        .unwrap_or_else(|| "auto".to_owned());
    let columns: Vec<String> = profile.columns.iter().map(|c| c.name.clone()).collect();
    let values = read_values(file, name, &encoding, &columns)?;
    Ok(SourceSample {
        name: name.to_owned(),
        path: rel.to_owned(),
        format,
        encoding,
        rows_sampled: profile.report.rows_read,
        rows_quarantined: profile.report.quarantined,
        columns: columns
            .into_iter()
            .map(|c| ColumnSample {
                values: values.get(&c).cloned().unwrap_or_default(),
                name: c,
            })
            .collect(),
    })
}

/// Sample values per column: the first column is mapped to one canonical
/// field and every other one arrives in the `extra` JSON, so no guess is
/// needed to read them.
fn read_values(
    file: &Path,
    name: &str,
    encoding: &str,
    columns: &[String],
) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(first) = columns.first() else {
        return Ok(out);
    };
    let carrier = CanonicalField::Company;
    let mut opts = cim_ingest::SourceOptions::from_path(file);
    opts.name = name.to_owned();
    opts.encoding = encoding.to_owned();
    opts.columns.insert(carrier, first.as_str().into());
    let reader = cim_ingest::open_source(&opts, SAMPLE_ROWS)
        .with_context(|| format!("reading `{}`", file.display()))?;
    let mut rows = 0;
    for chunk in reader {
        let chunk = chunk.with_context(|| format!("reading `{}`", file.display()))?;
        let b = &chunk.batch;
        let downcast = |col: &str| {
            b.column_by_name(col)
                .and_then(|a| a.as_any().downcast_ref::<StringArray>().cloned())
        };
        let (Some(firsts), Some(extras)) =
            (downcast(carrier.name()), downcast(cim_schema::col::EXTRA))
        else {
            anyhow::bail!("unexpected raw batch layout");
        };
        for i in 0..b.num_rows() {
            if !firsts.is_null(i) && !firsts.value(i).trim().is_empty() {
                out.entry(first.clone())
                    .or_default()
                    .push(firsts.value(i).trim().to_owned());
            }
            if !extras.is_null(i)
                && let Ok(m) = serde_json::from_str::<BTreeMap<String, String>>(extras.value(i))
            {
                for (k, v) in m {
                    if !v.trim().is_empty() {
                        out.entry(k).or_default().push(v.trim().to_owned());
                    }
                }
            }
        }
        rows += b.num_rows();
        if rows >= SAMPLE_ROWS {
            break;
        }
    }
    Ok(out)
}
