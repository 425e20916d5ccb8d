//! `StreamingQueryListener` (SEMANTICS.md §10.5): the events of a session's queries,
//! delivered to its listeners on a thread of their own, in the order they happened, so a
//! slow listener never slows a query down. `onQueryStarted` is the exception: as in Spark,
//! it runs before `start()` returns.

use crate::progress::StreamingQueryProgress;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, RwLock};

/// A query started (`onQueryStarted`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryStartedEvent {
    /// Query id.
    pub id: String,
    /// Run id.
    pub run_id: String,
    /// `queryName`.
    pub name: Option<String>,
    /// When it started, UTC ISO-8601 with milliseconds.
    pub timestamp: String,
}

/// A batch ran (`onQueryProgress`).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryProgressEvent {
    /// Its progress report.
    pub progress: StreamingQueryProgress,
}

/// A trigger found nothing to do (`onQueryIdle`, at most once per 10 s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryIdleEvent {
    /// Query id.
    pub id: String,
    /// Run id.
    pub run_id: String,
    /// When, UTC ISO-8601 with milliseconds.
    pub timestamp: String,
}

/// A query stopped, failed or finished (`onQueryTerminated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerminatedEvent {
    /// Query id.
    pub id: String,
    /// Run id.
    pub run_id: String,
    /// The failure's message, `None` after a clean stop or end.
    pub exception: Option<String>,
    /// The failure's error class (`CAST_INVALID_INPUT`, …), when it has one.
    pub error_class_on_exception: Option<String>,
}

/// Spark's `StreamingQueryListener`: every method has a no-op default.
pub trait StreamingQueryListener: Send + Sync + 'static {
    /// A query started; called before `start()` returns, so it must not block.
    fn on_query_started(&self, _event: &QueryStartedEvent) {}
    /// A batch ran.
    fn on_query_progress(&self, _event: &QueryProgressEvent) {}
    /// A trigger found no new data.
    fn on_query_idle(&self, _event: &QueryIdleEvent) {}
    /// A query terminated.
    fn on_query_terminated(&self, _event: &QueryTerminatedEvent) {}
}

/// An event on its way to the listeners.
#[derive(Debug, Clone)]
pub enum QueryEvent {
    /// `onQueryProgress`.
    Progress(QueryProgressEvent),
    /// `onQueryIdle`.
    Idle(QueryIdleEvent),
    /// `onQueryTerminated`.
    Terminated(QueryTerminatedEvent),
}

type Listeners = Arc<RwLock<Vec<Arc<dyn StreamingQueryListener>>>>;

/// A session's listeners and the thread that calls them.
#[derive(Clone)]
pub struct ListenerBus {
    listeners: Listeners,
    sender: Arc<Mutex<Sender<QueryEvent>>>,
}

impl std::fmt::Debug for ListenerBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.listeners.read().map_or(0, |l| l.len());
        write!(f, "ListenerBus({count} listeners)")
    }
}

impl Default for ListenerBus {
    fn default() -> Self {
        Self::new()
    }
}

impl ListenerBus {
    /// A bus with its delivery thread (which ends when the last clone of the bus is gone).
    pub fn new() -> Self {
        let listeners: Listeners = Arc::default();
        let (sender, receiver) = channel::<QueryEvent>();
        let delivered = listeners.clone();
        let spawned = std::thread::Builder::new()
            .name("spate-listener-bus".into())
            .spawn(move || {
                for event in receiver {
                    let listeners = match delivered.read() {
                        Ok(l) => l.clone(),
                        Err(poisoned) => poisoned.into_inner().clone(),
                    };
                    for listener in listeners {
                        deliver(listener.as_ref(), &event);
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "no listener thread: listeners will not be called");
        }
        ListenerBus {
            listeners,
            sender: Arc::new(Mutex::new(sender)),
        }
    }

    /// `addListener`.
    pub fn add(&self, listener: Arc<dyn StreamingQueryListener>) {
        if let Ok(mut listeners) = self.listeners.write() {
            listeners.push(listener);
        }
    }

    /// `removeListener`: removes this very listener.
    pub fn remove(&self, listener: &Arc<dyn StreamingQueryListener>) {
        if let Ok(mut listeners) = self.listeners.write() {
            listeners.retain(|l| !Arc::ptr_eq(l, listener));
        }
    }

    /// Calls `onQueryStarted` on every listener, here and now.
    pub fn started(&self, event: &QueryStartedEvent) {
        let listeners = match self.listeners.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for listener in listeners {
            let call = std::panic::AssertUnwindSafe(|| listener.on_query_started(event));
            if std::panic::catch_unwind(call).is_err() {
                tracing::warn!("a listener panicked in onQueryStarted");
            }
        }
    }

    /// Queues `event` for the listeners.
    pub fn post(&self, event: QueryEvent) {
        if let Ok(sender) = self.sender.lock() {
            let _ = sender.send(event);
        }
    }
}

/// Calls the listener method of `event`; a panicking listener is logged, not propagated.
fn deliver(listener: &dyn StreamingQueryListener, event: &QueryEvent) {
    let call = std::panic::AssertUnwindSafe(|| match event {
        QueryEvent::Progress(e) => listener.on_query_progress(e),
        QueryEvent::Idle(e) => listener.on_query_idle(e),
        QueryEvent::Terminated(e) => listener.on_query_terminated(e),
    });
    if std::panic::catch_unwind(call).is_err() {
        tracing::warn!("a listener panicked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;
    use std::time::Duration;

    struct Recorder(Mutex<Vec<String>>, Mutex<std::sync::mpsc::SyncSender<()>>);

    impl StreamingQueryListener for Recorder {
        fn on_query_started(&self, e: &QueryStartedEvent) {
            self.0.lock().unwrap().push(format!("started {}", e.id));
        }
        fn on_query_idle(&self, e: &QueryIdleEvent) {
            self.0.lock().unwrap().push(format!("idle {}", e.id));
        }
        fn on_query_terminated(&self, e: &QueryTerminatedEvent) {
            self.0.lock().unwrap().push(format!("terminated {}", e.id));
            let _ = self.1.lock().unwrap().send(());
        }
    }

    #[test]
    fn events_reach_listeners_in_order_and_panics_are_contained() {
        struct Panics;
        impl StreamingQueryListener for Panics {
            fn on_query_idle(&self, _: &QueryIdleEvent) {
                panic!("listener bug");
            }
        }
        let bus = ListenerBus::new();
        let (done, wait) = sync_channel(1);
        let recorder = Arc::new(Recorder(Mutex::default(), Mutex::new(done)));
        bus.add(Arc::new(Panics));
        bus.add(recorder.clone());
        bus.started(&QueryStartedEvent {
            id: "q".into(),
            run_id: "r".into(),
            name: None,
            timestamp: "t".into(),
        });
        bus.post(QueryEvent::Idle(QueryIdleEvent {
            id: "q".into(),
            run_id: "r".into(),
            timestamp: "t".into(),
        }));
        bus.post(QueryEvent::Terminated(QueryTerminatedEvent {
            id: "q".into(),
            run_id: "r".into(),
            exception: None,
            error_class_on_exception: None,
        }));
        wait.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            *recorder.0.lock().unwrap(),
            ["started q", "idle q", "terminated q"]
        );
        let listener: Arc<dyn StreamingQueryListener> = recorder.clone();
        bus.remove(&listener);
        assert_eq!(bus.listeners.read().unwrap().len(), 1);
    }
}
