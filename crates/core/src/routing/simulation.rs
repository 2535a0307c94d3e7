//! What-if simulation: the real routing core, driven in virtual time by a
//! scenario's traffic and staffing, reporting the figures a supervisor
//! plans with. Deterministic for a given seed.
//!
//! Model: arrivals per queue are Poisson with an hourly rate; handle times
//! and customers' patience are exponential with the given means; an agent
//! answers an offer after `answer_seconds` and accepts it with
//! `accept_probability`, else declines; agents log in and out with their
//! shift (work in hand is finished after logout). A customer whose patience
//! runs out before an agent accepts abandons.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use serde::Deserialize;

use super::overflow::{Action, OverflowRules};
use super::state::{AgentState, Decision, NewItem, RoutingState};
use super::*;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub seed: u64,
    /// Simulated duration.
    pub hours: f64,
    /// Answered within this many seconds counts toward the service level.
    #[serde(default = "default_sl")]
    pub service_level_seconds: f64,
    /// Abandons after at most this many seconds are short: left out of the
    /// service level's denominator, as in the reports. None by default.
    #[serde(default)]
    pub short_abandon_seconds: f64,
    pub queues: Vec<QueueSpec>,
    pub agents: Vec<AgentGroup>,
    pub traffic: Vec<Traffic>,
}

fn default_sl() -> f64 {
    20.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub name: String,
    pub channel: ChannelKind,
    #[serde(default)]
    pub priority: i32,
    pub method: Option<AssignmentMethod>,
    #[serde(default = "default_timeout")]
    pub offer_timeout_seconds: f64,
    #[serde(default = "default_declines")]
    pub declines_allowed: u8,
    /// The queue's overflow rules (operating hours aside: a scenario's
    /// clock is not a calendar). Set by the planner from the real queue;
    /// scenario files have none.
    #[serde(skip)]
    pub overflow: OverflowRules,
}

fn default_timeout() -> f64 {
    60.0
}
fn default_declines() -> u8 {
    3
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    pub name: String,
    pub count: u32,
    pub queues: Vec<String>,
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    #[serde(default = "default_chats")]
    pub chat_capacity: u8,
    #[serde(default = "default_one")]
    pub voice_capacity: u8,
    #[serde(default)]
    pub wrap_up_seconds: f64,
    /// Hours from the start: `[login, logout]`; the whole run by default.
    pub shift: Option<[f64; 2]>,
    /// Several shifts instead (each `[login, logout]`, in order): the
    /// planner's agents come and go hour by hour as the staffing says.
    #[serde(default)]
    pub shifts: Vec<[f64; 2]>,
    #[serde(default = "default_answer")]
    pub answer_seconds: f64,
    #[serde(default = "default_accept")]
    pub accept_probability: f64,
}

fn default_chats() -> u8 {
    3
}
fn default_one() -> u8 {
    1
}
fn default_answer() -> f64 {
    5.0
}
fn default_accept() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    pub queue: String,
    /// Arrivals per hour, hour by hour; the last value repeats.
    pub arrivals_per_hour: Vec<f64>,
    pub handle_seconds: f64,
    pub patience_seconds: f64,
    #[serde(default)]
    pub needs: BTreeMap<String, u8>,
    #[serde(default)]
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scenario: {0}")]
pub struct ScenarioError(pub String);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueReport {
    pub name: String,
    pub arrivals: u64,
    pub answered: u64,
    pub answered_in_sl: u64,
    pub abandoned: u64,
    /// Abandons within the scenario's `short_abandon_seconds`.
    pub short_abandoned: u64,
    /// Items that left by an overflow action (ended, voicemail, sent to
    /// another queue): flow-outs, neither answered nor abandoned.
    pub overflowed: u64,
    pub total_answer_wait_ms: u64,
    pub max_wait_ms: u64,
    pub waiting_at_end: u64,
    /// The same figures for the customers who arrived in each hour of the
    /// run (index = hour from the start).
    pub hours: Vec<HourCounts>,
}

/// What became of the customers who arrived in one hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourCounts {
    pub arrivals: u64,
    pub answered: u64,
    pub answered_in_sl: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub overflowed: u64,
    pub total_answer_wait_ms: u64,
}

