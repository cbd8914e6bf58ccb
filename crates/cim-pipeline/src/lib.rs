//! cim-pipeline (work in progress).
