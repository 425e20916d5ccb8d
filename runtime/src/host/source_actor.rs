//! The actor that reads a source's batches and sends them downstream.

use super::edge::Edge;
use super::events::{NodeEvent, Shutdown};
use super::forward::forward;
use crate::message::{Barrier, Message, Watermarks};
use crate::source::BatchReader;
use actix::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Read one epoch's rows and send them, framed by the epoch's watermarks and barrier.
pub struct ReadEpoch {
    /// The epoch's watermarks (its id included).
    pub watermarks: Watermarks,
    /// Reader of the epoch's offset range.
    pub reader: Box<dyn BatchReader>,
    /// Set when the query ends: stop reading.
    pub cancel: Arc<AtomicBool>,
}

impl actix::Message for ReadEpoch {
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
}

impl SourceActor {
    /// The actor of source `index`, sending on `outputs`.
    pub fn new(index: usize, outputs: Vec<Edge>, events: Recipient<NodeEvent>) -> Self {
        SourceActor {
            index,
            outputs: outputs.into(),
            events,
        }
    }
}

impl Actor for SourceActor {
    type Context = Context<Self>;
}

impl Handler<ReadEpoch> for SourceActor {
    type Result = ();

    fn handle(&mut self, read: ReadEpoch, ctx: &mut Context<Self>) {
        let ReadEpoch {
            watermarks,
            mut reader,
            cancel,
        } = read;
        let edges = self.outputs.clone();
        let events = self.events.clone();
        let index = self.index;
        let epoch = watermarks.epoch;
        let run = async move {
            for edge in edges.iter() {
                edge.send(Message::Watermark(watermarks)).await;
            }
            let mut rows = 0u64;
            loop {
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                let batch = {
                    let _span = tracing::debug_span!("read", source = index, epoch).entered();
                    crate::error::catch_panic(|| format!("source {index}"), || reader.next_batch())
                };
                match batch {
                    Ok(Some(batch)) => {
                        rows += batch.num_rows() as u64;
                        let message = Message::Data(batch);
                        for edge in edges.iter() {
                            edge.send(message.clone()).await;
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        tracing::error!(source = index, %error, "source failed");
                        events.do_send(NodeEvent::Failed(error));
                        return;
                    }
                }
            }
            for edge in edges.iter() {
                edge.send(Message::Barrier(Barrier { epoch })).await;
            }
            events.do_send(NodeEvent::SourceRead {
                source: index,
                epoch,
                rows,
            });
        };
        ctx.wait(run.into_actor(self));
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