impl HourCounts {
    pub fn add(&mut self, o: &HourCounts) {
        self.arrivals += o.arrivals;
        self.answered += o.answered;
        self.answered_in_sl += o.answered_in_sl;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
        self.overflowed += o.overflowed;
        self.total_answer_wait_ms += o.total_answer_wait_ms;
    }
    /// Answered within the threshold over answered plus abandoned, short
    /// abandons and flow-outs left out (the reports' definition,
    /// `docs/reports.md`).
    pub fn service_level(&self) -> Option<f64> {
        let n = (self.answered + self.abandoned).saturating_sub(self.short_abandoned);
        (n > 0).then(|| self.answered_in_sl as f64 / n as f64)
    }
    pub fn average_speed_of_answer_s(&self) -> Option<f64> {
        (self.answered > 0)
            .then(|| self.total_answer_wait_ms as f64 / self.answered as f64 / 1000.0)
    }
    /// Abandoned over answered plus abandoned.
    pub fn abandonment(&self) -> Option<f64> {
        let n = self.answered + self.abandoned;
        (n > 0).then(|| self.abandoned as f64 / n as f64)
    }
}

impl QueueReport {
    fn totals(&self) -> HourCounts {
        HourCounts {
            arrivals: self.arrivals,
            answered: self.answered,
            answered_in_sl: self.answered_in_sl,
            abandoned: self.abandoned,
            short_abandoned: self.short_abandoned,
            overflowed: self.overflowed,
            total_answer_wait_ms: self.total_answer_wait_ms,
        }
    }
    /// Answered within the threshold over answered plus abandoned (short
    /// abandons and flow-outs left out).
    pub fn service_level(&self) -> Option<f64> {
        self.totals().service_level()
    }
    pub fn average_speed_of_answer_s(&self) -> Option<f64> {
        self.totals().average_speed_of_answer_s()
    }
    pub fn abandonment(&self) -> Option<f64> {
        self.totals().abandonment()
    }
    /// The hour's counts, growing the list as needed.
    fn hour(&mut self, hour: usize) -> &mut HourCounts {
        if self.hours.len() <= hour {
            self.hours.resize(hour + 1, HourCounts::default());
        }
        &mut self.hours[hour]
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentReport {
    pub name: String,
    pub group: String,
    pub handled: u64,
    pub declined: u64,
    pub staffed_ms: u64,
    /// Time holding at least one work item.
    pub occupied_ms: u64,
}

impl AgentReport {
    pub fn occupancy(&self) -> Option<f64> {
        (self.staffed_ms > 0).then(|| self.occupied_ms as f64 / self.staffed_ms as f64)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub queues: Vec<QueueReport>,
    pub agents: Vec<AgentReport>,
    pub decisions: u64,
    /// All agents' staffed and occupied time in each hour of the run.
    pub hours: Vec<HourLoad>,
}

/// Agents' time in one hour, summed over agents (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourLoad {
    pub staffed_ms: u64,
    pub occupied_ms: u64,
}

impl HourLoad {
    /// The share of staffed time spent holding at least one work item.
    pub fn occupancy(&self) -> Option<f64> {
        (self.staffed_ms > 0).then(|| self.occupied_ms as f64 / self.staffed_ms as f64)
    }
}

/// Adds the span `from..to` to each hour it covers.
fn spread(hours: &mut [HourLoad], from: Millis, to: Millis, field: fn(&mut HourLoad) -> &mut u64) {
    let mut t = from;
    while t < to {
        let h = (t / HOUR_MS) as usize;
        let until = ((h as Millis + 1) * HOUR_MS).min(to);
        if let Some(slot) = hours.get_mut(h) {
            *field(slot) += until - t;
        }
        t = until;
    }
}

const HOUR_MS: Millis = 3_600_000;

/// The longest run: a little over a year (the planner's longest runs are
/// 61 days, and 1,002 hours for a quiet hour's steady state).
pub const MOST_HOURS: f64 = 10_000.0;

/// splitmix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.next_f64()).ln()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival(usize),
    Answer(ItemId, AgentIx),
    HandleEnd(ItemId, AgentIx),
    Patience(ItemId),
    Login(AgentIx),
    Logout(AgentIx),
    Timer,
}

struct Live {
    queue: usize,
    arrived: Millis,
    handle_ms: Millis,
    answered: bool,
}

/// Runs the scenario. `progress` is called with the fraction of simulated
/// time done, at most a few hundred times.
pub fn run(scenario: &Scenario, mut progress: impl FnMut(f64)) -> Result<Report, ScenarioError> {
    let err = |m: String| ScenarioError(m);
    if !(scenario.hours > 0.0 && scenario.hours <= MOST_HOURS) {
        return Err(err(format!("hours must be between 0 and {MOST_HOURS}")));
    }
    let end: Millis = (scenario.hours * 3_600_000.0) as Millis;
    let mut skill_names: Vec<String> = Vec::new();
    let mut skill = |name: &str| -> SkillIx {
        match skill_names.iter().position(|s| s == name) {
            Some(i) => SkillIx(i as u16),
            None => {
                skill_names.push(name.to_owned());
                SkillIx(skill_names.len() as u16 - 1)
            }
        }
    };
    let queue_ix: HashMap<&str, usize> = scenario
        .queues
        .iter()
        .enumerate()
        .map(|(i, q)| (q.name.as_str(), i))
        .collect();

    let mut s = RoutingState::new();
    let mut report = Report {
        hours: vec![HourLoad::default(); end.div_ceil(HOUR_MS) as usize],
        ..Default::default()
    };
    let mut members: Vec<Vec<AgentIx>> = vec![Vec::new(); scenario.queues.len()];
    let mut groups: Vec<usize> = Vec::new();
    for (gi, g) in scenario.agents.iter().enumerate() {
        if !(0.0..=1.0).contains(&g.accept_probability) {
            return Err(err(format!(
                "agents {}: accept_probability must be between 0 and 1",
                g.name
            )));
        }
        let skills: Vec<(SkillIx, u8)> = g
            .skills
            .iter()
            .map(|(n, l)| (skill(n), (*l).clamp(1, 10)))
            .collect();
        for n in 0..g.count {
            let capacity = Capacity {
                messaging: g.chat_capacity,
                voice: g.voice_capacity,
                voice_blocks_others: true,
                wrap_up_ms: (g.wrap_up_seconds * 1000.0) as Millis,
            };
            let a = s.add_agent(AgentState::new(skills.clone(), capacity));
            for q in &g.queues {
                let qi = *queue_ix
                    .get(q.as_str())
                    .ok_or_else(|| err(format!("agents {}: unknown queue {q}", g.name)))?;
                members[qi].push(a);
            }
            groups.push(gi);
            report.agents.push(AgentReport {
                name: format!("{} {}", g.name, n + 1),
                group: g.name.clone(),
                ..Default::default()
            });
        }
    }
    for (qi, q) in scenario.queues.iter().enumerate() {
        let mut config = QueueConfig::new(&q.name, q.channel, std::mem::take(&mut members[qi]));
        config.priority = q.priority;
        if let Some(m) = q.method {
            config.method = m;
        }
        config.offer_timeout_ms = (q.offer_timeout_seconds * 1000.0) as Millis;
        config.declines_allowed = q.declines_allowed.clamp(1, 5);
        s.add_queue(config, q.overflow.clone());
        report.queues.push(QueueReport {
            name: q.name.clone(),
            ..Default::default()
        });
    }
    let traffic: Vec<(usize, Vec<SkillNeed>)> = scenario
        .traffic
        .iter()
        .map(|t| {
            let qi = *queue_ix
                .get(t.queue.as_str())
                .ok_or_else(|| err(format!("traffic: unknown queue {}", t.queue)))?;
            if t.arrivals_per_hour.is_empty() || t.arrivals_per_hour.iter().any(|r| *r < 0.0) {
                return Err(err(format!(
                    "traffic {}: arrivals_per_hour needs non-negative rates",
                    t.queue
                )));
            }
            Ok((
                qi,
                t.needs
                    .iter()
                    .map(|(n, m)| SkillNeed {
                        skill: skill(n),
                        min: (*m).clamp(1, 10),
                    })
                    .collect(),
            ))
        })
        .collect::<Result<_, _>>()?;

    // Customers (arrivals, handle times, patience) and agents (accepting
    // or declining) draw from separate streams, so two staffings of the
    // same scenario and seed meet the very same customers.
    let mut rng = Rng(scenario.seed);
    let mut agent_rng = Rng(scenario.seed ^ 0x5EED_A6E7_5EED_A6E7);
    let mut events: BinaryHeap<Reverse<(Millis, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |events: &mut BinaryHeap<Reverse<(Millis, u64, Ev)>>, at: Millis, ev: Ev| {
        seq += 1;
        events.push(Reverse((at, seq, ev)));
    };
    // Rates change on the hour: a gap drawn at one hour's rate that runs
    // past the hour is drawn again from the next hour's start at its rate
    // (exact for piecewise-constant Poisson arrivals, the exponential being
    // memoryless), and an hour without arrivals is skipped.
    let next_arrival = |rng: &mut Rng, t: &Traffic, now: Millis| -> Option<Millis> {
        let mut from = now;
        while from < end {
            let hour = (from / HOUR_MS) as usize;
            let rate = *t
                .arrivals_per_hour
                .get(hour)
                .or(t.arrivals_per_hour.last())?;
            let hour_end = (hour as Millis + 1) * HOUR_MS;
            if rate > 0.0 {
                let at = from + rng.exp(3_600_000.0 / rate) as Millis + 1;
                if at < hour_end || hour >= t.arrivals_per_hour.len() - 1 {
                    return Some(at);
                }
            }
            from = hour_end;
        }
        None
    };
    for (ti, t) in scenario.traffic.iter().enumerate() {
        if let Some(at) = next_arrival(&mut rng, t, 0) {
            push(&mut events, at, Ev::Arrival(ti));
        }
    }
    for (ai, gi) in groups.iter().enumerate() {
        let g = &scenario.agents[*gi];
        let whole = [g.shift.unwrap_or([0.0, scenario.hours])];
        let shifts = if g.shifts.is_empty() {
            &whole[..]
        } else {
            &g.shifts[..]
        };
        for [from, to] in shifts {
            let (from, to) = (
                (from * 3_600_000.0) as Millis,
                ((to * 3_600_000.0) as Millis).min(end),
            );
            if from < to {
                push(&mut events, from, Ev::Login(AgentIx(ai as u32)));
                push(&mut events, to, Ev::Logout(AgentIx(ai as u32)));
                report.agents[ai].staffed_ms += to - from;
                spread(&mut report.hours, from, to, |h| &mut h.staffed_ms);
            }
        }
    }

    let mut live: HashMap<ItemId, Live> = HashMap::new();
    let mut holding: Vec<(u32, Millis)> = vec![(0, 0); report.agents.len()];
    let mut holder: HashMap<ItemId, AgentIx> = HashMap::new();
    let mut next_id = 0u64;
    let mut last_progress = 0.0;
    let mut scheduled_timer: Option<Millis> = None;

    while let Some(Reverse((now, _, ev))) = events.pop() {
        if now > end {
            break;
        }
        let fraction = now as f64 / end as f64;
        if fraction - last_progress >= 0.005 {
            progress(fraction);
            last_progress = fraction;
        }
        let decisions = match ev {
            Ev::Arrival(ti) => {
                let t = &scenario.traffic[ti];
                if let Some(at) = next_arrival(&mut rng, t, now) {
                    push(&mut events, at, Ev::Arrival(ti));
                }
                next_id += 1;
                let id = ItemId(next_id);
                let (qi, needs) = &traffic[ti];
                report.queues[*qi].arrivals += 1;
                report.queues[*qi].hour((now / HOUR_MS) as usize).arrivals += 1;
                let handle_ms = rng.exp(t.handle_seconds * 1000.0) as Millis + 1;
                live.insert(
                    id,
                    Live {
                        queue: *qi,
                        arrived: now,
                        handle_ms,
                        answered: false,
                    },
                );
                push(
                    &mut events,
                    now + rng.exp(t.patience_seconds * 1000.0) as Millis + 1,
                    Ev::Patience(id),
                );
                let new = NewItem {
                    id,
                    queue: QueueIx(*qi as u32),
                    priority: t.priority,
                    needs: needs.clone(),
                    skill_match: SkillMatch::Exact,
                    arrived_at: now,
                };
                s.enqueue(new, now).unwrap_or_default()
            }
            Ev::Answer(id, a) => {
                let accept =
                    agent_rng.next_f64() < scenario.agents[groups[a.0 as usize]].accept_probability;
                if accept {
                    match s.accept(id, a, now) {
                        Ok(ds) => {
                            if let Some(l) = live.get_mut(&id) {
                                l.answered = true;
                                let wait = now - l.arrived;
                                let q = &mut report.queues[l.queue];
                                let in_sl = wait as f64 <= scenario.service_level_seconds * 1000.0;
                                q.answered += 1;
                                q.total_answer_wait_ms += wait;
                                q.max_wait_ms = q.max_wait_ms.max(wait);
                                q.answered_in_sl += u64::from(in_sl);
                                let h = q.hour((l.arrived / HOUR_MS) as usize);
                                h.answered += 1;
                                h.total_answer_wait_ms += wait;
                                h.answered_in_sl += u64::from(in_sl);
                                push(&mut events, now + l.handle_ms, Ev::HandleEnd(id, a));
                            }
                            ds
                        }
                        Err(_) => Vec::new(), // the offer expired or was rescinded first
                    }
                } else {
                    let ds = s.reject(id, a, now).unwrap_or_default();
                    if !ds.is_empty() {
                        report.agents[a.0 as usize].declined += 1;
                    }
                    ds
                }
            }
            Ev::HandleEnd(id, a) => {
                report.agents[a.0 as usize].handled += 1;
                live.remove(&id);
                s.close(id, a, now).unwrap_or_default()
            }
            Ev::Patience(id) => match live.get(&id) {
                Some(l) if !l.answered => {
                    let ds = s.abandon(id, now).unwrap_or_default();
                    if !ds.is_empty() {
                        let wait = now - l.arrived;
                        let short = scenario.short_abandon_seconds > 0.0
                            && wait as f64 <= scenario.short_abandon_seconds * 1000.0;
                        let q = &mut report.queues[l.queue];
                        q.abandoned += 1;
                        q.short_abandoned += u64::from(short);
                        let h = q.hour((l.arrived / HOUR_MS) as usize);
                        h.abandoned += 1;
                        h.short_abandoned += u64::from(short);
                        live.remove(&id);
                    }
                    ds
                }
                _ => Vec::new(),
            },
            Ev::Login(a) => s
                .set_presence(a, Presence::Available, now)
                .unwrap_or_default(),
            Ev::Logout(a) => s
                .set_presence(a, Presence::Offline, now)
                .unwrap_or_default(),
            Ev::Timer => {
                scheduled_timer = None;
                s.tick(now)
            }
        };
        report.decisions += decisions.len() as u64;
        // An agent holds an item from its offer until it is declined,
        // rescinded or closed (after wrap-up, if any).
        for d in &decisions {
            match *d {
                Decision::Offered {
                    item,
                    agent,
                    deadline,
                    ..
                } => {
                    let answer = (scenario.agents[groups[agent.0 as usize]].answer_seconds * 1000.0)
                        as Millis;
                    if now + answer < deadline {
                        push(&mut events, now + answer, Ev::Answer(item, agent));
                    }
                    holder.insert(item, agent);
                    hold(
                        &mut holding[agent.0 as usize],
                        &mut report.agents[agent.0 as usize],
                        &mut report.hours,
                        now,
                        1,
                    );
                }
                Decision::OfferDeclined { item, agent, .. }
                | Decision::OfferRescinded { item, agent } => {
                    holder.remove(&item);
                    hold(
                        &mut holding[agent.0 as usize],
                        &mut report.agents[agent.0 as usize],
                        &mut report.hours,
                        now,
                        -1,
                    );
                }
                Decision::Overflowed {
                    item,
                    action: Action::EndConversation | Action::Voicemail,
                    ..
                } => {
                    // A flow-out: the customer leaves without an agent (a
                    // transfer within the scenario keeps the customer
                    // counted in the queue they arrived in).
                    if let Some(l) = live.remove(&item) {
                        let q = &mut report.queues[l.queue];
                        q.overflowed += 1;
                        q.hour((l.arrived / HOUR_MS) as usize).overflowed += 1;
                    }
                }
                Decision::Closed { item } => {
                    if let Some(agent) = holder.remove(&item) {
                        hold(
                            &mut holding[agent.0 as usize],
                            &mut report.agents[agent.0 as usize],
                            &mut report.hours,
                            now,
                            -1,
                        );
                    }
                }
                _ => {}
            }
        }
        if let Some(t) = s.next_timer() {
            if scheduled_timer.is_none_or(|st| t < st) {
                scheduled_timer = Some(t);
                push(&mut events, t, Ev::Timer);
            }
        }
    }
    for (ai, (count, since)) in holding.iter().enumerate() {
        if *count > 0 {
            report.agents[ai].occupied_ms += end.saturating_sub(*since);
            spread(&mut report.hours, *since, end, |h| &mut h.occupied_ms);
        }
    }
    for (qi, q) in report.queues.iter_mut().enumerate() {
        q.waiting_at_end = s.queues[qi].waiting_count() as u64;
    }
    progress(1.0);
    Ok(report)
}

/// Tracks time an agent holds at least one item.
fn hold(
    h: &mut (u32, Millis),
    r: &mut AgentReport,
    hours: &mut [HourLoad],
    now: Millis,
    delta: i32,
) {
    let (count, since) = h;
    if delta > 0 {
        if *count == 0 {
            *since = now;
        }
        *count += 1;
    } else if *count > 0 {
        *count -= 1;
        if *count == 0 {
            r.occupied_ms += now - *since;
            spread(hours, *since, now, |h| &mut h.occupied_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(agents: u32, rate: f64) -> Scenario {
        toml_like(agents, rate)
    }

    fn toml_like(agents: u32, rate: f64) -> Scenario {
        Scenario {
            seed: 7,
            hours: 4.0,
            service_level_seconds: 20.0,
            short_abandon_seconds: 0.0,
            queues: vec![QueueSpec {
                name: "chat".into(),
                channel: ChannelKind::Messaging,
                priority: 0,
                method: None,
                offer_timeout_seconds: 60.0,
                declines_allowed: 3,
                overflow: OverflowRules::default(),
            }],
            agents: vec![AgentGroup {
                name: "team".into(),
                count: agents,
                queues: vec!["chat".into()],
                skills: BTreeMap::new(),
                chat_capacity: 1,
                voice_capacity: 1,
                wrap_up_seconds: 0.0,
                shift: None,
                shifts: Vec::new(),
                answer_seconds: 2.0,
                accept_probability: 1.0,
            }],
            traffic: vec![Traffic {
                queue: "chat".into(),
                arrivals_per_hour: vec![rate],
                handle_seconds: 300.0,
                patience_seconds: 120.0,
                needs: BTreeMap::new(),
                priority: 0,
            }],
        }
    }

    #[test]
    fn is_deterministic_and_more_staff_means_better_service() {
        let a = run(&scenario(5, 60.0), |_| {}).unwrap();
        assert_eq!(
            a,
            run(&scenario(5, 60.0), |_| {}).unwrap(),
            "same seed, same figures"
        );
        let q = &a.queues[0];
        // 60/h for 4 h: about 240 arrivals (Poisson).
        assert!((180..=300).contains(&q.arrivals), "{q:?}");
        // Every arrival is answered, abandoned, still waiting, or on offer
        // (at most one per agent) when the run ends.
        let accounted = q.answered + q.abandoned + q.waiting_at_end;
        assert!(
            accounted <= q.arrivals && q.arrivals - accounted <= 5,
            "{q:?}"
        );
        assert!(in_service(&a) <= 5);
        let more = run(&scenario(8, 60.0), |_| {}).unwrap();
        assert!(
            more.queues[0].service_level() > q.service_level(),
            "{:?} vs {:?}",
            more.queues[0],
            q
        );
        assert!(more.queues[0].abandoned < q.abandoned);
        // Offered load 60/h × 5 min = 5 Erlangs over 5 agents: nearly full.
        let occupancy: f64 = a.agents.iter().filter_map(|r| r.occupancy()).sum::<f64>() / 5.0;
        assert!(occupancy > 0.7 && occupancy <= 1.0, "{occupancy}");
    }

    /// Items answered but still being handled when the run ends.
    fn in_service(r: &Report) -> u64 {
        let handled: u64 = r.agents.iter().map(|a| a.handled).sum();
        r.queues[0].answered - handled
    }

    #[test]
    fn unknown_queues_are_reported() {
        let mut s = scenario(1, 1.0);
        s.traffic[0].queue = "nope".into();
        assert!(run(&s, |_| {})
            .unwrap_err()
            .0
            .contains("unknown queue nope"));
    }
}

/// The simulator against Erlang C and Erlang A (`super::queueing`): with
/// no answer delay, no declines and no wrap-up, one queue on one channel is
/// an M/M/n queue (M/M/n+M with patience), so its figures must agree with
/// the formulas. Each case runs independent replications (different seeds);
/// a figure agrees when the formula's value lies within four standard
/// errors of the replications' mean, plus the bias that starting empty can
/// cause (at most the share of arrivals in the first ten handle times).
/// The tolerance comes from the runs themselves, not from a guess.
#[cfg(test)]
mod erlang_checks {
    use super::*;
    use crate::routing::queueing::{erlang_a, erlang_c_asa, erlang_c_service_level};

    const REPLICATIONS: u64 = 10;
    const HOURS: f64 = 60.0;

    fn mm_n(
        agents: u32,
        per_hour: f64,
        handle: f64,
        patience: f64,
        sl: f64,
        seed: u64,
    ) -> Scenario {
        Scenario {
            seed,
            hours: HOURS,
            service_level_seconds: sl,
            short_abandon_seconds: 0.0,
            queues: vec![QueueSpec {
                name: "calls".into(),
                channel: ChannelKind::Voice,
                priority: 0,
                method: None,
                offer_timeout_seconds: 3600.0,
                declines_allowed: 3,
                overflow: OverflowRules::default(),
            }],
            agents: vec![AgentGroup {
                name: "team".into(),
                count: agents,
                queues: vec!["calls".into()],
                skills: BTreeMap::new(),
                chat_capacity: 1,
                voice_capacity: 1,
                wrap_up_seconds: 0.0,
                shift: None,
                shifts: Vec::new(),
                answer_seconds: 0.0,
                accept_probability: 1.0,
            }],
            traffic: vec![Traffic {
                queue: "calls".into(),
                arrivals_per_hour: vec![per_hour],
                handle_seconds: handle,
                patience_seconds: patience,
                needs: BTreeMap::new(),
                priority: 0,
            }],
        }
    }

    /// Mean and standard error of `figure` over the replications.
    fn replicate(
        make: impl Fn(u64) -> Scenario,
        figure: impl Fn(&QueueReport) -> f64,
    ) -> (f64, f64) {
        let xs: Vec<f64> = (1..=REPLICATIONS)
            .map(|seed| figure(&run(&make(seed), |_| {}).unwrap().queues[0]))
            .collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    fn agrees(what: &str, simulated: (f64, f64), formula: f64, handle: f64) {
        let (mean, se) = simulated;
        let start_bias = (10.0 * handle) / (HOURS * 3600.0);
        let tolerance = 4.0 * se + start_bias * formula.abs().max(1.0);
        assert!(
            (mean - formula).abs() <= tolerance,
            "{what}: simulated {mean:.4} ± {se:.4} (tolerance {tolerance:.4}), formula {formula:.4}"
        );
    }

    #[test]
    fn waits_forever_like_erlang_c() {
        // (agents, calls an hour, handle seconds): light, medium, heavy load.
        for (n, rate, handle) in [(3u32, 20.0, 420.0), (5, 50.0, 300.0), (10, 110.0, 300.0)] {
            let load = rate / 3600.0 * handle;
            let make = |seed| mm_n(n, rate, handle, 1e9, 20.0, seed);
            let sl = replicate(make, |q| q.service_level().unwrap());
            agrees(
                &format!("service level, {n} agents, {load:.2} Erlangs"),
                sl,
                erlang_c_service_level(n, load, handle, 20.0),
                handle,
            );
            let asa = replicate(make, |q| q.average_speed_of_answer_s().unwrap());
            // A mean wait, in seconds: its bias allowance scales with it.
            agrees(
                &format!("average speed of answer, {n} agents, {load:.2} Erlangs"),
                asa,
                erlang_c_asa(n, load, handle),
                handle,
            );
        }
    }

    #[test]
    fn impatient_callers_abandon_like_erlang_a() {
        // (agents, calls an hour, handle seconds, patience seconds),
        // overloaded included: abandonment keeps the queue finite.
        for (n, rate, handle, patience) in [
            (4u32, 60.0, 240.0, 60.0),
            (5, 60.0, 300.0, 120.0),
            (8, 110.0, 300.0, 300.0),
        ] {
            let a = erlang_a(n, rate / 3600.0, handle, patience);
            // A threshold of 0: answered at once, i.e. found an agent free.
            let make = |seed| mm_n(n, rate, handle, patience, 0.0, seed);
            let abandon = replicate(make, |q| q.abandonment().unwrap());
            agrees(
                &format!("abandonment, {n} agents, patience {patience} s"),
                abandon,
                a.abandonment,
                handle,
            );
            let waited = replicate(make, |q| 1.0 - q.service_level().unwrap());
            agrees(
                &format!("share that waited, {n} agents, patience {patience} s"),
                waited,
                a.wait_probability,
                handle,
            );
        }
    }
}
