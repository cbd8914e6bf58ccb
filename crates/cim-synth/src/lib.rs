//! Synthetic multi-source customer data with ground truth, for testing and
//! benchmarking cim.
//!
//! [`SynthOptions`] describes a data set: how many true customers
//! (entities), the share of Chinese customers, per-field
//! [`CorruptionRates`], [`HardCases`] (many distinct `John Smith`s and
//! `张伟`s, families sharing an address and phone, twins) and the
//! [`DuplicateProfile`] of records per entity. [`generate`] streams
//! [`SynthRecord`]s ([`Records`] iterator, or whole waves with
//! [`Records::next_batch`]); [`write_dataset`] writes one file per source
//! ([`SourceKind`]: `crm` UTF-8 CSV, `webshop` JSON Lines, `loyalty` GBK
//! CSV, `erp` Parquet; column layouts in [`SourceKind::columns`]), the
//! ground truth `truth.csv` (`source,source_key,entity_id`) and a
//! `dataset.json` [`DatasetSummary`]. [`write_demo`] writes the bundled
//! demo (`fixtures/demo/`).
//!
//! Everything is deterministic by seed and independent of the thread
//! count: entities are generated in fixed-size chunks from per-chunk seeds
//! (a small self-written xoshiro256** generator), in parallel with rayon.
//! This crate depends on no other cim crate on purpose: it writes files the
//! way real exports look, and cim has to read them like any other input.

mod data;
mod date;
mod demo;
mod error;
mod generate;
mod identity;
mod options;
mod phone;
mod render;
mod rng;
mod source;
mod text;
mod write;

pub use demo::{DEMO_SEED, demo_options, write_demo};
pub use error::Error;
pub use generate::{Records, generate};
pub use options::{CorruptionRates, DuplicateProfile, HardCases, SourceSpec, SynthOptions};
pub use source::{Cell, Column, ColumnType, FileFormat, SourceKind, SynthRecord};
pub use write::{
    DatasetSummary, MalformedRow, SUMMARY_FILE, SourceSummary, TRUTH_FILE, write_dataset,
};
