//! The routing state machine: every event in, the decisions it causes out.
//!
//! Routing is event-driven. An arriving (or returned) item looks for the best
//! agent who can take it; an agent who frees capacity or becomes available
//! looks for the best waiting item in their queues. Together these keep one
//! invariant at rest: no waiting item has an eligible agent with room for it.
//! So each decision costs a scan of one queue's members or one agent's
//! queues, never of everything.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use super::model::*;
use super::overflow::{Action, Condition, OverflowRules};
use super::wait::WaitEstimator;

#[derive(Debug, Clone)]
pub struct AgentState {
    pub presence: Presence,
    /// Busy was set by the engine at full capacity, and is lifted by it.
    pub auto_busy: bool,
    /// Sorted by skill.
    pub skills: Vec<(SkillIx, u8)>,
    pub capacity: Capacity,
    pub used_messaging: u8,
    pub used_voice: u8,
    pub last_released_at: Millis,
    /// Set while the agent holds no work at all.
    pub idle_since: Option<Millis>,
    /// Queues the agent is a member of, highest priority first.
    pub queues: Vec<QueueIx>,
    /// Round-robin turn per queue: the assignment counter when last chosen.
    last_turn: HashMap<QueueIx, u64>,
}

impl AgentState {
    pub fn new(skills: Vec<(SkillIx, u8)>, capacity: Capacity) -> Self {
        let mut skills = skills;
        skills.sort();
        skills.dedup_by_key(|(s, _)| *s);
        Self {
            presence: Presence::Offline,
            auto_busy: false,
            skills,
            capacity,
            used_messaging: 0,
            used_voice: 0,
            last_released_at: 0,
            idle_since: Some(0),
            queues: Vec::new(),
            last_turn: HashMap::new(),
        }
    }

    /// Units still free for `channel`.
    pub fn free(&self, channel: ChannelKind) -> u8 {
        let c = &self.capacity;
        let blocked = c.voice_blocks_others
            && match channel {
                ChannelKind::Voice => self.used_messaging > 0,
                ChannelKind::Messaging => self.used_voice > 0,
            };
        if blocked {
            return 0;
        }
        match channel {
            ChannelKind::Messaging => c.messaging.saturating_sub(self.used_messaging),
            ChannelKind::Voice => c.voice.saturating_sub(self.used_voice),
        }
    }

    fn full(&self) -> bool {
        self.free(ChannelKind::Messaging) == 0 && self.free(ChannelKind::Voice) == 0
    }

    fn used(&mut self, channel: ChannelKind) -> &mut u8 {
        match channel {
            ChannelKind::Messaging => &mut self.used_messaging,
            ChannelKind::Voice => &mut self.used_voice,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Waiting,
    Offered { agent: AgentIx, deadline: Millis },
    Assigned { agent: AgentIx },
    WrapUp { agent: AgentIx, until: Millis },
}

#[derive(Debug, Clone)]
pub struct Item {
    pub queue: QueueIx,
    pub priority: i32,
    /// Kept across transfers and returns: the item's place in line.
    pub arrived_at: Millis,
    pub(crate) seq: u64,
    pub needs: Vec<SkillNeed>,
    pub skill_match: SkillMatch,
    pub status: ItemStatus,
    pub declines: Vec<(AgentIx, u8)>,
    /// Whether the while-waiting overflow already fired in this queue.
    pub waiting_overflow_done: bool,
    /// When the item joined its current queue: the while-waiting overflow
    /// counts from here, so a transferred item is not over the limit the
    /// moment it lands.
    pub entered_queue_at: Millis,
}

impl Item {
    fn declines_by(&self, agent: AgentIx) -> u8 {
        self.declines
            .iter()
            .find(|(a, _)| *a == agent)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

/// What a rebuild carries over besides the item's place and status.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    pub declines: Vec<(AgentIx, u8)>,
    pub waiting_overflow_done: bool,
    /// Unknown after a restart: the arrival time stands in.
    pub entered_queue_at: Option<Millis>,
}

/// A new work item as classified.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub id: ItemId,
    pub queue: QueueIx,
    pub priority: i32,
    pub needs: Vec<SkillNeed>,
    pub skill_match: SkillMatch,
    /// Arrival time; a transferred-in item keeps its original one.
    pub arrived_at: Millis,
}

/// Why an agent was chosen, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub method: AssignmentMethod,
    pub fit: Fit,
    /// Agents who could have taken the item.
    pub candidates: u32,
}

/// What happened, in the order it happened. The engine persists each
/// decision before announcing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Queued {
        item: ItemId,
        queue: QueueIx,
    },
    Offered {
        item: ItemId,
        agent: AgentIx,
        deadline: Millis,
        reason: Reason,
    },
    OfferDeclined {
        item: ItemId,
        agent: AgentIx,
        expired: bool,
    },
    OfferRescinded {
        item: ItemId,
        agent: AgentIx,
    },
    Assigned {
        item: ItemId,
        agent: AgentIx,
    },
    WrapUp {
        item: ItemId,
        agent: AgentIx,
        until: Millis,
    },
    Closed {
        item: ItemId,
    },
    Abandoned {
        item: ItemId,
    },
    Transferred {
        item: ItemId,
        from: QueueIx,
        to: QueueIx,
    },
    Overflowed {
        item: ItemId,
        queue: QueueIx,
        condition: Condition,
        action: Action,
    },
    PresenceChanged {
        agent: AgentIx,
        presence: Presence,
        automatic: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("no such work item")]
    UnknownItem,
    #[error("no such agent")]
    UnknownAgent,
    #[error("no such queue")]
    UnknownQueue,
    #[error("the work item is not offered to this agent")]
    NotOffered,
    #[error("the work item is not assigned to this agent")]
    NotAssigned,
    #[error("a work item with this id already exists")]
    Duplicate,
    #[error("the agent is offline")]
    AgentOffline,
    #[error("the work item is already with an agent")]
    AlreadyAssigned,
}

