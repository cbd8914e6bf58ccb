//! Integration tests of cim-dedupe (one binary).

mod api;
mod devsets;
