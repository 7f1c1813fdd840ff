//! Maps a large slice on every core. Resolving a million assignments is a million independent
//! hash lookups that mostly wait on memory, so it scales with cores.

use std::num::NonZeroUsize;
use std::thread;

/// Below this many items a thread costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 64 * 1024;
/// Memory bandwidth, not cores, limits beyond this.
const MAX_THREADS: usize = 8;

/// `items.chunks(..).flat_map(f)` in order: `f` maps a contiguous chunk of `items` to one output
/// per item, and the chunks are spread over scoped threads when `items` is large. (Chunks rather
/// than items, so that `f` can keep state along its chunk.)
pub(super) fn map_chunks<T, U, F>(items: &[T], f: F) -> Vec<U>
where
    T: Sync,
    U: Send,
    F: Fn(&[T]) -> Vec<U> + Sync,
{
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = cores
        .min(MAX_THREADS)
        .min(items.len() / MIN_ITEMS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return f(items);
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for worker in workers {
            // A panic in `f` is a bug; carry it to the caller as if there were no threads.
            match worker.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_on_small_and_large_inputs() {
        let double = |chunk: &[u32]| chunk.iter().map(|x| u64::from(*x) * 2).collect();
        let small: Vec<u32> = (0..10).collect();
        assert_eq!(
            map_chunks(&small, double),
            (0..10).map(|x| x * 2).collect::<Vec<u64>>()
        );
        let large: Vec<u32> = (0..300_000).collect();
        let doubled = map_chunks(&large, double);
        assert_eq!(doubled.len(), large.len());
        assert!(doubled.iter().enumerate().all(|(i, &x)| x == 2 * i as u64));
    }
}
