//! The actor that reads a source's batches and sends them downstream.

use super::edge::Edge;
use super::events::{NodeEvent, Shutdown};
use super::forward::forward;
use crate::message::{Barrier, Message, Watermarks};
use crate::source::BatchReader;
use actix::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Open an epoch: send its watermarks downstream.
pub struct OpenEpoch {
    /// The epoch's watermarks (its id included).
    pub watermarks: Watermarks,
}

impl actix::Message for OpenEpoch {
    type Result = ();
}

/// Read the rows of one offset range of the open epoch and send them downstream. A
/// micro-batch epoch has one range; a continuous epoch one per discovery of new data.
pub struct ReadRange {
    /// Reader of the range.
    pub reader: Box<dyn BatchReader>,
    /// Set when the query ends: stop reading.
    pub cancel: Arc<AtomicBool>,
}

impl actix::Message for ReadRange {
    type Result = ();
}

/// Close the open epoch: send its barrier downstream, after every range read before.
pub struct CloseEpoch {
    /// The epoch.
    pub epoch: u64,
}

impl actix::Message for CloseEpoch {
    type Result = ();
}

/// Send `End` downstream: the query is finishing.
pub struct Finish;

impl actix::Message for Finish {
    type Result = ();
}

/// Hosts the reading side of one source.
pub struct SourceActor {
    index: usize,
    outputs: Arc<[Edge]>,
    events: Recipient<NodeEvent>,
    /// The open epoch and the rows read in it so far (shared with the reading futures).
    epoch: u64,
    rows: Arc<AtomicU64>,
    /// A range failed: the query stops, nothing more is sent.
    failed: Arc<AtomicBool>,
}

impl SourceActor {
    /// The actor of source `index`, sending on `outputs`.
    pub fn new(index: usize, outputs: Vec<Edge>, events: Recipient<NodeEvent>) -> Self {
        SourceActor {
            index,
            outputs: outputs.into(),
            events,
            epoch: 0,
            rows: Arc::default(),
            failed: Arc::default(),
        }
    }

    /// Sends `message` on every edge, waiting for credits; the actor takes no other
    /// message until it is sent.
    fn send_all(&self, message: Message, ctx: &mut Context<Self>) {
        let edges = self.outputs.clone();
        let send = async move {
            for edge in edges.iter() {
                edge.send(message.clone()).await;
            }
        };
        ctx.wait(send.into_actor(self));
    }
}

impl Actor for SourceActor {
    type Context = Context<Self>;
}

impl Handler<OpenEpoch> for SourceActor {
    type Result = ();

    fn handle(&mut self, open: OpenEpoch, ctx: &mut Context<Self>) {
        self.epoch = open.watermarks.epoch;
        self.rows.store(0, Ordering::Relaxed);
        self.send_all(Message::Watermark(open.watermarks), ctx);
    }
}

impl Handler<ReadRange> for SourceActor {
    type Result = ();

    fn handle(&mut self, read: ReadRange, ctx: &mut Context<Self>) {
        let ReadRange { mut reader, cancel } = read;
        let edges = self.outputs.clone();
        let events = self.events.clone();
        let index = self.index;
        let epoch = self.epoch;
        let rows = self.rows.clone();
        let failed = self.failed.clone();
        let run = async move {
            loop {
                if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                    return;
                }
                let batch = {
                    let _span = tracing::debug_span!("read", source = index, epoch).entered();
                    crate::error::catch_panic(|| format!("source {index}"), || reader.next_batch())
                };
                match batch {
                    Ok(Some(batch)) => {
                        rows.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                        let message = Message::Data(batch);
                        for edge in edges.iter() {
                            edge.send(message.clone()).await;
                        }
                    }
                    Ok(None) => return,
                    Err(error) => {
                        tracing::error!(source = index, %error, "source failed");
                        failed.store(true, Ordering::Relaxed);
                        events.do_send(NodeEvent::Failed(error));
                        return;
                    }
                }
            }
        };
        ctx.wait(run.into_actor(self));
    }
}

impl Handler<CloseEpoch> for SourceActor {
    type Result = ();

    fn handle(&mut self, close: CloseEpoch, ctx: &mut Context<Self>) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        let edges = self.outputs.clone();
        let events = self.events.clone();
        let index = self.index;
        let rows = self.rows.load(Ordering::Relaxed);
        let send = async move {
            let barrier = Message::Barrier(Barrier { epoch: close.epoch });
            for edge in edges.iter() {
                edge.send(barrier.clone()).await;
            }
            events.do_send(NodeEvent::SourceRead {
                source: index,
                epoch: close.epoch,
                rows,
            });
        };
        ctx.wait(send.into_actor(self));
    }
}

impl Handler<Finish> for SourceActor {
    type Result = ();

    fn handle(&mut self, _: Finish, ctx: &mut Context<Self>) {
        forward(&self.outputs, vec![Message::End], self, ctx);
        self.events.do_send(NodeEvent::Ended);
    }
}

impl Handler<Shutdown> for SourceActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
