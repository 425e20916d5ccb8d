//! The actor that hosts one operator (or sink): alignment, forwarding, reporting.

use super::align::{Aligner, Step};
use super::edge::{Delivery, Edge};
use super::events::{NodeEvent, Shutdown};
use super::forward::forward;
use crate::checkpoint::StateStore;
use crate::message::Message;
use crate::operator::{EpochReport, Operator, Output, StateCheckpoint};
use actix::prelude::*;
use arrow::record_batch::RecordBatch;
use std::sync::Arc;
use std::time::Instant;

/// Hosts an [`Operator`] as an actor.
pub struct NodeActor {
    index: usize,
    operator: Box<dyn Operator>,
    /// The operator's name, for panic messages.
    name: Arc<str>,
    aligner: Aligner,
    outputs: Arc<[Edge]>,
    events: Recipient<NodeEvent>,
    output: Output,
    failed: bool,
    /// Where a stateful operator's checkpoints go, and how many epochs to keep restorable.
    state: Option<(StateStore, u64)>,
    /// Delta checkpoints written since the last full snapshot (`None`: none yet this run).
    deltas_since_snapshot: Option<u64>,
    /// The snapshot being written off the epoch's path, if any.
    snapshot_writer: Option<std::thread::JoinHandle<()>>,
    /// Epochs that ended in this delivery, to checkpoint and report.
    ended_epochs: Vec<(u64, EpochReport)>,
}

/// A full snapshot after this many deltas (Spark's `minDeltasForSnapshot`).
const DELTAS_PER_SNAPSHOT: u64 = 10;

impl NodeActor {
    /// Hosts `operator` (index `index` in its topology) with `inputs` input ports; a
    /// stateful operator's state goes to `state` (a store and the snapshots to keep).
    pub fn new(
        index: usize,
        operator: Box<dyn Operator>,
        inputs: usize,
        outputs: Vec<Edge>,
        events: Recipient<NodeEvent>,
        state: Option<(StateStore, u64)>,
    ) -> Self {
        NodeActor {
            index,
            name: Arc::from(operator.name()),
            operator,
            aligner: Aligner::new(inputs),
            outputs: outputs.into(),
            events,
            output: Output::default(),
            failed: false,
            state,
            deltas_since_snapshot: None,
            snapshot_writer: None,
            ended_epochs: Vec::new(),
        }
    }

    /// Runs one step; returns the messages to send downstream.
    fn step(&mut self, step: Step) -> crate::error::Result<Vec<Message>> {
        let mut control = Vec::new();
        match step {
            Step::Data(delivery) => {
                if let Message::Data(batch) = delivery.message {
                    self.operator
                        .on_data(delivery.port, batch, &mut self.output)?;
                }
            }
            Step::Watermark(watermarks) => {
                self.operator.on_watermark(&watermarks, &mut self.output)?;
                control.push(Message::Watermark(watermarks));
            }
            Step::EpochEnd(barrier) => {
                let span = tracing::debug_span!(
                    "epoch_end",
                    operator = self.operator.name(),
                    epoch = barrier.epoch
                );
                let _entered = span.enter();
                let report = self
                    .operator
                    .on_epoch_end(barrier.epoch, &mut self.output)?;
                control.push(Message::Barrier(barrier));
                // Reported once its state is checkpointed, after the barrier went on.
                self.ended_epochs.push((barrier.epoch, report));
            }
            Step::End => {
                control.push(Message::End);
                self.events.do_send(NodeEvent::Ended);
            }
        }
        let mut messages: Vec<Message> = self.output.drain().map(Message::Data).collect();
        messages.extend(control);
        Ok(messages)
    }
}

