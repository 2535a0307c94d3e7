//! What callers hand the engine and get back: a new work item, a work
//! item's view with its live figures, a queue's figures, and the errors.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use switchboard_core::routing::SkillMatch;
use switchboard_core::Invalid;
use switchboard_store::StoreError;

use crate::config::SkillNeedSpec;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the routing engine has stopped")]
    Stopped,
}

/// A new work item as an integration or a channel submits it.
#[derive(Debug, Clone)]
pub struct NewWorkItem {
    pub channel: String,
    pub kind: String,
    pub contact_id: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub queue_id: Option<String>,
    pub skills: Option<Vec<SkillNeedSpec>>,
    pub skill_match: Option<SkillMatch>,
    pub priority: Option<i32>,
}

/// A work item as the API shows it, with live figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkItemView {
    pub id: String,
    /// `chat`, `voice` or `callback`.
    pub channel: String,
    /// `normal`, `proactive` or `callback`.
    pub kind: String,
    /// `queued`, `offered`, `assigned`, `wrap_up`, `closed` or `abandoned`.
    pub status: String,
    pub queue_id: String,
    pub queue_name: Option<String>,
    pub agent_id: Option<String>,
    pub contact_id: Option<String>,
    pub customer_name: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub priority: i64,
    /// 1-based place in line while queued.
    pub position: Option<usize>,
    /// Unknown (null) until the queue has a throughput history.
    pub estimated_wait_seconds: Option<u64>,
    pub offer_deadline: Option<String>,
    /// Why the item went where it went: rule, queue, method, skill fit.
    #[schema(value_type = Option<Object>)]
    pub reason: Option<Value>,
    pub arrived_at: String,
    pub closed_at: Option<String>,
}

/// Live figures of one queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueStats {
    pub queue_id: String,
    pub waiting: usize,
    pub longest_wait_seconds: Option<u64>,
    /// For a new arrival; unknown (null) until the queue has history.
    pub estimated_wait_seconds: Option<u64>,
    /// Exponentially weighted average wait of recently assigned items.
    pub recent_average_wait_seconds: Option<u64>,
    pub agents_available: usize,
    pub agents_busy: usize,
    pub agents_offline: usize,
}
