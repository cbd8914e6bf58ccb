//! cim-ingest (work in progress).
