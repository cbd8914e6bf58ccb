//! Allocator tuning: the binary's one use of `unsafe`.

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
    let tuned = std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("mmap_threshold"));
    if !tuned {
        set_mmap_threshold(256 * 1024);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn set_mmap_threshold(bytes: i32) {
    // SAFETY: mallopt only sets an allocator parameter; it is called at the
    // start of main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, bytes);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_mmap_threshold(_bytes: i32) {}
