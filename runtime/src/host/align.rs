//! Barrier alignment across the input ports of one actor.

use super::edge::Delivery;
use crate::message::{Barrier, Message, Watermarks};
use std::collections::VecDeque;

/// What the actor must do next, in order.
pub enum Step {
    /// Process a data delivery (its credit is released when the step is dropped).
    Data(Delivery),
    /// The epoch's watermarks (once per epoch, however many inputs deliver them).
    Watermark(Watermarks),
    /// Barrier `N` arrived on every live input: the epoch ended.
    EpochEnd(Barrier),
    /// Every input ended.
    End,
}

/// Once barrier `N` arrived on a port, that port's later messages are held back until
/// barrier `N` arrived on every port that has not ended.
pub struct Aligner {
    blocked: Vec<bool>,
    ended: Vec<bool>,
    held: Vec<VecDeque<Delivery>>,
    barriers_arrived: usize,
    pending_barrier: Option<Barrier>,
    last_watermark_epoch: Option<u64>,
}

impl Aligner {
    /// An aligner for `inputs` ports.
    pub fn new(inputs: usize) -> Self {
        Aligner {
            blocked: vec![false; inputs],
            ended: vec![false; inputs],
            held: (0..inputs).map(|_| VecDeque::new()).collect(),
            barriers_arrived: 0,
            pending_barrier: None,
            last_watermark_epoch: None,
        }
    }

    /// Accepts one delivery and returns the steps it makes ready.
    pub fn accept(&mut self, delivery: Delivery) -> Vec<Step> {
        let mut steps = Vec::new();
        self.route(delivery, &mut steps);
        steps
    }

    /// Messages held back, over all ports.
    pub fn held(&self) -> usize {
        self.held.iter().map(VecDeque::len).sum()
    }

    fn live_inputs(&self) -> usize {
        self.ended.iter().filter(|ended| !**ended).count()
    }

    fn route(&mut self, delivery: Delivery, steps: &mut Vec<Step>) {
        let port = delivery.port;
        if port >= self.blocked.len() {
            tracing::error!(port, "delivery on an unknown input port dropped");
            return;
        }
        if self.blocked[port] {
            self.held[port].push_back(delivery);
            return;
        }
        match delivery.message {
            Message::Data(_) => steps.push(Step::Data(delivery)),
            Message::Watermark(watermarks) => {
                if self.last_watermark_epoch != Some(watermarks.epoch) {
                    self.last_watermark_epoch = Some(watermarks.epoch);
                    steps.push(Step::Watermark(watermarks));
                }
            }
            Message::Barrier(barrier) => {
                self.blocked[port] = true;
                self.barriers_arrived += 1;
                self.pending_barrier = Some(barrier);
                self.complete_alignment(steps);
            }
            Message::End => {
                self.ended[port] = true;
                if self.live_inputs() == 0 {
                    steps.push(Step::End);
                } else {
                    self.complete_alignment(steps);
                }
            }
        }
    }

    fn complete_alignment(&mut self, steps: &mut Vec<Step>) {
        let Some(barrier) = self.pending_barrier else {
            return;
        };
        if self.barriers_arrived < self.live_inputs() {
            return;
        }
        steps.push(Step::EpochEnd(barrier));
        self.pending_barrier = None;
        self.barriers_arrived = 0;
        self.blocked.iter_mut().for_each(|blocked| *blocked = false);
        let held: Vec<VecDeque<Delivery>> = self.held.iter_mut().map(std::mem::take).collect();
        for delivery in held.into_iter().flatten() {
            self.route(delivery, steps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;
    use std::sync::Arc;

    fn data(port: usize, value: i32) -> Delivery {
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Int32, false)]));
        let batch =
            RecordBatch::try_new(schema, vec![Arc::new(Int32Array::from(vec![value]))]).unwrap();
        Delivery::unaccounted(port, Message::Data(batch))
    }

    fn barrier(port: usize, epoch: u64) -> Delivery {
        Delivery::unaccounted(port, Message::Barrier(Barrier { epoch }))
    }

    fn describe(steps: Vec<Step>) -> Vec<String> {
        steps
            .into_iter()
            .map(|step| match step {
                Step::Data(d) => match d.message {
                    Message::Data(b) => {
                        let v = b
                            .column(0)
                            .as_any()
                            .downcast_ref::<Int32Array>()
                            .unwrap()
                            .value(0);
                        format!("data{}:{v}", d.port)
                    }
                    _ => unreachable!(),
                },
                Step::Watermark(w) => format!("wm{}", w.epoch),
                Step::EpochEnd(b) => format!("end{}", b.epoch),
                Step::End => "END".into(),
            })
            .collect()
    }

    #[test]
    fn holds_a_port_after_its_barrier_until_all_ports_deliver_it() {
        let mut aligner = Aligner::new(2);
        assert_eq!(describe(aligner.accept(data(0, 1))), ["data0:1"]);
        assert!(aligner.accept(barrier(0, 0)).is_empty());
        // Port 0 is now blocked: its next epoch's data waits.
        assert!(aligner.accept(data(0, 2)).is_empty());
        assert_eq!(aligner.held(), 1);
        assert_eq!(describe(aligner.accept(data(1, 3))), ["data1:3"]);
        assert_eq!(describe(aligner.accept(barrier(1, 0))), ["end0", "data0:2"]);
        assert_eq!(aligner.held(), 0);
    }

    #[test]
    fn replays_held_barriers_of_later_epochs() {
        let mut aligner = Aligner::new(2);
        aligner.accept(barrier(0, 0));
        aligner.accept(data(0, 1));
        aligner.accept(barrier(0, 1));
        aligner.accept(data(0, 2));
        assert_eq!(describe(aligner.accept(barrier(1, 0))), ["end0", "data0:1"]);
        assert_eq!(describe(aligner.accept(barrier(1, 1))), ["end1", "data0:2"]);
    }

    #[test]
    fn watermarks_pass_once_per_epoch_and_ended_ports_stop_counting() {
        let mut aligner = Aligner::new(2);
        let wm = |port| {
            Delivery::unaccounted(
                port,
                Message::Watermark(Watermarks {
                    epoch: 3,
                    late: 1,
                    evict: 2,
                    batch_timestamp_ms: 0,
                }),
            )
        };
        assert_eq!(describe(aligner.accept(wm(0))), ["wm3"]);
        assert!(aligner.accept(wm(1)).is_empty());
        aligner.accept(barrier(0, 3));
        assert_eq!(
            describe(aligner.accept(Delivery::unaccounted(1, Message::End))),
            ["end3"]
        );
        assert_eq!(
            describe(aligner.accept(Delivery::unaccounted(0, Message::End))),
            ["END"]
        );
    }
}
