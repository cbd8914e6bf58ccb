//! The `cim` binary: parses arguments, sets up logging and progress, runs
//! one command, and maps its outcome to an exit code (0 success, 1 user or
//! data problem, 2 unexpected failure).
//!
//! Everything but argument parsing and terminal handling lives in the
//! library crates; each subcommand is one file in `commands/`.

// The binary is the one place allowed to print.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod out;
mod alloc;
mod args;
mod commands;
mod exit;
mod logging;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::ExitStatus;

fn main() -> ExitCode {
    alloc::fix_mmap_threshold();
    let cli = Cli::parse();
    logging::init(&cli.global);
    let outcome = match &cli.command {
        Command::Run(a) => commands::run::run(a, &cli.global),
        Command::Init(a) => commands::init::init(a, &cli.global),
        Command::Check(a) => commands::check::check(a, &cli.global),
        Command::ConfigReference => commands::check::config_reference(),
        Command::Train(a) => commands::train::train(a, &cli.global),
        Command::Cluster(a) => commands::cluster::cluster(a, &cli.global),
        Command::Evaluate(a) => commands::evaluate::evaluate(a, &cli.global),
        Command::Explain(a) => commands::explain::explain(a, &cli.global),
        Command::Completions(a) => commands::completions::completions(a),
        Command::Forget(a) => commands::forget::forget(a, &cli.global),
        Command::Profile(a) => commands::profile::profile(a, &cli.global),
    };
    match outcome {
        Ok(status) => status.into(),
        // `cim ... | head`: the reader has what it wanted; end quietly with
        // exit code 0 (as ripgrep does) rather than panic on the closed pipe.
        Err(err) if err.chain().any(|c| c.is::<out::StdoutClosed>()) => ExitCode::SUCCESS,
        Err(err) => {
            let status = exit::classify(&err);
            // `{:#}` prints the whole chain of causes on one line.
            eprintln!("error: {err:#}");
            status.into()
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s as u8)
    }
}
