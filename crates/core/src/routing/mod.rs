//! Unified routing, as pure logic: which representative gets which work item,
//! when a queue overflows, and how long a customer will wait.
//!
//! Time is plain milliseconds (`Millis`) so the same code runs on the wall
//! clock in the server and on virtual time in the simulator. Entities are
//! addressed by dense indexes; the engine maps the store's ids onto them.

pub mod classify;
pub mod events;
pub mod hours;
pub mod model;
pub mod overflow;
pub mod planning;
pub mod queueing;
pub mod simulation;
pub mod state;
pub mod wait;

pub use model::*;
pub use state::{Decision, RoutingState};

/// Work item attributes that name internal records (the chat conversation,
/// the widget and proactive rule it came through, the call and its
/// numbers, the callback). Switchboard writes them when a channel makes its
/// work item (chat/conversation.rs, voice/call.rs, voice/callbacks.rs); a
/// client never may: the public API refuses them with a 422 naming
/// `attributes.<key>`. Nothing trusts them to find a record either: a
/// conversation or call is found by its work item's id.
pub const RESERVED_ATTRIBUTES: &[&str] = &[
    "conversation_id",
    "widget_id",
    "proactive_rule",
    "call_id",
    "caller",
    "called",
    "callback_id",
    "callback_number",
];

/// True when a client may not set this work item attribute.
pub fn is_reserved_attribute(key: &str) -> bool {
    RESERVED_ATTRIBUTES.contains(&key)
}

#[cfg(test)]
mod tests;
