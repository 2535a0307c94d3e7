//! The routing engine: one task that owns the live routing state.
//!
//! Every command runs the core's state machine, turns the decisions into
//! work-item rows and numbered events, writes them in one transaction, and
//! only then answers and broadcasts them. On start (and after any
//! configuration change) it rebuilds itself from the store: open items keep
//! their place, assigned ones their agent, and pending offers are offered
//! again. Talk to it only through its [`EngineHandle`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use switchboard_core::routing::classify::{self, Rule};
use switchboard_core::routing::events::{EventKind, Offer, RoutingEvent};
use switchboard_core::routing::state::Restored;
use switchboard_core::routing::state::{
    AgentState, Decision, ItemStatus, NewItem, Reason, RoutingError,
};
use switchboard_core::routing::*;
use switchboard_core::{time, Invalid};
use switchboard_runtime::bus::{EventBus, InProcessBus, Subscription};
use switchboard_store::routing::{RoutingSnapshot, WorkItemRow};
use switchboard_store::{Db, StoreError};
use tokio::sync::{mpsc, oneshot};

use super::config::{
    enum_name, parse_enum, parse_hours, parse_overflow, HoursSpec, OverflowSpec, SkillNeedSpec,
};

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

type Reply<T> = oneshot::Sender<Result<T, EngineError>>;

enum Command {
    Create(Box<(NewWorkItem, Option<String>)>, Reply<WorkItemView>),
    View(String, Reply<WorkItemView>),
    Answer {
        item: String,
        agent: String,
        accept: bool,
        reply: Reply<WorkItemView>,
    },
    Close {
        item: String,
        agent: Option<String>,
        reply: Reply<WorkItemView>,
    },
    Abandon {
        item: String,
        reply: Reply<WorkItemView>,
    },
    MarkCallback {
        item: String,
        attributes: BTreeMap<String, String>,
        reply: Reply<WorkItemView>,
    },
    Transfer {
        item: String,
        queue: String,
        agent: Option<String>,
        reply: Reply<WorkItemView>,
    },
    Presence {
        agent: String,
        presence: Presence,
        reply: Reply<Presence>,
    },
    GetPresence(String, Reply<Presence>),
    Held(String, Reply<Vec<WorkItemView>>),
    Stats(String, Reply<QueueStats>),
    /// Stop after the step in progress: nothing is written after the reply
    /// (the database is about to close).
    Shutdown(Reply<()>),
}

/// How to reach the engine; cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Command>,
    /// Where committed events are announced.
    events: Arc<Publisher>,
}

/// The routing events' bus, as the engine publishes into it.
pub type Publisher = dyn EventBus<RoutingEvent>;

pub struct Engine;

fn now_ms() -> Millis {
    jiff::Timestamp::now().as_millisecond().max(0) as Millis
}

fn ms_to_text(ms: Millis) -> String {
    time::format(
        jiff::Timestamp::from_millisecond(ms as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    )
}

fn text_to_ms(s: &str) -> Millis {
    time::parse(s)
        .map(|t| t.as_millisecond().max(0) as Millis)
        .unwrap_or(0)
}

impl Engine {
    /// Loads the state from the store and starts the engine task.
    /// `event_capacity`: how many events a subscriber may fall behind
    /// before it reads the missed ones from the store.
    pub async fn start(
        db: Db,
        metrics: Arc<switchboard_runtime::metrics::Metrics>,
        event_capacity: usize,
    ) -> Result<EngineHandle, EngineError> {
        let mut live = Live::load(db.clone()).await?;
        live.metrics = metrics;
        // A configuration change is taken before any command sent after
        // it: the store calls this before its write returns, and the loop
        // looks at this flag before its commands (see `run`).
        let changed = Arc::new(tokio::sync::Notify::new());
        let flag = changed.clone();
        db.changes().listen(move |c| {
            if matches!(c, switchboard_core::changes::Change::Routing) {
                flag.notify_one();
            }
        });
        let (tx, rx) = mpsc::channel(1024);
        let events: Arc<Publisher> = Arc::new(InProcessBus::new(
            event_capacity,
            live.seq,
            Arc::new(crate::events::Stored(db)),
            live.metrics.event_catch_ups.clone(),
        ));
        let handle = EngineHandle {
            tx,
            events: events.clone(),
        };
        tokio::spawn(live.run(rx, changed, events));
        Ok(handle)
    }
}

impl EngineHandle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    pub async fn create(&self, item: NewWorkItem) -> Result<WorkItemView, EngineError> {
        self.ask(|r| Command::Create(Box::new((item, None)), r))
            .await
    }
    /// Like [`Self::create`], with the item's id chosen by the caller (a
    /// fresh `switchboard_store::new_id()`): a channel records the id on its
    /// own row (a chat's conversation) before the item exists, so the row
    /// is found by its work item from the first event on.
    pub async fn create_as(
        &self,
        id: String,
        item: NewWorkItem,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|r| Command::Create(Box::new((item, Some(id))), r))
            .await
    }
    pub async fn view(&self, id: &str) -> Result<WorkItemView, EngineError> {
        self.ask(|r| Command::View(id.to_owned(), r)).await
    }
    pub async fn answer(
        &self,
        item: &str,
        agent: &str,
        accept: bool,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Answer {
            item: item.to_owned(),
            agent: agent.to_owned(),
            accept,
            reply,
        })
        .await
    }
    /// `agent` None: a supervisor closes it.
    pub async fn close(
        &self,
        item: &str,
        agent: Option<&str>,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Close {
            item: item.to_owned(),
            agent: agent.map(str::to_owned),
            reply,
        })
        .await
    }
    /// The customer left before being served.
    pub async fn abandon(&self, item: &str) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Abandon {
            item: item.to_owned(),
            reply,
        })
        .await
    }

    /// A waiting caller asked to be called back: the item keeps its place
    /// in line and becomes a callback (kind `callback`), with `attributes`
    /// (the number to call) added. Refused once an agent holds it.
    pub async fn mark_callback(
        &self,
        item: &str,
        attributes: BTreeMap<String, String>,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::MarkCallback {
            item: item.to_owned(),
            attributes,
            reply,
        })
        .await
    }

    pub async fn transfer(
        &self,
        item: &str,
        queue: &str,
        agent: Option<&str>,
    ) -> Result<WorkItemView, EngineError> {
        self.ask(|reply| Command::Transfer {
            item: item.to_owned(),
            queue: queue.to_owned(),
            agent: agent.map(str::to_owned),
            reply,
        })
        .await
    }
    pub async fn set_presence(
        &self,
        agent: &str,
        presence: Presence,
    ) -> Result<Presence, EngineError> {
        self.ask(|reply| Command::Presence {
            agent: agent.to_owned(),
            presence,
            reply,
        })
        .await
    }
    pub async fn presence(&self, agent: &str) -> Result<Presence, EngineError> {
        self.ask(|r| Command::GetPresence(agent.to_owned(), r))
            .await
    }
    pub async fn stats(&self, queue: &str) -> Result<QueueStats, EngineError> {
        self.ask(|r| Command::Stats(queue.to_owned(), r)).await
    }
    /// Stops the engine: the step in progress finishes, then no timer or
    /// command writes again (later calls answer `Stopped`). Idempotent.
    pub async fn shutdown(&self) {
        let _ = self.ask(Command::Shutdown).await;
    }

    /// The id of the last committed event.
    pub fn last_seq(&self) -> i64 {
        self.events.last_seq()
    }

    /// The work items an agent holds now (offered, assigned, wrapping up).
    pub async fn held(&self, agent: &str) -> Result<Vec<WorkItemView>, EngineError> {
        self.ask(|r| Command::Held(agent.to_owned(), r)).await
    }

    /// Events as they are committed, from now on; a subscriber that falls
    /// behind reads the missed ones from the store.
    /// `who` names the subscriber in the catch-up counts.
    pub fn subscribe(&self, who: &str) -> Subscription<RoutingEvent> {
        self.events.subscribe(who)
    }

    /// Events after `seq` (those already committed read from the store).
    pub fn subscribe_after(&self, who: &str, seq: i64) -> Subscription<RoutingEvent> {
        self.events.subscribe_after(who, seq)
    }
}