type Order = (Reverse<i32>, Millis, u64, ItemId);
/// Ranking of a candidate agent: fit, own declines, method key, index.
type AgentRank = (Fit, u8, (i64, i64), u32);
/// Ranking of a candidate item: queue priority, item priority, arrival, sequence.
type ItemRank = (Reverse<i32>, Reverse<i32>, Millis, u64);

#[derive(Debug, Clone)]
pub struct QueueState {
    pub config: QueueConfig,
    pub overflow: OverflowRules,
    /// Waiting items: higher priority first, then longest waiting.
    pub(crate) waiting: BTreeSet<Order>,
    pub estimator: WaitEstimator,
}

impl QueueState {
    pub fn waiting_count(&self) -> usize {
        self.waiting.len()
    }

    /// Arrival time of the longest-waiting item.
    pub fn oldest_arrival(&self) -> Option<Millis> {
        self.waiting.iter().map(|(_, at, _, _)| *at).min()
    }
}

#[derive(Debug, Clone, Default)]
pub struct RoutingState {
    pub agents: Vec<AgentState>,
    pub queues: Vec<QueueState>,
    pub items: HashMap<ItemId, Item>,
    /// Offer deadlines and wrap-up ends, soonest first.
    timers: BTreeSet<(Millis, ItemId)>,
    seq: u64,
    turns: u64,
}

impl RoutingState {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_agent(&mut self, agent: AgentState) -> AgentIx {
        self.agents.push(agent);
        AgentIx(self.agents.len() as u32 - 1)
    }

    pub fn add_queue(&mut self, config: QueueConfig, overflow: OverflowRules) -> QueueIx {
        let ix = QueueIx(self.queues.len() as u32);
        for m in &config.members {
            if let Some(a) = self.agents.get_mut(m.0 as usize) {
                a.queues.push(ix);
            }
        }
        self.queues.push(QueueState {
            config,
            overflow,
            waiting: BTreeSet::new(),
            estimator: WaitEstimator::default(),
        });
        self.sort_agent_queues();
        ix
    }

    fn sort_agent_queues(&mut self) {
        let prio: Vec<i32> = self.queues.iter().map(|q| q.config.priority).collect();
        for a in &mut self.agents {
            a.queues.sort_by_key(|q| (Reverse(prio[q.0 as usize]), q.0));
            a.queues.dedup();
        }
    }

