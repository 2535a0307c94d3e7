//! The staffing planner's service: a queue's real configuration and the
//! traffic its report sums measured over a past period, made into a plan
//! ([`draft`]); a plan, as drafted or changed by a supervisor, run through
//! the routing core's simulator ([`run`]:
//! `switchboard_core::routing::planning`). `/api/v1/planner/…` and
//! `switchboard plan` both go through here. Definitions: `docs/planner.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use switchboard_core::reports::{Counts, DEFAULT_SERVICE_LEVEL_SECONDS};
use switchboard_core::routing::planning::{
    self, days_for, measure, plan_overflow, AgentProfile, Plan, PlanHour, MOST_AGENTS,
};
use switchboard_core::routing::{AssignmentMethod, ChannelKind, QueueIx};
use switchboard_core::validation::Check;
use switchboard_core::Invalid;
use switchboard_routing::config::{parse_enum, parse_hours, parse_overflow};
use switchboard_store::reports::{ReportBy, ReportQuery};
use switchboard_store::routing::Queue;
use switchboard_store::Db;

use crate::error::{ApiError, ApiResult};

/// The longest past period a plan measures: a quarter.
pub const MAX_DAYS: i64 = 92;
/// What the planner assumes an agent takes to accept an offer unless told.
pub const DEFAULT_ANSWER_SECONDS: f64 = 5.0;
/// The service level target unless told: 80 % (in 20 s).
pub const DEFAULT_TARGET_PERCENT: u32 = 80;

/// Which past traffic to plan from.
#[derive(Debug, Clone)]
pub struct TrafficQuery {
    pub queue_id: String,
    /// Days in the report time zone, both included.
    pub from: Date,
    pub to: Date,
    /// Only these days of the week (all when empty).
    pub weekdays: Vec<Weekday>,
}

/// A plan as the API carries it: the queue it is for, the target, one
/// agent's profile and the 24 hours of the day.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    pub queue_id: String,
    /// Answered within this many seconds counts toward the service level
    /// (0 to 3600) [default: 20].
    #[serde(default = "default_sl")]
    #[schema(minimum = 0, maximum = 3600)]
    pub service_level_seconds: u32,
    /// The service level to reach, in percent (1 to 99) [default: 80].
    #[serde(default = "default_target")]
    #[schema(minimum = 1, maximum = 99)]
    pub target_percent: u32,
    /// Abandons within this many seconds are short: left out of the
    /// service level (0 to 300) [default: 10].
    #[serde(default = "default_short")]
    #[schema(minimum = 0, maximum = 300)]
    pub short_abandon_seconds: u32,
    pub agent: PlanAgent,
    /// Hour 0 to 23 of the day, in the report time zone.
    #[schema(min_items = 24, max_items = 24)]
    pub hours: Vec<HourInput>,
}

fn default_sl() -> u32 {
    DEFAULT_SERVICE_LEVEL_SECONDS
}
fn default_target() -> u32 {
    DEFAULT_TARGET_PERCENT
}
fn default_short() -> u32 {
    switchboard_core::reports::DEFAULT_SHORT_ABANDON_SECONDS
}

/// What one agent of the queue takes at once and how fast.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanAgent {
    /// Chats held at once (1 to 20).
    #[schema(minimum = 1, maximum = 20)]
    pub chat_capacity: u8,
    /// Calls held at once (1 to 20).
    #[schema(minimum = 1, maximum = 20)]
    pub voice_capacity: u8,
    /// After-work per item, in seconds (0 to 3600).
    #[schema(minimum = 0, maximum = 3600)]
    pub wrap_up_seconds: f64,
    /// From an offer to its acceptance, in seconds (0 to 300).
    #[schema(minimum = 0, maximum = 300)]
    pub answer_seconds: f64,
}

