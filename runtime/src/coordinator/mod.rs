//! The coordinator actor: runs epochs (= Spark micro-batches) through offset discovery,
//! the write-ahead offset log, the epoch itself, sink commits and the commit log
//! (SEMANTICS.md §1), and publishes status and progress.

mod continuous;
mod epoch;
mod start;
mod trigger;
mod watermark;

#[cfg(test)]
mod tests;

pub use continuous::CloseOpenEpoch;
pub use epoch::now_ms;
pub use start::{start_query, QueryConfig, EDGE_CAPACITY_ROWS};
pub use trigger::{parse_interval, parse_interval_micros, Trigger};
pub use watermark::{WatermarkPolicy, WatermarkTracker};

use crate::checkpoint::{Checkpoint, CommitMetadata, OffsetSeq, OffsetSeqMetadata};
use crate::error::{Error, Result};
use crate::host::{
    CloseEpoch, Finish, NodeEvent, OpenEpoch, ReadAhead, ReadRange, Shutdown, SourceActor,
};
use crate::listener::{QueryEvent, QueryIdleEvent, QueryProgressEvent, QueryTerminatedEvent};
use crate::message::Watermarks;
use crate::progress::{
    SinkProgress, SourceProgress, StateOperatorProgress, StreamingQueryProgress,
};
use crate::query::{QueryShared, StreamingQueryException};
use crate::source::{Offset, ReadLimit, Source};
use actix::prelude::*;
use epoch::RunningEpoch;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Spark's `spark.sql.streaming.pollingDelay`: how long an idle default-trigger query waits.
const POLLING_DELAY: Duration = Duration::from_millis(10);

/// Ask the coordinator to stop the query.
pub struct StopQuery;

impl actix::Message for StopQuery {
    type Result = ();
}

/// Time to check the sources for the next epoch.
struct Tick;

impl actix::Message for Tick {
    type Result = ();
}

struct SourceSlot {
    source: Box<dyn Source>,
    actor: Addr<SourceActor>,
    /// End offset of the last committed batch.
    committed: Option<Offset>,
}

/// availableNow: the next epoch's end offsets, found while the last epoch committed, how
/// long finding them took, and its timestamp when its rows are already being read.
struct NextEpoch {
    ends: Vec<Option<Offset>>,
    discovery: Duration,
    batch_timestamp_ms: Option<i64>,
}

/// One query's coordinator.
pub struct Coordinator {
    id: String,
    run_id: String,
    name: Option<String>,
    shared: Arc<QueryShared>,
    config: QueryConfig,
    checkpoint: Checkpoint,
    sources: Vec<SourceSlot>,
    /// Per operator: its sink description (for sinks) and its shutdown handle.
    operators: Vec<(Option<String>, Recipient<Shutdown>)>,
    next_batch: u64,
    /// The global watermark and the candidates it is chosen from.
    watermarks: WatermarkTracker,
    /// `batchWatermarkMs` of the previous batch: the next batch's `WL`.
    previous_batch_watermark_ms: i64,
    /// Whether an operator uses the watermark alone (no-data epochs run for it).
    no_data_epochs: bool,
    /// The last epoch moved the watermark and an operator can use it: the next trigger runs
    /// an epoch even without new data (SEMANTICS.md §1.6).
    follow_up: bool,
    /// An epoch logged in `offsets/` but never committed: re-run it first.
    replay: Option<OffsetSeq>,
    running: Option<RunningEpoch>,
    stop_requested: bool,
    /// `Getting offsets from <sources>`, the status of every offset check.
    getting_offsets_status: String,
    /// Tells the source actors to stop reading once the query terminates.
    cancel_reads: Arc<AtomicBool>,
    /// The continuous trigger's clock.
    ticker: Option<continuous::Ticker>,
    /// Continuous: the epoch opened while the running one commits (it becomes the running
    /// one, and can close, once that one committed).
    next: Option<RunningEpoch>,
    /// Ranges sent to the sources so far (whether a poll found data).
    ranges_read: u64,
    /// Continuous: close epochs at once, not after their interval, until the sources have
    /// no new data (`processAllAvailable` waits).
    close_asap: bool,
    /// availableNow: the next epoch, found while the last epoch committed.
    next_epoch: Option<NextEpoch>,
    /// Per source: the end of the range it began reading ahead for the next epoch.
    read_ahead: Vec<Option<Offset>>,
    finishing: bool,
    nodes_to_end: usize,
    previous_trigger_start: Option<Instant>,
    /// When the last progress report was published (`None`: not yet in this run).
    last_progress_at: Option<Instant>,
    /// Whether a batch ran in this run (idle reports then show 0 output rows, not -1).
    batch_ran: bool,
    /// The state operators of the last executed batch (idle reports repeat them).
    last_state_operators: Vec<StateOperatorProgress>,
}