    /// The next time `tick` has something to do.
    pub fn next_timer(&self) -> Option<Millis> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// 1-based place in line of a waiting item.
    pub fn position(&self, id: ItemId) -> Option<usize> {
        let item = self.items.get(&id)?;
        if item.status != ItemStatus::Waiting {
            return None;
        }
        let key = (Reverse(item.priority), item.arrived_at, item.seq, id);
        Some(
            self.queues[item.queue.0 as usize]
                .waiting
                .range(..key)
                .count()
                + 1,
        )
    }

    /// Estimated milliseconds until a waiting item is offered.
    pub fn estimated_wait(&self, id: ItemId) -> Option<Millis> {
        let item = self.items.get(&id)?;
        let q = &self.queues[item.queue.0 as usize];
        q.estimator.estimate(self.position(id)?)
    }

    // ------------------------------------------------------------ arrivals

    /// A new item arrives: the queue's overflow rules are checked first, then
    /// it waits in line and looks for an agent.
    pub fn enqueue(&mut self, new: NewItem, now: Millis) -> Result<Vec<Decision>, RoutingError> {
        if self.items.contains_key(&new.id) {
            return Err(RoutingError::Duplicate);
        }
        if new.queue.0 as usize >= self.queues.len() {
            return Err(RoutingError::UnknownQueue);
        }
        let mut out = Vec::new();
        let mut queue = new.queue;
        // Follow at most a few transfers, so a cycle of queues cannot loop.
        for _ in 0..4 {
            let q = &self.queues[queue.0 as usize];
            let est = q.estimator.estimate(q.waiting.len() + 1);
            match q.overflow.before_queueing(q.waiting.len(), est, now) {
                Some((condition, Action::TransferToQueue(to)))
                    if (to.0 as usize) < self.queues.len() && to != queue =>
                {
                    out.push(Decision::Overflowed {
                        item: new.id,
                        queue,
                        condition,
                        action: Action::TransferToQueue(to),
                    });
                    queue = to;
                    continue;
                }
                Some((condition, action @ (Action::EndConversation | Action::Voicemail))) => {
                    out.push(Decision::Overflowed {
                        item: new.id,
                        queue,
                        condition,
                        action,
                    });
                    out.push(Decision::Closed { item: new.id });
                    return Ok(out);
                }
                Some((condition, action)) => {
                    // assign_anyway, or direct_callback (the voice channel
                    // offers it; the item keeps its place meanwhile).
                    out.push(Decision::Overflowed {
                        item: new.id,
                        queue,
                        condition,
                        action,
                    });
                }
                None => {}
            }
            break;
        }
        self.seq += 1;
        let item = Item {
            queue,
            priority: new.priority,
            arrived_at: new.arrived_at,
            seq: self.seq,
            needs: new.needs,
            skill_match: new.skill_match,
            status: ItemStatus::Waiting,
            declines: Vec::new(),
            waiting_overflow_done: false,
            entered_queue_at: now,
        };
        self.queues[queue.0 as usize].waiting.insert((
            Reverse(item.priority),
            item.arrived_at,
            item.seq,
            new.id,
        ));
        self.items.insert(new.id, item);
        out.push(Decision::Queued {
            item: new.id,
            queue,
        });
        self.route_item(new.id, now, &mut out);
        Ok(out)
    }

    // ------------------------------------------------------------ matching

    /// Whether `agent` may be offered `item` now, and how well they fit.
    pub(crate) fn eligible(&self, a: AgentIx, item: &Item) -> Option<Fit> {
        let agent = &self.agents[a.0 as usize];
        let q = &self.queues[item.queue.0 as usize];
        if agent.presence != Presence::Available || agent.free(q.config.channel) == 0 {
            return None;
        }
        if item.declines_by(a) >= q.config.declines_allowed {
            return None;
        }
        let fit = fit(&agent.skills, &item.needs);
        match (item.skill_match, fit) {
            (SkillMatch::Exact, Fit::Under(_)) => None,
            // Exact matching ranks every qualified agent alike.
            (SkillMatch::Exact, _) => Some(Fit::Exact),
            (SkillMatch::Closest, f) => Some(f),
        }
    }

    /// The queue's method as a sort key: lower is chosen first.
    fn method_key(&self, a: AgentIx, q: QueueIx) -> (i64, i64) {
        let agent = &self.agents[a.0 as usize];
        let config = &self.queues[q.0 as usize].config;
        let turn = agent.last_turn.get(&q).copied().unwrap_or(0) as i64;
        match config.method {
            AssignmentMethod::HighestCapacity => (-i64::from(agent.free(config.channel)), turn),
            AssignmentMethod::RoundRobin => (turn, 0),
            AssignmentMethod::LeastActive => (agent.last_released_at as i64, turn),
            AssignmentMethod::LongestIdle => match agent.idle_since {
                Some(t) => (t as i64, turn),
                None => (i64::MAX, agent.last_released_at as i64),
            },
        }
    }

