//! Callbacks after they are recorded: the scheduler puts them in line when
//! their window opens (and takes them out when it closes), retries them
//! after failed attempts and expires them after 7 days; when an agent
//! accepts one (a callback preview), Switchboard rings the agent's phone,
//! then dials the customer and bridges the two.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use switchboard_core::time;
use switchboard_core::voice::callback::{
    next_attempt, window_state, RetryPolicy, Window, WindowState,
};
use switchboard_core::voice::dial::Refusal;
use switchboard_store::voice::{Callback, CallbackUpdate, NewDial};

use super::outbound::{self, DialError};
use super::Voice;
use crate::logged;
use switchboard_routing::engine::NewWorkItem;

/// The windows stored with a callback.
pub fn windows_of(c: &Callback) -> Vec<Window> {
    let raw: Vec<BTreeMap<String, String>> = serde_json::from_str(&c.windows).unwrap_or_default();
    raw.iter()
        .filter_map(|w| {
            Some(Window {
                start: time::parse(w.get("start")?)?,
                end: time::parse(w.get("end")?)?,
            })
        })
        .collect()
}

pub fn spawn_scheduler(v: Arc<Voice>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = round(&v).await {
                tracing::warn!(error = %e, "a callback scheduling round failed");
            }
        }
    });
}

async fn round(v: &Voice) -> anyhow::Result<()> {
    let now = Timestamp::now();
    for c in v.db.open_callbacks().await? {
        // One callback that cannot move on must not hold up the others.
        if let Err(e) = step(v, &c, now).await {
            tracing::warn!(callback = c.id, error = %e, "a callback could not move on");
        }
    }
    Ok(())
}

/// Takes a waiting work item out of line (the customer is not there to
/// "abandon" it, but that is the engine's word for leaving unserved).
async fn take_out(v: &Voice, item: &Option<String>) {
    if let Some(item) = item {
        let _ = v.engine.abandon(item).await;
        logged(
            v.db.end_call(item, "system").await,
            "ending a callback's call record failed",
        );
    }
}

