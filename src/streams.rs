//! `spark.streams` (Spark's `StreamingQueryManager`): the session's queries, its listeners,
//! and waiting for any query to terminate (SEMANTICS.md §10.5–10.6).

use crate::session::Session;
use spate_runtime::listener::{QueryTerminatedEvent, StreamingQueryListener};
use spate_runtime::{Error, Result, StreamingQuery};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The queries that terminated since the session started or since `resetTerminated`,
/// with the failure of each (`None` for a clean end).
#[derive(Default)]
pub(crate) struct Terminations {
    ended: Mutex<Vec<Option<String>>>,
    changed: Condvar,
}

impl StreamingQueryListener for Terminations {
    fn on_query_terminated(&self, event: &QueryTerminatedEvent) {
        if let Ok(mut ended) = self.ended.lock() {
            ended.push(event.exception.clone());
        }
        self.changed.notify_all();
    }
}

impl Terminations {
    /// Waits until a query terminated (at most `timeout`); `Some(failure)` once one did.
    fn wait(&self, timeout: Option<Duration>) -> Option<Option<String>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(first) = ended.first() {
                return Some(first.clone());
            }
            ended = match deadline {
                None => self.changed.wait(ended).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    self.changed
                        .wait_timeout(ended, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }

    fn reset(&self) {
        if let Ok(mut ended) = self.ended.lock() {
            ended.clear();
        }
    }
}

/// `spark.streams`.
pub struct StreamingQueryManager<'a>(pub(crate) &'a Session);

impl StreamingQueryManager<'_> {
    /// The active queries.
    pub fn active(&self) -> Vec<StreamingQuery> {
        self.0
            .queries()
            .into_iter()
            .filter(|q| q.is_active())
            .collect()
    }

    /// The active query with this id.
    pub fn get(&self, id: &str) -> Option<StreamingQuery> {
        self.active().into_iter().find(|q| q.id() == id)
    }

    /// `addListener`: the listener sees every query of the session from now on.
    pub fn add_listener(&self, listener: Arc<dyn StreamingQueryListener>) {
        self.0.inner.listeners.add(listener);
    }

    /// `removeListener`.
    pub fn remove_listener(&self, listener: &Arc<dyn StreamingQueryListener>) {
        self.0.inner.listeners.remove(listener);
    }

    /// `awaitAnyTermination()`: blocks until a query of the session terminated (since the
    /// session started or the last [`StreamingQueryManager::reset_terminated`]); fails if
    /// that query failed.
    pub fn await_any_termination(&self) -> Result<()> {
        match self.0.inner.terminations.wait(None) {
            Some(Some(failure)) => Err(Error::Execution(failure.into())),
            _ => Ok(()),
        }
    }

    /// `awaitAnyTermination(timeout)`: whether a query terminated within `timeout`.
    pub fn await_any_termination_timeout(&self, timeout: Duration) -> Result<bool> {
        match self.0.inner.terminations.wait(Some(timeout)) {
            None => Ok(false),
            Some(None) => Ok(true),
            Some(Some(failure)) => Err(Error::Execution(failure.into())),
        }
    }

    /// `resetTerminated()`: forget the queries that terminated so far.
    pub fn reset_terminated(&self) {
        self.0.inner.terminations.reset();
    }
}
