//! Checks that need more than types: unique names, ranges, and dangerous
//! output locations.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::{ConfigError, PipelineConfig};

pub(crate) fn validate(cfg: &PipelineConfig, path: &Path) -> Result<(), ConfigError> {
    let invalid = |key: String, msg: String| ConfigError::invalid(path, key, msg);
    if cfg.sources.is_empty() {
        return Err(invalid(
            "sources".into(),
            "no source: expected at least one `[[sources]]` table".into(),
        ));
    }
    check_ratio(cfg.run.max_quarantine_ratio)
        .map_err(|m| invalid("run.max_quarantine_ratio".into(), m))?;
    if cfg.run.batch_rows == 0 {
        return Err(invalid(
            "run.batch_rows".into(),
            "0: expected a positive number of rows (default 65536)".into(),
        ));
    }
    if let Some(model) = &cfg.run.model
        && !model.is_file()
    {
        return Err(invalid(
            "run.model".into(),
            format!(
                "model file `{}` does not exist: expected the `model.json` of a run or of `cim train`",
                model.display()
            ),
        ));
    }

    let mut names = HashSet::new();
    let out = absolute(&cfg.output.dir);
    for (i, s) in cfg.sources.iter().enumerate() {
        let key = |k: &str| format!("sources[{i}].{k}");
        if s.name.is_empty()
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                key("name"),
                format!(
                    "`{}` is not a valid source name: expected letters, digits, `_` and `-` (it prefixes every record id)",
                    s.name
                ),
            ));
        }
        if !names.insert(s.name.as_str()) {
            return Err(invalid(
                key("name"),
                format!(
                    "source name `{}` is used twice: expected a unique name per source",
                    s.name
                ),
            ));
        }
        if s.columns.is_empty() {
            return Err(invalid(
                key("columns"),
                "empty: expected at least one canonical field mapped onto a column, e.g. `email = \"Email\"`".into(),
            ));
        }
        if let Some(r) = s.max_quarantine_ratio {
            check_ratio(r).map_err(|m| invalid(key("max_quarantine_ratio"), m))?;
        }
        for (k, region) in [
            ("phone_region", &s.phone_region),
            ("default_country", &s.default_country),
        ] {
            if let Some(r) = region
                && !(r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()))
            {
                return Err(invalid(
                    key(k),
                    format!(
                        "`{r}` is not a country code: expected ISO 3166 alpha-2 such as `CN`, `GB` or `US`"
                    ),
                ));
            }
        }
        // The output directory is replaced as a whole on every run: refuse
        // any layout where that could delete or shadow an input.
        let src = absolute(&s.path);
        let src_dir = literal_prefix(&src);
        if src_dir.starts_with(&out) {
            return Err(invalid(
                "output.dir".into(),
                format!(
                    "output directory `{}` contains the input of source `{}`; each run replaces the output directory: expected a directory that holds no input",
                    cfg.output.dir.display(),
                    s.name
                ),
            ));
        }
        if glob_reaches(&src, &src_dir, &out) {
            return Err(invalid(
                "output.dir".into(),
                format!(
                    "output directory `{}` lies inside the glob `{}` of source `{}`: the next run would read its own outputs: expected a directory outside it",
                    cfg.output.dir.display(),
                    s.path.display(),
                    s.name
                ),
            ));
        }
        if out == src_dir || out.parent().is_none() {
            return Err(invalid(
                "output.dir".into(),
                format!(
                    "output directory `{}` is the directory of source `{}`'s files: expected a dedicated directory such as `out`",
                    cfg.output.dir.display(),
                    s.name
                ),
            ));
        }
    }
    crate::checks::validate_stages(cfg, path)?;
    crate::encryption::validate(cfg, path)?;
    Ok(())
}

fn check_ratio(r: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&r) {
        Ok(())
    } else {
        Err(format!(
            "{r} is out of range: expected a ratio between 0 and 1 (0.05 = 5 % of the rows read)"
        ))
    }
}

/// Lexically absolute path (no symlink resolution: the output may not exist).
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// For a glob, the directory part before the first wildcard; for a file, its
/// directory.
fn literal_prefix(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        let s = c.as_os_str().to_string_lossy();
        if s.contains(['*', '?', '[']) {
            return out;
        }
        out.push(c);
    }
    out.parent().map(Path::to_path_buf).unwrap_or(out)
}

/// True when a file directly inside `out` could match the source pattern
/// `src` (whose literal directory prefix is `src_dir`): a `**` below the
/// prefix reaches any depth, other wildcards one component each.
fn glob_reaches(src: &Path, src_dir: &Path, out: &Path) -> bool {
    let Ok(rel_out) = out.strip_prefix(src_dir) else {
        return false;
    };
    let Ok(rest) = src.strip_prefix(src_dir) else {
        return false;
    };
    let rest: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if !rest.iter().any(|c| c.contains(['*', '?', '['])) {
        return false; // a plain file: handled by the checks above
    }
    if rest.iter().any(|c| c.contains("**")) {
        return true;
    }
    let outs: Vec<String> = rel_out
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    rest.len() == outs.len() + 1
        && outs
            .iter()
            .zip(&rest)
            .all(|(o, p)| glob::Pattern::new(p).map_or(true, |p| p.matches(o)))
}