/// A live item's state carried across a reload.
enum Carried {
    Waiting,
    Offered(String, Millis),
    Assigned(String),
    WrapUp(String, Millis),
}

struct CarriedItem {
    status: Carried,
    declines: Vec<(String, u8)>,
    overflow_done: bool,
    entered: Millis,
}

/// The live state a reload keeps: items as they are right now, and each
/// queue's throughput history.
struct Carry {
    items: HashMap<String, CarriedItem>,
    estimators: HashMap<String, switchboard_core::routing::wait::WaitEstimator>,
}

/// Events a rebuild owes the clients, sent with the next commit.
enum Pending {
    /// An offer that no longer stands (its agent is gone, or a restart).
    Rescind {
        item: String,
        agent: String,
        queue: String,
    },
    /// A wrap-up cut short by a restart.
    Closed {
        item: String,
        agent: Option<String>,
        queue: String,
    },
}

/// The engine's own view of one work item.
struct Info {
    row: WorkItemRow,
    /// Who holds it (offered, assigned or wrapping up), as a store id.
    holder: Option<String>,
    reason: Value,
}

struct Live {
    db: Db,
    core: RoutingState,
    agent_ix: HashMap<String, AgentIx>,
    agent_ids: Vec<String>,
    queue_ix: HashMap<String, QueueIx>,
    queue_ids: Vec<String>,
    queue_names: Vec<String>,
    skill_ix: HashMap<String, SkillIx>,
    rules: Vec<Rule>,
    /// Store ids of skills, by core index.
    skill_ids: Vec<String>,
    default_queue: Option<QueueIx>,
    info: HashMap<ItemId, Info>,
    item_ix: HashMap<String, ItemId>,
    next_item: u64,
    seq: i64,
    /// Whether some queue has a while-waiting overflow rule (needs a tick).
    waiting_rules: bool,
    metrics: Arc<switchboard_runtime::metrics::Metrics>,
    /// Rows to write at the next commit (changed by a rebuild).
    stale: Vec<WorkItemRow>,
    /// Events to send at the next commit (owed by a rebuild).
    pending: Vec<Pending>,
    /// The last write failed and the rebuild could not read the store:
    /// memory may be ahead of it, so rebuild before the next command.
    broken: bool,
}

/// What one step changed, to be written and then announced.
#[derive(Default)]
struct Step {
    items: Vec<String>,
    presence: Vec<(String, String)>,
    events: Vec<RoutingEvent>,
}

impl Live {
    async fn load(db: Db) -> Result<Self, EngineError> {
        let snapshot = db.routing_snapshot().await?;
        let mut live = Live {
            db,
            core: RoutingState::new(),
            agent_ix: HashMap::new(),
            agent_ids: Vec::new(),
            queue_ix: HashMap::new(),
            queue_ids: Vec::new(),
            queue_names: Vec::new(),
            skill_ix: HashMap::new(),
            skill_ids: Vec::new(),
            rules: Vec::new(),
            default_queue: None,
            info: HashMap::new(),
            item_ix: HashMap::new(),
            next_item: 0,
            seq: snapshot.last_seq,
            waiting_rules: false,
            stale: Vec::new(),
            pending: Vec::new(),
            broken: false,
            metrics: Arc::default(),
        };
        live.build(snapshot, None);
        Ok(live)
    }

