//! Starting a query: open the checkpoint, recover where it stopped, start the actors.

use super::{Coordinator, SourceSlot, Trigger, WatermarkPolicy, WatermarkTracker};
use crate::checkpoint::{Checkpoint, Durability, StateStore};
use crate::error::{Error, Result};
use crate::host::{Edge, NodeActor, SourceActor};
use crate::listener::{ListenerBus, QueryStartedEvent};
use crate::operator::Operator;
use crate::query::{QueryShared, StreamingQuery};
use crate::source::Bookkeeping;
use crate::system::ActorSystem;
use crate::topology::{NodeRef, Topology};
use actix::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to run a query.
#[derive(Debug, Clone)]
pub struct QueryConfig {
    /// `queryName`.
    pub name: Option<String>,
    /// The checkpoint directory.
    pub checkpoint: PathBuf,
    /// Delete the checkpoint after a clean stop (Spark does so for temporary checkpoints).
    pub delete_checkpoint_on_stop: bool,
    /// The trigger.
    pub trigger: Trigger,
    /// Rows in flight allowed per edge (backpressure bound), [`EDGE_CAPACITY_ROWS`] by
    /// default.
    pub edge_capacity_rows: usize,
    /// `spark.sql.streaming.minBatchesToRetain`.
    pub min_batches_to_retain: u64,
    /// `spark.sql.streaming.numRecentProgressUpdates`.
    pub num_recent_progress_updates: usize,
    /// `spark.sql.streaming.noDataProgressEventInterval`: at most one idle progress report
    /// per interval.
    pub idle_progress_interval: Duration,
    /// `spark.sql.streaming.multipleWatermarkPolicy`.
    pub watermark_policy: WatermarkPolicy,
    /// `spark.sql.streaming.noDataMicroBatches.enabled`: whether a stateful query runs a
    /// batch without new data when the watermark moved (to emit and evict state).
    pub no_data_batches: bool,
    /// Settings written into every offset log entry (`conf`).
    pub pinned_conf: BTreeMap<String, String>,
    /// The session's listeners.
    pub listeners: Option<ListenerBus>,
    /// Continuous trigger: how often the sources are checked for new data.
    pub continuous_linger: Duration,
    /// How the checkpoint's files, and the sources' bookkeeping, reach the disk.
    pub durability: Durability,
    /// The state partitions every stateful operator reports
    /// (`spark.sql.shuffle.partitions`).
    pub shuffle_partitions: u64,
}

/// Rows in flight on an edge by default: sixteen batches of the file sources' 8,192 rows,
/// enough for a sender to keep working while its receiver takes the batches before. More
/// lets a source run further ahead of a slower operator, holding more decoded batches in
/// memory: a million rows an edge let a two-instance join peak up to 100 MB higher. Fewer
/// costs throughput: against a million, a two-instance aggregation of 1M keys ran about
/// 5 % slower with this many and 8 % with half as many.
pub const EDGE_CAPACITY_ROWS: usize = 128 * 1024;

impl QueryConfig {
    /// Defaults as Spark's, with the checkpoint at `checkpoint`.
    pub fn new(checkpoint: impl Into<PathBuf>) -> Self {
        QueryConfig {
            name: None,
            checkpoint: checkpoint.into(),
            delete_checkpoint_on_stop: false,
            trigger: Trigger::default(),
            edge_capacity_rows: EDGE_CAPACITY_ROWS,
            min_batches_to_retain: 100,
            num_recent_progress_updates: 100,
            idle_progress_interval: Duration::from_secs(10),
            watermark_policy: WatermarkPolicy::Min,
            no_data_batches: true,
            pinned_conf: BTreeMap::new(),
            listeners: None,
            continuous_linger: Duration::from_millis(1),
            durability: Durability::default(),
            shuffle_partitions: 200,
        }
    }
}

