/// Receives progress of long stages. The CLI draws bars on a terminal and
/// logs periodic lines otherwise; library users may ignore it.
pub trait Progress: Sync {
    /// A stage starts; `total` units of work when known.
    fn start(&self, stage: &str, total: Option<u64>);
    /// `n` more units done in the current stage.
    fn advance(&self, n: u64);
    /// The current stage ended.
    fn finish(&self, stage: &str);
}

/// Progress sink that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self, _: &str) {}
}