impl NodeActor {
    /// Writes the operator's checkpoint of `epoch` (before the epoch can commit): a delta;
    /// at the first epoch of a run and after every [`DELTAS_PER_SNAPSHOT`] deltas, also a
    /// full snapshot, which a thread of its own writes while the query goes on (as Spark's
    /// maintenance task writes its snapshots); the time goes to progress `commitTimeMs`.
    fn checkpoint_state(
        &mut self,
        epoch: u64,
        report: &mut EpochReport,
    ) -> crate::error::Result<()> {
        let Some((store, retain)) = self.state.clone() else {
            return Ok(());
        };
        if !self.operator.is_stateful() {
            return Ok(());
        }
        let start = Instant::now();
        store.write(epoch, &self.operator.checkpoint(false)?)?;
        let snapshot_due = self
            .deltas_since_snapshot
            .is_none_or(|d| d >= DELTAS_PER_SNAPSHOT);
        self.deltas_since_snapshot = match snapshot_due {
            true => {
                let (StateCheckpoint::Full(batches) | StateCheckpoint::Delta(batches)) =
                    self.operator.checkpoint(true)?;
                self.write_snapshot(store.clone(), epoch, batches);
                Some(0)
            }
            false => self.deltas_since_snapshot.map(|d| d + 1),
        };
        if let Some(threshold) = (epoch + 1).checked_sub(retain.max(1)) {
            store.purge_before(threshold)?;
        }
        if let Some(progress) = report.state.as_mut() {
            progress.commit_time_ms = start.elapsed().as_millis() as u64;
        }
        Ok(())
    }
}

impl NodeActor {
    /// Writes the snapshot `batches` of `epoch` on a thread of its own, after the one
    /// before it (at most one is in flight). A snapshot that fails to be written is only
    /// logged: the deltas keep the state restorable.
    fn write_snapshot(&mut self, store: StateStore, epoch: u64, batches: Vec<RecordBatch>) {
        self.finish_snapshot();
        let write = move || {
            if let Err(error) = store.add_snapshot(epoch, &batches) {
                tracing::warn!(epoch, %error, "a state snapshot was not written");
            }
        };
        let spawned = std::thread::Builder::new()
            .name("spate-snapshot".into())
            .spawn(write.clone());
        match spawned {
            Ok(writer) => self.snapshot_writer = Some(writer),
            Err(_) => write(),
        }
    }

    /// Waits for the snapshot being written, if any.
    fn finish_snapshot(&mut self) {
        if let Some(writer) = self.snapshot_writer.take() {
            if writer.join().is_err() {
                tracing::warn!("the thread writing a state snapshot panicked");
            }
        }
    }
}

impl Actor for NodeActor {
    type Context = Context<Self>;

    /// A snapshot still being written is finished before the operator goes, so that
    /// nothing writes into the checkpoint after the query stopped.
    fn stopped(&mut self, _: &mut Self::Context) {
        self.finish_snapshot();
    }
}

impl Handler<Delivery> for NodeActor {
    type Result = ();

    fn handle(&mut self, delivery: Delivery, ctx: &mut Context<Self>) {
        if self.failed {
            return;
        }
        let mut messages = Vec::new();
        for step in self.aligner.accept(delivery) {
            let name = self.name.clone();
            match crate::error::catch_panic(move || name.to_string(), || self.step(step)) {
                Ok(more) => messages.extend(more),
                Err(error) => {
                    self.failed = true;
                    tracing::error!(operator = self.operator.name(), %error, "operator failed");
                    self.events.do_send(NodeEvent::Failed(error));
                    ctx.stop();
                    return;
                }
            }
        }
        if !messages.is_empty() {
            forward(&self.outputs, messages, self, ctx);
        }
        // The state is written while downstream operators already work on the barrier; the
        // coordinator commits the epoch only once every operator reported.
        for (epoch, mut report) in std::mem::take(&mut self.ended_epochs) {
            if let Err(error) = self.checkpoint_state(epoch, &mut report) {
                self.failed = true;
                tracing::error!(operator = self.operator.name(), %error, "checkpoint failed");
                self.events.do_send(NodeEvent::Failed(error));
                ctx.stop();
                return;
            }
            self.events.do_send(NodeEvent::EpochDone {
                operator: self.index,
                epoch,
                report,
            });
        }
    }
}

impl Handler<Shutdown> for NodeActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