impl Actor for Coordinator {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        for slot in &mut self.sources {
            let prepared = match self.config.trigger {
                Trigger::AvailableNow => slot.source.prepare_for_available_now(),
                Trigger::Continuous(_) => slot.source.prepare_for_continuous(),
                _ => Ok(()),
            };
            if let Err(error) = prepared {
                return self.fail(error, ctx);
            }
        }
        if let Trigger::Continuous(_) = self.config.trigger {
            self.ticker = Some(continuous::Ticker::start(
                ctx.address(),
                self.config.continuous_linger,
                self.cancel_reads.clone(),
            ));
        }
        ctx.notify(Tick);
    }
}

impl Coordinator {
    fn set_status(&self, message: &str, data_available: Option<bool>, trigger_active: bool) {
        self.shared.update(|s| {
            s.status.message = message.to_string();
            if let Some(available) = data_available {
                s.status.is_data_available = available;
            }
            s.status.is_trigger_active = trigger_active;
        });
    }

    /// One trigger: find new data and start an epoch, or wait for the next trigger.
    fn trigger(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        if self.running.is_some() || self.finishing {
            return Ok(());
        }
        if self.stop_requested {
            self.finish(ctx);
            return Ok(());
        }
        let trigger_start = Instant::now();
        let trigger_seq = self.shared.read(|s| s.triggers) + 1;
        self.shared.update(|s| s.triggers = trigger_seq);

        if let Some(logged) = self.replay.take() {
            tracing::info!(
                batch = self.next_batch,
                "re-running a batch logged but not committed"
            );
            return self.start_epoch(logged, false, trigger_start, Duration::ZERO);
        }

        self.set_status(&self.getting_offsets_status, None, true);
        let limit = match self.config.trigger {
            Trigger::Once => ReadLimit::All,
            _ => ReadLimit::Configured,
        };
        let discovery_start = Instant::now();
        let NextEpoch {
            ends,
            discovery: latest_offset_time,
            batch_timestamp_ms,
        } = match self.next_epoch.take() {
            Some(found) => found,
            None => {
                let committed = self.committed_offsets();
                NextEpoch {
                    ends: self.find_ends(&committed, limit)?,
                    discovery: discovery_start.elapsed(),
                    batch_timestamp_ms: None,
                }
            }
        };
        // Taken at the trigger, as Spark does, unless the epoch's rows were read ahead.
        let batch_timestamp_ms = batch_timestamp_ms.unwrap_or_else(epoch::now_ms);
        let new_data = self
            .sources
            .iter()
            .zip(&ends)
            .any(|(slot, end)| end.is_some() && *end != slot.committed);

        if !new_data && !self.follow_up {
            let idle_progress_due = self
                .last_progress_at
                .is_none_or(|at| at.elapsed() >= self.config.idle_progress_interval);
            if idle_progress_due {
                let progress = self.idle_progress(trigger_start, latest_offset_time);
                // The first idle report of a run is recorded without an event (as Spark).
                if self.last_progress_at.is_some() {
                    self.post(QueryEvent::Idle(QueryIdleEvent {
                        id: self.id.clone(),
                        run_id: self.run_id.clone(),
                        timestamp: progress.timestamp.clone(),
                    }));
                }
                self.publish(progress);
            }
            if let Trigger::Continuous(_) = self.config.trigger {
                // Polls are not triggers: an epoch's input rate spans epoch to epoch.
                self.close_asap = false;
            } else {
                self.previous_trigger_start = Some(trigger_start);
            }
            self.shared.update(|s| {
                s.last_idle_trigger = Some(trigger_seq);
                s.status.is_data_available = false;
            });
            match self.config.trigger {
                Trigger::Once | Trigger::AvailableNow => self.finish(ctx),
                Trigger::ProcessingTime(interval) => {
                    self.set_status("Waiting for data to arrive", Some(false), false);
                    let delay = if interval.as_millis() == 0 {
                        POLLING_DELAY
                    } else {
                        self.config
                            .trigger
                            .next_delay(epoch::millis_since_epoch(trigger_start), epoch::now_ms())
                    };
                    schedule_tick(ctx, delay);
                }
                // The ticker polls again after its linger.
                Trigger::Continuous(_) => {
                    self.set_status("Waiting for data to arrive", Some(false), false)
                }
            }
            return Ok(());
        }
        let entry = self.offset_entry(ends, batch_timestamp_ms);
        match self.config.trigger {
            Trigger::Continuous(interval) => {
                let committed = self.committed_offsets();
                let epoch = self.open_continuous_epoch(
                    self.next_batch,
                    &committed,
                    entry,
                    interval,
                    (trigger_start, latest_offset_time),
                    ctx,
                )?;
                self.running = Some(epoch);
                Ok(())
            }
            _ => self.start_epoch(entry, true, trigger_start, latest_offset_time),
        }
    }

