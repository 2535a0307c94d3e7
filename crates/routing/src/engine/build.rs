//! Building the live state from a [`RoutingSnapshot`]: the configuration
//! (skills, agents, queues, rules) into the core's indexes, then every open
//! item with what it was doing. After a restart the store says what that
//! was; on a reload (the configuration changed) the running engine's own
//! state is carried across, with each queue's throughput history.

use std::collections::HashMap;

use serde_json::Value;
use switchboard_core::routing::classify::Rule;
use switchboard_core::routing::overflow::OverflowRules;
use switchboard_core::routing::state::{AgentState, ItemStatus, NewItem, Restored};
use switchboard_core::routing::wait::WaitEstimator;
use switchboard_core::routing::*;
use switchboard_core::time;
use switchboard_store::routing::{
    AgentRouting, CapacityProfile, Queue, RoutingRule, RoutingSnapshot, Skill, WorkItemRow,
};

use super::clock::text_to_ms;
use super::live::{Info, Live, Pending};
use crate::config::{
    parse_enum, parse_hours, parse_overflow, HoursSpec, OverflowSpec, SkillNeedSpec,
};

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
pub(super) struct Carry {
    items: HashMap<String, CarriedItem>,
    estimators: HashMap<String, WaitEstimator>,
}

/// Queue id → its index and channel, as overflow transfers resolve them.
type Channels = HashMap<String, (QueueIx, ChannelKind)>;

