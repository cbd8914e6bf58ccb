//! `cim completions SHELL`.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::exit::ExitStatus;

/// Prints the completion script for the shell on stdout.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "cim", &mut std::io::stdout());
    Ok(ExitStatus::Success)
}
