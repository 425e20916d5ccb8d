//! The actor that reads a source's batches and sends them downstream.

use super::edge::Edge;
use super::events::{NodeEvent, Shutdown};
use super::forward::forward;
use crate::error::{Error, Result};
use crate::message::{Barrier, Message, Watermarks};
use crate::source::BatchReader;
use actix::prelude::*;
use arrow::record_batch::RecordBatch;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;

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
    /// Reader of the range; `None`: the range the last [`ReadAhead`] began to read.
    pub reader: Option<Box<dyn BatchReader>>,
    /// Set when the query ends: stop reading.
    pub cancel: Arc<AtomicBool>,
}

/// Begin reading the next epoch's range while the current epoch commits, up to
/// [`READ_AHEAD_ROWS`] rows, kept here until a [`ReadRange`] without a reader asks for them.
pub struct ReadAhead {
    /// Reader of the range.
    pub reader: Box<dyn BatchReader>,
    /// Set when the query ends: stop reading.
    pub cancel: Arc<AtomicBool>,
}

impl actix::Message for ReadAhead {
    type Result = ();
}

/// The most rows a source reads ahead.
pub const READ_AHEAD_ROWS: usize = 1 << 20;

/// A range read ahead: its first batches (each with the rows read for it, when the reader
/// counts them), the error that stopped reading ahead, and the reader of the rest.
struct ReadAheadRange {
    batches: VecDeque<(RecordBatch, Option<usize>)>,
    error: Option<Error>,
    rest: Box<dyn BatchReader>,
    /// Rows read for the batch given last (or counted at the end of the batches read).
    read_rows: Option<usize>,
}

impl BatchReader for ReadAheadRange {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if let Some((batch, read_rows)) = self.batches.pop_front() {
            self.read_rows = read_rows;
            return Ok(Some(batch));
        }
        match self.error.take() {
            Some(error) => Err(error),
            None => self.rest.next_batch(),
        }
    }

    fn take_read_rows(&mut self) -> Option<usize> {
        match self.read_rows.take() {
            Some(rows) => Some(rows + self.rest.take_read_rows().unwrap_or(0)),
            None => self.rest.take_read_rows(),
        }
    }
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
    /// The next epoch's range, being read on the decoding pool while the last one commits.
    read_ahead: Option<oneshot::Receiver<ReadAheadRange>>,
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
            read_ahead: None,
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
        let ReadRange { reader, cancel } = read;
        let read_ahead = self.read_ahead.take();
        let edges = self.outputs.clone();
        let events = self.events.clone();
        let index = self.index;
        let epoch = self.epoch;
        let rows = self.rows.clone();
        let failed = self.failed.clone();
        let fail = {
            let failed = failed.clone();
            move |error: Error| {
                tracing::error!(source = index, %error, "source failed");
                failed.store(true, Ordering::Relaxed);
                events.do_send(NodeEvent::Failed(error));
            }
        };
        let run = async move {
            let mut reader = match (reader, read_ahead) {
                (Some(reader), _) => reader,
                (None, Some(ahead)) => match ahead.await {
                    Ok(range) => Box::new(range) as Box<dyn BatchReader>,
                    Err(_) => {
                        return fail(Error::Execution(
                            format!("source {index} stopped reading ahead without a result").into(),
                        ))
                    }
                },
                (None, None) => {
                    return fail(Error::Execution(
                        "a source was asked for rows it did not read ahead".into(),
                    ))
                }
            };
            loop {
                if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                    return;
                }
                let batch = {
                    let _span = tracing::debug_span!("read", source = index, epoch).entered();
                    crate::error::catch_panic(|| format!("source {index}"), || reader.next_batch())
                };
                let given = batch
                    .as_ref()
                    .ok()
                    .and_then(|b| b.as_ref())
                    .map(RecordBatch::num_rows);
                let read = reader.take_read_rows().or(given).unwrap_or(0);
                rows.fetch_add(read as u64, Ordering::Relaxed);
                match batch {
                    Ok(Some(batch)) => {
                        let message = Message::Data(batch);
                        for edge in edges.iter() {
                            edge.send(message.clone()).await;
                        }
                    }
                    Ok(None) => return,
                    Err(error) => return fail(error),
                }
            }
        };
        ctx.wait(run.into_actor(self));
    }
}

impl Handler<ReadAhead> for SourceActor {
    type Result = ();

    /// Reads on the decoding thread pool, so that this actor's thread stays free for the
    /// other actors placed on it (e.g. a join fed by this source) while the epoch commits;
    /// the range is handed over when a [`ReadRange`] without a reader asks for it.
    fn handle(&mut self, ahead: ReadAhead, _: &mut Context<Self>) {
        let ReadAhead { mut reader, cancel } = ahead;
        let index = self.index;
        let (done, pending) = oneshot::channel();
        self.read_ahead = Some(pending);
        rayon::spawn(move || {
            let _span = tracing::debug_span!("read_ahead", source = index).entered();
            let (mut batches, mut rows, mut error) = (VecDeque::new(), 0, None);
            while rows < READ_AHEAD_ROWS && !cancel.load(Ordering::Relaxed) {
                match crate::error::catch_panic(
                    || format!("source {index}"),
                    || reader.next_batch(),
                ) {
                    Ok(Some(batch)) => {
                        rows += batch.num_rows();
                        batches.push_back((batch, reader.take_read_rows()));
                    }
                    Ok(None) => break,
                    Err(failure) => {
                        error = Some(failure);
                        break;
                    }
                }
            }
            // The receiver is gone only when the query was torn down.
            let _ = done.send(ReadAheadRange {
                batches,
                error,
                rest: reader,
                read_rows: None,
            });
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{values, values_of};

    /// Hands out `batches`, then fails.
    struct Failing(VecDeque<RecordBatch>);

    impl BatchReader for Failing {
        fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
            match self.0.pop_front() {
                Some(batch) => Ok(Some(batch)),
                None => Err(Error::IllegalArgument("unreadable".into())),
            }
        }
    }

    #[test]
    fn a_range_read_ahead_gives_its_batches_then_its_error_then_the_rest() {
        let mut range = ReadAheadRange {
            batches: VecDeque::from([(values(&[1]), None), (values(&[2]), None)]),
            error: Some(Error::IllegalArgument("stopped reading ahead".into())),
            rest: Box::new(Failing(VecDeque::from([values(&[3])]))),
            read_rows: None,
        };
        let mut next = || range.next_batch().map(|b| b.map(|b| values_of(&b)));
        assert_eq!(next().ok(), Some(Some(vec![1])));
        assert_eq!(next().ok(), Some(Some(vec![2])));
        assert!(next().is_err());
        assert_eq!(next().ok(), Some(Some(vec![3])));
        assert!(next().is_err());
    }
}
