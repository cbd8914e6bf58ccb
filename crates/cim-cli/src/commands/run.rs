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
    // Before the progress bar and the run start their threads.
    let input_bytes = input_bytes(&cfg.config);
    let threshold = crate::alloc::size_for_input(input_bytes);
    tracing::debug!(
        input_mib = input_bytes >> 20,
        mmap_threshold_kib = threshold.map(|t| t >> 10),
        "allocator sized for the input"
    );
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

/// The sources' size in CSV-equivalent bytes (see
/// [`crate::alloc::input_weight`]). Files that cannot be found or read count
/// for nothing: the run reports them itself.
fn input_bytes(cfg: &cim_config::PipelineConfig) -> u64 {
    let mut total = 0;
    for source in &cfg.sources {
        let opts = source.ingest_options();
        for path in cim_ingest::resolve_files(&opts).unwrap_or_default() {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let weight = cim_ingest::detect_format(&opts.name, &path, opts.format)
                .map_or(1, crate::alloc::input_weight);
            total += meta.len() * weight;
        }
    }
    total
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_bytes_weighs_parquet_expands_globs_and_skips_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        std::fs::write(dir.path().join("crm-1.csv"), vec![b'a'; 1000]).unwrap();
        std::fs::write(dir.path().join("crm-2.csv"), vec![b'a'; 500]).unwrap();
        std::fs::write(dir.path().join("erp.parquet"), vec![0u8; 100]).unwrap();
        let text: String = [
            ("crm", "crm-*.csv"),
            ("erp", "erp.parquet"),
            ("gone", "gone.csv"),
        ]
        .iter()
        .map(|(name, file)| {
            format!(
                "[[sources]]\nname = \"{name}\"\npath = \"{d}/{file}\"\n\
                     [sources.columns]\nsource_key = \"id\"\n\n"
            )
        })
        .collect();
        let cfg = cim_config::parse(&text, std::path::Path::new("pipeline.toml")).unwrap();
        assert_eq!(input_bytes(&cfg.config), 1000 + 500 + 3 * 100);
    }
}
