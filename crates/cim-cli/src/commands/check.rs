//! `cim check CONFIG [--json]`: would a run proceed? Reads a sample of
//! every source, writes nothing. Also the hidden `cim config-reference`.

use std::fmt::Write as _;

use crate::args::{CheckArgs, GlobalArgs};
use crate::exit::ExitStatus;

/// Prints the check report; exit 0 when a run would proceed, 1 when not.
pub fn check(args: &CheckArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let cfg = cim_config::load(&args.config)?;
    let progress = crate::progress::for_args(global);
    let mut report =
        cim_pipeline::check(&cfg, args.sample_rows, !args.sample_only, progress.as_ref())?;
    if !global.show_pii {
        report.mask();
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out!("{}", render(&report, &args.config.display().to_string()))?;
    }
    Ok(if report.proceed {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn render(r: &cim_pipeline::CheckReport, config: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "cim check {config}");
    if r.exact {
        let _ = writeln!(
            o,
            "  exact, over every row: row and quarantine counts, blocking pairs\n  from the first {} rows of each source: the sample rows shown",
            r.sample_rows
        );
    } else {
        let _ = writeln!(
            o,
            "  from the first {} rows of each source (--sample-only): every figure",
            r.sample_rows
        );
    }
    for s in &r.sources {
        let _ = writeln!(
            o,
            "\nsource {}: {} read, {} accepted, {} quarantined (limit {:.1} %)",
            s.name,
            s.read,
            s.accepted,
            s.quarantined,
            100.0 * s.max_quarantine_ratio
        );
        for (reason, n) in &s.quarantined_by_reason {
            let _ = writeln!(o, "  quarantine {reason}: {n}");
        }
        o.push_str("  mapping:\n");
        for (field, cols) in &s.mapping {
            let _ = writeln!(o, "    {field:<14} <- {}", cols.join(" + "));
        }
        for (i, row) in s.sample.iter().enumerate() {
            let fields: Vec<String> = row.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(o, "  sample {}: {}", i + 1, fields.join(", "));
        }
    }
    o.push_str(if r.exact {
        "\nblocking (candidate pairs over every row, exact):\n"
    } else {
        "\nblocking (candidate pairs on the sample):\n"
    });
    for b in &r.blocking {
        let largest: Vec<String> = b
            .largest_blocks
            .iter()
            .take(3)
            .map(|l| l.size.to_string())
            .collect();
        let _ = writeln!(
            o,
            "  {:>2} {:<44} {:>11} pairs ({:?}; largest blocks: {})",
            b.index,
            b.rule,
            b.candidate_pairs,
            b.origin,
            largest.join(", ")
        );
    }
    for w in &r.warnings {
        let _ = writeln!(o, "warning: {w}");
    }
    for p in &r.problems {
        let _ = writeln!(o, "problem: {p}");
    }
    let _ = writeln!(
        o,
        "\n{}",
        if r.proceed {
            "ok: a run would proceed"
        } else {
            "not ok: a run would not proceed"
        }
    );
    o
}

/// Prints the config reference (Markdown), as committed in docs/CONFIG.md.
pub fn config_reference() -> anyhow::Result<ExitStatus> {
    out!("{}", cim_config::config_reference_markdown())?;
    Ok(ExitStatus::Success)
}