    /// Writes the offset log (unless re-running a logged epoch), tells the sources to read
    /// the epoch's ranges and closes it.
    fn start_epoch(
        &mut self,
        entry: OffsetSeq,
        write_log: bool,
        trigger_start: Instant,
        latest_offset_time: Duration,
    ) -> Result<()> {
        let mut epoch = self.new_epoch(self.next_batch, trigger_start, latest_offset_time);
        if write_log {
            self.set_status("Writing offsets to log", Some(true), true);
            let wal_start = Instant::now();
            self.checkpoint.offsets.add(epoch.batch_id, &entry)?;
            epoch.record("walCommit", wal_start.elapsed());
        }
        let has_data = self
            .sources
            .iter()
            .zip(&entry.offsets)
            .any(|(slot, end)| end.is_some() && *end != slot.committed);
        if has_data {
            self.set_status("Processing new data", Some(true), true);
        } else {
            self.set_status("No new data but cleaning up state", Some(false), true);
        }
        let get_batch_start = Instant::now();
        let committed = self.committed_offsets();
        self.open_epoch(&mut epoch, &entry.metadata, &committed)?;
        epoch.offsets.metadata = entry.metadata;
        self.read_ranges(&mut epoch, &entry.offsets)?;
        epoch.record("getBatch", get_batch_start.elapsed());
        self.close_epoch(&epoch);
        if self.config.trigger == Trigger::AvailableNow && !self.stop_requested {
            self.read_next_epoch_ahead(&epoch)?;
        }
        self.running = Some(epoch);
        Ok(())
    }

    /// availableNow: finds the next epoch's offsets now and has the sources begin reading
    /// them while `epoch` commits. Its offsets are logged only when it starts, after this
    /// epoch's commit, as always; what the sources logged of it themselves is replayed after
    /// a crash as any batch they logged but the query never ran.
    /// When some rows are read ahead, the next epoch's timestamp is chosen now: they are
    /// mapped (`current_timestamp()` evaluated) as they are read.
    fn read_next_epoch_ahead(&mut self, epoch: &RunningEpoch) -> Result<()> {
        let discovery_start = Instant::now();
        let starts = &epoch.offsets.offsets;
        let ends = self.find_ends(starts, ReadLimit::Configured)?;
        let now = epoch::now_ms();
        let mut batch_timestamp_ms = None;
        for (index, (start, end)) in starts.iter().zip(&ends).enumerate() {
            if let Some(end) = end.as_ref().filter(|end| Some(*end) != start.as_ref()) {
                let slot = &mut self.sources[index];
                slot.actor.do_send(ReadAhead {
                    reader: slot.source.plan_batch_at(start.as_ref(), end, now)?,
                    cancel: self.cancel_reads.clone(),
                });
                batch_timestamp_ms = Some(now);
                self.read_ahead[index] = Some(end.clone());
            }
        }
        self.next_epoch = Some(NextEpoch {
            ends,
            discovery: discovery_start.elapsed(),
            batch_timestamp_ms,
        });
        Ok(())
    }

