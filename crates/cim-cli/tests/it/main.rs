//! Whole-CLI tests: run the `cim` binary as a user would.

mod demo;
mod devsets;
mod errors;
mod util;
