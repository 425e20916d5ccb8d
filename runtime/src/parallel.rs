//! Where work split across threads runs. Sources read and decode files on rayon's global
//! pool, which stays busy for as long as files are read; operators and sinks split their
//! own work on a pool of their own: a sharded operator's instances and a state
//! checkpoint's columns with [`on_operator_threads`], a Parquet file's columns with
//! [`side_by_side`], where the sink's thread takes a share. Work of theirs queued on the
//! global pool would wait behind whole rounds of decoding while their actor idled; with
//! two pools, the OS shares the cores between the two.

use std::sync::OnceLock;

/// The operators' thread pool (as many threads as rayon's global pool: one per core,
/// unless `RAYON_NUM_THREADS` says otherwise); `None` when its threads could not be started.
fn operator_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("spate-operator-{i}"))
            .build()
            .inspect_err(|error| tracing::warn!(%error, "no thread pool for operators"))
            .ok()
    })
    .as_ref()
}

/// Runs `work` on the operators' thread pool, waiting for it, inside the caller's tracing
/// span: rayon calls inside `work` (`par_iter`, `join`) split it among that pool's
/// threads. Without that pool, `work` runs on the caller's thread, and the calls inside it
/// on rayon's global pool.
pub fn on_operator_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    let span = tracing::Span::current();
    match operator_pool() {
        Some(pool) => pool.install(|| span.in_scope(work)),
        None => work(),
    }
}

/// `run` of each of `items`, side by side: the first on the caller's thread, the others
/// on the operators' threads (inside the caller's tracing span); the results in the
/// items' order. The caller works instead of waiting, and a single item costs no thread
/// hop at all. Without the operators' pool, the items run one after another here. The
/// caller is an actor's thread, not a thread of another rayon pool (which would run that
/// pool's jobs while it waits). Meant for work whose allocations do not outlive it (a
/// Parquet file's columns), not for long-lived state: a sharded operator's first instance
/// run so raised the soak's resident memory (README, on `spate.sql.shuffle.instances`).
pub fn side_by_side<I: Send, T: Send>(items: Vec<I>, run: impl Fn(I) -> T + Sync) -> Vec<T> {
    let pool = operator_pool().filter(|_| items.len() > 1);
    let Some(pool) = pool else {
        return items.into_iter().map(run).collect();
    };
    let span = tracing::Span::current();
    let mut results: Vec<Option<T>> = items.iter().map(|_| None).collect();
    let mut items = items.into_iter();
    if let Some((first_result, other_results)) = results.split_first_mut() {
        let first = items.next();
        let (run, span) = (&run, &span);
        pool.in_place_scope(|scope| {
            for (item, result) in items.zip(other_results) {
                scope.spawn(move |_| *result = Some(span.in_scope(|| run(item))));
            }
            *first_result = first.map(run);
        });
    }
    results
        .into_iter()
        .map(|result| result.expect("the scope ran every item"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_work_runs_on_threads_of_its_own() {
        // Not on rayon's global pool, where sources decode.
        let name = on_operator_threads(|| std::thread::current().name().map(str::to_owned));
        assert!(
            name.as_deref()
                .is_some_and(|n| n.starts_with("spate-operator-")),
            "{name:?}"
        );
        // Work split inside it stays on that pool.
        let thread_name = || std::thread::current().name().map(str::to_owned);
        let (left, right) = on_operator_threads(|| rayon::join(thread_name, thread_name));
        for name in [left, right] {
            assert!(name.is_some_and(|n| n.starts_with("spate-operator-")));
        }
    }

    #[test]
    fn items_side_by_side_run_here_and_on_the_operators_threads_in_order() {
        let here = std::thread::current().name().map(str::to_owned);
        let ran = side_by_side((0..4).collect(), |i: usize| {
            (i * 10, std::thread::current().name().map(str::to_owned))
        });
        let values: Vec<usize> = ran.iter().map(|(value, _)| *value).collect();
        assert_eq!(values, [0, 10, 20, 30]);
        assert_eq!(ran[0].1, here, "the first item runs on the caller's thread");
        for (_, name) in &ran[1..] {
            assert!(name
                .as_deref()
                .is_some_and(|n| n.starts_with("spate-operator-")));
        }
        // One item runs here.
        let one = side_by_side(vec![()], |()| {
            std::thread::current().name().map(str::to_owned)
        });
        assert_eq!(one, [here]);
    }
}
