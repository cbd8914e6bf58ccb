//! Parquet modular encryption (AES-GCM) of selected columns.
//!
//! One AES key (16, 24 or 32 bytes) encrypts the chosen columns and signs
//! (or, with an encrypted footer, encrypts) the footer. The key never
//! appears in a file: each encrypted column and the footer carry *key
//! metadata* in the JSON "key material" format of the Parquet key-management
//! tools (`PKMT1`, internal storage, single wrapping), which pyarrow's
//! `CryptoFactory` and parquet-mr read. Its `masterKeyID` says where the key
//! comes from (`env:NAME` or `file:PATH`); its `wrappedDEK` is the constant
//! [`DIRECT_KEY`]: the data key *is* the master key, nothing is wrapped. A
//! reader's KMS client therefore answers `unwrap_key(DIRECT_KEY, id)` with
//! the key that `id` names (see `tests/readers/check_master.py`).
//!
//! AES-GCM nonces and the file's AAD are random, so an encrypted file is
//! never byte-identical to an earlier one; its decrypted content is.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow::datatypes::Schema;
use base64::Engine as _;
use parquet::arrow::ArrowSchemaConverter;
use parquet::encryption::decrypt::{FileDecryptionProperties, KeyRetriever};
use parquet::encryption::encrypt::FileEncryptionProperties;
use parquet::errors::ParquetError;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `wrappedDEK` of cim's key metadata: the column key is the master key.
pub const DIRECT_KEY: &str = "cim:direct";

/// Key-value metadata entry that records how a file was encrypted (key
/// source and encrypted columns, never the key), so `cim forget` can write
/// it back the same way.
pub const ENCRYPTION_METADATA_KEY: &str = "cim.encryption";

/// Where the AES key comes from. Its text form (`env:NAME`, `file:PATH`) is
/// the `masterKeyID` written into the files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeySource {
    /// An environment variable holding the key.
    Env(String),
    /// A file holding the key (surrounding whitespace ignored).
    File(PathBuf),
}

impl KeySource {
    /// `env:NAME` or `file:PATH`.
    pub fn id(&self) -> String {
        match self {
            Self::Env(name) => format!("env:{name}"),
            Self::File(path) => format!("file:{}", path.display()),
        }
    }

    /// Parses [`KeySource::id`]'s form.
    pub fn from_id(id: &str) -> Option<Self> {
        if let Some(name) = id.strip_prefix("env:") {
            Some(Self::Env(name.to_owned()))
        } else {
            id.strip_prefix("file:")
                .map(|p| Self::File(PathBuf::from(p)))
        }
    }

    /// Reads and decodes the key: 32, 48 or 64 hex digits, or the base64 of
    /// 16, 24 or 32 bytes (AES-128/192/256).
    pub fn load(&self) -> Result<EncryptionKey> {
        let text = match self {
            Self::Env(name) => std::env::var(name).map_err(|e| Error::Key {
                source_id: self.id(),
                problem: match e {
                    std::env::VarError::NotPresent => {
                        format!("environment variable `{name}` is not set")
                    }
                    std::env::VarError::NotUnicode(_) => {
                        format!("environment variable `{name}` is not valid UTF-8")
                    }
                },
            })?,
            Self::File(path) => std::fs::read_to_string(path).map_err(|e| Error::Key {
                source_id: self.id(),
                problem: format!("cannot read key file `{}`: {e}", path.display()),
            })?,
        };
        let bytes = decode_key(text.trim()).map_err(|problem| Error::Key {
            source_id: self.id(),
            problem,
        })?;
        Ok(EncryptionKey {
            bytes,
            source: self.clone(),
        })
    }
}