    /// Builds the core state from a snapshot, restoring open items.
    /// Builds the core state from a snapshot. `carry`: the live state of a
    /// running engine (a reload); `None` after a restart.
    fn build(&mut self, s: RoutingSnapshot, carry: Option<Carry>) {
        let mut core = RoutingState::new();
        self.skill_ix = s
            .skills
            .iter()
            .enumerate()
            .map(|(i, sk)| (sk.id.clone(), SkillIx(i as u16)))
            .collect();
        self.skill_ids = s.skills.iter().map(|sk| sk.id.clone()).collect();
        let profiles: HashMap<&str, &switchboard_store::routing::CapacityProfile> =
            s.profiles.iter().map(|p| (p.id.as_str(), p)).collect();
        self.agent_ix.clear();
        self.agent_ids.clear();
        let mut presences = Vec::new();
        for (id, routing) in &s.agents {
            let (skills, capacity, presence) = match routing {
                None => (Vec::new(), Capacity::default(), Presence::Offline),
                Some(r) => {
                    let skills = r
                        .skills
                        .iter()
                        .filter_map(|sk| {
                            Some((
                                *self.skill_ix.get(&sk.skill_id)?,
                                sk.proficiency.clamp(1, 10) as u8,
                            ))
                        })
                        .collect();
                    let capacity = match r
                        .capacity_profile_id
                        .as_deref()
                        .and_then(|p| profiles.get(p))
                    {
                        Some(p) => Capacity {
                            messaging: p.chat_units.clamp(0, 100) as u8,
                            voice: p.voice_units.clamp(0, 10) as u8,
                            voice_blocks_others: p.voice_blocks_others,
                            wrap_up_ms: p.wrap_up_seconds.max(0) as u64 * 1000,
                        },
                        None => Capacity::default(),
                    };
                    (
                        skills,
                        capacity,
                        parse_enum(&r.presence).unwrap_or(Presence::Offline),
                    )
                }
            };
            let ix = core.add_agent(AgentState::new(skills, capacity));
            presences.push((ix, presence));
            self.agent_ix.insert(id.clone(), ix);
            self.agent_ids.push(id.clone());
        }
        self.queue_ix = s
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), QueueIx(i as u32)))
            .collect();
        let channels: HashMap<String, (QueueIx, ChannelKind)> = s
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                (
                    q.id.clone(),
                    (
                        QueueIx(i as u32),
                        parse_enum(&q.channel).unwrap_or(ChannelKind::Messaging),
                    ),
                )
            })
            .collect();
        self.queue_ids = s.queues.iter().map(|q| q.id.clone()).collect();
        self.queue_names = s.queues.iter().map(|q| q.name.clone()).collect();
        self.default_queue = s
            .queues
            .iter()
            .position(|q| q.is_default)
            .map(|i| QueueIx(i as u32));
        self.waiting_rules = false;
        for q in &s.queues {
            let channel: ChannelKind = parse_enum(&q.channel).unwrap_or(ChannelKind::Messaging);
            let members = q
                .members
                .iter()
                .filter_map(|m| self.agent_ix.get(m).copied())
                .collect();
            let mut config = QueueConfig::new(&q.name, channel, members);
            config.priority = q.priority as i32;
            config.method = parse_enum(&q.method).unwrap_or(config.method);
            config.offer_timeout_ms = q.offer_timeout_seconds.max(1) as u64 * 1000;
            config.declines_allowed = q.declines_allowed.clamp(1, 5) as u8;
            // Stored configuration was validated on the way in; anything that
            // no longer resolves (a deleted queue) is dropped with a warning.
            let hours = q
                .operating_hours
                .as_ref()
                .and_then(|h| serde_json::from_value::<HoursSpec>(h.clone()).ok())
                .and_then(|h| parse_hours(&h, "operating_hours").ok());
            let spec: OverflowSpec = serde_json::from_value(q.overflow.clone()).unwrap_or_default();
            let overflow = parse_overflow(&spec, hours, channel, &channels).unwrap_or_else(|e| {
                tracing::warn!(queue = %q.id, errors = ?e, "ignoring overflow rules that no longer resolve");
                Default::default()
            });
            self.waiting_rules |= overflow.while_waiting.is_some();
            core.add_queue(config, overflow);
        }
        self.rules = s
            .rules
            .iter()
            .filter_map(|r| {
                let queue = *self.queue_ix.get(&r.queue_id)?;
                let tests = serde_json::from_value(r.tests.clone()).ok()?;
                let needs: Vec<SkillNeedSpec> =
                    serde_json::from_value(r.skills.clone()).unwrap_or_default();
                let needs = needs
                    .iter()
                    .filter_map(|n| {
                        Some(SkillNeed {
                            skill: *self.skill_ix.get(&n.skill_id)?,
                            min: n.min.clamp(1, 10),
                        })
                    })
                    .collect();
                let rule = Rule {
                    name: r.name.clone(),
                    tests,
                    queue,
                    needs,
                    skill_match: parse_enum(&r.skill_match).unwrap_or(SkillMatch::Exact),
                    priority: r.priority as i32,
                };
                Some(rule)
            })
            .collect();
        for (ix, p) in presences {
            core.agents[ix.0 as usize].presence = p;
        }
        // Open items: with their agent, or back in line.
        self.info.clear();
        self.item_ix.clear();
        for row in s.open_items {
            let carried = carry.as_ref().and_then(|c| c.items.get(&row.id));
            let Some(&queue) = self.queue_ix.get(&row.queue_id) else {
                tracing::warn!(item = %row.id, "open work item in a queue that no longer exists");
                continue;
            };
            let agent_of =
                |id: &Option<String>| id.as_ref().and_then(|a| self.agent_ix.get(a).copied());
            // What the item was doing: from the live state on a reload, from
            // the store after a restart (where a running offer deadline or
            // wrap-up cannot be trusted).
            let (status, restored) = match carried {
                Some(c) => {
                    let status = match &c.status {
                        Carried::Waiting => ItemStatus::Waiting,
                        Carried::Offered(a, deadline) => match agent_of(&Some(a.clone())) {
                            Some(agent) => ItemStatus::Offered {
                                agent,
                                deadline: *deadline,
                            },
                            None => {
                                self.pending.push(Pending::Rescind {
                                    item: row.id.clone(),
                                    agent: a.clone(),
                                    queue: row.queue_id.clone(),
                                });
                                ItemStatus::Waiting
                            }
                        },
                        Carried::Assigned(a) => match agent_of(&Some(a.clone())) {
                            Some(agent) => ItemStatus::Assigned { agent },
                            None => ItemStatus::Waiting,
                        },
                        Carried::WrapUp(a, until) => match agent_of(&Some(a.clone())) {
                            Some(agent) => ItemStatus::WrapUp {
                                agent,
                                until: *until,
                            },
                            None => ItemStatus::Waiting,
                        },
                    };
                    let declines = c
                        .declines
                        .iter()
                        .filter_map(|(a, n)| Some((*self.agent_ix.get(a)?, *n)))
                        .collect();
                    (
                        status,
                        Restored {
                            declines,
                            waiting_overflow_done: c.overflow_done,
                            entered_queue_at: Some(c.entered),
                        },
                    )
                }
                None => {
                    let status = match row.status.as_str() {
                        "assigned" => {
                            agent_of(&row.agent_id).map(|agent| ItemStatus::Assigned { agent })
                        }
                        "wrap_up" => {
                            // Handled already; only the wrap-up timer was running.
                            self.pending.push(Pending::Closed {
                                item: row.id.clone(),
                                agent: row.agent_id.clone(),
                                queue: row.queue_id.clone(),
                            });
                            let mut closed = row.clone();
                            closed.status = "closed".into();
                            closed.closed_at = Some(time::now());
                            self.stale.push(closed);
                            continue;
                        }
                        "offered" => {
                            if let Some(a) = &row.agent_id {
                                self.pending.push(Pending::Rescind {
                                    item: row.id.clone(),
                                    agent: a.clone(),
                                    queue: row.queue_id.clone(),
                                });
                            }
                            None
                        }
                        _ => None,
                    }
                    .unwrap_or(ItemStatus::Waiting);
                    let declines: Vec<(String, u8)> =
                        serde_json::from_str(&row.declines).unwrap_or_default();
                    let declines = declines
                        .into_iter()
                        .filter_map(|(a, n)| Some((*self.agent_ix.get(&a)?, n)))
                        .collect();
                    (
                        status,
                        Restored {
                            declines,
                            ..Default::default()
                        },
                    )
                }
            };
            self.next_item += 1;
            let id = ItemId(self.next_item);
            let new = NewItem {
                id,
                queue,
                priority: row.priority as i32,
                needs: self.needs_of(&row.needs),
                skill_match: parse_enum(&row.skill_match).unwrap_or(SkillMatch::Exact),
                arrived_at: text_to_ms(&row.arrived_at),
            };
            if core.restore(new, status, restored).is_err() {
                continue;
            }
            let mut row = row;
            let holder = match status {
                ItemStatus::Waiting => None,
                ItemStatus::Offered { agent, .. }
                | ItemStatus::Assigned { agent }
                | ItemStatus::WrapUp { agent, .. } => {
                    Some(self.agent_ids[agent.0 as usize].clone())
                }
            };
            if status == ItemStatus::Waiting && row.status != "queued" {
                row.status = "queued".into();
                row.agent_id = None;
                row.offer_deadline = None;
                self.stale.push(row.clone());
            }
            let reason = row
                .reason
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or(Value::Null);
            self.item_ix.insert(row.id.clone(), id);
            self.info.insert(
                id,
                Info {
                    row,
                    holder,
                    reason,
                },
            );
        }
        if let Some(c) = carry {
            for (qid, est) in c.estimators {
                if let Some(q) = self.queue_ix.get(&qid) {
                    core.queues[q.0 as usize].estimator = est;
                }
            }
        }
        self.core = core;
    }

    /// The live state of every item, by store id, for a reload.
    fn carry(&self) -> Carry {
        let name = |a: &AgentIx| self.agent_ids[a.0 as usize].clone();
        let mut items = HashMap::new();
        for (id, item) in &self.core.items {
            let Some(info) = self.info.get(id) else {
                continue;
            };
            let status = match item.status {
                ItemStatus::Waiting => Carried::Waiting,
                ItemStatus::Offered { agent, deadline } => Carried::Offered(name(&agent), deadline),
                ItemStatus::Assigned { agent } => Carried::Assigned(name(&agent)),
                ItemStatus::WrapUp { agent, until } => Carried::WrapUp(name(&agent), until),
            };
            items.insert(
                info.row.id.clone(),
                CarriedItem {
                    status,
                    declines: item.declines.iter().map(|(a, n)| (name(a), *n)).collect(),
                    overflow_done: item.waiting_overflow_done,
                    entered: item.entered_queue_at,
                },
            );
        }
        let estimators = self
            .queue_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), self.core.queues[i].estimator.clone()))
            .collect();
        Carry { items, estimators }
    }

    /// Rebuilds from the store keeping the live state (configuration
    /// changed, or an agent appeared), then routes what can be routed.
    async fn reload(&mut self, events: &Publisher) -> Result<(), EngineError> {
        let carry = self.carry();
        let snapshot = self.db.routing_snapshot().await?;
        self.build(snapshot, Some(carry));
        let decisions = self.core.route_all(now_ms());
        self.commit(decisions, Step::default(), events).await
    }

    fn needs_of(&self, json_text: &str) -> Vec<SkillNeed> {
        let specs: Vec<SkillNeedSpec> = serde_json::from_str(json_text).unwrap_or_default();
        specs
            .iter()
            .filter_map(|n| {
                Some(SkillNeed {
                    skill: *self.skill_ix.get(&n.skill_id)?,
                    min: n.min.clamp(1, 10),
                })
            })
            .collect()
    }

    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        changed: Arc<tokio::sync::Notify>,
        events: Arc<Publisher>,
    ) {
        // Items restored as waiting, and agents available after a restart.
        let decisions = self.core.route_all(now_ms());
        if let Err(e) = self.commit(decisions, Step::default(), &*events).await {
            tracing::error!(error = %e, "routing after restart failed");
        }
        let mut next_check = tokio::time::Instant::now();
        loop {
            // An absolute deadline: commands arriving meanwhile do not push
            // the timers back.
            let deadline = self.next_deadline(next_check);
            tokio::select! {
                // Changes first: a command sent after a change must see it.
                biased;
                _ = changed.notified() => {
                    if let Err(e) = self.reload(&*events).await {
                        tracing::error!(error = %e, "rebuilding the routing state after a configuration change failed");
                    }
                }
                c = rx.recv() => match c {
                    Some(Command::Shutdown(reply)) => {
                        rx.close();
                        let _ = reply.send(Ok(()));
                        tracing::debug!("routing engine stopped");
                        return;
                    }
                    Some(c) => self.handle(c, &*events).await,
                    None => return,
                },
                _ = tokio::time::sleep_until(deadline) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                if self.broken {
                    if let Err(e) = self.recover(&*events).await {
                        tracing::error!(error = %e, "routing engine cannot rebuild from the store");
                    }
                }
                let decisions = self.core.tick(now_ms());
                if let Err(e) = self.commit(decisions, Step::default(), &*events).await {
                    tracing::error!(error = %e, "routing timer step failed");
                }
                next_check = tokio::time::Instant::now() + Duration::from_secs(1);
            }
        }
    }

    /// When the next offer expires or wrap-up ends, or (with while-waiting
    /// overflow rules) the next once-a-second check is due.
    fn next_deadline(&self, next_check: tokio::time::Instant) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        let timer = match self.core.next_timer() {
            Some(t) => now + Duration::from_millis(t.saturating_sub(now_ms())),
            None => now + Duration::from_secs(60),
        };
        if self.waiting_rules {
            timer.min(next_check)
        } else {
            timer
        }
    }

    /// After a failed write: rebuild from the store (a few tries), then
    /// route what waits. Until it succeeds, commands are answered with the
    /// store's error rather than served from memory that ran ahead.
    async fn recover(&mut self, events: &Publisher) -> Result<(), EngineError> {
        let mut last = None;
        for attempt in 0..3 {
            match self.db.routing_snapshot().await {
                Ok(snapshot) => {
                    self.seq = snapshot.last_seq;
                    self.build(snapshot, None);
                    self.broken = false;
                    let decisions = self.core.route_all(now_ms());
                    return Box::pin(self.commit(decisions, Step::default(), events)).await;
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
            }
        }
        Err(last.expect("three attempts").into())
    }

    async fn handle(&mut self, c: Command, events: &Publisher) {
        let started = std::time::Instant::now();
        self.handle_command(c, events).await;
        self.metrics
            .routing_step
            .observe(started.elapsed().as_secs_f64());
    }

    async fn handle_command(&mut self, c: Command, events: &Publisher) {
        if self.broken {
            if let Err(e) = self.recover(events).await {
                tracing::error!(error = %e, "routing engine cannot rebuild from the store");
            }
        }
        match c {
            Command::Create(new, reply) => {
                let (new, id) = *new;
                let r = self.create(new, id, events).await;
                let _ = reply.send(r);
            }
            Command::View(id, reply) => {
                let r = self.view(&id).await;
                let _ = reply.send(r);
            }
            Command::Answer {
                item,
                agent,
                accept,
                reply,
            } => {
                let r = self.answer(&item, &agent, accept, events).await;
                let _ = reply.send(r);
            }
            Command::Close { item, agent, reply } => {
                let r = self.close(&item, agent.as_deref(), events).await;
                let _ = reply.send(r);
            }
            Command::Abandon { item, reply } => {
                let r = async {
                    let id = self.item_id(&item)?;
                    let decisions = self.core.abandon(id, now_ms()).map_err(|_| {
                        EngineError::Conflict(
                            "the work item is already with an agent; the agent closes it".into(),
                        )
                    })?;
                    self.commit(decisions, Step::default(), events).await?;
                    self.view(&item).await
                }
                .await;
                let _ = reply.send(r);
            }
            Command::MarkCallback {
                item,
                attributes,
                reply,
            } => {
                let r = async {
                    let id = self.item_id(&item)?;
                    let info = self
                        .info
                        .get(&id)
                        .ok_or(EngineError::NotFound("work item"))?;
                    if !matches!(info.row.status.as_str(), "queued" | "offered") {
                        return Err(EngineError::Conflict(
                            "only a waiting work item can become a callback".into(),
                        ));
                    }
                    let mut step = Step::default();
                    let added = attributes.clone();
                    self.touch(&mut step, id, |i| {
                        let mut attrs: BTreeMap<String, String> =
                            serde_json::from_str(&i.row.attributes).unwrap_or_default();
                        attrs.extend(added);
                        i.row.attributes =
                            serde_json::to_string(&attrs).unwrap_or_else(|_| "{}".into());
                        i.row.kind = "callback".into();
                    });
                    self.event(
                        &mut step,
                        EventKind::CallbackRequested { attributes },
                        Some(id),
                        None,
                    );
                    self.commit(Vec::new(), step, events).await?;
                    self.view(&item).await
                }
                .await;
                let _ = reply.send(r);
            }
            Command::Transfer {
                item,
                queue,
                agent,
                reply,
            } => {
                let r = self.transfer(&item, &queue, agent.as_deref(), events).await;
                let _ = reply.send(r);
            }
            Command::Presence {
                agent,
                presence,
                reply,
            } => {
                let r = self.presence(&agent, presence, events).await;
                let _ = reply.send(r);
            }
            Command::GetPresence(agent, reply) => {
                let r = self
                    .agent(&agent, events)
                    .await
                    .map(|a| self.core.agents[a.0 as usize].presence);
                let _ = reply.send(r);
            }
            Command::Stats(queue, reply) => {
                let _ = reply.send(self.stats(&queue));
            }
            Command::Held(agent, reply) => {
                let mut held: Vec<WorkItemView> = self
                    .info
                    .iter()
                    .filter(|(_, i)| i.holder.as_deref() == Some(agent.as_str()))
                    .map(|(ix, i)| self.view_of(&i.row, Some(*ix), Some(i.reason.clone())))
                    .collect();
                held.sort_by(|a, b| a.arrived_at.cmp(&b.arrived_at));
                let _ = reply.send(Ok(held));
            }
            // Handled by the run loop, which stops.
            Command::Shutdown(reply) => {
                let _ = reply.send(Ok(()));
            }
        }
    }

    fn item_id(&self, id: &str) -> Result<ItemId, EngineError> {
        self.item_ix
            .get(id)
            .copied()
            .ok_or(EngineError::NotFound("work item"))
    }

    /// The agent's index; an agent created or activated since the last
    /// load makes the engine reload once before answering "not found".
    async fn agent(&mut self, id: &str, events: &Publisher) -> Result<AgentIx, EngineError> {
        if let Some(a) = self.agent_ix.get(id) {
            return Ok(*a);
        }
        self.reload(events).await?;
        self.agent_ix
            .get(id)
            .copied()
            .ok_or(EngineError::NotFound("agent"))
    }

    async fn create(
        &mut self,
        new: NewWorkItem,
        preset_id: Option<String>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let mut c = switchboard_core::validation::Check::new();
        let wants_voice = match new.channel.as_str() {
            "chat" => false,
            "voice" | "callback" => true,
            _ => {
                c.fail("channel", "invalid", "must be chat, voice or callback");
                false
            }
        };
        if !matches!(new.kind.as_str(), "normal" | "proactive" | "callback") {
            c.fail("kind", "invalid", "must be normal, proactive or callback");
        }
        // What the rules see: the attributes, the channel, and the contact's
        // category and language when known.
        let mut attrs = new.attributes.clone();
        attrs.insert("channel".into(), new.channel.clone());
        let mut customer_name = None;
        if let Some(contact_id) = &new.contact_id {
            match self.db.contact(contact_id).await {
                Ok(contact) => {
                    customer_name = Some(contact.display_name());
                    if let Some(cat) = &contact.category {
                        attrs
                            .entry("contact_category".into())
                            .or_insert_with(|| cat.clone());
                    }
                    if let Some(locale) = &contact.locale {
                        let lang = locale.split('-').next().unwrap_or(locale).to_owned();
                        attrs.entry("language".into()).or_insert(lang);
                    }
                }
                Err(StoreError::NotFound(_)) => {
                    c.fail("contact_id", "unknown", "no contact has this id")
                }
                Err(e) => return Err(e.into()),
            }
        }
        let (queue, needs, skill_match, priority, rule_name) = match &new.queue_id {
            Some(q) => match self.queue_ix.get(q) {
                Some(&queue) => {
                    let mut needs = Vec::new();
                    let specs = new.skills.clone().unwrap_or_default();
                    if specs.len() > 20 {
                        c.fail("skills", "too_long", "at most 20 required skills");
                    }
                    let mut seen = std::collections::HashSet::new();
                    for (i, n) in specs.iter().enumerate().take(20) {
                        if !seen.insert(n.skill_id.clone()) {
                            c.fail(
                                &format!("skills[{i}].skill_id"),
                                "duplicate",
                                "each skill once",
                            );
                            continue;
                        }
                        match self.skill_ix.get(&n.skill_id) {
                            Some(&skill) if (1..=10).contains(&n.min) => {
                                needs.push(SkillNeed { skill, min: n.min })
                            }
                            Some(_) => c.fail(
                                &format!("skills[{i}].min"),
                                "out_of_range",
                                "must be between 1 and 10",
                            ),
                            None => c.fail(
                                &format!("skills[{i}].skill_id"),
                                "unknown",
                                "no skill has this id",
                            ),
                        }
                    }
                    (
                        queue,
                        needs,
                        new.skill_match.unwrap_or(SkillMatch::Exact),
                        new.priority.unwrap_or(0),
                        None,
                    )
                }
                None => {
                    c.fail("queue_id", "unknown", "no queue has this id");
                    (QueueIx(0), Vec::new(), SkillMatch::Exact, 0, None)
                }
            },
            None => {
                let class = classify::classify(&self.rules, self.default_queue, &attrs);
                if class.is_none() {
                    c.fail(
                        "queue_id",
                        "no_route",
                        "no routing rule matches and there is no default queue",
                    );
                }
                match class {
                    Some(classify::Classification { rule: Some(r), .. }) => (
                        r.queue,
                        r.needs.clone(),
                        r.skill_match,
                        new.priority.unwrap_or(r.priority),
                        Some(r.name.clone()),
                    ),
                    Some(classify::Classification { rule: None, queue }) => (
                        queue,
                        Vec::new(),
                        SkillMatch::Exact,
                        new.priority.unwrap_or(0),
                        None,
                    ),
                    None => (QueueIx(0), Vec::new(), SkillMatch::Exact, 0, None),
                }
            }
        };
        if c.is_ok() {
            let channel = self.core.queues[queue.0 as usize].config.channel;
            if (channel == ChannelKind::Voice) != wants_voice {
                c.fail(
                    "channel",
                    "mismatch",
                    format!(
                        "a {} item cannot wait in a {} queue",
                        new.channel,
                        enum_name(&channel)
                    ),
                );
            }
        }
        c.finish(|| ())?;

        let now = now_ms();
        self.next_item += 1;
        let id = ItemId(self.next_item);
        let store_id = preset_id.unwrap_or_else(switchboard_store::new_id);
        let needs_json: Vec<Value> = needs
            .iter()
            .filter_map(|n| {
                let skill_id = self.skill_ids.get(n.skill.0 as usize)?;
                Some(json!({"skill_id": skill_id, "min": n.min}))
            })
            .collect();
        let row = WorkItemRow {
            id: store_id.clone(),
            channel: new.channel.clone(),
            kind: new.kind.clone(),
            contact_id: new.contact_id.clone(),
            customer_name,
            attributes: serde_json::to_string(&new.attributes).expect("strings serialize"),
            queue_id: self.queue_ids[queue.0 as usize].clone(),
            priority: i64::from(priority),
            needs: Value::Array(needs_json).to_string(),
            skill_match: enum_name(&skill_match),
            status: "created".into(),
            agent_id: None,
            offer_deadline: None,
            declines: "[]".into(),
            reason: None,
            arrived_at: ms_to_text(now),
            updated_at: ms_to_text(now),
            closed_at: None,
        };
        let reason = json!({"rule": rule_name, "queue": self.queue_names[queue.0 as usize]});
        self.item_ix.insert(store_id.clone(), id);
        self.info.insert(
            id,
            Info {
                row,
                holder: None,
                reason: reason.clone(),
            },
        );
        let mut step = Step::default();
        step.items.push(store_id.clone());
        let classified = EventKind::Classified {
            rule: rule_name,
            queue_id: self.queue_ids[queue.0 as usize].clone(),
        };
        self.event(&mut step, classified, Some(id), None);
        let decisions = self
            .core
            .enqueue(
                NewItem {
                    id,
                    queue,
                    priority,
                    needs,
                    skill_match,
                    arrived_at: now,
                },
                now,
            )
            .map_err(|e| EngineError::Conflict(e.to_string()))?;
        self.commit(decisions, step, events).await?;
        self.view(&store_id).await
    }

    async fn view(&self, id: &str) -> Result<WorkItemView, EngineError> {
        let Some(&ix) = self.item_ix.get(id) else {
            // Closed items are no longer live: read them from the store.
            let row = match self.db.work_item(id).await {
                Ok(r) => r,
                Err(StoreError::NotFound(_)) => return Err(EngineError::NotFound("work item")),
                Err(e) => return Err(e.into()),
            };
            let reason = row
                .reason
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok());
            return Ok(self.view_of(&row, None, reason));
        };
        let info = &self.info[&ix];
        Ok(self.view_of(&info.row, Some(ix), Some(info.reason.clone())))
    }

    fn view_of(
        &self,
        row: &WorkItemRow,
        live: Option<ItemId>,
        reason: Option<Value>,
    ) -> WorkItemView {
        WorkItemView {
            id: row.id.clone(),
            channel: row.channel.clone(),
            kind: row.kind.clone(),
            status: row.status.clone(),
            queue_id: row.queue_id.clone(),
            queue_name: self
                .queue_ix
                .get(&row.queue_id)
                .map(|q| self.queue_names[q.0 as usize].clone()),
            agent_id: row.agent_id.clone(),
            contact_id: row.contact_id.clone(),
            customer_name: row.customer_name.clone(),
            attributes: serde_json::from_str(&row.attributes).unwrap_or_default(),
            priority: row.priority,
            position: live.and_then(|ix| self.core.position(ix)),
            estimated_wait_seconds: live
                .and_then(|ix| self.core.estimated_wait(ix))
                .map(|ms| ms.div_ceil(1000)),
            offer_deadline: row.offer_deadline.clone(),
            reason,
            arrived_at: row.arrived_at.clone(),
            closed_at: row.closed_at.clone(),
        }
    }

    async fn answer(
        &mut self,
        item: &str,
        agent: &str,
        accept: bool,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let a = self.agent(agent, events).await?;
        let now = now_ms();
        let r = if accept {
            self.core.accept(id, a, now)
        } else {
            self.core.reject(id, a, now)
        };
        let decisions = r.map_err(|e| match e {
            RoutingError::NotOffered => {
                EngineError::Conflict("this work item is not offered to you (any more)".into())
            }
            other => EngineError::Conflict(other.to_string()),
        })?;
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    async fn close(
        &mut self,
        item: &str,
        agent: Option<&str>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let now = now_ms();
        let status = self.core.items.get(&id).map(|i| i.status);
        let decisions = match status {
            Some(
                ItemStatus::Assigned { agent: holder } | ItemStatus::WrapUp { agent: holder, .. },
            ) => {
                if let Some(a) = agent {
                    if self.agent(a, events).await? != holder {
                        return Err(EngineError::Forbidden(
                            "only the assigned agent or a supervisor may close this".into(),
                        ));
                    }
                }
                self.core
                    .close(id, holder, now)
                    .map_err(|e| EngineError::Conflict(e.to_string()))?
            }
            // Not yet with an agent: closing cancels it (supervisors only).
            Some(ItemStatus::Waiting | ItemStatus::Offered { .. }) if agent.is_none() => {
                let mut ds = self
                    .core
                    .abandon(id, now)
                    .map_err(|e| EngineError::Conflict(e.to_string()))?;
                for d in &mut ds {
                    if let Decision::Abandoned { item } = d {
                        *d = Decision::Closed { item: *item };
                    }
                }
                ds
            }
            Some(_) => {
                return Err(EngineError::Conflict(
                    "the work item is not assigned to you".into(),
                ))
            }
            None => {
                return Err(EngineError::Conflict(
                    "the work item is already closed".into(),
                ))
            }
        };
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    async fn transfer(
        &mut self,
        item: &str,
        queue: &str,
        agent: Option<&str>,
        events: &Publisher,
    ) -> Result<WorkItemView, EngineError> {
        let id = self.item_id(item)?;
        let to = *self
            .queue_ix
            .get(queue)
            .ok_or_else(|| Invalid::one("queue_id", "unknown", "no queue has this id"))?;
        if let Some(a) = agent {
            let a = self.agent(a, events).await?;
            if self.core.items.get(&id).map(|i| i.status) != Some(ItemStatus::Assigned { agent: a })
            {
                return Err(EngineError::Forbidden(
                    "only the assigned agent or a supervisor may transfer this".into(),
                ));
            }
        }
        let from = self.core.items[&id].queue;
        let (cf, ct) = (
            self.core.queues[from.0 as usize].config.channel,
            self.core.queues[to.0 as usize].config.channel,
        );
        if cf != ct {
            return Err(Invalid::one(
                "queue_id",
                "mismatch",
                "the target queue serves another channel",
            )
            .into());
        }
        let decisions = self
            .core
            .transfer(id, to, now_ms())
            .map_err(|e| EngineError::Conflict(e.to_string()))?;
        self.commit(decisions, Step::default(), events).await?;
        self.view(item).await
    }

    async fn presence(
        &mut self,
        agent: &str,
        presence: Presence,
        events: &Publisher,
    ) -> Result<Presence, EngineError> {
        let a = self.agent(agent, events).await?;
        let decisions = self
            .core
            .set_presence(a, presence, now_ms())
            .map_err(|e| EngineError::Conflict(e.to_string()))?;
        self.commit(decisions, Step::default(), events).await?;
        Ok(self.core.agents[a.0 as usize].presence)
    }

    fn stats(&self, queue: &str) -> Result<QueueStats, EngineError> {
        let q = *self
            .queue_ix
            .get(queue)
            .ok_or(EngineError::NotFound("queue"))?;
        let state = &self.core.queues[q.0 as usize];
        let now = now_ms();
        let mut counts = (0, 0, 0);
        for m in &state.config.members {
            match self.core.agents[m.0 as usize].presence {
                Presence::Available => counts.0 += 1,
                Presence::Offline => counts.2 += 1,
                _ => counts.1 += 1,
            }
        }
        Ok(QueueStats {
            queue_id: queue.to_owned(),
            waiting: state.waiting_count(),
            longest_wait_seconds: state
                .oldest_arrival()
                .map(|at| now.saturating_sub(at) / 1000),
            estimated_wait_seconds: state
                .estimator
                .estimate(state.waiting_count() + 1)
                .map(|ms| ms.div_ceil(1000)),
            recent_average_wait_seconds: state
                .estimator
                .recent_wait
                .map(|w| (w / 1000.0).round() as u64),
            agents_available: counts.0,
            agents_busy: counts.1,
            agents_offline: counts.2,
        })
    }

    /// Numbers an event about `item` and `agent` into the step.
    fn event(
        &mut self,
        step: &mut Step,
        kind: EventKind,
        item: Option<ItemId>,
        agent: Option<AgentIx>,
    ) {
        self.seq += 1;
        let info = item.and_then(|i| self.info.get(&i));
        step.events.push(RoutingEvent {
            seq: self.seq,
            at: time::now(),
            work_item_id: info.map(|i| i.row.id.clone()),
            agent_id: agent.map(|a| self.agent_ids[a.0 as usize].clone()),
            queue_id: info.map(|i| i.row.queue_id.clone()),
            kind,
        });
    }

    fn touch(&mut self, step: &mut Step, id: ItemId, change: impl FnOnce(&mut Info)) {
        if let Some(info) = self.info.get_mut(&id) {
            change(info);
            info.row.updated_at = time::now();
            if !step.items.contains(&info.row.id) {
                step.items.push(info.row.id.clone());
            }
        }
    }

    fn reason_json(&self, id: ItemId, r: &Reason) -> Value {
        let base = self
            .info
            .get(&id)
            .map(|i| i.reason.clone())
            .unwrap_or(Value::Null);
        json!({
            "rule": base.get("rule").cloned().unwrap_or(Value::Null),
            "queue": base.get("queue").cloned().unwrap_or(Value::Null),
            "method": enum_name(&r.method),
            "skill_fit": match r.fit { Fit::Exact => "exact".to_owned(), Fit::Over(n) => format!("over-qualified by {n}"), Fit::Under(n) => format!("under-qualified by {n}") },
            "candidates": r.candidates,
        })
    }

    /// Turns decisions into rows and events, writes them, then announces.
    async fn commit(
        &mut self,
        decisions: Vec<Decision>,
        mut step: Step,
        events: &Publisher,
    ) -> Result<(), EngineError> {
        let now = now_ms();
        for p in std::mem::take(&mut self.pending) {
            let (kind, item, agent, queue) = match p {
                Pending::Rescind { item, agent, queue } => {
                    (EventKind::OfferRescinded, item, Some(agent), queue)
                }
                Pending::Closed { item, agent, queue } => (EventKind::Closed, item, agent, queue),
            };
            self.seq += 1;
            step.events.push(RoutingEvent {
                seq: self.seq,
                at: time::now(),
                work_item_id: Some(item),
                agent_id: agent,
                queue_id: Some(queue),
                kind,
            });
        }
        for d in decisions {
            match d {
                Decision::Queued { item, queue } => {
                    let queue_id = self.queue_ids[queue.0 as usize].clone();
                    self.touch(&mut step, item, |i| {
                        i.row.status = "queued".into();
                        i.row.queue_id = queue_id;
                    });
                    let position = self.core.position(item);
                    self.event(&mut step, EventKind::Queued { position }, Some(item), None);
                }
                Decision::Offered {
                    item,
                    agent,
                    deadline,
                    reason,
                } => {
                    let reason = self.reason_json(item, &reason);
                    let agent_id = self.agent_ids[agent.0 as usize].clone();
                    self.touch(&mut step, item, |i| {
                        i.row.status = "offered".into();
                        i.row.agent_id = Some(agent_id.clone());
                        i.row.offer_deadline = Some(ms_to_text(deadline));
                        i.row.reason = Some(reason.to_string());
                        i.holder = Some(agent_id.clone());
                        i.reason = reason.clone();
                    });
                    let info = &self.info[&item];
                    let q = self.queue_ix[&info.row.queue_id];
                    let offer = Offer {
                        channel: info.row.channel.clone(),
                        kind: info.row.kind.clone(),
                        customer_name: info.row.customer_name.clone(),
                        contact_id: info.row.contact_id.clone(),
                        queue_id: info.row.queue_id.clone(),
                        queue_name: self.queue_names[q.0 as usize].clone(),
                        waited_seconds: now.saturating_sub(text_to_ms(&info.row.arrived_at)) / 1000,
                        deadline: ms_to_text(deadline),
                        reason,
                        // Channels find their own record here (a chat's conversation_id).
                        attributes: serde_json::from_str::<Value>(&info.row.attributes)
                            .unwrap_or_default(),
                    };
                    let offered = EventKind::Offered(Box::new(offer));
                    self.event(&mut step, offered, Some(item), Some(agent));
                }
                Decision::OfferDeclined {
                    item,
                    agent,
                    expired,
                } => {
                    let declines = self
                        .core
                        .items
                        .get(&item)
                        .map(|i| i.declines.clone())
                        .unwrap_or_default();
                    let declines: Vec<(String, u8)> = declines
                        .into_iter()
                        .map(|(a, n)| (self.agent_ids[a.0 as usize].clone(), n))
                        .collect();
                    self.touch(&mut step, item, |i| {
                        i.row.status = "queued".into();
                        i.row.agent_id = None;
                        i.row.offer_deadline = None;
                        i.row.declines = serde_json::to_string(&declines).expect("serializes");
                        i.holder = None;
                    });
                    let kind = if expired {
                        EventKind::OfferExpired
                    } else {
                        EventKind::OfferDeclined
                    };
                    self.event(&mut step, kind, Some(item), Some(agent));
                }
                Decision::OfferRescinded { item, agent } => {
                    self.touch(&mut step, item, |i| {
                        i.row.agent_id = None;
                        i.row.offer_deadline = None;
                        i.holder = None;
                    });
                    self.event(
                        &mut step,
                        EventKind::OfferRescinded,
                        Some(item),
                        Some(agent),
                    );
                }
                Decision::Assigned { item, agent } => {
                    self.touch(&mut step, item, |i| {
                        i.row.status = "assigned".into();
                        i.row.offer_deadline = None;
                    });
                    self.event(&mut step, EventKind::Assigned, Some(item), Some(agent));
                }
                Decision::WrapUp { item, agent, until } => {
                    self.touch(&mut step, item, |i| i.row.status = "wrap_up".into());
                    let until = ms_to_text(until);
                    self.event(
                        &mut step,
                        EventKind::WrapUp { until },
                        Some(item),
                        Some(agent),
                    );
                }
                Decision::Closed { item } | Decision::Abandoned { item } => {
                    let (status, kind) = if matches!(d, Decision::Closed { .. }) {
                        ("closed", EventKind::Closed)
                    } else {
                        ("abandoned", EventKind::Abandoned)
                    };
                    let holder = self.info.get(&item).and_then(|i| i.holder.clone());
                    self.touch(&mut step, item, |i| {
                        i.row.status = status.into();
                        i.row.closed_at = Some(time::now());
                        i.row.offer_deadline = None;
                    });
                    let agent = holder.and_then(|h| self.agent_ix.get(&h).copied());
                    self.event(&mut step, kind, Some(item), agent);
                }
                Decision::Transferred { item, from, to } => {
                    // The previous holder, if any, must hear the item left them.
                    let previous = self
                        .info
                        .get(&item)
                        .and_then(|i| i.holder.clone())
                        .and_then(|h| self.agent_ix.get(&h).copied());
                    let to_id = self.queue_ids[to.0 as usize].clone();
                    self.touch(&mut step, item, |i| {
                        i.row.status = "queued".into();
                        i.row.queue_id = to_id.clone();
                        i.row.agent_id = None;
                        i.row.declines = "[]".into();
                        i.holder = None;
                    });
                    let transferred = EventKind::Transferred {
                        from_queue_id: self.queue_ids[from.0 as usize].clone(),
                        to_queue_id: to_id,
                    };
                    self.event(&mut step, transferred, Some(item), previous);
                }
                Decision::Overflowed {
                    item,
                    queue,
                    condition,
                    action,
                } => {
                    let overflowed = EventKind::Overflowed {
                        queue_id: self.queue_ids[queue.0 as usize].clone(),
                        condition,
                        action,
                    };
                    self.touch(&mut step, item, |_| {});
                    self.event(&mut step, overflowed, Some(item), None);
                }
                Decision::PresenceChanged {
                    agent,
                    presence,
                    automatic,
                } => {
                    let agent_id = self.agent_ids[agent.0 as usize].clone();
                    // Only the agent's own choice is stored: automatic busy
                    // follows capacity and is recomputed after a restart.
                    if !automatic {
                        step.presence.retain(|(a, _)| *a != agent_id);
                        step.presence.push((agent_id, enum_name(&presence)));
                    }
                    let kind = EventKind::Presence {
                        presence,
                        automatic,
                    };
                    self.event(&mut step, kind, None, Some(agent));
                }
            }
        }
        let mut rows: Vec<WorkItemRow> = step
            .items
            .iter()
            .filter_map(|id| self.item_ix.get(id))
            .map(|ix| self.info[ix].row.clone())
            .collect();
        rows.append(&mut self.stale);
        if let Err(e) = self
            .db
            .apply_routing(&rows, &step.presence, &crate::events::rows(&step.events))
            .await
        {
            // Memory ran ahead of the store: rebuild from what was
            // committed before the next command is served.
            tracing::error!(error = %e, "persisting routing decisions failed; rebuilding from the store");
            self.broken = true;
            self.pending.clear();
            self.stale.clear();
            return Err(e.into());
        }
        // Closed items leave the live maps once written.
        for row in &rows {
            if row.closed_at.is_some() {
                if let Some(ix) = self.item_ix.remove(&row.id) {
                    self.info.remove(&ix);
                }
            }
        }
        let mut touched: Vec<&str> = step
            .events
            .iter()
            .filter_map(|e| e.queue_id.as_deref())
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for q in touched {
            if let Some(ix) = self.queue_ix.get(q) {
                let state = &self.core.queues[ix.0 as usize];
                let label = switchboard_runtime::metrics::QueueLabels {
                    queue: self.queue_names[ix.0 as usize].clone(),
                };
                self.metrics
                    .queue_waiting
                    .get_or_create(&label)
                    .set(state.waiting_count() as i64);
                let longest = state
                    .oldest_arrival()
                    .map(|at| now_ms().saturating_sub(at) / 1000)
                    .unwrap_or(0);
                self.metrics
                    .queue_longest_wait
                    .get_or_create(&label)
                    .set(longest as i64);
            }
        }
        for e in &step.events {
            self.metrics
                .routing_events
                .get_or_create(&switchboard_runtime::metrics::KindLabels {
                    kind: e.kind.name().to_owned(),
                })
                .inc();
        }
        events.publish(step.events);
        Ok(())
    }
}
