//! Record and golden ids.

use std::fmt;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

/// Stable identifier of one source row: `<source>:<source key>` when the
/// source maps a key, otherwise `<source>:#<16 hex digits of the content
/// hash>` (with `~<n>` appended for the n-th identical row). Stable across
/// runs as long as the key, or the content, is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub String);

impl RecordId {
    /// Id of a row that has a source key.
    pub fn from_key(source: &str, key: &str) -> Self {
        Self(format!("{source}:{key}"))
    }

    /// Id of a keyless row, from its content hash and its occurrence number
    /// among identical rows of the same source (0 for the first).
    pub fn from_content(source: &str, row_hash: u64, occurrence: u32) -> Self {
        if occurrence == 0 {
            Self(format!("{source}:#{row_hash:016x}"))
        } else {
            Self(format!("{source}:#{row_hash:016x}~{occurrence}"))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Opaque, stable identifier of one golden customer: `G` followed by 16 hex
/// digits. Never reused after it is retired.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GoldenId(pub String);

impl GoldenId {
    /// A golden id derived from a seed string (normally the smallest record
    /// id of the cluster when it was first seen, plus a salt on collision).
    pub fn derive(seed: &str) -> Self {
        Self(format!("G{:016x}", xxh3_64(seed.as_bytes())))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GoldenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// xxh3-64 over a row's values, each followed by a 0x1F unit separator so
/// that `("ab","c")` and `("a","bc")` differ. Null values hash as 0x00.
pub fn row_hash<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> u64 {
    let mut buf = Vec::with_capacity(128);
    for v in values {
        match v {
            Some(s) => buf.extend_from_slice(s.as_bytes()),
            None => buf.push(0),
        }
        buf.push(0x1f);
    }
    xxh3_64(&buf)
}
