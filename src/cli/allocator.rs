//! The binary's allocator: mimalloc, without transparent huge pages, keeping what it frees.
//!
//! Parsing builds and drops millions of small values, and glibc's allocator spent a third of
//! `irp assess` in malloc/free once parts were read on several threads (docs/PERFORMANCE.md).
//! Two mimalloc defaults cost the assessor, which frees and reallocates its users' windows all
//! the time, in kernel time spent zeroing pages for it (a tenth of the CPU of an all-users run):
//! * asking for transparent huge pages: each first touch zeroes 2 MiB. The workspace builds
//!   mimalloc with its `no_thp` feature (about 5% faster on the benchmark, 8% less memory);
//! * returning freed memory to the OS a second later. A command runs once and exits, so it keeps
//!   what it frees for reuse instead; its peak memory is unchanged.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its position in mimalloc v3's `mi_option_t`, which
/// `libmimalloc-sys` does not name (checked against the default in the test below).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Never return freed memory to the OS. Call before starting threads (mimalloc's option setter
/// is not thread-safe).
pub(crate) fn keep_freed_memory() {
    // SAFETY: plain option setter of the allocator linked into this binary, called on the main
    // thread before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_index_is_the_purge_delay() {
        // SAFETY: reads an option.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc v3's default purge delay, in milliseconds; no neighbouring option has it.
            assert_eq!(default, 1000);
        }
    }
}
