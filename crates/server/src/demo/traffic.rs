//! Demo traffic: two weeks of routed work items in the demo's queues, so
//! that a newcomer's reports (and the staffing planner after them) have a
//! past to show. Each item is stored with the routing events the engine
//! would have written for it (classified, a declined offer now and then,
//! assigned, wrap-up, closed; or abandoned; or a callback asked for), and
//! the reports count them like any others.
//!
//! The events are numbered below zero (-N … -1, in the order they
//! happened): the engine numbers its own from the highest stored number
//! up, so imported history never takes a number it will use, and no
//! socket replays it (clients resume after numbers ≥ 0). The figures are
//! drawn from a seeded generator: the same demo every time.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use switchboard_core::routing::events::EventKind;
use switchboard_core::time;
use switchboard_store::routing::{EventRow, WorkItemRow};
use switchboard_store::voice::Callback;
use switchboard_store::Db;

const TRAFFIC_KEY: &str = "demo_traffic_loaded_at";
const DAYS: i64 = 14;

/// Arrivals per hour at `hour` (UTC) on a weekday; weekends see a third.
fn rate(hour: i64, channel: &str) -> f64 {
    let shape = match hour {
        8 => 0.5,
        9 | 10 => 1.0,
        11 => 0.9,
        12 | 13 => 0.6,
        14 | 15 => 0.95,
        16 => 0.8,
        17 => 0.5,
        _ => 0.0,
    };
    shape * if channel == "voice" { 6.0 } else { 12.0 }
}

fn exponential(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.gen::<f64>()).ln()
}

/// Poisson arrivals in an hour: exponential gaps until the hour is over.
fn arrivals(rng: &mut StdRng, per_hour: f64) -> Vec<f64> {
    let mut out = Vec::new();
    if per_hour <= 0.0 {
        return out;
    }
    let mut t = exponential(rng, 3600.0 / per_hour);
    while t < 3600.0 {
        out.push(t);
        t += exponential(rng, 3600.0 / per_hour);
    }
    out
}

struct Planned {
    item: WorkItemRow,
    events: Vec<(i64, Option<String>, EventKind)>,
    /// The callback a caller asked for, as the voice channel records it.
    callback: Option<Callback>,
}

/// Loads the traffic once (a later start finds the mark and does nothing).
pub async fn load_traffic(db: &Db) -> anyhow::Result<usize> {
    if db.meta_get(TRAFFIC_KEY).await?.is_some() {
        return Ok(0);
    }
    let queues = db.queues().await?;
    let chat = queues.iter().find(|q| q.name == "Chat — general");
    let voice = queues.iter().find(|q| q.name == "Voice — urgent");
    let agents: Vec<String> = db
        .agents(None, 100)
        .await?
        .items
        .into_iter()
        .filter(|a| a.roles.contains(&switchboard_core::access::Role::Agent))
        .map(|a| a.id)
        .collect();
    let (Some(chat), Some(voice)) = (chat, voice) else {
        return Ok(0);
    };
    if agents.len() < 2 {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(16);
    let now = jiff::Timestamp::now().as_second();
    let today = now - now.rem_euclid(86_400);
    let mut planned = Vec::new();
    for day in (1..=DAYS).rev() {
        let start = today - day * 86_400;
        let weekday = jiff::Timestamp::from_second(start)?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .weekday()
            .to_monday_zero_offset();
        let busy = if weekday >= 5 { 0.35 } else { 1.0 };
        for hour in 0..24 {
            for (queue, channel) in [(&chat.id, "chat"), (&voice.id, "voice")] {
                for offset in arrivals(&mut rng, rate(hour, channel) * busy) {
                    let arrived = start + hour * 3600 + offset as i64;
                    planned.push(plan(&mut rng, queue, channel, arrived, &agents));
                }
            }
        }
    }
    // Every event, in the order it happened, numbered -N … -1.
    let mut all: Vec<(i64, usize, usize)> = planned
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.events.iter().enumerate().map(move |(k, e)| (e.0, i, k)))
        .collect();
    all.sort();
    let total = all.len() as i64;
    let mut rows: Vec<Vec<EventRow>> = planned.iter().map(|_| Vec::new()).collect();
    for (n, (at, i, k)) in all.into_iter().enumerate() {
        let p = &planned[i];
        let (_, agent, kind) = &p.events[k];
        rows[i].push(EventRow {
            seq: n as i64 - total,
            work_item_id: Some(p.item.id.clone()),
            agent_id: agent.clone(),
            queue_id: Some(p.item.queue_id.clone()),
            kind: kind.name().into(),
            data: kind.data(Some(&p.item.id)).to_string(),
            at: stamp(at),
        });
    }
    let count = planned.len();
    let callbacks: Vec<Callback> = planned.iter().filter_map(|p| p.callback.clone()).collect();
    let items: Vec<(WorkItemRow, Vec<EventRow>)> =
        planned.into_iter().map(|p| p.item).zip(rows).collect();
    for chunk in items.chunks(500) {
        let (its, evs): (Vec<WorkItemRow>, Vec<Vec<EventRow>>) = chunk.iter().cloned().unzip();
        let evs: Vec<EventRow> = evs.into_iter().flatten().collect();
        db.apply_routing(&its, &[], &evs).await?;
    }
    db.import_callbacks(&callbacks).await?;
    db.meta_claim(TRAFFIC_KEY, &time::now()).await?;
    Ok(count)
}

