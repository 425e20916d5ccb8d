//! The `StreamingQuery` handle and the state it shares with the query's coordinator.

use crate::coordinator::{CloseOpenEpoch, Coordinator, StopQuery};
use crate::error::{Error, Result};
use crate::progress::{QueryStatus, StreamingQueryProgress};
use actix::Addr;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Spark's `StreamingQueryException`: why a query terminated.
#[derive(Debug, Clone, thiserror::Error)]
#[error("[STREAM_FAILED] Query [id = {id}, runId = {run_id}] terminated with exception: {cause}")]
pub struct StreamingQueryException {
    /// Query id.
    pub id: String,
    /// Run id.
    pub run_id: String,
    /// The error that stopped the query.
    #[source]
    pub cause: Arc<Error>,
}

/// What the coordinator publishes and the handle reads.
pub(crate) struct QueryState {
    pub active: bool,
    pub status: QueryStatus,
    pub recent_progress: VecDeque<StreamingQueryProgress>,
    pub exception: Option<StreamingQueryException>,
    /// Number of triggers started.
    pub triggers: u64,
    /// Sequence number of the last trigger that found no new data.
    pub last_idle_trigger: Option<u64>,
}

/// State shared between a query's coordinator and its handles.
pub(crate) struct QueryShared {
    state: Mutex<QueryState>,
    changed: Condvar,
    pub recent_progress_limit: usize,
}

impl QueryShared {
    pub(crate) fn new(recent_progress_limit: usize) -> Self {
        QueryShared {
            state: Mutex::new(QueryState {
                active: true,
                status: QueryStatus {
                    message: "Initializing sources".into(),
                    is_data_available: false,
                    is_trigger_active: false,
                },
                recent_progress: VecDeque::new(),
                exception: None,
                triggers: 0,
                last_idle_trigger: None,
            }),
            changed: Condvar::new(),
            recent_progress_limit,
        }
    }

    fn lock(&self) -> MutexGuard<'_, QueryState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the state; wakes the waiters when what they wait for (the end of the query,
    /// an idle trigger) changed, so that a status or progress update costs them nothing.
    pub(crate) fn update(&self, change: impl FnOnce(&mut QueryState)) {
        let awaited = |s: &QueryState| (s.active, s.last_idle_trigger);
        let mut state = self.lock();
        let before = awaited(&state);
        change(&mut state);
        if awaited(&state) != before {
            self.changed.notify_all();
        }
    }

    /// Reads the state.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&QueryState) -> T) -> T {
        read(&self.lock())
    }

    /// Waits until `done` holds or `timeout` passes; returns whether it holds. `done` reads
    /// only what [`QueryShared::update`] wakes waiters for.
    fn wait_until(&self, timeout: Option<Duration>, done: impl Fn(&QueryState) -> bool) -> bool {
        // A timeout too long to reach is no timeout.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut state = self.lock();
        while !done(&state) {
            state = match deadline {
                None => self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.changed
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
        true
    }
}

/// A running (or finished) streaming query, as Spark's `StreamingQuery`.
#[derive(Clone)]
pub struct StreamingQuery {
    pub(crate) id: String,
    pub(crate) run_id: String,
    pub(crate) name: Option<String>,
    pub(crate) shared: Arc<QueryShared>,
    pub(crate) coordinator: Addr<Coordinator>,
    /// Keeps the actor system running while a handle to the query exists.
    pub(crate) _system: Arc<crate::system::ActorSystem>,
}

impl StreamingQuery {
    /// The query id, kept across restarts from the same checkpoint.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id of this run (new at every start).
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The query name, if one was given.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the query is still running.
    pub fn is_active(&self) -> bool {
        self.shared.read(|s| s.active)
    }

    /// What the query is doing now.
    pub fn status(&self) -> QueryStatus {
        self.shared.read(|s| s.status.clone())
    }

    /// The most recent progress report (None before the first).
    pub fn last_progress(&self) -> Option<StreamingQueryProgress> {
        self.shared.read(|s| s.recent_progress.back().cloned())
    }

    /// Recent progress reports, oldest first.
    pub fn recent_progress(&self) -> Vec<StreamingQueryProgress> {
        self.shared
            .read(|s| s.recent_progress.iter().cloned().collect())
    }

    /// The exception that terminated the query, if it failed.
    pub fn exception(&self) -> Option<StreamingQueryException> {
        self.shared.read(|s| s.exception.clone())
    }

    fn termination_result(&self) -> Result<(), StreamingQueryException> {
        match self.exception() {
            Some(exception) => Err(exception),
            None => Ok(()),
        }
    }

    /// Stops the query (after the batch that is running, if any) and waits until it stopped.
    pub fn stop(&self) {
        self.coordinator.do_send(StopQuery);
        self.shared.wait_until(None, |s| !s.active);
    }

    /// Blocks until the query terminates; returns its exception if it failed.
    pub fn await_termination(&self) -> Result<(), StreamingQueryException> {
        self.shared.wait_until(None, |s| !s.active);
        self.termination_result()
    }

    /// Blocks until the query terminates or `timeout` passes; returns whether it terminated
    /// (or its exception if it failed).
    pub fn await_termination_timeout(
        &self,
        timeout: Duration,
    ) -> Result<bool, StreamingQueryException> {
        let terminated = self.shared.wait_until(Some(timeout), |s| !s.active);
        self.termination_result().map(|()| terminated)
    }

    /// Blocks until a trigger that started after this call found no new data (everything
    /// available now is processed and committed), or the query terminated. An open
    /// continuous epoch is closed at once rather than at the end of its interval.
    pub fn process_all_available(&self) -> Result<(), StreamingQueryException> {
        let called_at = self.shared.read(|s| s.triggers);
        self.coordinator.do_send(CloseOpenEpoch);
        self.shared.wait_until(None, |s| {
            !s.active || s.last_idle_trigger.is_some_and(|t| t > called_at)
        });
        self.termination_result()
    }
}