/// One hour of the planned day.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HourInput {
    /// Whether the queue is open: a closed hour is neither simulated nor
    /// staffed.
    pub open: bool,
    /// Customers arriving in this hour (0 to 2000).
    #[schema(minimum = 0, maximum = 2000)]
    pub arrivals_per_hour: f64,
    /// Mean talk or chat time without wrap-up, in seconds (1 to 86400).
    #[schema(minimum = 1, maximum = 86400)]
    pub handle_seconds: f64,
    /// Mean time customers wait before giving up (1 to 86400); null:
    /// nobody gives up.
    #[schema(minimum = 1, maximum = 86400)]
    pub patience_seconds: Option<f64>,
    /// Agents on duty (0 to 500).
    #[schema(minimum = 0, maximum = 500)]
    pub staffed: u32,
}

/// The queue a plan is for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanQueue {
    pub id: String,
    pub name: String,
    /// `messaging` or `voice`.
    pub channel: String,
    /// Active agents serving the queue: the default staffing of an open
    /// hour.
    pub members: u32,
}

/// What the period saw in one hour of the day, over all its days.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct MeasuredOut {
    pub hour: u8,
    pub offered: i64,
    pub answered: i64,
    pub abandoned: i64,
    pub handled: i64,
}

/// A plan drafted from the configuration and the period's traffic.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub queue: PlanQueue,
    pub from: String,
    pub to: String,
    /// Days of the period counted (those of the chosen weekdays).
    pub days: u32,
    /// Days of the week counted (`mon` … `sun`).
    pub weekdays: Vec<String>,
    /// The zone of the hours (`serve --report-time-zone`).
    pub time_zone: String,
    pub measured: Vec<MeasuredOut>,
    /// The plan to run as it is or changed: arrivals, handle time and
    /// patience measured; every active member on duty in each open hour.
    pub plan: PlanInput,
}

/// One simulated hour.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct HourFigures {
    /// Customers who arrived in the hour over the simulated days.
    pub arrivals: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    /// Left by an overflow action (ended, voicemail, transferred away).
    pub overflowed: u64,
    /// Answered within the threshold over answered plus abandoned, short
    /// abandons left out (0 to 1).
    pub service_level: Option<f64>,
    pub average_speed_of_answer_seconds: Option<f64>,
    /// Abandoned over answered plus abandoned (0 to 1).
    pub abandon_rate: Option<f64>,
    /// Agents' share of staffed time holding work (0 to 1).
    pub occupancy: Option<f64>,
}

/// One hour of a plan's outcome.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct HourOut {
    pub hour: u8,
    pub open: bool,
    pub staffed: u32,
    /// The day as planned.
    pub planned: HourFigures,
    /// The fewest agents reaching the target with this hour's traffic;
    /// 0 for an hour without arrivals, null when closed or out of reach.
    pub needed: Option<u32>,
    /// The figures with that many agents.
    pub with_needed: Option<HourFigures>,
    /// The target cannot be reached with any staffing (an answer delay
    /// longer than the threshold, say).
    pub out_of_reach: bool,
}

/// What a plan gives.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub queue: PlanQueue,
    pub service_level_seconds: u32,
    pub target_percent: u32,
    /// Days the planned day was simulated (after one day of warm-up).
    pub days_simulated: u32,
    pub hours: Vec<HourOut>,
    /// Agent-hours planned and needed over the day.
    pub staffed_hours: u32,
    pub needed_hours: u32,
    /// Drawn when asked (`lang`): the hours' table is their text.
    pub charts: Option<PlanCharts>,
}

/// The outcome drawn as SVG (plotters), in the language asked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanCharts {
    /// Agents planned and needed per hour.
    pub agents: String,
    /// The service level per hour, as planned and with the agents needed.
    pub service_level: String,
}

