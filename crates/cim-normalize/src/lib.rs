//! cim-normalize (work in progress).
