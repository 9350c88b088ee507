//! The binary's allocator: mimalloc, told to keep the memory it frees.
//!
//! Parsing builds and drops millions of small values, and glibc's allocator spent a third of
//! `irp assess` in malloc/free once parts were read on several threads (docs/PERFORMANCE.md).
//! mimalloc also returns freed memory to the OS a second after it is freed; the assessor frees
//! and reallocates its windows all the time, so the kernel kept zeroing fresh (huge) pages for
//! it: a tenth of the CPU of an all-users run. A command runs once and exits, so it keeps what it
//! frees for reuse instead; its peak memory is unchanged.

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