    /// Looks for the best agent for a waiting item and offers it.
    fn route_item(&mut self, id: ItemId, now: Millis, out: &mut Vec<Decision>) {
        self.route_item_except(id, None, now, out)
    }

    fn route_item_except(
        &mut self,
        id: ItemId,
        except: Option<AgentIx>,
        now: Millis,
        out: &mut Vec<Decision>,
    ) {
        let Some(item) = self.items.get(&id) else {
            return;
        };
        if item.status != ItemStatus::Waiting {
            return;
        }
        let q = item.queue;
        let mut best: Option<(AgentRank, AgentIx)> = None;
        let mut candidates = 0;
        for &a in &self.queues[q.0 as usize].config.members {
            if Some(a) == except {
                continue;
            }
            let Some(fit) = self.eligible(a, item) else {
                continue;
            };
            candidates += 1;
            let key = (fit, item.declines_by(a), self.method_key(a, q), a.0);
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((key, a));
            }
        }
        if let Some(((fit, _, _, _), agent)) = best {
            let method = self.queues[q.0 as usize].config.method;
            self.offer(
                id,
                agent,
                now,
                Reason {
                    method,
                    fit,
                    candidates,
                },
                out,
            );
        }
    }

    /// Looks for the best waiting item for an agent who has room, across the
    /// agent's queues (queue priority, then item priority, then arrival), and
    /// repeats while the agent has room.
    fn route_agent(&mut self, a: AgentIx, now: Millis, out: &mut Vec<Decision>) {
        loop {
            let agent = &self.agents[a.0 as usize];
            if agent.presence != Presence::Available {
                return;
            }
            let mut best: Option<(ItemRank, ItemId, Fit)> = None;
            for &q in &agent.queues {
                let queue = &self.queues[q.0 as usize];
                if agent.free(queue.config.channel) == 0 {
                    continue;
                }
                // The first item in line this agent may take. In closest
                // mode, an item is only this agent's if no better-fitting
                // agent with room exists — which the invariant guarantees.
                for &(prio, at, seq, id) in &queue.waiting {
                    let item = &self.items[&id];
                    if let Some(fit) = self.eligible(a, item) {
                        let key = (Reverse(queue.config.priority), prio, at, seq);
                        if best.as_ref().is_none_or(|(k, ..)| key < *k) {
                            best = Some((key, id, fit));
                        }
                        break;
                    }
                }
            }
            let Some((_, id, fit)) = best else {
                return;
            };
            let method = self.queues[self.items[&id].queue.0 as usize].config.method;
            self.offer(
                id,
                a,
                now,
                Reason {
                    method,
                    fit,
                    // The invariant leaves this agent the only one with room
                    // who could take it.
                    candidates: 1,
                },
                out,
            );
        }
    }

    fn offer(
        &mut self,
        id: ItemId,
        a: AgentIx,
        now: Millis,
        reason: Reason,
        out: &mut Vec<Decision>,
    ) {
        let item = self.items.get_mut(&id).expect("routing an existing item");
        let q = &mut self.queues[item.queue.0 as usize];
        q.waiting
            .remove(&(Reverse(item.priority), item.arrived_at, item.seq, id));
        let deadline = now + q.config.offer_timeout_ms;
        let channel = q.config.channel;
        item.status = ItemStatus::Offered { agent: a, deadline };
        self.timers.insert((deadline, id));
        self.turns += 1;
        let turn = self.turns;
        let queue = item.queue;
        let agent = &mut self.agents[a.0 as usize];
        *agent.used(channel) += 1;
        agent.idle_since = None;
        agent.last_turn.insert(queue, turn);
        out.push(Decision::Offered {
            item: id,
            agent: a,
            deadline,
            reason,
        });
        self.auto_busy(a, out);
    }

    /// Busy at full capacity, available again when room frees.
    fn auto_busy(&mut self, a: AgentIx, out: &mut Vec<Decision>) {
        let agent = &mut self.agents[a.0 as usize];
        if agent.presence == Presence::Available && agent.full() {
            agent.presence = Presence::Busy;
            agent.auto_busy = true;
            out.push(Decision::PresenceChanged {
                agent: a,
                presence: Presence::Busy,
                automatic: true,
            });
        } else if agent.presence == Presence::Busy && agent.auto_busy && !agent.full() {
            agent.presence = Presence::Available;
            agent.auto_busy = false;
            out.push(Decision::PresenceChanged {
                agent: a,
                presence: Presence::Available,
                automatic: true,
            });
        }
    }

    fn release(&mut self, a: AgentIx, channel: ChannelKind, now: Millis, out: &mut Vec<Decision>) {
        let agent = &mut self.agents[a.0 as usize];
        let used = agent.used(channel);
        *used = used.saturating_sub(1);
        agent.last_released_at = now;
        if agent.used_messaging == 0 && agent.used_voice == 0 {
            agent.idle_since = Some(now);
        }
        self.auto_busy(a, out);
    }

    fn requeue(&mut self, id: ItemId) {
        let item = self
            .items
            .get_mut(&id)
            .expect("requeueing an existing item");
        item.status = ItemStatus::Waiting;
        self.queues[item.queue.0 as usize].waiting.insert((
            Reverse(item.priority),
            item.arrived_at,
            item.seq,
            id,
        ));
    }

    fn channel_of(&self, id: ItemId) -> ChannelKind {
        self.queues[self.items[&id].queue.0 as usize].config.channel
    }

    // ------------------------------------------------------------ agent answers

    pub fn accept(
        &mut self,
        id: ItemId,
        a: AgentIx,
        now: Millis,
    ) -> Result<Vec<Decision>, RoutingError> {
        let item = self.items.get_mut(&id).ok_or(RoutingError::UnknownItem)?;
        let ItemStatus::Offered { agent, deadline } = item.status else {
            return Err(RoutingError::NotOffered);
        };
        if agent != a {
            return Err(RoutingError::NotOffered);
        }
        item.status = ItemStatus::Assigned { agent: a };
        let waited = now.saturating_sub(item.arrived_at);
        let queue = item.queue;
        self.timers.remove(&(deadline, id));
        self.queues[queue.0 as usize]
            .estimator
            .record_assignment(now, waited);
        Ok(vec![Decision::Assigned { item: id, agent: a }])
    }

    pub fn reject(
        &mut self,
        id: ItemId,
        a: AgentIx,
        now: Millis,
    ) -> Result<Vec<Decision>, RoutingError> {
        let item = self.items.get(&id).ok_or(RoutingError::UnknownItem)?;
        match item.status {
            ItemStatus::Offered { agent, deadline } if agent == a => {
                let mut out = Vec::new();
                self.timers.remove(&(deadline, id));
                self.decline(id, a, false, now, &mut out);
                Ok(out)
            }
            _ => Err(RoutingError::NotOffered),
        }
    }

    /// A declined or expired offer: the item returns to its place in line and
    /// looks for the next agent; the agent looks for other work.
    fn decline(
        &mut self,
        id: ItemId,
        a: AgentIx,
        expired: bool,
        now: Millis,
        out: &mut Vec<Decision>,
    ) {
        let item = self.items.get_mut(&id).expect("declining an existing item");
        match item.declines.iter_mut().find(|(x, _)| *x == a) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => item.declines.push((a, 1)),
        }
        out.push(Decision::OfferDeclined {
            item: id,
            agent: a,
            expired,
        });
        let channel = self.channel_of(id);
        self.requeue(id);
        self.release(a, channel, now, out);
        // The next agent first; then the freed agent takes work in line
        // order, which may be this item again if no one else can.
        self.route_item_except(id, Some(a), now, out);
        self.route_agent(a, now, out);
    }

    /// The assigned agent is done; capacity is held for wrap-up if configured.
    pub fn close(
        &mut self,
        id: ItemId,
        a: AgentIx,
        now: Millis,
    ) -> Result<Vec<Decision>, RoutingError> {
        let item = self.items.get_mut(&id).ok_or(RoutingError::UnknownItem)?;
        // Closing during wrap-up ends it early: the agent is done sooner.
        if let ItemStatus::WrapUp { agent, until } = item.status {
            if agent != a {
                return Err(RoutingError::NotAssigned);
            }
            self.timers.remove(&(until, id));
            let channel = self.channel_of(id);
            self.items.remove(&id);
            let mut out = vec![Decision::Closed { item: id }];
            self.release(a, channel, now, &mut out);
            self.route_agent(a, now, &mut out);
            return Ok(out);
        }
        if item.status != (ItemStatus::Assigned { agent: a }) {
            return Err(RoutingError::NotAssigned);
        }
        let wrap = self.agents[a.0 as usize].capacity.wrap_up_ms;
        let mut out = Vec::new();
        if wrap > 0 {
            item.status = ItemStatus::WrapUp {
                agent: a,
                until: now + wrap,
            };
            self.timers.insert((now + wrap, id));
            out.push(Decision::WrapUp {
                item: id,
                agent: a,
                until: now + wrap,
            });
        } else {
            let channel = self.channel_of(id);
            self.items.remove(&id);
            out.push(Decision::Closed { item: id });
            self.release(a, channel, now, &mut out);
            self.route_agent(a, now, &mut out);
        }
        Ok(out)
    }

    /// The customer left (hung up, closed the chat) before being served, or
    /// the item was cancelled.
    pub fn abandon(&mut self, id: ItemId, now: Millis) -> Result<Vec<Decision>, RoutingError> {
        let item = self.items.get(&id).ok_or(RoutingError::UnknownItem)?;
        let mut out = Vec::new();
        match item.status {
            ItemStatus::Waiting => {
                let key = (Reverse(item.priority), item.arrived_at, item.seq, id);
                self.queues[item.queue.0 as usize].waiting.remove(&key);
                self.items.remove(&id);
                out.push(Decision::Abandoned { item: id });
            }
            ItemStatus::Offered { agent, deadline } => {
                let channel = self.channel_of(id);
                self.timers.remove(&(deadline, id));
                self.items.remove(&id);
                out.push(Decision::OfferRescinded { item: id, agent });
                out.push(Decision::Abandoned { item: id });
                self.release(agent, channel, now, &mut out);
                self.route_agent(agent, now, &mut out);
            }
            // Once assigned, the conversation is the agent's to close.
            ItemStatus::Assigned { .. } | ItemStatus::WrapUp { .. } => {
                return Err(RoutingError::NotOffered)
            }
        }
        Ok(out)
    }

    /// A supervisor gives a waiting or offered item to an agent directly:
    /// any pending offer (to this agent or another) is withdrawn and the
    /// item is assigned at once. The supervisor's choice stands over the
    /// agent's free capacity and the queue's membership and skills (the
    /// agent may end up over capacity, and is then busy until room frees),
    /// but an offline agent is refused: nobody would answer. An item
    /// already with an agent (assigned, wrapping up) is refused: transfer
    /// it to a queue first.
    pub fn assign(
        &mut self,
        id: ItemId,
        a: AgentIx,
        now: Millis,
    ) -> Result<Vec<Decision>, RoutingError> {
        let agent = self
            .agents
            .get(a.0 as usize)
            .ok_or(RoutingError::UnknownAgent)?;
        if agent.presence == Presence::Offline {
            return Err(RoutingError::AgentOffline);
        }
        let item = self.items.get(&id).ok_or(RoutingError::UnknownItem)?;
        let channel = self.channel_of(id);
        let mut out = Vec::new();
        let mut freed = None;
        match item.status {
            ItemStatus::Waiting => {
                let key = (Reverse(item.priority), item.arrived_at, item.seq, id);
                self.queues[item.queue.0 as usize].waiting.remove(&key);
            }
            // Offered to this very agent: as if they accepted.
            ItemStatus::Offered { agent, deadline } if agent == a => {
                self.timers.remove(&(deadline, id));
                *self.agents[a.0 as usize].used(channel) -= 1;
            }
            ItemStatus::Offered { agent, deadline } => {
                self.timers.remove(&(deadline, id));
                out.push(Decision::OfferRescinded { item: id, agent });
                freed = Some(agent);
            }
            ItemStatus::Assigned { .. } | ItemStatus::WrapUp { .. } => {
                return Err(RoutingError::AlreadyAssigned)
            }
        }
        let item = self.items.get_mut(&id).expect("present");
        item.status = ItemStatus::Assigned { agent: a };
        let waited = now.saturating_sub(item.arrived_at);
        let queue = item.queue;
        self.queues[queue.0 as usize]
            .estimator
            .record_assignment(now, waited);
        let agent = &mut self.agents[a.0 as usize];
        *agent.used(channel) += 1;
        agent.idle_since = None;
        out.push(Decision::Assigned { item: id, agent: a });
        self.auto_busy(a, &mut out);
        if let Some(b) = freed {
            self.release(b, channel, now, &mut out);
            self.route_agent(b, now, &mut out);
        }
        Ok(out)
    }

    /// Moves an item to another queue, keeping its arrival time. An assigned
    /// item leaves its agent; an offered one has its offer rescinded.
    pub fn transfer(
        &mut self,
        id: ItemId,
        to: QueueIx,
        now: Millis,
    ) -> Result<Vec<Decision>, RoutingError> {
        if to.0 as usize >= self.queues.len() {
            return Err(RoutingError::UnknownQueue);
        }
        let item = self.items.get(&id).ok_or(RoutingError::UnknownItem)?;
        let from = item.queue;
        let channel = self.channel_of(id);
        let mut out = Vec::new();
        let mut freed = None;
        match item.status {
            ItemStatus::Waiting => {
                let key = (Reverse(item.priority), item.arrived_at, item.seq, id);
                self.queues[from.0 as usize].waiting.remove(&key);
            }
            ItemStatus::Offered { agent, deadline } => {
                self.timers.remove(&(deadline, id));
                out.push(Decision::OfferRescinded { item: id, agent });
                freed = Some(agent);
            }
            ItemStatus::Assigned { agent } => freed = Some(agent),
            ItemStatus::WrapUp { .. } => return Err(RoutingError::NotAssigned),
        }
        let item = self.items.get_mut(&id).expect("present");
        item.queue = to;
        item.declines.clear();
        item.waiting_overflow_done = false;
        item.entered_queue_at = now;
        self.requeue(id);
        out.push(Decision::Transferred { item: id, from, to });
        if let Some(agent) = freed {
            self.release(agent, channel, now, &mut out);
        }
        // The item looks for someone other than who just let it go; then
        // that agent takes other work in line order.
        self.route_item_except(id, freed, now, &mut out);
        if let Some(agent) = freed {
            self.route_agent(agent, now, &mut out);
        }
        Ok(out)
    }

    pub fn set_presence(
        &mut self,
        a: AgentIx,
        presence: Presence,
        now: Millis,
    ) -> Result<Vec<Decision>, RoutingError> {
        let agent = self
            .agents
            .get_mut(a.0 as usize)
            .ok_or(RoutingError::UnknownAgent)?;
        agent.presence = presence;
        agent.auto_busy = false;
        let mut out = vec![Decision::PresenceChanged {
            agent: a,
            presence,
            automatic: false,
        }];
        // Choosing "available" while full becomes busy at once.
        self.auto_busy(a, &mut out);
        self.route_agent(a, now, &mut out);
        Ok(out)
    }

    /// Expires due offers, ends due wrap-ups, and fires while-waiting
    /// overflow rules.
    pub fn tick(&mut self, now: Millis) -> Vec<Decision> {
        let mut out = Vec::new();
        while let Some(&(t, id)) = self.timers.first() {
            if t > now {
                break;
            }
            self.timers.pop_first();
            let Some(item) = self.items.get(&id) else {
                continue;
            };
            match item.status {
                ItemStatus::Offered { agent, deadline } if deadline == t => {
                    self.decline(id, agent, true, now, &mut out)
                }
                ItemStatus::WrapUp { agent, until } if until == t => {
                    let channel = self.channel_of(id);
                    self.items.remove(&id);
                    out.push(Decision::Closed { item: id });
                    self.release(agent, channel, now, &mut out);
                    self.route_agent(agent, now, &mut out);
                }
                _ => {}
            }
        }
        self.waiting_overflow(now, &mut out);
        out
    }

    fn waiting_overflow(&mut self, now: Millis, out: &mut Vec<Decision>) {
        for qi in 0..self.queues.len() {
            let Some((limit, action)) = self.queues[qi].overflow.while_waiting else {
                continue;
            };
            let due: Vec<ItemId> = self.queues[qi]
                .waiting
                .iter()
                .filter(|(.., id)| {
                    let item = &self.items[id];
                    now.saturating_sub(item.entered_queue_at) > limit && !item.waiting_overflow_done
                })
                .map(|(.., id)| *id)
                .collect();
            for id in due {
                let q = QueueIx(qi as u32);
                let condition = Condition::WaitingTimeExceeds(limit);
                self.items
                    .get_mut(&id)
                    .expect("waiting item")
                    .waiting_overflow_done = true;
                out.push(Decision::Overflowed {
                    item: id,
                    queue: q,
                    condition,
                    action,
                });
                match action {
                    Action::TransferToQueue(to) if to != q => {
                        if let Ok(more) = self.transfer(id, to, now) {
                            out.extend(more);
                        }
                    }
                    Action::EndConversation | Action::Voicemail => {
                        if let Ok(more) = self.abandon(id, now) {
                            out.extend(
                                more.into_iter()
                                    .filter(|d| !matches!(d, Decision::Abandoned { .. })),
                            );
                        }
                        out.push(Decision::Closed { item: id });
                    }
                    _ => {}
                }
            }
        }
    }

    /// Puts back an item without routing it: waiting items rejoin their
    /// line; offered, assigned and wrapping-up items hold their agent's
    /// capacity (and their timer). Used to rebuild the state after a restart
    /// or a configuration change.
    pub fn restore(
        &mut self,
        new: NewItem,
        status: ItemStatus,
        restored: Restored,
    ) -> Result<(), RoutingError> {
        if self.items.contains_key(&new.id) {
            return Err(RoutingError::Duplicate);
        }
        let queue = self
            .queues
            .get(new.queue.0 as usize)
            .ok_or(RoutingError::UnknownQueue)?;
        let channel = queue.config.channel;
        let holder = match status {
            ItemStatus::Waiting => None,
            ItemStatus::Offered { agent, .. }
            | ItemStatus::Assigned { agent }
            | ItemStatus::WrapUp { agent, .. } => Some(agent),
        };
        if let Some(a) = holder {
            if a.0 as usize >= self.agents.len() {
                return Err(RoutingError::UnknownAgent);
            }
        }
        self.seq += 1;
        let item = Item {
            queue: new.queue,
            priority: new.priority,
            arrived_at: new.arrived_at,
            seq: self.seq,
            needs: new.needs,
            skill_match: new.skill_match,
            status,
            declines: restored.declines,
            waiting_overflow_done: restored.waiting_overflow_done,
            entered_queue_at: restored.entered_queue_at.unwrap_or(new.arrived_at),
        };
        match status {
            ItemStatus::Waiting => {
                self.queues[new.queue.0 as usize].waiting.insert((
                    Reverse(item.priority),
                    item.arrived_at,
                    item.seq,
                    new.id,
                ));
            }
            ItemStatus::Offered { agent, deadline: t } | ItemStatus::WrapUp { agent, until: t } => {
                let a = &mut self.agents[agent.0 as usize];
                *a.used(channel) += 1;
                a.idle_since = None;
                self.timers.insert((t, new.id));
            }
            ItemStatus::Assigned { agent } => {
                let a = &mut self.agents[agent.0 as usize];
                *a.used(channel) += 1;
                a.idle_since = None;
            }
        }
        self.items.insert(new.id, item);
        Ok(())
    }

    /// Offers every waiting item that has an eligible agent: used after a
    /// restart or a configuration change, when the invariant may not hold.
    pub fn route_all(&mut self, now: Millis) -> Vec<Decision> {
        let mut out = Vec::new();
        for a in 0..self.agents.len() {
            self.auto_busy(AgentIx(a as u32), &mut out);
        }
        // Items first, in order of queue priority then line, so each goes to
        // the agent its queue's method prefers; then agents with room left.
        let mut queues: Vec<usize> = (0..self.queues.len()).collect();
        queues.sort_by_key(|q| Reverse(self.queues[*q].config.priority));
        for q in queues {
            let line: Vec<ItemId> = self.queues[q].waiting.iter().map(|(.., id)| *id).collect();
            for id in line {
                self.route_item(id, now, &mut out);
            }
        }
        for a in 0..self.agents.len() {
            self.route_agent(AgentIx(a as u32), now, &mut out);
        }
        out
    }
}
