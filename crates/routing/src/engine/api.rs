//! What callers hand the engine and get back: a new work item, a work
//! item's view with its live figures, a queue's figures, and the errors.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use switchboard_core::routing::classify::Test;
use switchboard_core::routing::SkillMatch;
use switchboard_core::Invalid;
use switchboard_store::routing::RoutingRule;
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

/// A queue in the supervisors' overview: its name, channel and figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueOverview {
    pub name: String,
    /// `messaging` or `voice`.
    pub channel: String,
    pub stats: QueueStats,
}

/// An agent the engine routes to, in the supervisors' overview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentOverview {
    pub agent_id: String,
    /// Filled from the agents' records (null when the record is gone).
    pub name: Option<String>,
    pub presence: switchboard_core::routing::Presence,
    /// Busy because the engine found the agent at full capacity (it lifts
    /// it when room frees), not by the agent's choice.
    pub automatic: bool,
}

/// An open work item in the supervisors' overview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LiveItem {
    #[serde(flatten)]
    pub item: WorkItemView,
    /// When the item entered its current status (offered, assigned…):
    /// pages count its age from here.
    pub since: String,
}

/// Everything live at once: what the supervisors' page loads before it
/// follows the socket.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// The id of the last routing event this overview includes.
    pub last_id: i64,
    pub queues: Vec<QueueOverview>,
    pub agents: Vec<AgentOverview>,
    /// Waiting, offered, assigned and wrapping-up items, oldest first.
    pub work_items: Vec<LiveItem>,
    /// True when the reader sees every queue (admins); false for a
    /// supervisor, who sees the queues they supervise (possibly none) and
    /// their items (and every agent).
    pub all_queues: bool,
}

// ------------------------------------------------------------ the rule tester

/// What to classify: a work item's channel, attributes and contact, and
/// optionally a draft list of rules (else the saved ones).
#[derive(Debug, Clone)]
pub struct RouteQuestion {
    pub channel: String,
    pub contact_id: Option<String>,
    pub attributes: BTreeMap<String, String>,
    /// Rules in the stored form (already validated by the caller).
    pub rules: Option<Vec<RoutingRule>>,
}

/// A queue, by id and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueRef {
    pub id: String,
    pub name: String,
}

/// The rule that chose the queue: its place in the list (from 0) and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleRef {
    pub index: usize,
    pub name: String,
}

/// A skill the item would need, with the least proficiency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SkillNeeded {
    pub skill_id: String,
    pub name: String,
    pub min: u8,
}

/// Why an item with these attributes could not be created.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Refusal {
    /// `no_route` (nothing matches and there is no default queue) or
    /// `mismatch` (the queue serves another channel).
    pub code: String,
    pub message: String,
}

/// One test of a rule that does not hold.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FailedTest {
    /// Its place in the rule's `tests` (from 0).
    pub index: usize,
    pub test: Test,
    /// The attribute's value as the rules saw it; null when absent.
    pub value: Option<String>,
}

/// One rule's verdict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleVerdict {
    pub index: usize,
    pub name: String,
    pub queue_id: String,
    /// Null when no queue has this id any more.
    pub queue_name: Option<String>,
    /// Every test holds.
    pub matches: bool,
    /// This rule decided (the first that matches).
    pub chosen: bool,
    /// Why the engine leaves this rule out (its queue is gone, or its
    /// tests cannot be read); null when it is in use.
    pub unusable: Option<String>,
    /// The tests that do not hold (empty when it matches).
    pub failed_tests: Vec<FailedTest>,
}

/// Where the item would go and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteAnswer {
    /// What the rules saw: the attributes sent, `channel`, and the
    /// contact's `contact_category` and `language` when they were not sent.
    pub attributes: BTreeMap<String, String>,
    /// Null when the item would be refused (see `refusal`).
    pub queue: Option<QueueRef>,
    /// The rule that matched; null when none did.
    pub rule: Option<RuleRef>,
    /// No rule matched: the default queue applies.
    pub default_queue: bool,
    pub skills: Vec<SkillNeeded>,
    pub skill_match: SkillMatch,
    pub priority: i32,
    /// Null when the item would be accepted.
    pub refusal: Option<Refusal>,
    /// Every rule in order, with why it did or did not match.
    pub rules: Vec<RuleVerdict>,
    /// Whether the answer used the draft rules sent (else the saved ones).
    pub draft: bool,
}
