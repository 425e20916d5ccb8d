//! The continuous trigger. The sources are polled every 100 µs while data keeps coming and
//! every `linger` once a poll finds none; the first new data opens an epoch, and while it
//! is open every further range is read the moment it is found, so rows flow through the
//! operators as they arrive. When the interval is over, the epoch's final offsets go to the
//! offset log, its barrier follows its rows, and it commits as any epoch does. While it
//! commits, the next epoch already opens and reads; it closes only after that commit, so
//! the offset log stays at most one epoch ahead of the commit log. No epoch runs without
//! new data, as with the other triggers.

use super::{Coordinator, RunningEpoch, Tick, Trigger};
use crate::checkpoint::OffsetSeq;
use crate::error::Result;
use crate::source::{Offset, ReadLimit};
use actix::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The open continuous epoch's interval is over: close it.
pub(super) struct EpochDue {
    pub batch_id: u64,
}

impl actix::Message for EpochDue {
    type Result = ();
}

/// Close continuous epochs as soon as they have read what is available, not at the end of
/// their interval, until the sources have no new data (so that `processAllAvailable` need
/// not wait for intervals).
pub struct CloseOpenEpoch;

impl actix::Message for CloseOpenEpoch {
    type Result = ();
}

/// How often the sources are polled while polls keep finding data (at most the linger).
const BUSY_POLL: Duration = Duration::from_micros(100);

/// The continuous trigger's clock: a thread of its own (an actor timer ticks in whole
/// milliseconds) sends the coordinator a `Tick`, with at most one queued; every
/// [`BUSY_POLL`] while polls find data, every linger once one finds none. The thread ends
/// with the query.
pub(super) struct Ticker {
    queued: Arc<AtomicBool>,
    interval_nanos: Arc<AtomicU64>,
    linger: Duration,
}

impl Ticker {
    /// Starts ticking for `coordinator` until `stopped`.
    pub(super) fn start(
        coordinator: Addr<Coordinator>,
        linger: Duration,
        stopped: Arc<AtomicBool>,
    ) -> Self {
        let ticker = Ticker {
            queued: Arc::default(),
            interval_nanos: Arc::new(AtomicU64::new(linger.as_nanos() as u64)),
            linger,
        };
        let (queued, interval) = (ticker.queued.clone(), ticker.interval_nanos.clone());
        let spawned = std::thread::Builder::new()
            .name("spate-continuous-ticker".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_nanos(interval.load(Ordering::Relaxed)));
                if stopped.load(Ordering::Relaxed) || !coordinator.connected() {
                    return;
                }
                if !queued.swap(true, Ordering::AcqRel) {
                    coordinator.do_send(Tick);
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "the continuous trigger's ticker did not start");
        }
        ticker
    }

    /// A tick was handled; `found_data` tells whether its poll read anything.
    pub(super) fn ticked(&self, found_data: bool) {
        let interval = if found_data {
            BUSY_POLL.min(self.linger)
        } else {
            self.linger
        };
        self.interval_nanos
            .store(interval.as_nanos() as u64, Ordering::Relaxed);
        self.queued.store(false, Ordering::Release);
    }
}

impl Coordinator {
    /// Opens continuous epoch `batch_id` for the ranges from `starts` up to `entry`'s
    /// offsets (its trigger's start and offset discovery time given); it closes after
    /// `interval`.
    pub(super) fn open_continuous_epoch(
        &mut self,
        batch_id: u64,
        starts: &[Option<Offset>],
        entry: OffsetSeq,
        interval: Duration,
        (trigger_start, latest_offset_time): (Instant, Duration),
        ctx: &mut Context<Self>,
    ) -> Result<RunningEpoch> {
        let mut epoch = self.new_epoch(batch_id, trigger_start, latest_offset_time);
        epoch.open = true;
        self.set_status("Processing new data", Some(true), true);
        self.open_epoch(&mut epoch, &entry.metadata, starts)?;
        epoch.offsets.metadata = entry.metadata;
        self.read_ranges(&mut epoch, &entry.offsets)?;
        let due = EpochDue { batch_id };
        if self.close_asap {
            ctx.notify(due);
        } else {
            ctx.notify_later(due, interval);
        }
        Ok(epoch)
    }

