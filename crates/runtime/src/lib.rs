//! What Switchboard's services share while they run, and nothing that
//! knows about HTTP: the event bus, the metrics registry, secrets.

pub mod bus;
pub mod metrics;
pub mod secret;
