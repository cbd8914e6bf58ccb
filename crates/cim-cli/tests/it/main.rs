//! Whole-CLI tests: run the `cim` binary as a user would.

mod audit;
mod demo;
mod devsets;
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