    /// Every source's end offset for a batch starting at `starts`, within `limit` (its
    /// start when it has nothing new, or no offset yet).
    fn find_ends(
        &mut self,
        starts: &[Option<Offset>],
        limit: ReadLimit,
    ) -> Result<Vec<Option<Offset>>> {
        let mut ends = Vec::with_capacity(starts.len());
        for (slot, start) in self.sources.iter_mut().zip(starts) {
            let end = slot.source.latest_offset(start.as_ref(), limit)?;
            ends.push(end.or_else(|| start.clone()));
        }
        Ok(ends)
    }

    /// The offset log entry of a batch ending at `ends`, its timestamp `batch_timestamp_ms`.
    fn offset_entry(&self, ends: Vec<Option<Offset>>, batch_timestamp_ms: i64) -> OffsetSeq {
        OffsetSeq {
            metadata: OffsetSeqMetadata {
                batch_watermark_ms: self.watermarks.global(),
                batch_timestamp_ms,
                conf: self.config.pinned_conf.clone(),
            },
            offsets: ends,
        }
    }

    /// The next epoch, its trigger started at `trigger_start` and its offset discovery
    /// timed.
    fn new_epoch(
        &self,
        batch_id: u64,
        trigger_start: Instant,
        latest_offset_time: Duration,
    ) -> RunningEpoch {
        let mut epoch = RunningEpoch::new(
            batch_id,
            trigger_start,
            self.sources.len(),
            self.operators.len(),
        );
        epoch.record("latestOffset", latest_offset_time);
        epoch
    }

    /// Every source's committed end offset.
    fn committed_offsets(&self) -> Vec<Option<Offset>> {
        self.sources
            .iter()
            .map(|slot| slot.committed.clone())
            .collect()
    }

    /// Opens `epoch`, its ranges starting at `starts`: the sources clean up after the last
    /// committed batch, and the epoch's watermarks flow from every source.
    fn open_epoch(
        &mut self,
        epoch: &mut RunningEpoch,
        metadata: &OffsetSeqMetadata,
        starts: &[Option<Offset>],
    ) -> Result<()> {
        self.follow_up = false;
        // Batch N-1 is finished: let the sources clean up (e.g. cleanSource).
        for slot in &mut self.sources {
            if let Some(committed) = &slot.committed {
                slot.source.commit(committed)?;
            }
        }
        let watermarks = Watermarks {
            epoch: epoch.batch_id,
            late: self.previous_batch_watermark_ms,
            evict: metadata.batch_watermark_ms,
            batch_timestamp_ms: metadata.batch_timestamp_ms,
        };
        self.previous_batch_watermark_ms = metadata.batch_watermark_ms;
        for (slot, start) in self.sources.iter().zip(starts) {
            epoch.sources.push(epoch::SourceRange {
                description: slot.source.description(),
                start: start.clone(),
                end: start.clone(),
                rows: None,
            });
            epoch.offsets.offsets.push(start.clone());
            slot.actor.do_send(OpenEpoch { watermarks });
        }
        Ok(())
    }

    /// Extends the ranges of the open `epoch` to `ends` (one per source; `None`: no data
    /// yet), and has each source read its new part.
    fn read_ranges(&mut self, epoch: &mut RunningEpoch, ends: &[Option<Offset>]) -> Result<()> {
        for (index, end) in ends.iter().enumerate() {
            if let Some(end) = end {
                self.read_range(epoch, index, end)?;
            }
        }
        Ok(())
    }

