//! `cim cluster OUTPUT ID`: one golden record, its members and the lineage
//! of each field.

use arrow::array::Array;
use cim_pipeline::files;
use cim_schema::{GoldenId, RecordId, batch::str_col};

use crate::args::{ClusterArgs, GlobalArgs};
use crate::commands::read_output;
use crate::exit::{ExitStatus, UserError};

/// Prints the golden record for a golden id or a member's record id.
pub fn cluster(args: &ClusterArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let crosswalk = read_output(&args.output, files::CROSSWALK)?;
    // Accept a golden id or a record id.
    let mut golden: Option<String> = None;
    let mut members: Vec<RecordId> = Vec::new();
    let target_is_record = !args.id.starts_with('G') || args.id.contains(':');
    if target_is_record {
        for b in &crosswalk {
            let rid = str_col(b, "record_id")?;
            let gid = str_col(b, "golden_id")?;
            for i in 0..b.num_rows() {
                if rid.value(i) == args.id {
                    golden = Some(gid.value(i).to_owned());
                }
            }
        }
    } else {
        golden = Some(args.id.clone());
    }
    let Some(golden) = golden else {
        return Err(UserError(format!(
            "no record `{}` in `{}`",
            args.id,
            args.output.display()
        ))
        .into());
    };
    for b in &crosswalk {
        let rid = str_col(b, "record_id")?;
        let gid = str_col(b, "golden_id")?;
        for i in 0..b.num_rows() {
            if !gid.is_null(i) && gid.value(i) == golden {
                members.push(RecordId(rid.value(i).to_owned()));
            }
        }
    }
    let master = read_output(&args.output, files::MASTER)?;
    let Some(view) = cim_merge::GoldenView::from_master(&master, &GoldenId(golden.clone()))? else {
        return Err(UserError(format!(
            "no golden record `{golden}` in `{}`",
            args.output.display()
        ))
        .into());
    };
    let records = read_output(&args.output, files::RECORDS)?;
    let member_views = cim_merge::MemberView::from_normalized(&records, &members)?;
    out!(
        "{}",
        cim_merge::render_cluster(&view, &member_views, global.show_pii)
    )?;
    Ok(ExitStatus::Success)
}