fn stamp(second: i64) -> String {
    time::format(jiff::Timestamp::from_second(second).unwrap_or_default())
}

/// An agent's part of an item's life: assigned at `answered`, talking for
/// `talk` seconds, wrapping up for `wrap`, then closed.
fn served(
    events: &mut Vec<(i64, Option<String>, EventKind)>,
    agent: &str,
    answered: i64,
    talk: i64,
    wrap: i64,
) {
    let by = || Some(agent.to_owned());
    events.push((answered, by(), EventKind::Assigned));
    let until = stamp(answered + talk + wrap);
    events.push((answered + talk, by(), EventKind::WrapUp { until }));
    events.push((answered + talk + wrap, by(), EventKind::Closed));
}

/// One item's life: answered (sometimes after a declined offer), abandoned,
/// or (voice) a callback asked for instead of waiting.
fn plan(rng: &mut StdRng, queue: &str, channel: &str, arrived: i64, agents: &[String]) -> Planned {
    let id = switchboard_store::new_id();
    let agent = agents[rng.gen_range(0..agents.len())].clone();
    let wait = exponential(rng, if channel == "voice" { 35.0 } else { 20.0 }) as i64;
    let patience = exponential(rng, if channel == "voice" { 150.0 } else { 300.0 }) as i64;
    let mut events = vec![(
        arrived,
        None,
        EventKind::Classified {
            rule: None,
            queue_id: queue.to_owned(),
        },
    )];
    let (status, closed, holder);
    let mut kind = "normal";
    let mut item_attributes = "{}".to_owned();
    let mut callback = None;
    if channel == "voice" && wait > 60 && rng.gen_bool(0.3) {
        // The caller pressed 1 and hung up, keeping their place: the item
        // becomes a callback, an agent takes it when free and is dialled
        // first, then the customer (docs/voice.md). Most answer; some never
        // do and the callback fails after its attempts.
        let at = arrived + 45;
        let callback_id = switchboard_store::new_id();
        // Numbers ARCEP keeps for fiction (06 39 98 xx xx).
        let phone = format!("+3363998{:04}", rng.gen_range(0..10_000));
        let attributes: std::collections::BTreeMap<String, String> = [
            ("callback_number".to_owned(), phone.clone()),
            ("callback_id".to_owned(), callback_id.clone()),
        ]
        .into();
        item_attributes = serde_json::to_string(&attributes).unwrap_or_else(|_| "{}".into());
        events.push((at, None, EventKind::CallbackRequested { attributes }));
        let answered = at + 30 + exponential(rng, 120.0) as i64;
        let reached = rng.gen_bool(0.85);
        let talk = if reached {
            exponential(rng, 240.0) as i64 + 20
        } else {
            40
        };
        let wrap = rng.gen_range(10..60);
        served(&mut events, &agent, answered, talk, wrap);
        let ended = answered + if reached { 15 } else { talk };
        callback = Some(Callback {
            id: callback_id,
            origin: "direct".into(),
            phone,
            contact_id: None,
            queue_id: Some(queue.to_owned()),
            attributes: "{}".into(),
            windows: serde_json::json!([{"start": stamp(at), "end": stamp(at + 4 * 3600)}])
                .to_string(),
            status: if reached { "completed" } else { "failed" }.into(),
            work_item_id: Some(id.clone()),
            attempts: if reached { 1 } else { 3 },
            max_attempts: 3,
            retry_minutes: 10,
            next_attempt_at: None,
            last_result: Some(if reached { "connected" } else { "no_answer" }.into()),
            closed_reason: (!reached).then(|| "no answer after 3 attempts".into()),
            expires_at: stamp(at + 4 * 3600),
            idempotency_key: None,
            request_hash: None,
            created_by: "caller".into(),
            created_at: stamp(at),
            updated_at: stamp(ended),
            closed_at: Some(stamp(ended)),
        });
        kind = "callback";
        (status, closed, holder) = ("closed", answered + talk + wrap, Some(agent));
    } else if patience < wait {
        let at = arrived + patience;
        events.push((at, None, EventKind::Abandoned));
        (status, closed, holder) = ("abandoned", at, None);
    } else {
        if rng.gen_bool(0.06) {
            let other = agents[rng.gen_range(0..agents.len())].clone();
            events.push((arrived + wait / 2, Some(other), EventKind::OfferDeclined));
        }
        let answered = arrived + wait;
        let talk = exponential(rng, if channel == "voice" { 240.0 } else { 420.0 }) as i64 + 20;
        let wrap = rng.gen_range(10..60);
        served(&mut events, &agent, answered, talk, wrap);
        (status, closed, holder) = ("closed", answered + talk + wrap, Some(agent));
    }
    Planned {
        item: WorkItemRow {
            id,
            channel: channel.into(),
            kind: kind.into(),
            contact_id: None,
            customer_name: None,
            attributes: item_attributes,
            queue_id: queue.into(),
            priority: 0,
            needs: "[]".into(),
            skill_match: "{}".into(),
            status: status.into(),
            agent_id: holder,
            offer_deadline: None,
            declines: "[]".into(),
            reason: None,
            arrived_at: stamp(arrived),
            updated_at: stamp(closed),
            closed_at: Some(stamp(closed)),
        },
        events,
        callback,
    }
}
