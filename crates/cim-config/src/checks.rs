//! Checks of the stage sections (`[dedupe]`, `[survivorship]`,
//! `[normalize]`, per-source reading options) that the stage crates would
//! otherwise make only at run time, without a key path; and the mapping of
//! source-opening errors (missing file, unknown column, unknown encoding) to
//! the config key that caused them.

use std::collections::HashSet;
use std::path::Path;

use cim_dedupe::{BlockingRule, ComparisonKind};
use cim_schema::{CanonicalField, MatchKey};

use crate::diagnose::{locate, parse_key};
use crate::{ConfigError, LoadedConfig, PipelineConfig};

/// The canonical fields a match key is derived from (any one suffices).
fn key_fields(k: MatchKey) -> &'static [CanonicalField] {
    use CanonicalField as F;
    match k {
        MatchKey::FullName
        | MatchKey::GivenName
        | MatchKey::FamilyName
        | MatchKey::GivenPhonetic
        | MatchKey::FamilyPhonetic
        | MatchKey::GivenInitial
        | MatchKey::HanName => &[F::FullName, F::GivenName, F::FamilyName],
        MatchKey::Email | MatchKey::EmailLocal => &[F::Email],
        MatchKey::Phone => &[F::Phone],
        MatchKey::Dob | MatchKey::BirthYear => &[F::DateOfBirth],
        MatchKey::Address | MatchKey::HouseNumber => &[F::AddressLine1, F::AddressLine2],
        MatchKey::City => &[F::City],
        MatchKey::Postcode => &[F::Postcode],
        MatchKey::Country => &[F::Country],
        MatchKey::Company => &[F::Company],
        MatchKey::NationalId => &[F::NationalId],
    }
}

fn ratio(r: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&r) {
        Ok(())
    } else {
        Err(format!(
            "{r} is out of range: expected a probability between 0 and 1"
        ))
    }
}

