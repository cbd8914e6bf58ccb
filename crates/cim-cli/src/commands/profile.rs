//! `cim profile PATH-OR-CONFIG`: what each column of a source holds, and,
//! for columns a config maps to a canonical field, how much of it is valid
//! for that role.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use arrow::array::Array;
use cim_ingest::{SourceOptions, SourceProfile, ValueCount};
use cim_normalize::{NormalizeOptions, SourceHints};
use cim_schema::batch::{str_col, u8_col};
use cim_schema::{CanonicalField, FieldStatus, col, status_column};
use serde::Serialize;

use crate::args::{GlobalArgs, ProfileArgs};
use crate::exit::{ExitStatus, UserError};

/// Validity of one canonical field over the profiled rows, as the
/// normaliser judges it.
#[derive(Debug, Default, Serialize)]
struct Validity {
    field: &'static str,
    /// Source columns that feed the field.
    columns: Vec<String>,
    valid: u64,
    invalid: u64,
    missing: u64,
    /// Most frequent reason codes of invalid values (top 5).
    top_reasons: Vec<ValueCount>,
}

/// One source's profile plus the validity of its mapped fields.
#[derive(Debug, Serialize)]
struct SourceReport {
    #[serde(flatten)]
    profile: SourceProfile,
    validity: Vec<Validity>,
    /// Why validity could not be computed, when it could not (e.g. a mapped
    /// column is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    validity_error: Option<String>,
}

struct Target {
    ingest: SourceOptions,
    hints: SourceHints,
}

/// Profiles every source of a config, or one data file.
pub fn profile(args: &ProfileArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let (targets, normalize) = targets(args)?;
    let mut reports = Vec::with_capacity(targets.len());
    for t in &targets {
        let mut p = cim_ingest::profile_source(&t.ingest, args.rows)
            .with_context(|| format!("profiling source `{}`", t.ingest.name))?;
        let (validity, validity_error) = if t.ingest.columns.is_empty() {
            (Vec::new(), None)
        } else {
            match validity(t, &normalize, p.truncated.then_some(p.report.accepted)) {
                Ok(v) => (v, None),
                Err(e) => (Vec::new(), Some(format!("{e:#}"))),
            }
        };
        if !global.show_pii {
            for c in &mut p.columns {
                for v in &mut c.top_values {
                    v.value = cim_ingest::mask(&v.value);
                }
            }
        }
        reports.push(SourceReport {
            profile: p,
            validity,
            validity_error,
        });
    }
    if args.json {
        let json = serde_json::to_string_pretty(
            &serde_json::json!({ "values_masked": !global.show_pii, "sources": reports }),
        )
        .context("serialising the profile")?;
        outln!("{json}")?;
    } else {
        let mut out = String::new();
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            // Values were masked above already unless --show-pii.
            out.push_str(&cim_ingest::render_profile(&r.profile, true));
            out.push_str(&render_validity(r));
        }
        out!("{out}")?;
    }
    Ok(ExitStatus::Success)
}

