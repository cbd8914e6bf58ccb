//! `[output.encryption]`: Parquet modular encryption of PII columns.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{ConfigError, PipelineConfig};

/// Parquet modular encryption (AES-GCM) of chosen master columns
/// (`[output.encryption]`). Absent by default: nothing is encrypted. With
/// it, `master.parquet` encrypts the listed columns and, unless
/// `audit_outputs = false`, `records.parquet` encrypts every customer value
/// and `quarantine.parquet` its `raw` column. Readers need the key for
/// those columns (pyarrow: see docs/RELIABILITY.md). Encrypted files are
/// not byte-identical between runs (random nonces); their content is.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EncryptionSettings {
    /// Master columns to encrypt, e.g. `["email", "phone", "date_of_birth",
    /// "national_id"]`: any master column except `golden_id`. Default:
    /// none; at least one is required.
    pub columns: Vec<String>,
    /// Environment variable holding the key: 32, 48 or 64 hex digits, or the
    /// base64 of 16, 24 or 32 bytes (AES-128/192/256; `openssl rand -hex
    /// 32`). Default: `CIM_MASTER_KEY` when `key_file` is not set.
    pub key_env: Option<String>,
    /// File holding the key, in the same format as `key_env` (surrounding
    /// whitespace ignored), relative to the config file. Default: none.
    /// Set `key_env` or `key_file`, not both.
    pub key_file: Option<PathBuf>,
    /// Leave the footer (schema, row counts, the unencrypted columns'
    /// statistics) readable without the key, signed with it, so DuckDB,
    /// polars or pandas without the key still read the unencrypted columns.
    /// `false` encrypts the footer too: without the key nothing of the file
    /// can be read, not even the column names. Default: `true`.
    pub plaintext_footer: bool,
    /// Also encrypt `records.parquet` (every field value, `extra` and the
    /// `key_*` match keys) and `quarantine.parquet` (`raw`), which hold the
    /// same personal data as the inputs. Default: `true`.
    pub audit_outputs: bool,
}

impl Default for EncryptionSettings {
    fn default() -> Self {
        Self {
            columns: Vec::new(),
            key_env: None,
            key_file: None,
            plaintext_footer: true,
            audit_outputs: true,
        }
    }
}

impl EncryptionSettings {
    /// The environment variable used when neither `key_env` nor `key_file`
    /// is set.
    pub const DEFAULT_KEY_ENV: &'static str = "CIM_MASTER_KEY";

    pub(crate) fn resolve_paths(&mut self, base: &Path) {
        if let Some(f) = &self.key_file
            && !f.is_absolute()
        {
            self.key_file = Some(base.join(f));
        }
    }
}

pub(crate) fn validate(cfg: &PipelineConfig, path: &Path) -> Result<(), ConfigError> {
    let Some(enc) = &cfg.output.encryption else {
        return Ok(());
    };
    let invalid = |key: &str, msg: String| ConfigError::invalid(path, key, msg);
    if enc.key_env.is_some() && enc.key_file.is_some() {
        return Err(invalid(
            "output.encryption.key_file",
            "set either `key_env` or `key_file`, not both".into(),
        ));
    }
    if let Some(name) = &enc.key_env
        && (name.is_empty() || name.contains('=') || name.contains('\0'))
    {
        return Err(invalid(
            "output.encryption.key_env",
            format!("`{name}` is not an environment variable name"),
        ));
    }
    if enc.columns.is_empty() {
        return Err(invalid(
            "output.encryption.columns",
            "list at least one master column to encrypt, e.g. `[\"email\", \"phone\"]`".into(),
        ));
    }
    let master = cim_merge::master_schema_for(&cfg.survivorship);
    let allowed: Vec<&str> = master
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .filter(|n| *n != "golden_id")
        .collect();
    for c in &enc.columns {
        if c == "golden_id" {
            return Err(invalid(
                "output.encryption.columns",
                "`golden_id` cannot be encrypted: it is the key that joins the master to the crosswalk and to the next run".into(),
            ));
        }
        if !allowed.contains(&c.as_str()) {
            return Err(invalid(
                "output.encryption.columns",
                format!(
                    "`{c}` is not a master column; expected one of {}",
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
