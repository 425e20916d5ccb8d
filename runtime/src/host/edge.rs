//! Edges between actors, with credit-based backpressure: a sender may have at most
//! `capacity` rows in flight on an edge; credits return when the receiver has processed
//! (or, for held-back messages, released) the delivery.

use crate::message::Message;
use actix::Recipient;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One message arriving at an actor, with the input port it arrived on.
pub struct Delivery {
    /// The receiving actor's input port.
    pub port: usize,
    /// The message.
    pub message: Message,
    /// The rows this delivery holds against its edge; released when dropped.
    _credit: Option<OwnedSemaphorePermit>,
}

impl Delivery {
    /// A delivery outside any edge's accounting (tests, coordinator injections).
    pub fn unaccounted(port: usize, message: Message) -> Self {
        Delivery {
            port,
            message,
            _credit: None,
        }
    }
}

impl actix::Message for Delivery {
    type Result = ();
}

/// The sending end of an edge into one input port of a downstream actor.
#[derive(Clone)]
pub struct Edge {
    target: Recipient<Delivery>,
    port: usize,
    credits: Arc<Semaphore>,
    capacity: usize,
}

impl Edge {
    /// An edge into `port` of `target` allowing `capacity_rows` rows in flight (at least 1).
    pub fn new(target: Recipient<Delivery>, port: usize, capacity_rows: usize) -> Self {
        let capacity = capacity_rows.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Edge {
            target,
            port,
            credits: Arc::new(Semaphore::new(capacity)),
            capacity,
        }
    }

    fn cost(&self, message: &Message) -> u32 {
        // A batch larger than the edge's capacity takes the whole capacity.
        message.rows().min(self.capacity) as u32
    }

    /// Sends at once if the edge has room; gives the message back if it does not.
    pub fn try_send(&self, message: Message) -> Result<(), Message> {
        match self
            .credits
            .clone()
            .try_acquire_many_owned(self.cost(&message))
        {
            Ok(permit) => {
                self.deliver(message, permit);
                Ok(())
            }
            Err(_) => Err(message),
        }
    }

    /// Sends once the edge has room.
    pub async fn send(&self, message: Message) {
        let cost = self.cost(&message);
        // The semaphore is never closed, so acquisition fails only if it were.
        if let Ok(permit) = self.credits.clone().acquire_many_owned(cost).await {
            self.deliver(message, permit);
        }
    }

    fn deliver(&self, message: Message, permit: OwnedSemaphorePermit) {
        self.target.do_send(Delivery {
            port: self.port,
            message,
            _credit: Some(permit),
        });
    }
}
