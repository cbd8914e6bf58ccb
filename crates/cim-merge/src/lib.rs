//! cim-merge (work in progress).
