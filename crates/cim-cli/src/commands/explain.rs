//! `cim explain OUTPUT RECORD_A RECORD_B`: the match-weight waterfall of
//! any two records of a run, whether the run compared them or not.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use cim_dedupe::{DedupeOptions, Explanation, Model};
use cim_pipeline::files;
use cim_schema::{batch::str_col, col};

use crate::args::{ExplainArgs, GlobalArgs};
use crate::commands::read_output;
use crate::exit::{ExitStatus, UserError};

/// Prints why the model matches (or does not match) two records.
pub fn explain(args: &ExplainArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let dir = &args.output;
    let records = read_output(dir, files::RECORDS)?;
    let model = read_model(dir)?;
    let opts = read_options(dir)?;

    let row_of = |id: &str| -> anyhow::Result<usize> {
        let mut base = 0;
        for b in &records {
            let ids = str_col(b, col::RECORD_ID)?;
            if let Some(i) = (0..b.num_rows()).find(|&i| ids.value(i) == id) {
                return Ok(base + i);
            }
            base += b.num_rows();
        }
        Err(UserError(format!(
            "no record `{id}` in `{}`: record ids look like `source:key` (see crosswalk.parquet)",
            dir.join(files::RECORDS).display()
        ))
        .into())
    };
    let (a, b) = (row_of(&args.record_a)?, row_of(&args.record_b)?);

    let explanation = cim_dedupe::explain(&records, a, b, &model, &opts)
        .context("explaining the pair (does model.json belong to this run?)")?;
    let specs: Vec<_> = model.comparisons.iter().map(|c| c.spec.clone()).collect();
    let waterfall =
        cim_pipeline::explanation_waterfall(&records, &explanation, &specs, global.show_pii)?;

    if args.json {
        let rules = |v: &[(usize, String)]| {
            v.iter()
                .map(|(i, r)| serde_json::json!({ "index": i, "rule": r }))
                .collect::<Vec<_>>()
        };
        let out = serde_json::json!({
            "record_id_l": waterfall.record_id_l,
            "record_id_r": waterfall.record_id_r,
            "values_masked": !global.show_pii,
            "prior_weight": waterfall.prior_weight,
            "rows": waterfall.rows,
            "steps": explanation.steps,
            "match_weight": explanation.match_weight,
            "match_probability": explanation.match_probability,
            "threshold": explanation.match_threshold,
            "is_match": explanation.is_match,
            "decision": decision(explanation.is_match),
            "deterministic_rule": explanation.deterministic_rule,
            "blocking_rules": rules(&explanation.blocking_rules),
            "oversized_blocking_rules": rules(&explanation.oversized_blocking_rules),
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        out!("{}", cim_audit::render_waterfall_text(&waterfall))?;
        out!("{}", epilogue(&explanation, global.show_pii))?;
    }
    Ok(ExitStatus::Success)
}

fn decision(is_match: bool) -> &'static str {
    if is_match { "match" } else { "no match" }
}

/// What the waterfall table cannot show: deterministic rules, blocking and
/// the masking mode.
fn epilogue(e: &Explanation, show_pii: bool) -> String {
    let mut out = String::new();
    if let Some(rule) = &e.deterministic_rule {
        let _ = writeln!(
            out,
            "  deterministic rule  {rule} applies: probability 1, decision {}",
            decision(e.is_match)
        );
    }
    let list = |v: &[(usize, String)]| {
        v.iter()
            .map(|(_, r)| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if e.blocking_rules.is_empty() {
        let _ = writeln!(
            out,
            "  blocking            no blocking rule produces this pair: the run never compares it"
        );
    } else {
        let _ = writeln!(
            out,
            "  blocking            produced by blocking rule {}",
            list(&e.blocking_rules)
        );
    }
    if !e.oversized_blocking_rules.is_empty() {
        let _ = writeln!(
            out,
            "                      keys agree but the block is over the rule's size cap (skipped): {}",
            list(&e.oversized_blocking_rules)
        );
    }
    let _ = writeln!(
        out,
        "  values              {}",
        if show_pii {
            "shown unmasked (--show-pii)"
        } else {
            "masked (--show-pii reveals them)"
        }
    );
    out
}

fn read_model(dir: &Path) -> anyhow::Result<Model> {
    let path = dir.join(files::MODEL);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        UserError(format!(
            "cannot read `{}`: {e}: is `{}` the output directory of a cim run?",
            path.display(),
            dir.display()
        ))
    })?;
    Model::from_json(&text).with_context(|| format!("reading `{}`", path.display()))
}

/// The dedupe options the run used, from `run.json`. Runs made before
/// the options were recorded fall back to the defaults with the run's
/// threshold.
fn read_options(dir: &Path) -> anyhow::Result<DedupeOptions> {
    let path = dir.join(files::RUN);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        UserError(format!(
            "cannot read `{}`: {e}: is `{}` the output directory of a cim run?",
            path.display(),
            dir.display()
        ))
    })?;
    let run: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("reading `{}`", path.display()))?;
    if let Some(v) = run.get("dedupe_options").filter(|v| !v.is_null()) {
        return serde_json::from_value(v.clone())
            .with_context(|| format!("reading `dedupe_options` in `{}`", path.display()));
    }
    tracing::warn!(
        "`{}` does not record the dedupe options (older run): using the defaults",
        path.display()
    );
    let mut opts = DedupeOptions::default();
    if let Some(t) = run
        .pointer("/dedupe/match_threshold")
        .and_then(|v| v.as_f64())
    {
        opts.match_threshold = t;
    }
    Ok(opts)
}
