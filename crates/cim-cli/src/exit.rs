//! Exit codes are a type: 0 success, 1 user or data problem, 2 unexpected.

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// The command did what was asked.
    Success = 0,
    /// A problem with the config, the input data or the arguments (bad
    /// config, missing file, failed quality gate, unknown id).
    Failure = 1,
    /// An unexpected failure: a bug or a problem of the machine (disk full).
    Error = 2,
}

/// A user-caused failure raised by a command itself (unknown id, bad
/// argument): exit code 1.
#[derive(Debug)]
pub struct UserError(pub String);

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// Maps an error to its exit status by looking through the cause chain.
pub fn classify(err: &anyhow::Error) -> ExitStatus {
    for cause in err.chain() {
        if cause.is::<UserError>() || cause.is::<cim_config::ConfigError>() {
            return ExitStatus::Failure;
        }
        if let Some(p) = cause.downcast_ref::<cim_pipeline::PipelineError>() {
            return if p.is_user_error() {
                ExitStatus::Failure
            } else {
                ExitStatus::Error
            };
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::NotFound
        {
            return ExitStatus::Failure;
        }
    }
    ExitStatus::Error
}
