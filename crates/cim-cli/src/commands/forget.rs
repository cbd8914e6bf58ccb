//! `cim forget OUTPUT --golden-id ID...`: right to erasure on a run's
//! outputs (see `cim_pipeline::forget` for what is removed and kept).

use anyhow::Context;

use crate::args::{ForgetArgs, GlobalArgs};
use crate::exit::ExitStatus;

/// Removes the customers and prints what was removed (ids and counts).
pub fn forget(args: &ForgetArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let req = cim_pipeline::ForgetRequest {
        golden_ids: args.golden_ids.clone(),
        record_ids: args.record_ids.clone(),
        reason: args.reason.clone(),
    };
    let entry = cim_pipeline::forget(&args.output, &req)?;
    if args.json {
        let json = serde_json::to_string_pretty(&entry).context("serialising the erasure")?;
        outln!("{json}")?;
    } else if global.quiet == 0 {
        outln!(
            "forgot {} customer(s), {} record(s) in {}",
            entry.golden_ids.len(),
            entry.record_ids.len(),
            args.output.display()
        )?;
        for (file, n) in &entry.rows_removed {
            outln!("  {file}: {n} rows removed")?;
        }
        for file in &entry.files_dropped {
            outln!("  {file}: removed (mentions a forgotten id; rerun to regenerate)")?;
        }
        outln!(
            "  logged in {}; erase the customer in the source systems too, or the next run brings them back",
            cim_pipeline::ERASURE_LOG
        )?;
    }
    Ok(ExitStatus::Success)
}
