//! Regenerates the bundled demo data set.
//!
//! `cargo run -p cim-synth --example make-demo [-- DIR]`; DIR defaults to
//! the workspace's `fixtures/demo/`.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo"));
    let summary = cim_synth::write_demo(&dir)?;
    let dir = dir.canonicalize().unwrap_or(dir);
    println!(
        "wrote {} records of {} entities ({} true pairs, {} malformed rows) to {}",
        summary.records,
        summary.entities,
        summary.true_pairs,
        summary.malformed.len(),
        dir.display()
    );
    Ok(())
}
