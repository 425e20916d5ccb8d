//! The actor system: the coordinator arbiter plus a fixed pool of worker arbiters (threads).

use crate::error::{Error, Result};
use actix::{Arbiter, ArbiterHandle, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::JoinHandle;

/// Owns the actix system on its own threads, so callers need no async runtime.
pub struct ActorSystem {
    system: System,
    coordinator: ArbiterHandle,
    workers: Vec<ArbiterHandle>,
    next_worker: AtomicUsize,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl ActorSystem {
    /// Starts the system with `workers` worker threads (at least one).
    pub fn start(workers: usize) -> Result<Self> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("spate-coordinator".into())
            .spawn(move || {
                let runner = System::new();
                let workers: std::io::Result<Vec<Arbiter>> =
                    (0..workers.max(1)).map(|_| Arbiter::try_new()).collect();
                match workers {
                    Ok(workers) => {
                        let handles = workers.iter().map(Arbiter::handle).collect::<Vec<_>>();
                        let _ = sender.send(Ok((System::current(), handles)));
                        if let Err(error) = runner.run() {
                            tracing::error!(%error, "actor system stopped with an error");
                        }
                        for worker in workers {
                            worker.stop();
                            let _ = worker.join();
                        }
                    }
                    Err(error) => {
                        let _ = sender.send(Err(error));
                    }
                }
            })
            .map_err(|e| Error::io("starting a thread for", "the actor system", e))?;
        let (system, workers) = receiver
            .recv()
            .map_err(|_| Error::IllegalArgument("the actor system failed to start".into()))?
            .map_err(|e| Error::io("starting worker threads for", "the actor system", e))?;
        Ok(ActorSystem {
            coordinator: system.arbiter().clone(),
            system,
            workers,
            next_worker: AtomicUsize::new(0),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The arbiter that runs coordinators.
    pub fn coordinator_arbiter(&self) -> &ArbiterHandle {
        &self.coordinator
    }

    /// Worker arbiters for a query with `sources` sources: the sources (which decode input,
    /// the heaviest work) spread from the first worker on, the operators and sinks from the
    /// last worker back, so that with two workers decoding and processing run on different
    /// cores. Successive queries start at a rotating offset.
    pub fn placement(&self, sources: usize) -> Placement<'_> {
        let offset = self.next_worker.fetch_add(1, Ordering::Relaxed);
        Placement {
            workers: &self.workers,
            offset,
            sources,
        }
    }
}

/// Where the actors of one query run (see [`ActorSystem::placement`]).
pub struct Placement<'a> {
    workers: &'a [ArbiterHandle],
    offset: usize,
    sources: usize,
}

impl Placement<'_> {
    /// The arbiter of source `index`.
    pub fn source(&self, index: usize) -> &ArbiterHandle {
        &self.workers[(self.offset + index) % self.workers.len()]
    }

    /// The arbiter of operator `index` (sinks included).
    pub fn operator(&self, index: usize) -> &ArbiterHandle {
        let n = self.workers.len();
        let from_end = n - 1 - (index % n);
        let slot = if n > self.sources {
            from_end.max(self.sources.min(n - 1))
        } else {
            from_end
        };
        &self.workers[(self.offset + slot) % n]
    }
}

impl Drop for ActorSystem {
    fn drop(&mut self) {
        self.system.stop();
        // Joining from one of the system's own threads would wait for itself.
        if System::try_current().is_some() {
            return;
        }
        if let Ok(mut thread) = self.thread.lock() {
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }
}
