//! Integration tests of cim-dedupe (one binary). The dev-set tests print
//! their measured precision/recall/F1, hence the allowed `eprintln!`.
#![allow(clippy::print_stderr)]

mod api;
mod devsets;