/// Checks of values the types accept but a run would reject.
pub(crate) fn validate_stages(cfg: &PipelineConfig, path: &Path) -> Result<(), ConfigError> {
    let invalid = |key: String, msg: String| Err(ConfigError::invalid(path, key, msg));
    let mapped: HashSet<CanonicalField> = cfg
        .sources
        .iter()
        .flat_map(|s| s.columns.keys().copied())
        .collect();
    let names: Vec<&str> = cfg.sources.iter().map(|s| s.name.as_str()).collect();

    // Sources: reading options.
    for (i, s) in cfg.sources.iter().enumerate() {
        let key = |k: &str| format!("sources[{i}].{k}");
        let p = s.path.to_string_lossy();
        if p.contains(['*', '?', '['])
            && let Err(e) = glob::Pattern::new(&p)
        {
            return invalid(
                key("path"),
                format!(
                    "`{}` is not a valid glob ({}); expected a file path or a glob such as `exports/crm-*.csv` (`[` starts a character class: write `[[]` for a literal `[`)",
                    s.path.display(),
                    e.msg
                ),
            );
        }
        for (f, cols) in &s.columns {
            if cols.columns().is_empty() || cols.columns().iter().any(|c| c.trim().is_empty()) {
                return invalid(
                    key(&format!("columns.{f}")),
                    "empty column name: expected the name of a column of the file (or a JSON path such as `address.city`)".into(),
                );
            }
        }
        for (j, f) in s.required.iter().enumerate() {
            if !s.columns.contains_key(f) {
                return invalid(
                    key(&format!("required[{j}]")),
                    format!(
                        "field `{f}` is required but not mapped: expected a field of `sources[{i}].columns` (mapped: {})",
                        s.columns
                            .keys()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        if s.max_field_bytes == 0 {
            return invalid(
                key("max_field_bytes"),
                "0 would quarantine every row: expected a positive number of bytes (default 65536)"
                    .into(),
            );
        }
        if s.max_columns == 0 {
            return invalid(
                key("max_columns"),
                "0 would refuse every file: expected a positive number of columns (default 4096)"
                    .into(),
            );
        }
        if let Some(d) = s.csv.delimiter
            && !d.is_ascii()
        {
            return invalid(
                key("csv.delimiter"),
                format!("`{d}` is not an ASCII character: expected one of `,` `;` `|` or `\\t`"),
            );
        }
        if s.csv.delimiter == Some(s.csv.quote) {
            return invalid(
                key("csv.quote"),
                "the quote character equals the delimiter: expected two different characters"
                    .into(),
            );
        }
    }

    // [dedupe]
    let d = &cfg.dedupe;
    for (k, v) in [
        ("dedupe.match_threshold", d.match_threshold),
        ("dedupe.pairs_floor", d.pairs_floor),
        (
            "dedupe.clustering.min_average_link",
            d.clustering.min_average_link,
        ),
    ] {
        if let Err(m) = ratio(v) {
            return invalid(k.into(), m);
        }
    }
    if d.pairs_floor > d.match_threshold {
        return invalid(
            "dedupe.pairs_floor".into(),
            format!(
                "{} is above `dedupe.match_threshold` ({}): pairs that link records would not be kept for audit; expected a floor at or below the threshold",
                d.pairs_floor, d.match_threshold
            ),
        );
    }
    if d.max_block_size < 2 {
        return invalid(
            "dedupe.max_block_size".into(),
            format!(
                "{} would skip every block: expected at least 2 (default 1000)",
                d.max_block_size
            ),
        );
    }
    if d.max_pairs == 0 || d.max_pairs_per_rule == 0 {
        let k = if d.max_pairs == 0 {
            "dedupe.max_pairs"
        } else {
            "dedupe.max_pairs_per_rule"
        };
        return invalid(
            k.into(),
            "0 allows no candidate pair: expected a positive number".into(),
        );
    }
    if d.em_tolerance.is_nan() || d.em_tolerance <= 0.0 {
        return invalid(
            "dedupe.em_tolerance".into(),
            format!(
                "{}: expected a positive number (default 0.0001)",
                d.em_tolerance
            ),
        );
    }
    if d.tf_max_adjustment.is_nan() || d.tf_max_adjustment < 0.0 {
        return invalid(
            "dedupe.tf_max_adjustment".into(),
            format!(
                "{}: expected a bound in bits of 0 or more (default 8.0)",
                d.tf_max_adjustment
            ),
        );
    }
    let rules_key = |list: &str, r: &BlockingRule, i: usize| -> Option<(String, String)> {
        r.parts.iter().enumerate().find_map(|(j, p)| {
            let fields = key_fields(p.key);
            (!fields.iter().any(|f| mapped.contains(f))).then(|| {
                (
                    format!("dedupe.{list}[{i}][{j}]"),
                    format!(
                        "match key `{}` is derived from {}, which no source maps, so the rule could never match: expected a key of a mapped field (or map the field in `[sources.columns]`)",
                        p.key,
                        fields
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                )
            })
        })
    };
    for (i, r) in d.blocking_rules.iter().flatten().enumerate() {
        if let Some((k, m)) = rules_key("blocking_rules", r, i) {
            return invalid(k, m);
        }
    }
    for (i, r) in d.deterministic_rules.iter().enumerate() {
        if let Some((k, m)) = rules_key("deterministic_rules", &r.0, i) {
            return invalid(k, m);
        }
    }
    let mut comparison_names = HashSet::new();
    for (i, c) in d.comparisons.iter().flatten().enumerate() {
        let key = |k: &str| format!("dedupe.comparisons[{i}].{k}");
        if c.name.trim().is_empty() {
            return invalid(
                key("name"),
                "empty: expected a unique comparison name such as `dob`".into(),
            );
        }
        if !comparison_names.insert(c.name.as_str()) {
            return invalid(
                key("name"),
                format!("comparison name `{}` is used twice", c.name),
            );
        }
        if c.fields.is_empty() {
            return invalid(
                key("fields"),
                "empty: expected the canonical fields compared, e.g. `[\"date_of_birth\"]`".into(),
            );
        }
        for (j, f) in c.fields.iter().enumerate() {
            if !mapped.contains(f) {
                return invalid(
                    key(&format!("fields[{j}]")),
                    format!(
                        "field `{f}` is compared but no source maps it: expected a field of some `[sources.columns]`"
                    ),
                );
            }
        }
        let similarity = matches!(
            c.kind,
            ComparisonKind::Name
                | ComparisonKind::FullName
                | ComparisonKind::Address
                | ComparisonKind::Location
                | ComparisonKind::Company
                | ComparisonKind::String
        );
        for (j, t) in c.thresholds.iter().enumerate() {
            if similarity && !(0.0..=1.0).contains(t) {
                return invalid(
                    key(&format!("thresholds[{j}]")),
                    format!("{t} is out of range: expected a similarity between 0 and 1"),
                );
            }
            if !similarity && (t.is_nan() || *t < 0.0) {
                return invalid(
                    key(&format!("thresholds[{j}]")),
                    format!("{t} is negative: expected a distance of 0 or more"),
                );
            }
        }
    }
    for (i, f) in d.fixed.iter().enumerate() {
        let key = |k: &str| format!("dedupe.fixed[{i}].{k}");
        for (k, v) in [("comparison", &f.comparison), ("level", &f.level)] {
            if v.trim().is_empty() {
                return invalid(
                    key(k),
                    "empty: expected a name such as `dob` / `exact`".into(),
                );
            }
        }
        if d.comparisons.is_some() && !comparison_names.contains(f.comparison.as_str()) {
            return invalid(
                key("comparison"),
                format!(
                    "no comparison is named `{}`: expected one of {}",
                    f.comparison,
                    d.comparisons
                        .iter()
                        .flatten()
                        .map(|c| format!("`{}`", c.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        for (k, p) in [("m", f.m), ("u", f.u)] {
            if let Some(p) = p
                && !(p > 0.0 && p <= 1.0)
            {
                return invalid(
                    key(k),
                    format!("{p} is out of range: expected a probability above 0 and at most 1"),
                );
            }
        }
    }

    // [survivorship]
    let s = &cfg.survivorship;
    for (i, n) in s.source_priority.iter().enumerate() {
        if !names.contains(&n.as_str()) {
            return invalid(
                format!("survivorship.source_priority[{i}]"),
                format!(
                    "no source is named `{n}`: expected one of {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    if let Err(e) = s.validate() {
        let msg = e.to_string();
        let msg = msg
            .strip_prefix("invalid survivorship options: ")
            .unwrap_or(&msg)
            .to_owned();
        // Say what is expected in the words of the config.
        let msg = if let Some((head, fix)) = msg.split_once(": set the rule of `") {
            let (anchor, flag) = fix.split_once("` or turn `").unwrap_or((fix, ""));
            let flag = flag.trim_end_matches("` off");
            format!(
                "{head}: expected the rule on `{anchor}` (the unit's anchor) instead, or `{flag} = false`"
            )
        } else if msg.contains("cannot be `collect_all`") {
            format!("{msg}: expected another rule for a field kept together")
        } else if msg.contains("takes no survivorship rule") {
            format!("{msg}: expected no entry for it")
        } else {
            msg
        };
        // The message names the field: point at its entry.
        let field = msg
            .split('`')
            .nth(1)
            .filter(|f| CanonicalField::from_name(f).is_some());
        let key = match field {
            Some(f)
                if s.fields
                    .contains_key(&CanonicalField::from_name(f).expect("checked")) =>
            {
                format!("survivorship.fields.{f}")
            }
            _ => "survivorship.fields".to_owned(),
        };
        return invalid(key, msg);
    }

    // [normalize]
    let year = cfg.normalize.min_birth_year;
    if !(1800..=2100).contains(&year) {
        return invalid(
            "normalize.min_birth_year".into(),
            format!("{year} is implausible: expected a year such as 1900"),
        );
    }

    // [output]
    if cfg.output.dir.is_file() {
        return invalid(
            "output.dir".into(),
            format!(
                "`{}` is a file: expected a directory (cim creates it)",
                cfg.output.dir.display()
            ),
        );
    }
    Ok(())
}

impl LoadedConfig {
    /// The config error behind an error opening source `source_name`, when
    /// the config is at fault (missing file, unknown column, unknown
    /// encoding, bad glob): it names the key (`sources[1].columns.email`)
    /// and its position, and suggests the nearest column. Other errors
    /// (unreadable or corrupt files) give `None`.
    pub fn source_error(&self, source_name: &str, err: &cim_ingest::Error) -> Option<ConfigError> {
        use cim_ingest::Error as E;
        let (i, source) = self
            .config
            .sources
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == source_name)?;
        let (key, message) = match err {
            E::NotFound { path, .. } => (
                "path".to_owned(),
                format!(
                    "file `{}` not found; expected an existing file or a glob, relative to the config file's directory",
                    path.display()
                ),
            ),
            E::NoFilesMatched { pattern, .. } => (
                "path".to_owned(),
                format!("no file matches the glob `{pattern}`; expected at least one file"),
            ),
            E::MissingColumn {
                file,
                column,
                field,
                ..
            } => {
                let field_key = CanonicalField::from_name(field)
                    .map_or_else(|| field.clone(), |f| f.name().to_owned());
                let mut message = format!(
                    "file `{file}` has no column `{column}`; expected one of the file's columns"
                );
                if let Some(hint) = column_hint(source, column) {
                    message.push_str(&hint);
                }
                (format!("columns.{field_key}"), message)
            }
            E::Config { message, .. } if message.starts_with("unknown encoding") => {
                let key = match &source.fallback_encoding {
                    Some(f) if message.contains(&format!("`{f}`")) => "fallback_encoding",
                    _ => "encoding",
                };
                (
                    key.to_owned(),
                    format!(
                        "{message}; expected `auto` or a label such as `utf-8`, `gbk`, `gb18030`, `big5`, `shift_jis`, `windows-1252`, `latin1`"
                    ),
                )
            }
            E::Config { message, .. } if message.contains("glob") => {
                ("path".to_owned(), message.clone())
            }
            _ => return None,
        };
        let key = format!("sources[{i}].{key}");
        let location = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| locate(&text, &parse_key(&key)).map(|(at, _)| at));
        Some(ConfigError::Invalid {
            path: self.path.clone(),
            key,
            message,
            location,
            source_name: Some(source.name.clone()),
        })
    }
}

/// "; did you mean `Email`?" from the file's header, or how to read a file
/// without one. The header is not listed: in a file without a header row it
/// is the first customer's data.
fn column_hint(source: &crate::SourceConfig, column: &str) -> Option<String> {
    let mut opts = source.ingest_options();
    opts.columns.clear();
    opts.required.clear();
    let profile = cim_ingest::profile_source(&opts, Some(100)).ok()?;
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = norm(column);
    // Close to what the config says (case, punctuation, one or two typos):
    // a header name, not a value.
    let best = profile
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .map(|n| (strsim::osa_distance(&wanted, &norm(n)), n))
        .filter(|(d, n)| *d <= (norm(n).chars().count() / 4).max(1))
        .min_by_key(|(d, n)| (*d, *n));
    Some(match best {
        Some((_, n)) => format!("; did you mean `{n}`?"),
        None => format!(
            " (the file has {} columns; if its first line is data rather than a header, set `csv.has_header = false` and name the columns in `csv.column_names`)",
            profile.columns.len()
        ),
    })
}
