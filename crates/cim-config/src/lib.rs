//! cim-config (work in progress).