impl Live {
    /// Builds the core state from a snapshot. `carry`: the live state of a
    /// running engine (a reload); `None` after a restart.
    pub(super) fn build(&mut self, s: RoutingSnapshot, carry: Option<Carry>) {
        let mut core = RoutingState::new();
        self.index_skills(&s.skills);
        let presences = self.add_agents(&mut core, &s.agents, &s.profiles);
        self.add_queues(&mut core, &s.queues);
        self.rules = s.rules.iter().filter_map(|r| self.rule(r)).collect();
        for (ix, p) in presences {
            core.agents[ix.0 as usize].presence = p;
        }
        // Open items: with their agent, or back in line.
        self.info.clear();
        self.item_ix.clear();
        for row in s.open_items {
            self.restore_item(&mut core, row, carry.as_ref());
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

    fn index_skills(&mut self, skills: &[Skill]) {
        self.skill_ix = skills
            .iter()
            .enumerate()
            .map(|(i, sk)| (sk.id.clone(), SkillIx(i as u16)))
            .collect();
        self.skill_ids = skills.iter().map(|sk| sk.id.clone()).collect();
        self.skill_names = skills.iter().map(|sk| sk.name.clone()).collect();
    }

    /// Adds the active agents to `core`; returns their presences, which
    /// are set once the whole configuration is in.
    fn add_agents(
        &mut self,
        core: &mut RoutingState,
        agents: &[(String, Option<AgentRouting>)],
        profiles: &[CapacityProfile],
    ) -> Vec<(AgentIx, Presence)> {
        let profiles: HashMap<&str, &CapacityProfile> =
            profiles.iter().map(|p| (p.id.as_str(), p)).collect();
        self.agent_ix.clear();
        self.agent_ids.clear();
        let mut presences = Vec::new();
        for (id, routing) in agents {
            let (state, presence) = match routing {
                None => (
                    AgentState::new(Vec::new(), Capacity::default()),
                    Presence::Offline,
                ),
                Some(r) => self.agent_state(r, &profiles),
            };
            let ix = core.add_agent(state);
            presences.push((ix, presence));
            self.agent_ix.insert(id.clone(), ix);
            self.agent_ids.push(id.clone());
        }
        presences
    }

    /// An agent's skills (those that still exist), capacity (from their
    /// profile, else the default) and stored presence.
    fn agent_state(
        &self,
        r: &AgentRouting,
        profiles: &HashMap<&str, &CapacityProfile>,
    ) -> (AgentState, Presence) {
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
        let presence = parse_enum(&r.presence).unwrap_or(Presence::Offline);
        (AgentState::new(skills, capacity), presence)
    }

    /// Indexes the queues (in the snapshot's order) and adds them to `core`.
    fn add_queues(&mut self, core: &mut RoutingState, queues: &[Queue]) {
        self.queue_ix = queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), QueueIx(i as u32)))
            .collect();
        let channels: Channels = queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), (QueueIx(i as u32), channel_of(q))))
            .collect();
        self.queue_ids = queues.iter().map(|q| q.id.clone()).collect();
        self.queue_names = queues.iter().map(|q| q.name.clone()).collect();
        self.default_queue = queues
            .iter()
            .position(|q| q.is_default)
            .map(|i| QueueIx(i as u32));
        self.waiting_rules = false;
        for q in queues {
            let (config, overflow) = self.queue(q, &channels);
            self.waiting_rules |= overflow.while_waiting.is_some();
            core.add_queue(config, overflow);
        }
    }

    /// One queue's settings and overflow rules, as the core takes them.
    fn queue(&self, q: &Queue, channels: &Channels) -> (QueueConfig, OverflowRules) {
        let channel = channel_of(q);
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
        let overflow = parse_overflow(&spec, hours, channel, channels).unwrap_or_else(|e| {
            tracing::warn!(queue = %q.id, errors = ?e, "ignoring overflow rules that no longer resolve");
            Default::default()
        });
        (config, overflow)
    }

    /// A routing rule as the core classifies with it; `None` when its
    /// queue or tests no longer resolve. Skills that no longer exist drop.
    pub(super) fn rule(&self, r: &RoutingRule) -> Option<Rule> {
        let queue = *self.queue_ix.get(&r.queue_id)?;
        let tests = serde_json::from_value(r.tests.clone()).ok()?;
        let needs: Vec<SkillNeedSpec> =
            serde_json::from_value(r.skills.clone()).unwrap_or_default();
        Some(Rule {
            name: r.name.clone(),
            tests,
            queue,
            needs: self.skill_needs(&needs),
            skill_match: parse_enum(&r.skill_match).unwrap_or(SkillMatch::Exact),
            priority: r.priority as i32,
        })
    }

    /// Required skills by store id → the core's, dropping unknown skills.
    fn skill_needs(&self, specs: &[SkillNeedSpec]) -> Vec<SkillNeed> {
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

    /// A stored item's `needs` column (JSON) → the core's.
    fn needs_of(&self, json_text: &str) -> Vec<SkillNeed> {
        let specs: Vec<SkillNeedSpec> = serde_json::from_str(json_text).unwrap_or_default();
        self.skill_needs(&specs)
    }

    /// Puts one open item back into `core` and the live maps.
    fn restore_item(&mut self, core: &mut RoutingState, row: WorkItemRow, carry: Option<&Carry>) {
        let carried = carry.and_then(|c| c.items.get(&row.id));
        let Some(&queue) = self.queue_ix.get(&row.queue_id) else {
            tracing::warn!(item = %row.id, "open work item in a queue that no longer exists");
            return;
        };
        // What the item was doing: from the live state on a reload, from
        // the store after a restart (where a running offer deadline or
        // wrap-up cannot be trusted).
        let was = match carried {
            Some(c) => Some(self.carried_status(&row, c)),
            None => self.stored_status(&row),
        };
        let Some((status, restored)) = was else {
            return;
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
            return;
        }
        self.admit_restored(id, row, status);
    }

    /// A reloaded item's status as it was live. An offer to an agent who
    /// is gone is owed a rescind; an item held by one goes back in line.
    fn carried_status(&mut self, row: &WorkItemRow, c: &CarriedItem) -> (ItemStatus, Restored) {
        let status = match &c.status {
            Carried::Waiting => ItemStatus::Waiting,
            Carried::Offered(a, deadline) => match self.agent_ix.get(a) {
                Some(&agent) => ItemStatus::Offered {
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
            Carried::Assigned(a) => match self.agent_ix.get(a) {
                Some(&agent) => ItemStatus::Assigned { agent },
                None => ItemStatus::Waiting,
            },
            Carried::WrapUp(a, until) => match self.agent_ix.get(a) {
                Some(&agent) => ItemStatus::WrapUp {
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
        let restored = Restored {
            declines,
            waiting_overflow_done: c.overflow_done,
            entered_queue_at: Some(c.entered),
        };
        (status, restored)
    }

    /// A restarted item's status from its row: assigned stays with its
    /// agent, an offer is rescinded (its deadline ran without us) and the
    /// item waits, a wrap-up is closed (`None`: not restored).
    fn stored_status(&mut self, row: &WorkItemRow) -> Option<(ItemStatus, Restored)> {
        let status = match row.status.as_str() {
            "assigned" => row
                .agent_id
                .as_ref()
                .and_then(|a| self.agent_ix.get(a))
                .map(|&agent| ItemStatus::Assigned { agent }),
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
                return None;
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
        let declines: Vec<(String, u8)> = serde_json::from_str(&row.declines).unwrap_or_default();
        let declines = declines
            .into_iter()
            .filter_map(|(a, n)| Some((*self.agent_ix.get(&a)?, n)))
            .collect();
        let restored = Restored {
            declines,
            ..Default::default()
        };
        Some((status, restored))
    }

    /// Records a restored item in the live maps; a row the store shows
    /// with an agent for an item now waiting is rewritten at the next commit.
    fn admit_restored(&mut self, id: ItemId, mut row: WorkItemRow, status: ItemStatus) {
        let holder = match status {
            ItemStatus::Waiting => None,
            ItemStatus::Offered { agent, .. }
            | ItemStatus::Assigned { agent }
            | ItemStatus::WrapUp { agent, .. } => Some(self.agent_id(agent)),
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

    /// The live state of every item, by store id, for a reload.
    pub(super) fn carry(&self) -> Carry {
        let name = |a: &AgentIx| self.agent_id(*a);
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
}

/// A stored queue's channel; only a corrupted row has none.
fn channel_of(q: &Queue) -> ChannelKind {
    parse_enum(&q.channel).unwrap_or(ChannelKind::Messaging)
}
