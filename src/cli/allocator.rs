//! The binary's allocator: mimalloc, built without transparent huge pages.
//!
//! Parsing builds and drops millions of small values, and glibc's allocator spent a third of
//! `irp assess` in malloc/free once parts were read on several threads (docs/PERFORMANCE.md).
//! mimalloc's default of asking for transparent huge pages cost the assessor, which frees and
//! reallocates its users' windows all the time, 9-11% of its CPU in the kernel zeroing 2 MiB
//! pages; the workspace builds mimalloc with its `no_thp` feature instead (about 5% faster on the
//! benchmark, half the system time, 8% less memory). Never returning freed memory to the OS was
//! measured too and made no difference once huge pages were off, so mimalloc's defaults stay.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