    /// Extends source `index`'s range of the open `epoch` to `end`, and has the source read
    /// the new part; nothing when `end` is where the range already ends.
    fn read_range(&mut self, epoch: &mut RunningEpoch, index: usize, end: &Offset) -> Result<()> {
        let (Some(slot), Some(range)) = (self.sources.get_mut(index), epoch.sources.get_mut(index))
        else {
            return Ok(());
        };
        if range.end.as_ref() == Some(end) {
            return Ok(());
        }
        let read_ahead = self.read_ahead.get_mut(index).and_then(Option::take);
        let batch_timestamp_ms = epoch.offsets.metadata.batch_timestamp_ms;
        let reader = match read_ahead {
            Some(ahead) if ahead == *end => None,
            _ => Some(
                slot.source
                    .plan_batch_at(range.end.as_ref(), end, batch_timestamp_ms)?,
            ),
        };
        slot.actor.do_send(ReadRange {
            reader,
            cancel: self.cancel_reads.clone(),
        });
        self.ranges_read += 1;
        range.end = Some(end.clone());
        epoch.offsets.offsets[index] = Some(end.clone());
        Ok(())
    }

    /// Closes `epoch`: every source sends its barrier after the ranges it read.
    fn close_epoch(&self, epoch: &RunningEpoch) {
        for slot in &self.sources {
            slot.actor.do_send(CloseEpoch {
                epoch: epoch.batch_id,
            });
        }
    }

    /// Every source and operator finished the running epoch: commit it.
    fn commit_epoch(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let Some(mut epoch) = self.running.take() else {
            return Ok(());
        };
        epoch.record_since("addBatch", epoch.data_start);
        let commit_start = Instant::now();
        for (operator, report) in epoch.watermark_reports() {
            self.watermarks.observe(operator, &report);
        }
        let next_watermark = self.watermarks.advance();
        self.checkpoint.commits.add(
            epoch.batch_id,
            &CommitMetadata {
                next_batch_watermark_ms: next_watermark,
            },
        )?;
        self.follow_up = self.no_data_epochs
            && self.config.trigger != Trigger::Once
            && next_watermark > epoch.offsets.metadata.batch_watermark_ms;
        for (slot, end) in self.sources.iter_mut().zip(&epoch.offsets.offsets) {
            slot.committed = end.clone();
        }
        self.checkpoint
            .purge(epoch.batch_id, self.config.min_batches_to_retain)?;
        epoch.record("commitOffsets", commit_start.elapsed());
        let mut progress = epoch.progress(
            (&self.id, &self.run_id, self.name.as_deref()),
            &self.operators,
            self.previous_trigger_start,
        );
        for state in &mut progress.state_operators {
            state.spread_over(self.config.shuffle_partitions);
        }
        self.previous_trigger_start = Some(epoch.trigger_start);
        self.batch_ran = true;
        self.last_state_operators = progress.state_operators.clone();
        tracing::debug!(
            batch = epoch.batch_id,
            rows = progress.num_input_rows,
            "epoch committed"
        );
        self.post(QueryEvent::Progress(QueryProgressEvent {
            progress: progress.clone(),
        }));
        self.publish(progress);
        self.next_batch += 1;
        self.set_status("Waiting for next trigger", None, false);
        if let Some(next) = self.next.take() {
            return self.promote_next_epoch(next);
        }
        match self.config.trigger {
            Trigger::Once => self.finish(ctx),
            trigger => {
                let delay = trigger.next_delay(
                    epoch::millis_since_epoch(epoch.trigger_start),
                    epoch::now_ms(),
                );
                schedule_tick(ctx, delay);
            }
        }
        Ok(())
    }

    /// Queues `event` for the session's listeners.
    fn post(&self, event: QueryEvent) {
        if let Some(listeners) = &self.config.listeners {
            listeners.post(event);
        }
    }

    /// Appends a progress report to `recentProgress`.
    fn publish(&mut self, progress: StreamingQueryProgress) {
        self.last_progress_at = Some(Instant::now());
        let limit = self.shared.recent_progress_limit;
        self.shared.update(|s| {
            s.recent_progress.push_back(progress);
            while s.recent_progress.len() > limit {
                s.recent_progress.pop_front();
            }
        });
    }

