//! Writes a synthetic data set and reports the throughput.
//!
//! `cargo run --release -p cim-synth --example synth -- --records 1000000 --out /tmp/synth [--seed 7] [--erp] [--entities N] [--threads N] [--generate-only] [--family SHARE] [--twins SHARE]`
//!
//! `--family` and `--twins` set the share of households that are families
//! sharing an address and phone, and that have twins (defaults 0.08 and
//! 0.015): the hard cases for precision.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use cim_synth::{SynthOptions, write_dataset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut opts = SynthOptions::for_records(1_000_000);
    let mut out = PathBuf::from("out/synth");
    let mut threads = 0;
    let mut generate_only = false;
    // Applied after every argument: `--records` starts the options afresh.
    let (mut family, mut twins) = (None, None);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--records" => {
                let seed = opts.seed;
                let erp = opts.sources.len();
                opts = SynthOptions::for_records(val()?.parse()?);
                opts.seed = seed;
                if erp == 4 {
                    opts = opts.with_erp();
                }
            }
            "--entities" => opts.entities = val()?.parse()?,
            "--seed" => opts.seed = val()?.parse()?,
            "--out" => out = PathBuf::from(val()?),
            "--threads" => threads = val()?.parse()?,
            "--erp" => opts = opts.with_erp(),
            "--generate-only" => generate_only = true,
            "--family" => family = Some(val()?.parse()?),
            "--twins" => twins = Some(val()?.parse()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if let Some(f) = family {
        opts.hard_cases.family = f;
    }
    if let Some(t) = twins {
        opts.hard_cases.twins = t;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let start = Instant::now();
    if generate_only {
        let mut records = cim_synth::generate(&opts)?;
        let n = pool.install(|| {
            let mut n = 0;
            while let Some(b) = records.next_batch() {
                n += b.len();
            }
            n
        });
        let secs = start.elapsed().as_secs_f64();
        println!("generated {n} records in {secs:.2} s (not written)");
        return Ok(());
    }
    let summary = pool.install(|| write_dataset(&out, &opts))?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} records ({} entities, {} true pairs) in {:.2} s = {:.0} records/s -> {}",
        summary.records,
        summary.entities,
        summary.true_pairs,
        secs,
        summary.records as f64 / secs,
        out.display()
    );
    for s in &summary.sources {
        println!("  {:<8} {:>10} rows  {}", s.name, s.rows, s.file);
    }
    Ok(())
}
