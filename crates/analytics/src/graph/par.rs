//! Index ranges split over scoped threads.

use std::ops::Range;

/// Splits `0..total` into contiguous ranges, one per thread (at least one thread, and no more
/// than `total`), runs `f` on each on its own thread and returns the results in range order.
/// A panic in `f` is resumed on the caller's thread.
pub(crate) fn par_ranges<R: Send>(
    total: usize,
    threads: usize,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, total.max(1));
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let range = total * t / threads..total * (t + 1) / threads;
                s.spawn(move || f(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
