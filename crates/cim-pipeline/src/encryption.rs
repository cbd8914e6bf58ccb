//! Which columns of which output file `[output.encryption]` encrypts.

use std::collections::BTreeSet;

use cim_config::{EncryptionSettings, PipelineConfig};
use cim_output::{KeySource, ParquetEncryption, ParquetOptions};

use crate::{PipelineError, files};

/// Provenance and status columns of `records.parquet` that hold no customer
/// value and stay readable without the key.
const RECORDS_PLAIN: [&str; 6] = [
    "record_id",
    "source",
    "file",
    "line",
    "row_hash",
    "quality_issues",
];

/// The Parquet options of each output file under a config's encryption.
#[derive(Debug, Default)]
pub(crate) struct OutputEncryption {
    master: Option<ParquetEncryption>,
    records: Option<ParquetEncryption>,
    quarantine: Option<ParquetEncryption>,
}

impl OutputEncryption {
    /// Loads the key (so a missing or malformed key fails before any work)
    /// and decides the encrypted columns per file.
    pub(crate) fn from_config(c: &PipelineConfig) -> Result<Self, PipelineError> {
        let Some(enc) = &c.output.encryption else {
            return Ok(Self::default());
        };
        let source = key_source(enc);
        let key = source.load()?;
        let with = |columns: BTreeSet<String>| ParquetEncryption {
            key: key.clone(),
            columns,
            plaintext_footer: enc.plaintext_footer,
        };
        let master = Some(with(enc.columns.iter().cloned().collect()));
        if !enc.audit_outputs {
            return Ok(Self {
                master,
                ..Self::default()
            });
        }
        let records: BTreeSet<String> = cim_schema::normalized_schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| !RECORDS_PLAIN.contains(&n.as_str()) && !n.ends_with("__status"))
            .collect();
        Ok(Self {
            master,
            records: Some(with(records)),
            quarantine: Some(with(BTreeSet::from(["raw".to_owned()]))),
        })
    }

    /// The Parquet options for the output file `name`.
    pub(crate) fn options(&self, name: &str) -> ParquetOptions {
        let encryption = match name {
            files::MASTER => self.master.clone(),
            files::RECORDS => self.records.clone(),
            files::QUARANTINE => self.quarantine.clone(),
            _ => None,
        };
        ParquetOptions {
            encryption,
            ..ParquetOptions::default()
        }
    }
}

fn key_source(enc: &EncryptionSettings) -> KeySource {
    match (&enc.key_file, &enc.key_env) {
        (Some(f), _) => KeySource::File(f.clone()),
        (None, Some(v)) => KeySource::Env(v.clone()),
        (None, None) => KeySource::Env(EncryptionSettings::DEFAULT_KEY_ENV.to_owned()),
    }
}
