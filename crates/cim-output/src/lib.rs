//! Writing cim's outputs so that a killed run never leaves a half-written
//! or mixed output directory.
//!
//! The principal type is [`OutputWriter`]. [`OutputWriter::begin`] takes an
//! exclusive lock next to the output directory and creates a *staging*
//! directory beside it; every `write_*` call writes into staging; and
//! [`OutputWriter::commit`] swaps staging and the live directory in one
//! atomic `renameat2(RENAME_EXCHANGE)` (Linux), then deletes the old
//! generation. Until `commit` returns, readers see the complete previous
//! outputs; after it, the complete new ones. Dropping a writer without
//! committing deletes the staging directory.
//!
//! The output directory is owned by cim: a commit replaces it as a whole.
//!
//! [`read_parquet`] reads a file back (previous run state, audit commands).
//!
//! [`ParquetEncryption`] (in [`ParquetOptions::encryption`]) encrypts chosen
//! columns with Parquet modular encryption; see [`encryption`].

mod dictionary;
pub mod encryption;
mod error;
mod writer;

pub use encryption::{EncryptionKey, KeySource, ParquetEncryption, parquet_encryption};
pub use error::{Error, Result};
pub use writer::{OutputWriter, ParquetOptions, WrittenFile, read_parquet, read_parquet_columns};