fn decode_key(text: &str) -> std::result::Result<Vec<u8>, String> {
    const EXPECT: &str = "expected 32, 48 or 64 hex digits or the base64 of 16, 24 or 32 bytes \
                          (an AES-128/192/256 key, e.g. from `openssl rand -hex 32`)";
    if text.is_empty() {
        return Err(format!("the key is empty; {EXPECT}"));
    }
    let bytes = if text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
            .collect::<Vec<_>>()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| format!("the key is neither hex nor base64; {EXPECT}"))?
    };
    if ![16, 24, 32].contains(&bytes.len()) {
        // The length is not secret; the key is never printed.
        return Err(format!(
            "the key decodes to {} bytes; {EXPECT}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// An AES key and where it came from. `Debug` never shows the key.
#[derive(Clone)]
pub struct EncryptionKey {
    bytes: Vec<u8>,
    source: KeySource,
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EncryptionKey({}, {} bytes)",
            self.source.id(),
            self.bytes.len()
        )
    }
}

impl EncryptionKey {
    /// A key given directly (tests, embedding). `source` is recorded in the
    /// files so readers know which key to fetch.
    pub fn new(bytes: Vec<u8>, source: KeySource) -> Result<Self> {
        if ![16, 24, 32].contains(&bytes.len()) {
            return Err(Error::Key {
                source_id: source.id(),
                problem: format!(
                    "the key is {} bytes; expected 16, 24 or 32 (AES-128/192/256)",
                    bytes.len()
                ),
            });
        }
        Ok(Self { bytes, source })
    }

    /// Where the key came from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }
}

/// Which columns of one Parquet file to encrypt, and with which key.
#[derive(Clone, Debug)]
pub struct ParquetEncryption {
    /// The key.
    pub key: EncryptionKey,
    /// Top-level column names; every leaf below them (list elements, struct
    /// children) is encrypted. Names missing from a file's schema are
    /// ignored, so one set can serve several files.
    pub columns: BTreeSet<String>,
    /// Keep the footer (schema, row counts, statistics of the unencrypted
    /// columns) in plaintext, signed with the key, so that readers without
    /// the key still read the unencrypted columns. `false` encrypts the
    /// footer too: nothing of the file is readable without the key.
    pub plaintext_footer: bool,
}

#[derive(Serialize, Deserialize)]
struct Recorded {
    key: String,
    columns: BTreeSet<String>,
    plaintext_footer: bool,
}

impl ParquetEncryption {
    /// The file encryption properties for `schema`, or `None` when no column
    /// of `schema` is to be encrypted (the file is then written in plain
    /// Parquet). Also returns the key-value metadata entry to store.
    pub(crate) fn properties(
        &self,
        schema: &Schema,
    ) -> Result<
        Option<(
            Arc<FileEncryptionProperties>,
            parquet::file::metadata::KeyValue,
        )>,
        ParquetError,
    > {
        let descr = ArrowSchemaConverter::new().convert(schema)?;
        let leaves: Vec<String> = descr
            .columns()
            .iter()
            .filter(|c| self.columns.contains(&c.path().parts()[0]))
            .map(|c| c.path().string())
            .collect();
        if leaves.is_empty() {
            return Ok(None);
        }
        let id = self.key.source.id();
        let mut builder = FileEncryptionProperties::builder(self.key.bytes.clone())
            .with_plaintext_footer(self.plaintext_footer)
            .with_footer_key_metadata(key_material(&id, true));
        for leaf in &leaves {
            builder = builder.with_column_key_and_metadata(
                leaf,
                self.key.bytes.clone(),
                key_material(&id, false),
            );
        }
        let present: BTreeSet<String> = descr
            .columns()
            .iter()
            .map(|c| c.path().parts()[0].clone())
            .filter(|c| self.columns.contains(c))
            .collect();
        let recorded = Recorded {
            key: id,
            columns: present,
            plaintext_footer: self.plaintext_footer,
        };
        let kv = parquet::file::metadata::KeyValue::new(
            ENCRYPTION_METADATA_KEY.to_owned(),
            serde_json::to_string(&recorded).expect("plain struct serialises"),
        );
        Ok(Some((builder.build()?, kv)))
    }

    /// Recovers a file's encryption from its [`ENCRYPTION_METADATA_KEY`]
    /// entry, loading the key it names.
    pub(crate) fn from_recorded(json: &str) -> Result<Option<Self>> {
        let Ok(r) = serde_json::from_str::<Recorded>(json) else {
            return Ok(None);
        };
        let Some(source) = KeySource::from_id(&r.key) else {
            return Ok(None);
        };
        Ok(Some(Self {
            key: source.load()?,
            columns: r.columns,
            plaintext_footer: r.plaintext_footer,
        }))
    }
}

/// The Parquet key-management tools' key material (PKMT1), stored in the
/// file ("internal storage").
fn key_material(master_key_id: &str, footer: bool) -> Vec<u8> {
    let mut m = serde_json::Map::new();
    m.insert("keyMaterialType".into(), "PKMT1".into());
    m.insert("internalStorage".into(), true.into());
    m.insert("isFooterKey".into(), footer.into());
    if footer {
        m.insert("kmsInstanceID".into(), "DEFAULT".into());
        m.insert("kmsInstanceURL".into(), "DEFAULT".into());
    }
    m.insert("masterKeyID".into(), master_key_id.into());
    m.insert("wrappedDEK".into(), DIRECT_KEY.into());
    m.insert("doubleWrapping".into(), false.into());
    serde_json::to_vec(&serde_json::Value::Object(m)).expect("JSON object serialises")
}

/// Resolves cim's key metadata to the key it names, loading each key once.
/// Errors name the key source, never the key.
#[derive(Default)]
struct Retriever {
    keys: Mutex<HashMap<String, Vec<u8>>>,
}

impl KeyRetriever for Retriever {
    fn retrieve_key(&self, key_metadata: &[u8]) -> parquet::errors::Result<Vec<u8>> {
        let not_ours = || {
            ParquetError::General(
                "encrypted with key metadata cim does not know (not written by cim?)".into(),
            )
        };
        let v: serde_json::Value = serde_json::from_slice(key_metadata).map_err(|_| not_ours())?;
        if v.get("wrappedDEK").and_then(|w| w.as_str()) != Some(DIRECT_KEY) {
            return Err(not_ours());
        }
        let id = v
            .get("masterKeyID")
            .and_then(|w| w.as_str())
            .ok_or_else(not_ours)?;
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = keys.get(id) {
            return Ok(k.clone());
        }
        let source = KeySource::from_id(id).ok_or_else(not_ours)?;
        let key = source
            .load()
            .map_err(|e| ParquetError::General(e.to_string()))?;
        keys.insert(id.to_owned(), key.bytes.clone());
        Ok(key.bytes)
    }
}

/// Decryption properties that fetch the key each file names (environment
/// variable or key file).
pub(crate) fn decryption_properties() -> Arc<FileDecryptionProperties> {
    FileDecryptionProperties::with_key_retriever(Arc::new(Retriever::default()))
        .build()
        .expect("a key retriever alone is a valid configuration")
}

/// The encryption a Parquet file written by cim was written with (key
/// loaded from the source it names), or `None` for a plain file.
pub fn parquet_encryption(path: &Path) -> Result<Option<ParquetEncryption>> {
    let file = std::fs::File::open(path).map_err(crate::error::io(path))?;
    let opts = parquet::arrow::arrow_reader::ArrowReaderOptions::new()
        .with_file_decryption_properties(decryption_properties());
    let meta =
        parquet::arrow::arrow_reader::ArrowReaderMetadata::load(&file, opts).map_err(|source| {
            Error::Parquet {
                path: path.to_path_buf(),
                source,
            }
        })?;
    let recorded = meta
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|e| e.key == ENCRYPTION_METADATA_KEY))
        .and_then(|e| e.value.clone());
    match recorded {
        Some(json) => ParquetEncryption::from_recorded(&json),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests;
