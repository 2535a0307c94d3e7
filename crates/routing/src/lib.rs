//! Unified routing: the configuration's wire format, the engine actor that
//! runs the core's state machine against the store, and its events.

pub mod config;
pub mod engine;
pub mod events;

pub use engine::{Engine, EngineError, EngineHandle};
