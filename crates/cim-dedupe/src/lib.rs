//! cim-dedupe (work in progress).
