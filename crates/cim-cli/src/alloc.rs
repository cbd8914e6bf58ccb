//! Allocator tuning: the binary's one use of `unsafe`.

/// glibc's mmap threshold for every command, and for runs over large inputs.
const LEAN_THRESHOLD: i32 = 256 * 1024;

/// The threshold for runs over inputs up to [`FAST_INPUT_BYTES`].
const FAST_THRESHOLD: i32 = 1024 * 1024;

/// Input size (CSV-equivalent bytes, see [`input_weight`]) up to which a run
/// takes [`FAST_THRESHOLD`]: about 5M records of the generated data.
const FAST_INPUT_BYTES: u64 = 1 << 30;

/// Fixes glibc malloc's mmap threshold at 256 KiB.
///
/// By default glibc raises the threshold to the size of every mmapped
/// block freed (up to 32 MiB), after which Arrow buffers and matching's
/// vectors come from its arenas and stay resident once freed: the records
/// spilled before matching, and the candidate pairs dropped before
/// clustering, kept their pages, so the stages' peaks added up (at 1M
/// records, 1,257 MiB while matching with the records spilled, 830 MiB with
/// the threshold fixed). Fixed, each block over 256 KiB is a mapping of its
/// own and goes back to the OS when freed.
///
/// Left alone when the user tunes it (`MALLOC_MMAP_THRESHOLD_` or
/// `GLIBC_TUNABLES`).
pub(crate) fn fix_mmap_threshold() {
    if !user_tuned() {
        set_mmap_threshold(LEAN_THRESHOLD);
    }
}

/// Raises the threshold to 1 MiB for a run whose input is small enough
/// that memory is not what limits it, and returns the threshold now in
/// force (`None`: the user's own).
///
/// At 256 KiB every Parquet page buffer and Arrow builder above it is
/// mapped, faulted in page by page and unmapped again (1.4 M minor faults
/// and ~3.5 s of system CPU at 1M records). At 1 MiB most of those come
/// from glibc's arenas and are reused: a third fewer faults, 8% less
/// wall time at 1M and 14% at 3M (alternating runs), for +160 MiB of peak
/// at 1M (0.93 GiB) and +730 MiB at 3M (3.0 GiB). At 10M the same trade
/// took the peak from 6.8 to 8.3 GiB, over the 8 GiB a 10M run must fit
/// in, so large inputs keep 256 KiB.
///
/// Must be called before the run starts any thread (`mallopt` is not
/// thread-safe).
pub(crate) fn size_for_input(input_bytes: u64) -> Option<i32> {
    if user_tuned() {
        return None;
    }
    let threshold = threshold_for(input_bytes);
    set_mmap_threshold(threshold);
    Some(threshold)
}

fn threshold_for(input_bytes: u64) -> i32 {
    if input_bytes <= FAST_INPUT_BYTES {
        FAST_THRESHOLD
    } else {
        LEAN_THRESHOLD
    }
}

/// Bytes a source file counts for: Parquet holds about three times the
/// records of CSV per byte (the generator's ERP export, zstd: 51 bytes a
/// record against 117-283 for its CSV and JSON Lines sources).
pub(crate) fn input_weight(format: cim_ingest::Format) -> u64 {
    match format {
        cim_ingest::Format::Parquet => 3,
        _ => 1,
    }
}

fn user_tuned() -> bool {
    std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("mmap_threshold"))
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn set_mmap_threshold(bytes: i32) {
    // SAFETY: mallopt only sets an allocator parameter; it is called at the
    // start of main and before a run starts its threads, when no other
    // thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, bytes);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_mmap_threshold(_bytes: i32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_trade_memory_for_speed_and_large_ones_do_not() {
        assert_eq!(threshold_for(0), FAST_THRESHOLD);
        assert_eq!(threshold_for(200 << 20), FAST_THRESHOLD);
        assert_eq!(threshold_for(FAST_INPUT_BYTES), FAST_THRESHOLD);
        assert_eq!(threshold_for(FAST_INPUT_BYTES + 1), LEAN_THRESHOLD);
        assert_eq!(threshold_for(2_000_000_000), LEAN_THRESHOLD);
    }

    #[test]
    fn parquet_counts_three_times_its_bytes() {
        assert_eq!(input_weight(cim_ingest::Format::Parquet), 3);
        assert_eq!(input_weight(cim_ingest::Format::Csv), 1);
        assert_eq!(input_weight(cim_ingest::Format::Jsonl), 1);
        assert_eq!(input_weight(cim_ingest::Format::ArrowIpc), 1);
    }
}
