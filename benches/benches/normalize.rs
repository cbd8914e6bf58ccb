//! placeholder: filled by the normalize work.
fn main() {}
