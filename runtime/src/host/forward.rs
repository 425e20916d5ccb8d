//! Sending an actor's output on its edges, in order, waiting for credits when an edge is full.

use super::edge::Edge;
use crate::message::Message;
use actix::prelude::*;
use std::sync::Arc;

/// Sends every message on every edge, preserving order. Messages go out at once while the
/// edges have room; from the first full edge on, the rest is sent by a future that the
/// actor waits for (`ctx.wait`), so the actor takes no new message until it is done.
pub fn forward<A>(edges: &Arc<[Edge]>, messages: Vec<Message>, actor: &A, ctx: &mut Context<A>)
where
    A: Actor<Context = Context<A>>,
{
    let mut messages = messages.into_iter();
    while let Some(message) = messages.next() {
        for (index, edge) in edges.iter().enumerate() {
            if let Err(message) = edge.try_send(message.clone()) {
                let edges = edges.clone();
                let rest: Vec<Message> = messages.collect();
                let send_rest = async move {
                    for edge in &edges[index..] {
                        edge.send(message.clone()).await;
                    }
                    for message in rest {
                        for edge in edges.iter() {
                            edge.send(message.clone()).await;
                        }
                    }
                };
                ctx.wait(send_rest.into_actor(actor));
                return;
            }
        }
    }
}