fn is_config(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

fn targets(args: &ProfileArgs) -> anyhow::Result<(Vec<Target>, NormalizeOptions)> {
    let path = &args.path;
    if is_config(path) {
        let cfg = cim_config::load(path)?;
        let targets = cfg
            .config
            .sources
            .iter()
            .map(|s| Target {
                ingest: s.ingest_options(),
                hints: s.normalize_hints(),
            })
            .collect();
        return Ok((targets, cfg.config.normalize.clone()));
    }
    let text = path.to_string_lossy();
    let is_glob = text.contains(['*', '?', '[']);
    if !is_glob && !path.exists() {
        return Err(UserError(format!("`{}` not found", path.display())).into());
    }
    let mut ingest = SourceOptions::from_path(path.clone());
    match &args.encoding {
        Some(label) => ingest.encoding = label.clone(),
        None if !is_glob => ingest.fallback_encoding = guess_fallback(path),
        None => {}
    }
    Ok((
        vec![Target {
            ingest,
            hints: SourceHints::default(),
        }],
        NormalizeOptions::default(),
    ))
}

/// The encoding to fall back to for rows of `path` that are not UTF-8:
/// `None` when its head is UTF-8 (or binary: Parquet, Arrow), GB18030 when
/// that decodes the head into mostly Han text, else
/// windows-1252 (which decodes anything, so it is the last resort).
fn guess_fallback(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(1 << 16);
    std::fs::File::open(path)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    if head.starts_with(b"PAR1") || head.starts_with(b"ARROW1") || head.contains(&0) {
        return None;
    }
    // A multi-byte character may be cut at the end of a full head: stop at
    // its last line break (ASCII in every encoding guessed here).
    let head = if head.len() == 1 << 16 {
        let end = head
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(head.len(), |i| i + 1);
        &head[..end]
    } else {
        &head[..]
    };
    if std::str::from_utf8(head).is_ok() {
        return None;
    }
    // A stray bad row must not hide an otherwise Chinese file: GB18030 wins
    // when Han characters far outnumber undecodable sequences.
    let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(head);
    let han = text.chars().filter(|&c| cim_normalize::is_han(c)).count();
    let bad = text.chars().filter(|&c| c == '\u{FFFD}').count();
    if han > 0 && han >= 20 * bad {
        Some("gb18030".to_owned())
    } else {
        Some("windows-1252".to_owned())
    }
}

/// Reads the rows the profile read (the first `accepted` accepted rows,
/// all when `None`), normalises them and counts each mapped field's status.
fn validity(
    t: &Target,
    normalize: &NormalizeOptions,
    accepted: Option<u64>,
) -> anyhow::Result<Vec<Validity>> {
    let mut fields: BTreeMap<CanonicalField, Validity> = BTreeMap::new();
    for (field, cs) in &t.ingest.columns {
        if *field == CanonicalField::SourceKey {
            continue;
        }
        fields.insert(
            *field,
            Validity {
                field: field.name(),
                columns: cs.columns().to_vec(),
                ..Validity::default()
            },
        );
    }
    let mut reasons: HashMap<CanonicalField, HashMap<String, u64>> = HashMap::new();
    // Both readers see rows in the same order, so the rows the profile read
    // hold exactly the first `accepted` accepted rows.
    let limit = accepted.unwrap_or(u64::MAX);
    let mut taken: u64 = 0;
    let reader = cim_ingest::open_source(&t.ingest, 8192)?;
    for chunk in reader {
        if taken >= limit {
            break;
        }
        let mut raw = chunk?.batch;
        let keep = (limit - taken).min(raw.num_rows() as u64) as usize;
        raw = raw.slice(0, keep);
        taken += keep as u64;
        if raw.num_rows() == 0 {
            continue;
        }
        let b = cim_normalize::normalize_batch(&raw, &t.hints, normalize)?;
        for (field, v) in fields.iter_mut() {
            let status = u8_col(&b, &status_column(*field))?;
            for code in status.values().iter() {
                match FieldStatus::from_code(*code) {
                    FieldStatus::Valid => v.valid += 1,
                    FieldStatus::Invalid => v.invalid += 1,
                    FieldStatus::Missing => v.missing += 1,
                }
            }
        }
        let issues = str_col(&b, col::QUALITY_ISSUES)?;
        for i in 0..issues.len() {
            if issues.is_null(i) {
                continue;
            }
            for issue in issues.value(i).split(';').filter(|s| !s.is_empty()) {
                let (name, reason) = issue.split_once(':').unwrap_or((issue, "invalid"));
                if let Some(f) = fields.keys().find(|f| f.name() == name) {
                    *reasons
                        .entry(*f)
                        .or_default()
                        .entry(reason.to_owned())
                        .or_default() += 1;
                }
            }
        }
    }
    for (f, v) in fields.iter_mut() {
        let mut r: Vec<ValueCount> = reasons
            .remove(f)
            .unwrap_or_default()
            .into_iter()
            .map(|(value, count)| ValueCount { value, count })
            .collect();
        r.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        r.truncate(5);
        v.top_reasons = r;
    }
    Ok(fields.into_values().collect())
}

fn render_validity(r: &SourceReport) -> String {
    let mut s = String::new();
    if let Some(e) = &r.validity_error {
        let _ = writeln!(s, "\nvalidity of mapped fields: not computed ({e})");
        return s;
    }
    if r.validity.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\nvalidity of mapped fields (as normalised):");
    for v in &r.validity {
        let total = v.valid + v.invalid + v.missing;
        let pct = |n: u64| {
            if total == 0 {
                0.0
            } else {
                100.0 * n as f64 / total as f64
            }
        };
        let _ = write!(
            s,
            "  {:<14} <- {:<24} valid {} ({:.1}%), invalid {} ({:.1}%), missing {}",
            v.field,
            v.columns.join(" + "),
            v.valid,
            pct(v.valid),
            v.invalid,
            pct(v.invalid),
            v.missing
        );
        if !v.top_reasons.is_empty() {
            let reasons: Vec<String> = v
                .top_reasons
                .iter()
                .map(|r| format!("{} {}", r.value, r.count))
                .collect();
            let _ = write!(s, "; reasons: {}", reasons.join(", "));
        }
        s.push('\n');
    }
    s
}
