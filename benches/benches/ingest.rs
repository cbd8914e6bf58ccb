//! placeholder: filled by the ingest work.
fn main() {}
