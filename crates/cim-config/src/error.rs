use std::path::{Path, PathBuf};

/// A config that cannot be used. Each variant names the file; syntax and
/// type errors also give the line and column; validation errors the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file cannot be read.
    #[error("cannot read config file `{}`: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax error, unknown key or wrong type.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A value that parses but cannot work (e.g. a missing source file, a
    /// ratio above 1, an output directory inside a source).
    #[error("{}: `{key}`: {message}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// The offending key, dotted (`sources[1].path`).
        key: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let (line, column) = err
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((1, 1));
        let mut message = err.message().trim().to_owned();
        if let Some(hint) = suggest_for_unknown_field(&message) {
            message.push_str(&hint);
        }
        Self::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    pub(crate) fn invalid(path: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_path_buf(),
            key: key.into(),
            message: message.into(),
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// serde says "unknown field `outptu`, expected one of `a`, `b`": add
/// "; did you mean `output`?" when one expected key is close.
fn suggest_for_unknown_field(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, expected) = rest.split_once('`')?;
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        // Transpositions count once (`dri` -> `dir`), so short keys with a
        // swapped pair are still suggested; a distance above a third of the
        // key's length is not a typo any more.
        .map(|cand| (strsim::osa_distance(given, cand), cand))
        .filter(|(d, cand)| *d <= (cand.chars().count() / 3).max(1))
        .min_by_key(|(d, cand)| (*d, *cand))?;
    Some(format!("; did you mean `{}`?", best.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_key() {
        let m = "unknown field `outptu`, expected one of `dir`, `output`, `pairs`";
        assert_eq!(
            suggest_for_unknown_field(m).as_deref(),
            Some("; did you mean `output`?")
        );
        let far = "unknown field `zzzz`, expected one of `dir`, `pairs`";
        assert_eq!(suggest_for_unknown_field(far), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
