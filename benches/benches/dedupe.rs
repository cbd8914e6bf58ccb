//! placeholder: filled by the dedupe work.
fn main() {}
