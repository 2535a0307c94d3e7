//! Unified routing, as pure logic: which representative gets which work item,
//! when a queue overflows, and how long a customer will wait.
//!
//! Time is plain milliseconds (`Millis`) so the same code runs on the wall
//! clock in the server and on virtual time in the simulator. Entities are
//! addressed by dense indexes; the engine maps the store's ids onto them.

pub mod classify;
pub mod hours;
pub mod model;
pub mod overflow;
pub mod simulation;
pub mod state;
pub mod wait;

pub use model::*;
pub use state::{Decision, RoutingState};

#[cfg(test)]
mod tests;