    /// The report of a trigger that ran no batch (SEMANTICS.md §10.4): the next batch id,
    /// no rows, only the offset check timed.
    fn idle_progress(
        &self,
        trigger_start: Instant,
        latest_offset_time: Duration,
    ) -> StreamingQueryProgress {
        let trigger_ms = trigger_start.elapsed().as_millis() as u64;
        let sink_description = self
            .operators
            .iter()
            .find_map(|(description, _)| description.clone())
            .unwrap_or_default();
        StreamingQueryProgress {
            id: self.id.clone(),
            run_id: self.run_id.clone(),
            name: self.name.clone(),
            timestamp: epoch::iso_millis(epoch::millis_since_epoch(trigger_start)),
            batch_id: self.next_batch,
            batch_duration: trigger_ms,
            num_input_rows: 0,
            input_rows_per_second: Some(0.0),
            processed_rows_per_second: Some(0.0),
            duration_ms: [
                (
                    "latestOffset".to_string(),
                    latest_offset_time.as_millis() as u64,
                ),
                ("triggerExecution".to_string(), trigger_ms),
            ]
            .into(),
            event_time: Default::default(),
            // SEMANTICS.md §10.4: the state as the last batch left it, with the counts of
            // rows updated and dropped reset.
            state_operators: self
                .last_state_operators
                .iter()
                .map(|s| StateOperatorProgress {
                    num_rows_updated: 0,
                    num_rows_dropped_by_watermark: 0,
                    ..s.clone()
                })
                .collect(),
            sources: self
                .sources
                .iter()
                .map(|slot| SourceProgress {
                    description: slot.source.description(),
                    start_offset: slot.committed.clone(),
                    end_offset: slot.committed.clone(),
                    latest_offset: None,
                    num_input_rows: 0,
                    input_rows_per_second: Some(0.0),
                    processed_rows_per_second: Some(0.0),
                })
                .collect(),
            sink: SinkProgress {
                description: sink_description,
                num_output_rows: if self.batch_ran { 0 } else { -1 },
            },
        }
    }

    /// Ends the query cleanly: `End` flows from every source to every sink.
    fn finish(&mut self, _ctx: &mut Context<Self>) {
        if self.finishing {
            return;
        }
        self.finishing = true;
        for slot in &self.sources {
            slot.actor.do_send(Finish);
        }
    }

    /// Stops every actor and publishes the termination.
    fn terminate(&mut self, exception: Option<StreamingQueryException>, ctx: &mut Context<Self>) {
        self.cancel_reads.store(true, Ordering::Relaxed);
        for slot in &self.sources {
            slot.actor.do_send(Shutdown);
        }
        for (_, operator) in &self.operators {
            operator.do_send(Shutdown);
        }
        let failed = exception.is_some();
        self.post(QueryEvent::Terminated(QueryTerminatedEvent {
            id: self.id.clone(),
            run_id: self.run_id.clone(),
            exception: exception.as_ref().map(|e| e.to_string()),
            error_class_on_exception: exception
                .as_ref()
                .and_then(|e| error_class(&e.cause.to_string())),
        }));
        self.shared.update(|s| {
            s.active = false;
            s.status.is_trigger_active = false;
            s.status.is_data_available = false;
            s.status.message = match &exception {
                Some(e) => format!("Terminated with exception: {}", e.cause),
                None => "Stopped".into(),
            };
            s.exception = exception;
        });
        if !failed && self.config.delete_checkpoint_on_stop {
            // A snapshot still being written would put files back as the folder goes.
            crate::checkpoint::StateStore::wait_for_snapshots_under(self.checkpoint.root());
            let _ = std::fs::remove_dir_all(self.checkpoint.root());
        }
        ctx.stop();
    }

