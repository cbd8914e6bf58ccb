//! Logs go to stderr, plain text, without colour when `NO_COLOR` is set or
//! stderr is not a terminal.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::args::GlobalArgs;

/// Installs the global tracing subscriber. `RUST_LOG` overrides `-q`/`-v`.
pub fn init(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (q, _) if q >= 2 => "error",
        (1, _) => "warn",
        (_, 0) => "info",
        (_, 1) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let ansi = colour_enabled();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}

/// Colour only on a terminal and only when `NO_COLOR` is unset or empty.
pub fn colour_enabled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
