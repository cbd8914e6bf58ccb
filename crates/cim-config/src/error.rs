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
    #[error("{}:{line}:{column}: {}{message}", path.display(), key_label(key.as_deref(), source_name.as_deref()))]
    Parse {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The offending key, dotted with array indices
        /// (`sources[1].path`); none for a TOML syntax error.
        key: Option<String>,
        /// The name of the source the key belongs to, when it is under
        /// `sources[i]` and the name is known.
        source_name: Option<String>,
        /// What is wrong and what was expected; may end with a `help:` line
        /// quoting the key's documentation.
        message: String,
    },
    /// A value that parses but cannot work (e.g. a missing source file, a
    /// ratio above 1, an output directory inside a source).
    #[error("{}{}: {}{message}", path.display(), location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default(), key_label(Some(key), source_name.as_deref()))]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// The offending key, dotted (`sources[1].path`).
        key: String,
        /// What is wrong and what was expected.
        message: String,
        /// 1-based line and column of the key in the file, when known.
        location: Option<(usize, usize)>,
        /// The name of the source the key belongs to, if any.
        source_name: Option<String>,
    },
}

/// "`sources[1].path` (source `web`): ", or nothing without a key.
fn key_label(key: Option<&str>, source_name: Option<&str>) -> String {
    match (key, source_name) {
        (Some(k), Some(s)) => format!("`{k}` (source `{s}`): "),
        (Some(k), None) => format!("`{k}`: "),
        (None, _) => String::new(),
    }
}

impl ConfigError {
    /// A syntax error (no key path).
    pub(crate) fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let (line, column) = err
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((1, 1));
        Self::Parse {
            path: path.to_path_buf(),
            line,
            column,
            key: None,
            source_name: None,
            message: err.message().trim().to_owned(),
        }
    }

    pub(crate) fn invalid(path: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_path_buf(),
            key: key.into(),
            message: message.into(),
            location: None,
            source_name: None,
        }
    }

    /// The offending key path, when the error has one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Parse { key, .. } => key.as_deref(),
            Self::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

use crate::diagnose::line_col;
