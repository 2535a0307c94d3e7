//! What changed in the stored configuration, as the store announces it
//! after each commit. Services that keep configuration in memory (the
//! routing engine, the widget cache, the outbox worker) react to these
//! instead of being told by whoever made the change.

/// One committed change, named by what it affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Queues, skills, capacity profiles, routing rules, agents' routing,
    /// roles or activity: who may be offered what.
    Routing,
    /// A widget's settings or proactive rules, or the widget is gone.
    Widget { id: String },
    /// What decides meeting messages (the communications switches).
    Communications,
    /// Outbound webhooks: who wants which events.
    Webhooks,
}
