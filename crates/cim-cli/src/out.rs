//! Writing to stdout without panicking when the reader goes away
//! (`cim check pipeline.toml | head`): `println!` panics on a closed pipe,
//! these macros return an error that `main` turns into a quiet exit 0 (as
//! `head` has all it asked for).

/// `print!` that returns `Err(StdoutClosed)` when stdout is a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*).map_err($crate::out::stdout_error)
    }};
}

/// `println!` that returns `Err(StdoutClosed)` when stdout is a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::out::stdout_error)
    }};
}

/// The reader of stdout has gone (a closed pipe): not a failure of cim.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Maps a stdout write error: a broken pipe becomes [`StdoutClosed`].
pub fn stdout_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        anyhow::Error::new(StdoutClosed)
    } else {
        anyhow::Error::new(e).context("writing to stdout")
    }
}

/// Writes bytes (a completion script) to stdout, like [`out!`].
pub fn write_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}
