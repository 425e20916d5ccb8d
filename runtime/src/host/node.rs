//! The actor that hosts one operator (or sink): alignment, forwarding, reporting.

use super::align::{Aligner, Step};
use super::edge::{Delivery, Edge};
use super::events::{NodeEvent, Shutdown};
use super::forward::forward;
use crate::checkpoint::StateStore;
use crate::message::Message;
use crate::operator::{EpochReport, Operator, Output, StateCheckpoint};
use actix::prelude::*;
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
                // Reported once its state is checkpointed (see `handle`).
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
    /// at the first epoch of a restarted run and after every [`DELTAS_PER_SNAPSHOT`]
    /// deltas, also a full snapshot, which a thread of its own writes while the query goes
    /// on (as Spark's maintenance task writes its snapshots); the time goes to progress
    /// `commitTimeMs`. Batch 0 needs no snapshot: the state before it is empty, so its
    /// delta already holds the whole state.
    fn checkpoint_state(
        &mut self,
        epoch: u64,
        report: &mut EpochReport,
    ) -> crate::error::Result<()> {
        let Some((store, retain)) = &self.state else {
            return Ok(());
        };
        if !self.operator.is_stateful() {
            return Ok(());
        }
        let start = Instant::now();
        store.write(epoch, &self.operator.checkpoint(false)?)?;
        if epoch == 0 {
            self.deltas_since_snapshot.get_or_insert(0);
        }
        let snapshot_due = self
            .deltas_since_snapshot
            .is_none_or(|d| d >= DELTAS_PER_SNAPSHOT);
        self.deltas_since_snapshot = match snapshot_due {
            true => {
                let StateCheckpoint::Full(batches) = self.operator.checkpoint(true)? else {
                    return Err(crate::error::Error::IllegalArgument(format!(
                        "{} gave a delta when asked for its whole state",
                        self.name
                    )));
                };
                store.add_snapshot_in_background(epoch, batches);
                Some(0)
            }
            false => self.deltas_since_snapshot.map(|d| d + 1),
        };
        // The newest `retain` epochs' states stay, and always the last committed one's
        // (epoch - 1): it is where a restart begins if this epoch fails before it commits.
        if let Some(threshold) = (epoch + 1).checked_sub((*retain).max(2)) {
            store.purge_before(threshold)?;
        }
        if let Some(progress) = report.state.as_mut() {
            progress.commit_time_ms = start.elapsed().as_millis() as u64;
        }
        Ok(())
    }
}

impl Actor for NodeActor {
    type Context = Context<Self>;

    /// A snapshot still being written is finished before the operator goes.
    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some((store, _)) = &self.state {
            store.wait_for_snapshot();
        }
    }
}

impl Handler<Delivery> for NodeActor {
    type Result = ();

    fn handle(&mut self, delivery: Delivery, ctx: &mut Context<Self>) {
        if self.failed {
            return;
        }
        let mut messages = Vec::new();
        let mut steps = self.aligner.accept(delivery).into_iter().peekable();
        while let Some(step) = steps.next() {
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
            // Rows the alignment held back belong to the next epoch: an epoch that ended
            // before them is checkpointed first, so its state holds none of them.
            if steps.peek().is_some() && !self.checkpoint_ended_epochs(ctx) {
                return;
            }
        }
        if !messages.is_empty() {
            forward(&self.outputs, messages, self, ctx);
        }
        // Otherwise the state is written while downstream operators already work on the
        // barrier; the coordinator commits the epoch only once every operator reported.
        self.checkpoint_ended_epochs(ctx);
    }
}

impl NodeActor {
    /// Checkpoints and reports the epochs that ended; false (the node stopped) on failure.
    fn checkpoint_ended_epochs(&mut self, ctx: &mut Context<Self>) -> bool {
        for (epoch, mut report) in std::mem::take(&mut self.ended_epochs) {
            if let Err(error) = self.checkpoint_state(epoch, &mut report) {
                self.failed = true;
                tracing::error!(operator = self.operator.name(), %error, "checkpoint failed");
                self.events.do_send(NodeEvent::Failed(error));
                ctx.stop();
                return false;
            }
            self.events.do_send(NodeEvent::EpochDone {
                operator: self.index,
                epoch,
                report,
            });
        }
        true
    }
}

impl Handler<Shutdown> for NodeActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;
    use crate::message::Barrier;
    use crate::testing::{values, values_of};
    use crate::StateCheckpoint;
    use arrow::record_batch::RecordBatch;

    /// Keeps the values it sees; its delta is the values since its last checkpoint.
    #[derive(Default)]
    struct Keep(Vec<i64>);

    impl Operator for Keep {
        fn name(&self) -> &str {
            "Keep"
        }

        fn on_data(&mut self, _: usize, batch: RecordBatch, _: &mut Output) -> Result<()> {
            self.0.extend(values_of(&batch));
            Ok(())
        }

        fn is_stateful(&self) -> bool {
            true
        }

        fn checkpoint(&mut self, _full: bool) -> Result<StateCheckpoint> {
            Ok(StateCheckpoint::Delta(vec![values(&std::mem::take(
                &mut self.0,
            ))]))
        }
    }

    /// Drops node events.
    struct Events;

    impl Actor for Events {
        type Context = Context<Self>;
    }

    impl Handler<NodeEvent> for Events {
        type Result = ();

        fn handle(&mut self, _: NodeEvent, _: &mut Context<Self>) {}
    }

    #[test]
    fn an_epochs_state_holds_none_of_the_rows_held_back_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path(), 0);
        let delta_of_epoch_0 = actix::System::new().block_on(async {
            let events = Events.start().recipient();
            let node = NodeActor::new(
                0,
                Box::new(Keep::default()),
                2,
                Vec::new(),
                events,
                Some((store.clone(), 100)),
            )
            .start();
            let deliver = |port, message| node.send(Delivery::unaccounted(port, message));
            deliver(0, Message::Data(values(&[1]))).await.unwrap();
            deliver(0, Message::Barrier(Barrier { epoch: 0 }))
                .await
                .unwrap();
            // Epoch 1's row on the input that is ahead: held until port 1's barrier.
            deliver(0, Message::Data(values(&[2]))).await.unwrap();
            deliver(1, Message::Barrier(Barrier { epoch: 0 }))
                .await
                .unwrap();
            store.load(0).unwrap()
        });
        let Some([StateCheckpoint::Delta(batches)]) = delta_of_epoch_0.as_deref() else {
            panic!("{delta_of_epoch_0:?}");
        };
        assert_eq!(values_of(&batches[0]), [1]);
    }
}