async fn step(v: &Voice, c: &Callback, now: Timestamp) -> anyhow::Result<()> {
    let expired = time::parse(&c.expires_at).is_some_and(|e| e <= now);
    if expired {
        if c.status != "dialling" {
            if c.status == "queued" {
                take_out(v, &c.work_item_id).await;
            }
            v.db.update_callback(
                &c.id,
                &["scheduled", "queued"],
                &CallbackUpdate {
                    status: "expired".into(),
                    closed_reason: Some("not served within 7 days".into()),
                    ..Default::default()
                },
                Some("Callback expired: not served within 7 days"),
            )
            .await?;
        }
        return Ok(());
    }
    if c.status == "dialling" {
        // A dial lasts at most two rings; one older than that was cut short
        // (a restart, a failed write): it goes back to waiting for its next
        // attempt, which is not counted against the customer.
        let stale = v.config.ring_timeout * 2 + Duration::from_secs(60);
        let since = time::parse(&c.updated_at)
            .map(|t| now.duration_since(t).as_secs_f64())
            .unwrap_or(0.0);
        if since > stale.as_secs_f64() {
            v.db.update_callback(
                &c.id,
                &["dialling"],
                &CallbackUpdate {
                    status: "scheduled".into(),
                    next_attempt_at: Some(time::format(now)),
                    last_result: Some("interrupted".into()),
                    ..Default::default()
                },
                None,
            )
            .await?;
        }
        return Ok(());
    }
    let windows = windows_of(c);
    let state = window_state(&windows, now);
    match (c.status.as_str(), state) {
        ("scheduled", WindowState::Open(_)) => {
            let due = c
                .next_attempt_at
                .as_deref()
                .and_then(time::parse)
                .is_none_or(|t| t <= now);
            if due {
                if let Err(e) = enqueue(v, c).await {
                    // Its queue is gone or not a voice queue: it can never
                    // be served; say so rather than retrying every second.
                    v.db.update_callback(
                        &c.id,
                        &["scheduled"],
                        &CallbackUpdate {
                            status: "failed".into(),
                            closed_reason: Some(format!("could not enter the queue: {e}")),
                            ..Default::default()
                        },
                        Some("Callback failed: it could not enter its queue"),
                    )
                    .await?;
                }
            }
        }
        ("scheduled", WindowState::Passed) => {
            v.db.update_callback(
                &c.id,
                &["scheduled"],
                &CallbackUpdate {
                    status: "missed".into(),
                    closed_reason: Some("every window passed unused".into()),
                    ..Default::default()
                },
                Some("Callback missed: its windows passed without a call"),
            )
            .await?;
            tracing::info!(callback = c.id, "a callback's windows passed unused");
        }
        // Only scheduled (API) callbacks have windows that close; a direct
        // callback's single window is its 7-day life.
        ("queued", WindowState::Before(_) | WindowState::Passed) if c.origin == "api" => {
            take_out(v, &c.work_item_id).await;
            let next = match state {
                WindowState::Before(t) => Some(t),
                _ => None,
            };
            let (status, note) = match next {
                Some(_) => (
                    "scheduled",
                    "Callback window closed before an agent was free; waiting for the next window",
                ),
                None => (
                    "missed",
                    "Callback missed: its windows passed without a call",
                ),
            };
            v.db.update_callback(
                &c.id,
                &["queued"],
                &CallbackUpdate {
                    status: status.into(),
                    next_attempt_at: next.map(time::format),
                    closed_reason: (status == "missed")
                        .then(|| "every window passed unused".into()),
                    ..Default::default()
                },
                Some(note),
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Puts a callback in line as a callback work item.
async fn enqueue(v: &Voice, c: &Callback) -> anyhow::Result<()> {
    let mut attributes: BTreeMap<String, String> =
        serde_json::from_str(&c.attributes).unwrap_or_default();
    attributes.insert("callback_number".into(), c.phone.clone());
    attributes.insert("callback_id".into(), c.id.clone());
    let view = v
        .engine
        .create(NewWorkItem {
            channel: "callback".into(),
            kind: "callback".into(),
            contact_id: c.contact_id.clone(),
            attributes,
            queue_id: c.queue_id.clone(),
            skills: None,
            skill_match: None,
            priority: None,
        })
        .await?;
    let moved =
        v.db.update_callback(
            &c.id,
            &["scheduled"],
            &CallbackUpdate {
                status: "queued".into(),
                work_item_id: Some(view.id.clone()),
                ..Default::default()
            },
            None,
        )
        .await?;
    if !moved {
        // Cancelled meanwhile.
        let _ = v.engine.abandon(&view.id).await;
        return Ok(());
    }
    // After the callback is queued: an agent accepting at once finds it
    // ready to dial (and the dial keeps a record already written).
    logged(
        v.db.start_call(&view.id, "callback", &c.phone, c.contact_id.as_deref())
            .await,
        "recording a callback's call failed",
    );
    Ok(())
}

/// An agent accepted a work item with no live call: if it is a callback,
/// dial it (agent first, then the customer).
pub async fn on_assigned(v: &Voice, item: &str, agent_id: &str) {
    // The scheduler marks the callback queued just after its item enters
    // the line; an agent accepting at once may get here first.
    let mut tries = 0;
    let c = loop {
        match v.db.callback_by_work_item(item).await {
            Ok(Some(c)) if c.status == "queued" => break c,
            Ok(None) if tries < 10 => {
                if tries == 0
                    && !v
                        .engine
                        .view(item)
                        .await
                        .is_ok_and(|w| w.channel == "callback")
                {
                    // Not a callback (a chat, an ended call): nothing to dial.
                    return;
                }
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "reading a callback failed");
                return;
            }
        }
    };
    if c.origin == "api"
        && !matches!(
            window_state(&windows_of(&c), Timestamp::now()),
            WindowState::Open(_)
        )
    {
        // Its window shut between the offer and the acceptance: the
        // scheduler puts it back for the next one.
        tracing::info!(
            callback = c.id,
            "a callback accepted outside its window is not dialled"
        );
        requeue(v, item).await;
        return;
    }
    match v
        .db
        .update_callback(
            &c.id,
            &["queued"],
            &CallbackUpdate {
                status: "dialling".into(),
                ..Default::default()
            },
            None,
        )
        .await
    {
        Ok(true) => {}
        _ => return,
    }
    // The dialling policy (issue 13), before anyone's phone rings: the
    // number's kind and country, and the day's cap per number.
    let midnight = time::format(
        Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .start_of_day()
            .map(|z| z.timestamp())
            .unwrap_or_else(|_| Timestamp::now()),
    );
    let today =
        v.db.dials_since(&c.phone, &midnight)
            .await
            .unwrap_or(u32::MAX);
    if let Err(r) = v.config.dial.check_dial(&c.phone, today) {
        refused(v, &c, item, agent_id, &r).await;
        return;
    }
    if v.db.call(item).await.is_err() {
        // Queued before call records existed.
        logged(
            v.db.start_call(item, "callback", &c.phone, c.contact_id.as_deref())
                .await,
            "recording a callback's call failed",
        );
    }
    logged(
        v.db.set_call_state(item, "ringing_agent", Some(agent_id))
            .await,
        "recording a call's state failed",
    );
    let agent = match outbound::ring_agent(v, agent_id).await {
        Ok(a) => a,
        Err(e) => {
            logged(
                v.db.set_call_state(item, "waiting", None).await,
                "recording a call's state failed",
            );
            // Not the customer's fault: back in line, attempts unchanged.
            tracing::warn!(agent = agent_id, error = %e, "the agent's phone could not be reached for a callback");
            let _ =
                v.db.update_callback(
                    &c.id,
                    &["dialling"],
                    &CallbackUpdate {
                        status: "queued".into(),
                        ..Default::default()
                    },
                    None,
                )
                .await;
            requeue(v, item).await;
            return;
        }
    };
    // The agent hears ring-back while the customer's phone rings.
    agent
        .leg
        .play(Vec::new(), Some(super::media::Audio::silence(1000)));
    let attempt = c.attempts + 1;
    let mut agent = agent;
    logged(
        v.db.record_dial(&NewDial {
            number: c.phone.clone(),
            work_item_id: Some(item.to_owned()),
            callback_id: Some(c.id.clone()),
            agent_id: Some(agent_id.to_owned()),
            decision: "dialled".into(),
            rule: None,
            reason: None,
        })
        .await,
        "auditing a dial failed",
    );
    let customer = tokio::select! {
        r = outbound::call_customer(v, &c.phone) => r,
        _ = outbound::ended(&mut agent.states) => {
            // The agent gave up before the customer answered: not the
            // customer's attempt; back in line.
            logged(
                v.db.set_call_state(item, "waiting", None).await,
                "recording a call's state failed",
            );
            agent.leg.close();
            v.sip.dialogs.remove_dialog(&agent.dialog.id());
            let _ = v
                .db
                .update_callback(
                    &c.id,
                    &["dialling"],
                    &CallbackUpdate { status: "queued".into(), ..Default::default() },
                    None,
                )
                .await;
            requeue(v, item).await;
            return;
        }
    };
    let mut customer = match customer {
        Ok(x) => x,
        Err(e) => {
            outbound::hang_up(v, &agent).await;
            logged(
                v.db.end_call(item, "system").await,
                "ending a callback's call record failed",
            );
            failed_attempt(v, &c, item, agent_id, attempt, &e).await;
            return;
        }
    };
    agent
        .leg
        .count_relays(v.counters.relayed_from_agents.clone());
    customer
        .leg
        .count_relays(v.counters.relayed_from_customers.clone());
    v.media.bridge(&agent.leg, &customer.leg);
    logged(
        v.db.set_call_state(item, "connected", Some(agent_id)).await,
        "recording a call's state failed",
    );
    let agent_name =
        v.db.agent(agent_id)
            .await
            .map(|a| a.name)
            .unwrap_or_else(|_| "an agent".into());
    let _ =
        v.db.update_callback(
            &c.id,
            &["dialling"],
            &CallbackUpdate {
                status: "completed".into(),
                attempts: Some(attempt),
                last_result: Some("connected".into()),
                closed_reason: Some("connected".into()),
                ..Default::default()
            },
            Some(&format!(
                "Callback connected: {agent_name} called {}",
                c.phone
            )),
        )
        .await;
    tracing::info!(callback = c.id, agent = agent_id, "callback bridged");
    let ended_by = tokio::select! {
        _ = outbound::ended(&mut agent.states) => {
            outbound::hang_up(v, &customer).await;
            agent.leg.close();
            v.sip.dialogs.remove_dialog(&agent.dialog.id());
            "agent"
        }
        _ = outbound::ended(&mut customer.states) => {
            outbound::hang_up(v, &agent).await;
            customer.leg.close();
            v.sip.dialogs.remove_dialog(&customer.dialog.id());
            "customer"
        }
    };
    logged(
        v.db.end_call(item, ended_by).await,
        "ending a callback's call record failed",
    );
}

/// Puts an item an agent held back in its queue.
async fn requeue(v: &Voice, item: &str) {
    if let Ok(view) = v.engine.view(item).await {
        if let Err(e) = v.engine.transfer(item, &view.queue_id, None).await {
            tracing::warn!(item, error = %e, "a callback could not go back in line");
        }
    }
}

async fn failed_attempt(
    v: &Voice,
    c: &Callback,
    item: &str,
    agent_id: &str,
    attempt: i64,
    e: &DialError,
) {
    let policy = RetryPolicy {
        attempts: c.max_attempts.clamp(1, 10) as u32,
        delay_minutes: c.retry_minutes.clamp(0, 24 * 60) as u32,
    };
    let now = Timestamp::now();
    let next = next_attempt(&policy, attempt as u32, now, &windows_of(c))
        .filter(|t| time::parse(&c.expires_at).is_none_or(|exp| *t < exp));
    let result = e.result();
    let (update, note) = match next {
        Some(at) => (
            CallbackUpdate {
                status: "scheduled".into(),
                attempts: Some(attempt),
                next_attempt_at: Some(time::format(at)),
                last_result: Some(result.into()),
                ..Default::default()
            },
            format!(
                "Callback attempt {attempt} to {}: {e}; next attempt at {}",
                c.phone,
                time::format(at)
            ),
        ),
        None => (
            CallbackUpdate {
                status: "failed".into(),
                attempts: Some(attempt),
                last_result: Some(result.into()),
                closed_reason: Some(format!("{e} after {attempt} attempt(s)")),
                ..Default::default()
            },
            format!(
                "Callback to {} closed: {e} after {attempt} attempt(s)",
                c.phone
            ),
        ),
    };
    tracing::info!(callback = c.id, attempt, result, "callback attempt failed");
    let _ =
        v.db.update_callback(&c.id, &["dialling"], &update, Some(&note))
            .await;
    // The attempt is over for this agent: the item leaves them.
    let _ = v.engine.close(item, Some(agent_id)).await;
}

/// The dialling policy refused a callback's number: audited, closed with
/// the rule on the timeline, never dialled.
async fn refused(v: &Voice, c: &Callback, item: &str, agent_id: &str, r: &Refusal) {
    tracing::warn!(
        callback = c.id,
        rule = r.rule,
        "the dialling policy refused a callback"
    );
    logged(
        v.db.record_dial(&NewDial {
            number: c.phone.clone(),
            work_item_id: Some(item.to_owned()),
            callback_id: Some(c.id.clone()),
            agent_id: Some(agent_id.to_owned()),
            decision: "refused".into(),
            rule: Some(r.rule.into()),
            reason: Some(r.message.clone()),
        })
        .await,
        "auditing a refused dial failed",
    );
    let _ =
        v.db.update_callback(
            &c.id,
            &["dialling"],
            &CallbackUpdate {
                status: "failed".into(),
                last_result: Some("refused".into()),
                closed_reason: Some(format!("dialling policy ({}): {}", r.rule, r.message)),
                ..Default::default()
            },
            Some(&format!(
                "Callback to {} refused by the dialling policy ({}): {}",
                c.phone, r.rule, r.message
            )),
        )
        .await;
    logged(
        v.db.end_call(item, "system").await,
        "ending a callback's call record failed",
    );
    let _ = v.engine.close(item, Some(agent_id)).await;
}
