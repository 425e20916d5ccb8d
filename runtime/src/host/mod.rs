//! The actor host: every source and operator instance runs as an actix actor that aligns
//! barriers across its inputs, forwards watermarks and barriers, and exchanges batches
//! over edges with bounded rows in flight.

mod align;
mod edge;
mod events;
mod forward;
mod node;
mod source_actor;

pub use align::{Aligner, Step};
pub use edge::{Delivery, Edge};
pub use events::{NodeEvent, Shutdown};
pub use node::NodeActor;
pub use source_actor::{CloseEpoch, Finish, OpenEpoch, ReadAhead, ReadRange, SourceActor};