/// Draws an outcome's two charts with the words of `lang`.
pub fn draw(o: &Outcome, lang: &str) -> ApiResult<PlanCharts> {
    use crate::charts::{chart, words, Series, Shape};
    let w = words(lang);
    let labels: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let internal =
        |e: Box<dyn std::error::Error>| ApiError::Internal(anyhow::anyhow!("chart: {e}"));
    let agents = chart(
        w.agents,
        &labels,
        &[
            Series {
                name: w.planned,
                values: o.hours.iter().map(|h| Some(f64::from(h.staffed))).collect(),
            },
            Series {
                name: w.needed,
                values: o.hours.iter().map(|h| h.needed.map(f64::from)).collect(),
            },
        ],
        None,
        Shape::Bars,
    )
    .map_err(internal)?;
    let service_level = chart(
        w.service_level,
        &labels,
        &[
            Series {
                name: w.planned,
                values: o
                    .hours
                    .iter()
                    .map(|h| h.planned.service_level.map(|v| v * 100.0))
                    .collect(),
            },
            Series {
                name: w.with_needed,
                values: o
                    .hours
                    .iter()
                    .map(|h| {
                        h.with_needed
                            .and_then(|f| f.service_level)
                            .map(|v| v * 100.0)
                    })
                    .collect(),
            },
        ],
        Some(100.0),
        Shape::Bars,
    )
    .map_err(internal)?;
    Ok(PlanCharts {
        agents,
        service_level,
    })
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// Parses `mon,tue,…` or ranges such as `mon-fri` (blank: every day),
/// naming `field` in errors.
pub fn parse_weekdays(c: &mut Check, field: &str, text: &str) -> Vec<Weekday> {
    let index = |name: &str| {
        WEEKDAYS
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
    };
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        match (index(a), index(b)) {
            (Some(a), Some(b)) if a > b => {
                c.fail(field, "order", "a range of days goes forward, e.g. mon-fri");
                return Vec::new();
            }
            (Some(a), Some(b)) => {
                for (_, d) in &WEEKDAYS[a..=b] {
                    if !out.contains(d) {
                        out.push(*d);
                    }
                }
            }
            _ => {
                c.fail(
                    field,
                    "invalid",
                    "must list days (mon, tue, wed, thu, fri, sat, sun) or ranges such as mon-fri",
                );
                return Vec::new();
            }
        }
    }
    out
}

fn weekday_name(d: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, w)| *w == d)
        .map(|(n, _)| *n)
        .unwrap_or("mon")
}

fn channel_of(q: &Queue) -> ChannelKind {
    if q.channel == "voice" {
        ChannelKind::Voice
    } else {
        ChannelKind::Messaging
    }
}

fn unknown_queue() -> ApiError {
    ApiError::Invalid(Invalid::one("queue_id", "unknown", "no such queue"))
}

async fn queue_of(db: &Db, id: &str) -> ApiResult<Queue> {
    db.queue(id).await.map_err(|e| match e {
        switchboard_store::StoreError::NotFound(_) => unknown_queue(),
        e => e.into(),
    })
}

/// The queue's members who are active, and the median of their capacity
/// profiles (a member without one has the routing defaults).
async fn members(db: &Db, q: &Queue) -> ApiResult<(u32, u8, u8, f64)> {
    let profiles: HashMap<String, (u8, u8, f64)> = db
        .capacity_profiles()
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                (
                    p.chat_units.clamp(1, 20) as u8,
                    p.voice_units.clamp(1, 20) as u8,
                    p.wrap_up_seconds as f64,
                ),
            )
        })
        .collect();
    let (mut chats, mut calls, mut wraps) = (Vec::new(), Vec::new(), Vec::new());
    for id in &q.members {
        let Ok(agent) = db.agent(id).await else {
            continue;
        };
        if !agent.active {
            continue;
        }
        let routing = db.agent_routing(id).await?;
        let (chat, voice, wrap) = routing
            .capacity_profile_id
            .and_then(|p| profiles.get(&p).copied())
            .unwrap_or((3, 1, 0.0));
        chats.push(chat);
        calls.push(voice);
        wraps.push(wrap);
    }
    let median = |v: &mut Vec<u8>, default: u8| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(default)
    };
    wraps.sort_by(f64::total_cmp);
    let wrap = wraps.get(wraps.len() / 2).copied().unwrap_or(0.0);
    Ok((
        chats.len() as u32,
        median(&mut chats, 3),
        median(&mut calls, 1),
        wrap,
    ))
}

