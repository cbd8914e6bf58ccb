//! `cim run CONFIG`: the nightly job.

use anyhow::Context;

use crate::args::{GlobalArgs, RunArgs};
use crate::exit::ExitStatus;

/// Runs the pipeline and prints a short summary (or the JSON summary).
pub fn run(args: &RunArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let mut cfg = cim_config::load(&args.config)?;
    if let Some(dir) = &args.output {
        cfg.set_output_dir(dir)?;
    }
    let progress = crate::progress::for_args(global);
    let opts = cim_pipeline::RunOptions {
        model: args.model.clone(),
        threads: args.threads,
        as_of: args.as_of,
    };
    let summary = cim_pipeline::run(&cfg, &opts, progress.as_ref())?;
    if args.json {
        let json = serde_json::to_string_pretty(&summary).context("serialising the run summary")?;
        outln!("{json}")?;
    } else if global.quiet == 0 {
        out!("{}", render(&summary, &cfg.config.output.dir))?;
    }
    Ok(ExitStatus::Success)
}

fn render(s: &cim_pipeline::RunSummary, dir: &std::path::Path) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let r = &s.rows;
    let _ = writeln!(
        out,
        "cim run {} finished in {:.2} s",
        s.run_id,
        ms(s, "total") / 1000.0
    );
    let _ = writeln!(
        out,
        "  rows: {} read = {} accepted + {} quarantined",
        r.read, r.accepted, r.quarantined
    );
    for src in &s.sources {
        let _ = writeln!(
            out,
            "    {:<12} {:>9} read {:>9} accepted {:>7} quarantined",
            src.name, src.read, src.accepted, src.quarantined
        );
    }
    let get =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let _ = writeln!(
        out,
        "  golden records: {} ({} with more than one member)",
        get(&s.merge, "golden_records"),
        get(&s.merge, "multi_member_records")
    );
    let _ = writeln!(out, "  outputs in {}:", dir.display());
    for o in &s.outputs {
        let name = o.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        let rows = get(o, "rows");
        if rows > 0 || name.ends_with(".parquet") {
            let _ = writeln!(out, "    {name} ({rows} rows)");
        } else {
            let _ = writeln!(out, "    {name}");
        }
    }
    out
}

fn ms(s: &cim_pipeline::RunSummary, stage: &str) -> f64 {
    s.timings_ms.get(stage).copied().unwrap_or(0) as f64
}
