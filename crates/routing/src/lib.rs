//! Unified routing in the server: the configuration's wire format and the
//! engine actor that runs the core's state machine against the store.

pub mod config;
pub mod engine;

pub use engine::{Engine, EngineError, EngineHandle};
