//! Whole-CLI tests: run the `cim` binary as a user would.

mod demo;
mod errors;
mod util;