/// Restores a stateful `operator` from its checkpoints up to `batch`; a stateful operator
/// without them cannot continue the checkpoint.
fn restore_state(operator: &mut dyn Operator, store: &StateStore, batch: u64) -> Result<()> {
    if !operator.is_stateful() {
        return Ok(());
    }
    let path = store.path(batch);
    let chain = store.load(batch)?.ok_or_else(|| Error::Checkpoint {
        path: path.clone(),
        reason: format!(
            "no state of operator {} for the last committed batch {batch}: the checkpoint was written by another query",
            operator.name()
        ),
    })?;
    for checkpoint in chain {
        operator
            .restore(checkpoint)
            .map_err(|e| Error::Checkpoint {
                path: path.clone(),
                reason: e.to_string(),
            })?;
    }
    Ok(())
}

/// Starts `topology` on `system`; returns once the query runs.
pub fn start_query(
    system: &Arc<ActorSystem>,
    topology: Topology,
    mut config: QueryConfig,
) -> Result<StreamingQuery> {
    topology.validate()?;
    let (checkpoint, metadata) = Checkpoint::open(&config.checkpoint, config.durability)?;
    let run_id = uuid::Uuid::new_v4().to_string();

    // Recovery (SEMANTICS.md §1.4).
    let latest_offsets = checkpoint.offsets.latest()?;
    let latest_commit = checkpoint.commits.latest()?;
    let committed_batch = latest_commit.as_ref().map(|(id, _)| *id);
    let mut next_batch = 0;
    let mut watermark_ms = 0;
    let mut previous_batch_watermark_ms = 0;
    let mut committed_offsets = vec![None; topology.sources.len()];
    let mut replay = None;
    if let Some((last, logged)) = latest_offsets {
        // Settings pinned by the checkpoint win over the session's (SEMANTICS.md §1.3).
        if let Some(policy) = logged
            .metadata
            .conf
            .get("spark.sql.streaming.multipleWatermarkPolicy")
        {
            config.watermark_policy = policy.parse()?;
            // …and go on into every offset log entry this run writes.
            config.pinned_conf.insert(
                "spark.sql.streaming.multipleWatermarkPolicy".into(),
                policy.clone(),
            );
        }
        if logged.offsets.len() != topology.sources.len() {
            return Err(Error::Checkpoint {
                path: checkpoint.offsets.path(last),
                reason: format!(
                    "the query has {} sources but the checkpoint logged {}",
                    topology.sources.len(),
                    logged.offsets.len()
                ),
            });
        }
        let committed_through = latest_commit.as_ref().map(|(id, _)| *id);
        if committed_through == Some(last) {
            next_batch = last + 1;
            let next = latest_commit
                .map(|(_, c)| c.next_batch_watermark_ms)
                .unwrap_or(0);
            watermark_ms = logged.metadata.batch_watermark_ms.max(next);
            previous_batch_watermark_ms = logged.metadata.batch_watermark_ms;
            committed_offsets = logged.offsets;
        } else {
            next_batch = last;
            watermark_ms = logged.metadata.batch_watermark_ms;
            if last > 0 {
                let previous =
                    checkpoint
                        .offsets
                        .get(last - 1)?
                        .ok_or_else(|| Error::Checkpoint {
                            path: checkpoint.offsets.path(last - 1),
                            reason: format!("batch {} doesn't exist", last - 1),
                        })?;
                if previous.offsets.len() != logged.offsets.len() {
                    return Err(Error::Checkpoint {
                        path: checkpoint.offsets.path(last - 1),
                        reason: format!(
                            "logs {} source offsets where batch {last} logs {}",
                            previous.offsets.len(),
                            logged.offsets.len()
                        ),
                    });
                }
                previous_batch_watermark_ms = previous.metadata.batch_watermark_ms;
                committed_offsets = previous.offsets;
            }
            replay = Some(logged);
        }
    }

    let shared = Arc::new(QueryShared::new(
        config.num_recent_progress_updates.saturating_sub(1).max(1),
    ));
    let no_data_epochs = config.no_data_batches
        && topology
            .operators
            .iter()
            .any(|node| node.operator.needs_no_data_epochs());
    let Topology {
        mut sources,
        mut operators,
        edges,
    } = topology;
    // Stateful operators resume from the state of the last committed batch.
    if let Some(batch) = committed_batch {
        for (index, node) in operators.iter_mut().enumerate() {
            restore_state(
                &mut *node.operator,
                &StateStore::new(checkpoint.root(), index),
                batch,
            )?;
        }
    }
    // Sources open (and may fail) before any actor starts.
    for (index, source) in sources.iter_mut().enumerate() {
        source.open(Bookkeeping {
            dir: checkpoint.source_dir(index),
            durability: config.durability,
        })?;
    }

    // The coordinator's mailbox exists first so that every actor can report to it.
    let (sender, receiver) = actix::dev::channel::channel(16);
    let coordinator_addr: Addr<Coordinator> = Addr::new(sender);
    let events = coordinator_addr.clone().recipient();

    // Operators are started last to first: every edge points to a later operator.
    let mut operator_addrs: Vec<Option<Addr<NodeActor>>> =
        (0..operators.len()).map(|_| None).collect();
    let edges_from = |from: NodeRef, addrs: &[Option<Addr<NodeActor>>]| -> Vec<Edge> {
        edges
            .iter()
            .filter(|e| e.from == from)
            .filter_map(|e| {
                addrs[e.to].as_ref().map(|addr| {
                    Edge::new(addr.clone().recipient(), e.port, config.edge_capacity_rows)
                })
            })
            .collect()
    };
    let placement = system.placement(sources.len());
    let mut operator_slots = Vec::with_capacity(operators.len());
    for (index, node) in operators.into_iter().enumerate().rev() {
        let outputs = edges_from(NodeRef::Operator(index), &operator_addrs);
        let events = events.clone();
        let (operator, inputs) = (node.operator, node.inputs);
        let state = Some((
            StateStore::new(checkpoint.root(), index).with_durability(config.durability),
            config.min_batches_to_retain,
        ));
        let addr = NodeActor::start_in_arbiter(placement.operator(index), move |_| {
            NodeActor::new(index, operator, inputs, outputs, events, state)
        });
        operator_slots.push((node.sink, addr.clone().recipient()));
        operator_addrs[index] = Some(addr);
    }
    operator_slots.reverse();

    let mut source_slots = Vec::with_capacity(sources.len());
    for (index, (source, committed)) in sources.into_iter().zip(committed_offsets).enumerate() {
        let outputs = edges_from(NodeRef::Source(index), &operator_addrs);
        let events = events.clone();
        let actor = SourceActor::start_in_arbiter(placement.source(index), move |_| {
            SourceActor::new(index, outputs, events)
        });
        source_slots.push(SourceSlot {
            source,
            actor,
            committed,
        });
    }

    let query = StreamingQuery {
        id: metadata.id.clone(),
        run_id: run_id.clone(),
        name: config.name.clone(),
        shared: shared.clone(),
        coordinator: coordinator_addr,
        _system: system.clone(),
    };
    let nodes_to_end = source_slots.len() + operator_slots.len();
    let read_ahead = vec![None; source_slots.len()];
    let descriptions: Vec<String> = source_slots
        .iter()
        .map(|s| s.source.description())
        .collect();
    let getting_offsets_status = format!("Getting offsets from {}", descriptions.join(", "));
    let watermarks = WatermarkTracker::new(config.watermark_policy, watermark_ms);
    let coordinator = Coordinator {
        id: metadata.id,
        run_id,
        name: config.name.clone(),
        shared,
        config,
        checkpoint,
        sources: source_slots,
        operators: operator_slots,
        next_batch,
        watermarks,
        previous_batch_watermark_ms,
        no_data_epochs,
        follow_up: false,
        replay,
        running: None,
        stop_requested: false,
        getting_offsets_status,
        cancel_reads: Arc::default(),
        ticker: None,
        next: None,
        ranges_read: 0,
        close_asap: false,
        next_epoch: None,
        read_ahead,
        finishing: false,
        nodes_to_end,
        previous_trigger_start: None,
        last_progress_at: None,
        batch_ran: false,
        last_state_operators: Vec::new(),
    };
    if let Some(listeners) = &coordinator.config.listeners {
        listeners.started(&QueryStartedEvent {
            id: coordinator.id.clone(),
            run_id: coordinator.run_id.clone(),
            name: coordinator.name.clone(),
            timestamp: super::epoch::iso_millis(super::epoch::now_ms()),
        });
    }
    system.coordinator_arbiter().spawn_fn(move || {
        let context = Context::with_receiver(receiver);
        actix::spawn(context.into_future(coordinator));
    });
    Ok(query)
}
