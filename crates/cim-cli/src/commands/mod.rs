//! One module per subcommand. Each returns the exit status on success and
//! an error (classified by `crate::exit`) otherwise.

pub mod check;
pub mod cluster;
pub mod completions;
pub mod evaluate;
pub mod explain;
pub mod forget;
pub mod init;
pub mod profile;
pub mod run;
pub mod train;

use std::path::Path;

use anyhow::Context;
use arrow::record_batch::RecordBatch;

/// Reads one Parquet output of a run, with an error that names it.
pub fn read_output(dir: &Path, name: &str) -> anyhow::Result<Vec<RecordBatch>> {
    let path = dir.join(name);
    if !path.is_file() {
        return Err(crate::exit::UserError(format!(
            "`{}` not found: is `{}` the output directory of a cim run?",
            path.display(),
            dir.display()
        ))
        .into());
    }
    let (_, batches) =
        cim_output::read_parquet(&path).with_context(|| format!("reading `{}`", path.display()))?;
    Ok(batches)
}
