//! `cim completions SHELL`.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::exit::ExitStatus;

/// Prints the completion script for the shell on stdout.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    // Into a buffer first: `generate` panics when stdout is a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "cim", &mut script);
    crate::out::write_bytes(&script)?;
    Ok(ExitStatus::Success)
}
