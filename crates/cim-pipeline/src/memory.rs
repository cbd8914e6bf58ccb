//! The process's peak resident memory at the end of each stage, as Linux
//! reports it in `/proc/self`; elsewhere there are no readings and run.json
//! leaves the figures out.
//!
//! The peak is never reset (that would also reset what `getrusage` and
//! GNU time report for the whole process): each figure is the peak so far,
//! so the stage that set the run's peak is the first with the largest.

use std::collections::BTreeMap;

const MIB: u64 = 1024 * 1024;

/// Peak resident set size (VmHWM) since the process started, in MiB.
pub(crate) fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some((kib * 1024).div_ceil(MIB))
}

/// The peak so far at the end of each stage.
#[derive(Debug, Default)]
pub(crate) struct StagePeaks(pub BTreeMap<String, u64>);

impl StagePeaks {
    /// Ends `stage`: records the peak so far.
    pub(crate) fn end(&mut self, stage: &str) {
        if let Some(mib) = peak_rss_mib() {
            self.0.insert(stage.to_owned(), mib);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn a_stage_that_touches_memory_raises_the_peak() {
        // 256 MiB written, so resident, then freed: more than this test
        // binary holds otherwise.
        let block = vec![1u8; 256 * MIB as usize];
        std::hint::black_box(&block);
        drop(block);
        let mut peaks = StagePeaks::default();
        peaks.end("stage");
        assert!(peaks.0["stage"] >= 256, "peaks {:?}", peaks.0);
    }
}