/// The queue's operating hours: which hours of the day (in the report
/// zone) it is open on any counted day of the period. Always open without
/// hours.
fn open_hours(q: &Queue, days: &[Date], zone: &TimeZone) -> [bool; 24] {
    let hours = q
        .operating_hours
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .and_then(|spec| parse_hours(&spec, "operating_hours").ok());
    let Some(hours) = hours else {
        return [true; 24];
    };
    let mut open = [false; 24];
    for d in days {
        for (h, o) in open.iter_mut().enumerate() {
            // Open at any quarter of the hour counts the hour as open.
            for minute in [0, 15, 30, 45] {
                let at = d
                    .at(h as i8, minute, 0, 0)
                    .to_zoned(zone.clone())
                    .map(|z| z.timestamp().as_millisecond());
                if let Ok(ms) = at {
                    if ms >= 0 && hours.is_open(ms as u64) {
                        *o = true;
                    }
                }
            }
        }
    }
    open
}

/// Drafts a plan from the queue's configuration and the period's traffic.
pub async fn draft(db: &Db, t: &TrafficQuery) -> ApiResult<Draft> {
    let q = queue_of(db, &t.queue_id).await?;
    let zone_name = db.report_time_zone().await?;
    let zone = TimeZone::get(&zone_name).unwrap_or(TimeZone::UTC);
    let mut days = Vec::new();
    let mut d = t.from;
    while d <= t.to {
        if t.weekdays.is_empty() || t.weekdays.contains(&d.weekday()) {
            days.push(d);
        }
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    let hour_key = |d: Date| -> ApiResult<String> {
        let ts = d
            .to_zoned(zone.clone())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("a day's start: {e}")))?
            .timestamp();
        Ok(ts.strftime("%Y-%m-%dT%H:00:00Z").to_string())
    };
    let after_last = t
        .to
        .tomorrow()
        .map_err(|_| ApiError::Invalid(Invalid::one("to", "too_far", "too far in the future")))?;
    let rows = db
        .report(&ReportQuery {
            by: ReportBy::Hour,
            from_day: t.from.to_string(),
            to_day: t.to.to_string(),
            hours: Some((hour_key(t.from)?, hour_key(after_last)?)),
            queue_id: Some(q.id.clone()),
            agent_id: None,
            channel: None,
            within: None,
        })
        .await?;
    let mut sums = [Counts::default(); 24];
    for r in rows {
        let Some(ts) = switchboard_core::time::parse(&r.key) else {
            continue;
        };
        let local = ts.to_zoned(zone.clone());
        if t.weekdays.is_empty() || t.weekdays.contains(&local.weekday()) {
            sums[local.hour() as usize].add(&r.counts);
        }
    }
    let measured = measure(&sums, days.len() as u32);
    let open = open_hours(&q, &days, &zone);
    let (member_count, chat, voice, profile_wrap) = members(db, &q).await?;
    let period_wrap = {
        let mut all = Counts::default();
        for c in &sums {
            all.add(c);
        }
        (all.handled > 0).then(|| all.wrap_up_ms as f64 / all.handled as f64 / 1000.0)
    };
    // Without any handled item, 5 minutes: a placeholder the page shows
    // for the supervisor to change.
    let fallback_handle = 300.0;
    let hours = (0..24)
        .map(|h| {
            let m = measured[h];
            HourInput {
                open: open[h],
                arrivals_per_hour: round2(m.arrivals_per_hour),
                handle_seconds: round2(m.handle_seconds.unwrap_or(fallback_handle).max(1.0)),
                patience_seconds: m.patience_seconds.map(|p| round2(p.max(1.0))),
                staffed: if open[h] { member_count } else { 0 },
            }
        })
        .collect();
    Ok(Draft {
        queue: PlanQueue {
            id: q.id.clone(),
            name: q.name.clone(),
            channel: q.channel.clone(),
            members: member_count,
        },
        from: t.from.to_string(),
        to: t.to.to_string(),
        days: days.len() as u32,
        weekdays: if t.weekdays.is_empty() {
            WEEKDAYS.iter().map(|(n, _)| n.to_string()).collect()
        } else {
            t.weekdays
                .iter()
                .map(|d| weekday_name(*d).to_owned())
                .collect()
        },
        time_zone: zone_name,
        measured: (0..24)
            .map(|h| MeasuredOut {
                hour: h as u8,
                offered: sums[h].offered,
                answered: measured[h].answered,
                abandoned: measured[h].abandoned,
                handled: measured[h].handled,
            })
            .collect(),
        plan: PlanInput {
            queue_id: q.id,
            service_level_seconds: DEFAULT_SERVICE_LEVEL_SECONDS,
            target_percent: DEFAULT_TARGET_PERCENT,
            short_abandon_seconds: default_short(),
            agent: PlanAgent {
                chat_capacity: chat,
                voice_capacity: voice,
                wrap_up_seconds: round2(period_wrap.unwrap_or(profile_wrap)),
                answer_seconds: DEFAULT_ANSWER_SECONDS,
            },
            hours,
        },
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Checks a plan as sent, field by field.
pub fn check(p: &PlanInput) -> Result<(), Invalid> {
    let mut c = Check::new();
    c.optional_id("queue_id", Some(p.queue_id.clone()));
    if p.service_level_seconds > 3600 {
        c.fail(
            "service_level_seconds",
            "out_of_range",
            "must be between 0 and 3600",
        );
    }
    if !(1..=99).contains(&p.target_percent) {
        c.fail("target_percent", "out_of_range", "must be between 1 and 99");
    }
    if p.short_abandon_seconds > 300 {
        c.fail(
            "short_abandon_seconds",
            "out_of_range",
            "must be between 0 and 300",
        );
    }
    let within = |c: &mut Check, field: &str, v: f64, low: f64, high: f64| {
        if !(v.is_finite() && v >= low && v <= high) {
            c.fail(
                field,
                "out_of_range",
                format!("must be between {low} and {high}"),
            );
        }
    };
    let a = &p.agent;
    within(
        &mut c,
        "agent.chat_capacity",
        f64::from(a.chat_capacity),
        1.0,
        20.0,
    );
    within(
        &mut c,
        "agent.voice_capacity",
        f64::from(a.voice_capacity),
        1.0,
        20.0,
    );
    within(
        &mut c,
        "agent.wrap_up_seconds",
        a.wrap_up_seconds,
        0.0,
        3600.0,
    );
    within(&mut c, "agent.answer_seconds", a.answer_seconds, 0.0, 300.0);
    if p.hours.len() != 24 {
        c.fail("hours", "invalid", "must give the 24 hours of the day");
    }
    for (i, h) in p.hours.iter().enumerate() {
        within(
            &mut c,
            &format!("hours[{i}].arrivals_per_hour"),
            h.arrivals_per_hour,
            0.0,
            2_000.0,
        );
        within(
            &mut c,
            &format!("hours[{i}].handle_seconds"),
            h.handle_seconds,
            1.0,
            86_400.0,
        );
        if let Some(p) = h.patience_seconds {
            within(
                &mut c,
                &format!("hours[{i}].patience_seconds"),
                p,
                1.0,
                86_400.0,
            );
        }
        within(
            &mut c,
            &format!("hours[{i}].staffed"),
            f64::from(h.staffed),
            0.0,
            f64::from(MOST_AGENTS),
        );
    }
    // An hour whose work alone would keep more agents busy than a plan
    // searches is refused: it is not a queue a plan can staff, and its
    // simulation would run for minutes.
    let per_agent = f64::from(p.agent.chat_capacity.max(1));
    for (i, h) in p.hours.iter().enumerate() {
        let load = h.arrivals_per_hour / 3600.0 * (h.handle_seconds + p.agent.wrap_up_seconds);
        if load.is_finite() && load / per_agent > f64::from(MOST_AGENTS) {
            c.fail(
                &format!("hours[{i}].arrivals_per_hour"),
                "inconsistent",
                format!(
                    "with this handle time the hour's work needs more than {MOST_AGENTS} agents"
                ),
            );
        }
    }
    c.finish(|| ())
}

/// One plan runs at a time: a run keeps a core busy for seconds.
fn one_at_a_time() -> &'static tokio::sync::Semaphore {
    static RUNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    RUNS.get_or_init(|| tokio::sync::Semaphore::new(1))
}

/// Runs a plan: the day as planned, and the fewest agents per open hour.
pub async fn run(db: &Db, p: &PlanInput) -> ApiResult<Outcome> {
    check(p)?;
    let q = queue_of(db, &p.queue_id).await?;
    let channel = channel_of(&q);
    // The queue's overflow rules as the engine reads them; other queues
    // are only names here (a transfer to one is a flow-out).
    let others: HashMap<String, (QueueIx, ChannelKind)> = db
        .queues()
        .await?
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.clone(), (QueueIx(i as u32 + 1), channel_of(o))))
        .collect();
    let hours_rules = q
        .operating_hours
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .and_then(|spec| parse_hours(&spec, "operating_hours").ok());
    let overflow = serde_json::from_value(q.overflow.clone())
        .ok()
        .and_then(|spec| parse_overflow(&spec, hours_rules, channel, &others).ok())
        .map(|rules| plan_overflow(&rules))
        .unwrap_or_default();
    let (members, ..) = members(db, &q).await?;
    let plan = Plan {
        channel,
        method: parse_enum::<AssignmentMethod>(&q.method),
        offer_timeout_seconds: q.offer_timeout_seconds as f64,
        declines_allowed: q.declines_allowed.clamp(1, 5) as u8,
        overflow,
        agent: AgentProfile {
            chat_capacity: p.agent.chat_capacity,
            voice_capacity: p.agent.voice_capacity,
            wrap_up_seconds: p.agent.wrap_up_seconds,
            answer_seconds: p.agent.answer_seconds,
        },
        service_level_seconds: f64::from(p.service_level_seconds),
        short_abandon_seconds: f64::from(p.short_abandon_seconds),
        hours: p
            .hours
            .iter()
            .map(|h| PlanHour {
                arrivals_per_hour: if h.open { h.arrivals_per_hour } else { 0.0 },
                handle_seconds: h.handle_seconds,
                patience_seconds: h.patience_seconds,
                staffed: if h.open { h.staffed } else { 0 },
            })
            .collect(),
        seed: 1,
    };
    let opens: Vec<bool> = p.hours.iter().map(|h| h.open).collect();
    let target = f64::from(p.target_percent) / 100.0;
    let _turn = one_at_a_time()
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("planner closed: {e}")))?;
    let simulated = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let per_day: f64 = plan.hours.iter().map(|h| h.arrivals_per_hour).sum();
        let days = days_for(per_day);
        let day = planning::what_if(&plan, days).map_err(|e| e.0)?;
        let mut needed = Vec::with_capacity(24);
        for (h, open) in opens.iter().enumerate() {
            needed.push(if *open {
                Some(planning::needed(&plan, h, target).map_err(|e| e.0)?)
            } else {
                None
            });
        }
        Ok((days, day, needed))
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("planner task: {e}")))?
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("planner: {e}")))?;
    let (days, day, needed) = simulated;
    let figures = |o: &planning::HourOutcome| HourFigures {
        arrivals: o.counts.arrivals,
        answered: o.counts.answered,
        abandoned: o.counts.abandoned,
        short_abandoned: o.counts.short_abandoned,
        overflowed: o.counts.overflowed,
        service_level: o.counts.service_level(),
        average_speed_of_answer_seconds: o.counts.average_speed_of_answer_s(),
        abandon_rate: o.counts.abandonment(),
        occupancy: o.occupancy,
    };
    let hours: Vec<HourOut> = (0..24)
        .map(|h| {
            let n = needed[h].as_ref();
            HourOut {
                hour: h as u8,
                open: p.hours[h].open,
                staffed: if p.hours[h].open {
                    p.hours[h].staffed
                } else {
                    0
                },
                planned: figures(&day[h]),
                needed: n.and_then(|n| n.map(|n| n.agents)),
                with_needed: n.and_then(|n| n.map(|n| figures(&n.outcome))),
                out_of_reach: matches!(n, Some(None)),
            }
        })
        .collect();
    Ok(Outcome {
        queue: PlanQueue {
            id: q.id.clone(),
            name: q.name.clone(),
            channel: q.channel.clone(),
            members,
        },
        service_level_seconds: p.service_level_seconds,
        target_percent: p.target_percent,
        days_simulated: days,
        staffed_hours: hours.iter().map(|h| h.staffed).sum(),
        needed_hours: hours.iter().filter_map(|h| h.needed).sum(),
        hours,
        charts: None,
    })
}
