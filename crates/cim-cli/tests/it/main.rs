//! Whole-CLI tests: run the `cim` binary as a user would.

// Tests print measured figures (accuracy, kill timings) on purpose.
#![allow(clippy::print_stdout)]

mod audit;
mod demo;
mod devsets;
mod encryption;
mod errors;
mod first_hour;
mod forget;
mod privacy;
mod profile;
mod readers;
mod reliability;
mod robustness;
mod stable_ids;
mod util;
