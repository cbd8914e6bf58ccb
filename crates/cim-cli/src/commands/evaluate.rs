//! `cim evaluate OUTPUT --truth FILE`: accuracy of a run against ground truth.

use anyhow::Context;
use cim_pipeline::files;

use crate::args::{EvaluateArgs, GlobalArgs};
use crate::commands::read_output;
use crate::exit::{ExitStatus, UserError};

/// Prints pairwise and cluster metrics and the worst errors.
pub fn evaluate(args: &EvaluateArgs, _global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let file = std::fs::File::open(&args.truth).map_err(|e| {
        UserError(format!(
            "cannot read truth file `{}`: {e}",
            args.truth.display()
        ))
    })?;
    let truth = cim_audit::parse_truth(
        std::io::BufReader::new(file),
        &args.truth.display().to_string(),
    )
    .map_err(|e| UserError(e.to_string()))?;
    let mut eval = cim_audit::Evaluator::new(truth);
    for b in read_output(&args.output, files::CROSSWALK)? {
        eval.add_crosswalk_batch(&b, "record_id", "golden_id")
            .context("reading the crosswalk")?;
    }
    let pairs_path = args.output.join(files::PAIRS);
    if pairs_path.is_file() {
        for b in read_output(&args.output, files::PAIRS)? {
            eval.add_pairs_batch(&b, "record_id_l", "record_id_r", "match_probability")
                .context("reading the scored pairs")?;
        }
    }
    let opts = cim_audit::EvalOptions {
        worst_n: args.worst,
        sweep_thresholds: if args.sweep {
            cim_audit::default_sweep_thresholds()
        } else {
            Vec::new()
        },
    };
    let evaluation = eval.finish(&opts);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&evaluation)?)?;
    } else {
        out!("{}", cim_audit::render_evaluation_text(&evaluation))?;
    }
    Ok(ExitStatus::Success)
}