    fn fail(&mut self, error: Error, ctx: &mut Context<Self>) {
        tracing::error!(query = %self.id, %error, "query failed");
        let exception = StreamingQueryException {
            id: self.id.clone(),
            run_id: self.run_id.clone(),
            cause: Arc::new(error),
        };
        self.terminate(Some(exception), ctx);
    }
}

/// The next trigger after `delay`; at once when there is no delay (a zero timer would
/// still wait for the timer wheel's next millisecond tick).
fn schedule_tick(ctx: &mut Context<Coordinator>, delay: Duration) {
    if delay.is_zero() {
        ctx.notify(Tick);
    } else {
        ctx.notify_later(Tick, delay);
    }
}

/// The error class a message starts with (`[CAST_INVALID_INPUT] …` → `CAST_INVALID_INPUT`).
fn error_class(message: &str) -> Option<String> {
    let class = message.strip_prefix('[')?.split_once(']')?.0;
    let valid = !class.is_empty()
        && class
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '.');
    valid.then(|| class.to_string())
}

impl Drop for Coordinator {
    /// A coordinator that goes away while its query is active (a panic, the actor system
    /// shutting down) still ends the query, so no handle waits forever.
    fn drop(&mut self) {
        let exception = StreamingQueryException {
            id: self.id.clone(),
            run_id: self.run_id.clone(),
            cause: Arc::new(Error::Execution(
                "the query's coordinator stopped unexpectedly".into(),
            )),
        };
        self.shared.update(|s| {
            if s.active {
                s.active = false;
                s.status.message = format!("Terminated with exception: {}", exception.cause);
                s.exception = Some(exception);
            }
        });
    }
}

impl Handler<Tick> for Coordinator {
    type Result = ();

    fn handle(&mut self, _: Tick, ctx: &mut Context<Self>) {
        let ranges_before = self.ranges_read;
        let result = match self.running.take_if(|epoch| epoch.open) {
            Some(mut epoch) => {
                let polled = self.poll_open_epoch(&mut epoch);
                self.running = Some(epoch);
                polled
            }
            None if self.running.is_some() => self.poll_next_epoch(ctx),
            None => {
                let span =
                    tracing::debug_span!("trigger", query = %self.id, batch = self.next_batch);
                let _entered = span.enter();
                self.trigger(ctx)
            }
        };
        if let Some(ticker) = &self.ticker {
            ticker.ticked(self.ranges_read > ranges_before);
        }
        if let Err(error) = result {
            self.fail(error, ctx);
        }
    }
}

impl Handler<StopQuery> for Coordinator {
    type Result = ();

    fn handle(&mut self, _: StopQuery, ctx: &mut Context<Self>) {
        self.stop_requested = true;
        match &self.running {
            None => self.finish(ctx),
            Some(epoch) if epoch.open => {
                if let Err(error) = self.close_continuous_epoch(epoch.batch_id) {
                    self.fail(error, ctx);
                }
            }
            Some(_) => {}
        }
    }
}

impl Handler<NodeEvent> for Coordinator {
    type Result = ();

    fn handle(&mut self, event: NodeEvent, ctx: &mut Context<Self>) {
        match event {
            NodeEvent::SourceRead {
                source,
                epoch,
                rows,
            } => {
                if let Some(running) = self.running.as_mut().filter(|r| r.batch_id == epoch) {
                    running.source_read(source, rows);
                }
            }
            NodeEvent::EpochDone {
                operator,
                epoch,
                report,
            } => {
                if let Some(running) = self.running.as_mut().filter(|r| r.batch_id == epoch) {
                    running.operator_done(operator, report);
                }
            }
            NodeEvent::Ended => {
                self.nodes_to_end = self.nodes_to_end.saturating_sub(1);
                if self.nodes_to_end == 0 {
                    self.terminate(None, ctx);
                }
                return;
            }
            NodeEvent::Failed(error) => return self.fail(error, ctx),
        }
        if self.running.as_ref().is_some_and(RunningEpoch::is_complete) {
            if let Err(error) = self.commit_epoch(ctx) {
                self.fail(error, ctx);
            } else if self.stop_requested && self.running.is_none() {
                self.finish(ctx);
            }
        }
    }
}
