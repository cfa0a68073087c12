//! Independent CPU-bound jobs spread over the machine's cores.
//!
//! Rendering sheets and reading scans are each a handful of jobs of tens of milliseconds: a
//! scoped worker per core taking the next job is enough, and keeps a thread pool crate out of
//! the dependency list.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item, on up to one worker per core; results in the items' order.
/// `done(count)` is called after each job with the number finished so far (for progress).
pub fn map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync, done: &(dyn Fn(usize) + Sync)) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len());
    if workers <= 1 {
        return items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let result = work(item);
                done(index + 1);
                result
            })
            .collect();
    }
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    let result = work(item);
                    done(finished.fetch_add(1, Ordering::Relaxed) + 1);
                    results
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_counts_every_job() {
        let items: Vec<u32> = (0..37).collect();
        let calls = AtomicUsize::new(0);
        let highest = AtomicUsize::new(0);
        let squares = map(&items, |n| n * n, &|count| {
            calls.fetch_add(1, Ordering::Relaxed);
            highest.fetch_max(count, Ordering::Relaxed);
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::Relaxed), 37);
        assert_eq!(highest.load(Ordering::Relaxed), 37);
    }

    #[test]
    fn no_items_no_work() {
        let none: Vec<u8> = Vec::new();
        assert!(map(&none, |_| panic!("no job to run"), &|_| panic!("nothing finished")).is_empty());
    }
}