    /// While the running epoch commits: polls the epoch opened after it, or opens one when
    /// the sources have data beyond it, so rows need not wait for the commit. Its
    /// watermarks are those the running epoch started with (the advance its reports bring
    /// reaches the epoch after).
    pub(super) fn poll_next_epoch(&mut self, ctx: &mut Context<Self>) -> Result<()> {
        let Trigger::Continuous(interval) = self.config.trigger else {
            return Ok(());
        };
        if let Some(mut next) = self.next.take() {
            let polled = self.poll_open_epoch(&mut next);
            self.next = Some(next);
            return polled;
        }
        let Some(running) = self.running.as_ref() else {
            return Ok(());
        };
        if self.stop_requested || self.finishing {
            return Ok(());
        }
        let (batch_id, starts) = (running.batch_id + 1, running.offsets.offsets.clone());
        let discovery_start = Instant::now();
        let ends = self.find_ends(&starts, ReadLimit::Configured)?;
        if ends == starts {
            return Ok(());
        }
        let entry = self.offset_entry(ends, super::epoch::now_ms());
        let times = (discovery_start, discovery_start.elapsed());
        let next = self.open_continuous_epoch(batch_id, &starts, entry, interval, times, ctx)?;
        self.next = Some(next);
        Ok(())
    }

    /// The running epoch committed: the epoch opened after it runs now, and closes at once
    /// if its interval already ended (or the query is stopping or flushing).
    pub(super) fn promote_next_epoch(&mut self, next: RunningEpoch) -> Result<()> {
        let (batch_id, close_now) = (
            next.batch_id,
            next.due || self.stop_requested || self.close_asap,
        );
        self.running = Some(next);
        if close_now {
            self.close_continuous_epoch(batch_id)?;
        }
        Ok(())
    }

    /// Reads whatever the sources offer beyond the open epoch's ranges.
    pub(super) fn poll_open_epoch(&mut self, epoch: &mut RunningEpoch) -> Result<()> {
        let ends = self.find_ends(&epoch.offsets.offsets, ReadLimit::Configured)?;
        self.read_ranges(epoch, &ends)
    }

    /// Closes the open continuous epoch `batch_id` after a last poll: its offsets go to the
    /// log, and its barrier follows the rows read.
    pub(super) fn close_continuous_epoch(&mut self, batch_id: u64) -> Result<()> {
        if let Some(next) = self.next.as_mut().filter(|next| next.batch_id == batch_id) {
            // It closes once the running epoch committed.
            next.due = true;
            return Ok(());
        }
        let Some(mut epoch) = self
            .running
            .take_if(|epoch| epoch.open && epoch.batch_id == batch_id)
        else {
            return Ok(());
        };
        epoch.open = false;
        self.poll_open_epoch(&mut epoch)?;
        let wal_start = Instant::now();
        self.checkpoint.offsets.add(batch_id, &epoch.offsets)?;
        // `addBatch` spans the whole epoch, from its opening to its commit.
        let opened = epoch.data_start;
        epoch.record("walCommit", wal_start.elapsed());
        epoch.data_start = opened;
        self.close_epoch(&epoch);
        self.running = Some(epoch);
        Ok(())
    }
}

impl Handler<CloseOpenEpoch> for Coordinator {
    type Result = ();

    fn handle(&mut self, _: CloseOpenEpoch, ctx: &mut Context<Self>) {
        if !matches!(self.config.trigger, Trigger::Continuous(_)) {
            return;
        }
        self.close_asap = true;
        if let Some(next) = self.next.as_mut() {
            next.due = true;
        }
        let Some(batch_id) = self.running.as_ref().map(|epoch| epoch.batch_id) else {
            return;
        };
        if let Err(error) = self.close_continuous_epoch(batch_id) {
            self.fail(error, ctx);
        }
    }
}

impl Handler<EpochDue> for Coordinator {
    type Result = ();

    fn handle(&mut self, due: EpochDue, ctx: &mut Context<Self>) {
        if let Err(error) = self.close_continuous_epoch(due.batch_id) {
            self.fail(error, ctx);
        }
    }
}
