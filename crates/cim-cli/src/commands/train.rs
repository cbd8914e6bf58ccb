//! `cim train CONFIG`: train the matching model once, reuse it nightly.

use anyhow::Context;

use crate::args::{GlobalArgs, TrainArgs};
use crate::exit::ExitStatus;

/// Trains and writes the model as JSON (atomically: temp file, then rename).
pub fn train(args: &TrainArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let cfg = cim_config::load(&args.config)?;
    let progress = crate::progress::for_args(global);
    let opts = cim_pipeline::RunOptions {
        threads: args.threads,
        ..Default::default()
    };
    let model = cim_pipeline::train(&cfg, &opts, progress.as_ref())?;
    let json = serde_json::to_vec_pretty(&model).context("serialising the model")?;
    let tmp = args.output.with_extension("json.tmp");
    std::fs::write(&tmp, &json).with_context(|| format!("writing `{}`", tmp.display()))?;
    std::fs::rename(&tmp, &args.output)
        .with_context(|| format!("writing `{}`", args.output.display()))?;
    tracing::info!("model written to {}", args.output.display());
    Ok(ExitStatus::Success)
}
