//! Where work split across threads runs. Sources read and decode files on rayon's global
//! pool, which stays busy for as long as files are read; operators and sinks split their
//! own work (a sharded operator's instances, a state checkpoint's columns, a Parquet
//! file's columns) on a pool of their own, [`on_operator_threads`]. Work of theirs queued
//! on the global pool would wait behind whole rounds of decoding while their actor idled;
//! with two pools, the OS shares the cores between the two.

use std::sync::OnceLock;

/// Runs `work` on the operators' thread pool (as many threads as rayon's global pool: one
/// per core, unless `RAYON_NUM_THREADS` says otherwise), waiting for it, inside the
/// caller's tracing span: rayon calls inside `work` (`par_iter`, `join`) split it among
/// that pool's threads. Without that pool (its threads could not be started), `work` runs
/// on the caller's thread, and the calls inside it on rayon's global pool.
pub fn on_operator_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("spate-operator-{i}"))
            .build()
            .inspect_err(|error| tracing::warn!(%error, "no thread pool for operators"))
            .ok()
    });
    let span = tracing::Span::current();
    match pool {
        Some(pool) => pool.install(|| span.in_scope(work)),
        None => work(),
    }
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
}
