//! The contract between cim's pipeline stages.
//!
//! Every stage crate (`cim-ingest`, `cim-normalize`, `cim-dedupe`,
//! `cim-merge`, `cim-output`) depends on this crate and on no other stage.
//! Stages exchange Arrow [`RecordBatch`](arrow::record_batch::RecordBatch)es
//! whose schemas are defined here:
//!
//! * [`raw_schema`]: what ingestion produces. Provenance columns
//!   ([`col`]) plus one nullable `Utf8` column per [`CanonicalField`] holding
//!   the value exactly as read, plus an `extra` column with the unmapped
//!   source columns as a JSON object.
//! * [`normalized_schema`]: what normalisation produces. Provenance, then
//!   for every canonical field its cleaned display value and a
//!   [`FieldStatus`] code column, then one column per [`MatchKey`].
//! * [`quarantine_schema`]: rows that could not be accepted, with a
//!   [`QuarantineReason`].
//!
//! Ids live in [`ids`]: [`RecordId`] (stable per source row) and
//! [`GoldenId`] (stable per customer across runs).

pub mod batch;
mod field;
pub mod ids;
mod quarantine;
mod schemas;

pub use field::{CanonicalField, FieldStatus, MatchKey};
pub use ids::{GoldenId, RecordId};
pub use quarantine::{QuarantineReason, QuarantineRow, escape_raw};
pub use schemas::{col, normalized_schema, quarantine_schema, raw_schema, status_column};
