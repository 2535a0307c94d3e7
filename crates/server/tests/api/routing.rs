//! Unified routing over HTTP and WebSocket: offers, answers, timeouts,
//! presence and capacity, overflow, transfer, resume, and bad input.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use switchboard_core::access::Role;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{answer, apps, fields, Caller, TestApp};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(app: &TestApp, who: &Caller, after: i64) -> Socket {
    let mut req = format!("ws://{}/api/v1/ws?after={after}", app.running.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", who.token.as_deref().unwrap())
            .parse()
            .unwrap(),
    );
    let (ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws
}

/// Reads messages until one satisfies `want`; a guard of 15 s keeps a broken
/// test from hanging (it asserts nothing about speed).
pub async fn next_matching(ws: &mut Socket, want: impl Fn(&Value) -> bool) -> Value {
    let read = async {
        while let Some(msg) = ws.next().await {
            if let Ok(Message::Text(t)) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if want(&v) {
                    return v;
                }
            }
        }
        panic!("socket closed")
    };
    tokio::time::timeout(Duration::from_secs(15), read)
        .await
        .expect("the expected message arrived")
}

pub async fn send(ws: &mut Socket, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

pub async fn available(who: &Caller) {
    let (s, b) = answer(
        who.request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({"status": "available"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

pub async fn queue(admin: &Caller, body: Value) -> String {
    admin.create("/api/v1/queues", body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn item(who: &Caller, body: Value) -> Value {
    who.create("/api/v1/work-items", body).await
}

#[tokio::test]
async fn an_offer_reaches_the_agent_who_accepts_over_the_socket_and_closes() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let ana = app.token(Role::Agent).await;
        let contact = ana
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Lucía", "last_name": "García"}),
            )
            .await;
        let q = queue(
            &admin,
            json!({"name": "chat", "channel": "messaging", "members": [ana.agent_id]}),
        )
        .await;
        let mut ws = connect(&app, &ana, 0).await;
        next_matching(&mut ws, |m| m["type"] == "ready").await;
        available(&ana).await;

        let created = item(
            &admin,
            json!({"channel": "chat", "queue_id": q, "contact_id": contact["id"]}),
        )
        .await;
        assert_eq!(created["status"], "offered", "{} {created}", app.backend);
        let offer = next_matching(&mut ws, |m| m["type"] == "offered").await;
        assert_eq!(offer["work_item_id"], created["id"]);
        assert_eq!(offer["customer_name"], "Lucía García");
        assert_eq!(offer["queue_name"], "chat");
        assert_eq!(offer["kind"], "normal");
        assert!(offer["deadline"].as_str().is_some() && offer["id"].as_i64().is_some());
        assert_eq!(offer["reason"]["method"], "highest_capacity");

        send(
            &mut ws,
            json!({"type": "accept", "work_item_id": created["id"]}),
        )
        .await;
        let ack = next_matching(&mut ws, |m| m["type"] == "ack" || m["type"] == "error").await;
        assert_eq!(ack["type"], "ack", "{ack}");
        let path = format!("/api/v1/work-items/{}", created["id"].as_str().unwrap());
        let view = ana.ok(&path).await;
        assert_eq!(
            (view["status"].as_str(), view["agent_id"].as_str()),
            (Some("assigned"), ana.agent_id.as_deref())
        );

        // Someone else cannot close it; the agent can.
        let bruno = app.token(Role::Agent).await;
        let (s, _) = answer(bruno.post(&format!("{path}/close"), json!({})).await).await;
        assert_eq!(s, 403);
        let (s, closed) = answer(ana.post(&format!("{path}/close"), json!({})).await).await;
        assert_eq!((s, closed["status"].as_str()), (200, Some("closed")));
        next_matching(&mut ws, |m| m["type"] == "closed").await;
        assert_eq!(
            ana.ok(&path).await["status"],
            "closed",
            "closed items are still readable"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_declined_or_expired_offer_goes_to_the_next_agent() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (a, b) = (app.token(Role::Agent).await, app.token(Role::Agent).await);
        let q = queue(
            &admin,
            json!({"name": "rr", "channel": "messaging", "method": "round_robin", "offer_timeout_seconds": 1,
                   "members": [a.agent_id, b.agent_id]}),
        )
        .await;
        available(&a).await;
        available(&b).await;
        let created = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        let path = format!("/api/v1/work-items/{}", created["id"].as_str().unwrap());
        let first = created["agent_id"].as_str().unwrap().to_owned();
        let (first_c, second_c) = if a.agent_id.as_deref() == Some(&first) {
            (&a, &b)
        } else {
            (&b, &a)
        };
        let mut ws = connect(&app, second_c, 0).await;

        // The first agent declines: the item goes to the other one.
        let (s, after) = answer(first_c.post(&format!("{path}/reject"), json!({})).await).await;
        assert_eq!(s, 200);
        assert_eq!(
            after["agent_id"].as_str(),
            second_c.agent_id.as_deref(),
            "{} {after}",
            app.backend
        );
        // Accepting someone else's offer is refused.
        let (s, _) = answer(first_c.post(&format!("{path}/accept"), json!({})).await).await;
        assert_eq!(s, 409);
        // The second lets it expire (1 s): it returns to the first.
        let expired = next_matching(&mut ws, |m| m["type"] == "offer_expired").await;
        assert_eq!(expired["work_item_id"], created["id"]);
        let mut again = Value::Null;
        for _ in 0..50 {
            again = admin.ok(&path).await;
            if again["agent_id"].as_str() == Some(&first) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            (again["status"].as_str(), again["agent_id"].as_str()),
            (Some("offered"), Some(first.as_str()))
        );
        assert_eq!(
            again["arrived_at"], created["arrived_at"],
            "the item keeps its place"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn capacity_presence_position_and_queue_figures() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let supervisor = app.token(Role::Supervisor).await;
        let ana = app.token(Role::Agent).await;
        let one = admin
            .create(
                "/api/v1/capacity-profiles",
                json!({"name": "one chat", "chat_units": 1, "voice_units": 0}),
            )
            .await;
        let (s, b) = answer(
            admin
                .request(
                    reqwest::Method::PUT,
                    &format!(
                        "/api/v1/agents/{}/routing",
                        ana.agent_id.as_deref().unwrap()
                    ),
                )
                .json(&json!({"capacity_profile_id": one["id"], "skills": []}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let q = queue(
            &admin,
            json!({"name": "single", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [supervisor.agent_id]}),
        )
        .await;
        let mut sup_ws = connect(&app, &supervisor, 0).await;
        available(&ana).await;
        let first = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        let second = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        assert_eq!(first["status"], "offered");
        assert_eq!(
            (second["status"].as_str(), second["position"].as_u64()),
            (Some("queued"), Some(1))
        );
        // Full: busy automatically.
        assert_eq!(ana.ok("/api/v1/me/presence").await["status"], "busy");
        let stats = supervisor.ok(&format!("/api/v1/queues/{q}/stats")).await;
        assert_eq!(
            (stats["waiting"].as_u64(), stats["agents_busy"].as_u64()),
            (Some(1), Some(1)),
            "{stats}"
        );
        let live = next_matching(&mut sup_ws, |m| {
            m["type"] == "queue_stats" && m["waiting"] == 1
        })
        .await;
        assert_eq!(live["queue_id"], q.as_str());
        // The same figures for Prometheus.
        let metrics = app
            .token(Role::Supervisor)
            .await
            .get("/metrics")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(r#"switchboard_routing_queue_waiting{queue="single"} 1"#),
            "{metrics}"
        );
        assert!(
            metrics.contains(r#"switchboard_routing_events_total{kind="offered"}"#),
            "{metrics}"
        );
        assert!(
            metrics.contains("switchboard_routing_step_duration_seconds_count"),
            "{metrics}"
        );

        let path = format!("/api/v1/work-items/{}", first["id"].as_str().unwrap());
        ana.post(&format!("{path}/accept"), json!({})).await;
        ana.post(&format!("{path}/close"), json!({})).await;
        let next = ana
            .ok(&format!(
                "/api/v1/work-items/{}",
                second["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            next["status"], "offered",
            "room freed: the waiting item is offered"
        );
        assert_eq!(ana.ok("/api/v1/me/presence").await["status"], "busy");
        app.stop().await;
    }
}

#[tokio::test]
async fn rules_classify_and_overflow_moves_work_before_and_while_waiting() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let french = admin
            .create("/api/v1/skills", json!({"name": "french"}))
            .await;
        let backup = queue(
            &admin,
            json!({"name": "backup", "channel": "messaging", "is_default": true}),
        )
        .await;
        let busy = queue(
            &admin,
            json!({"name": "busy", "channel": "messaging",
                   "overflow": {"work_items_waiting_exceed": {"count": 0, "action": "transfer_to_queue", "queue_id": backup}}}),
        )
        .await;
        let slow = queue(
            &admin,
            json!({"name": "slow", "channel": "messaging",
                   "overflow": {"waiting_time_exceeds": {"seconds": 1, "action": "transfer_to_queue", "queue_id": backup}}}),
        )
        .await;
        let (s, rules) = answer(
            admin
                .request(reqwest::Method::PUT, "/api/v1/routing-rules")
                .json(&json!({"rules": [
                    {"name": "french to busy", "tests": [{"op": "equals", "attribute": "language", "value": "fr"}],
                     "queue_id": busy, "skills": [{"skill_id": french["id"], "min": 5}]},
                    {"name": "billing to slow", "tests": [{"op": "contains", "attribute": "page_url", "value": "/billing"}],
                     "queue_id": slow}
                ]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{rules}");

        let fr1 = item(
            &admin,
            json!({"channel": "chat", "attributes": {"language": "FR"}}),
        )
        .await;
        assert_eq!(
            (fr1["queue_id"].as_str(), fr1["reason"]["rule"].as_str()),
            (Some(busy.as_str()), Some("french to busy"))
        );
        // The second French chat finds one waiting (> 0): overflow to backup.
        let fr2 = item(
            &admin,
            json!({"channel": "chat", "attributes": {"language": "fr"}}),
        )
        .await;
        assert_eq!(
            fr2["queue_id"].as_str(),
            Some(backup.as_str()),
            "{} {fr2}",
            app.backend
        );
        // No rule matches: the default queue.
        let other = item(
            &admin,
            json!({"channel": "chat", "attributes": {"language": "de"}}),
        )
        .await;
        assert_eq!(
            (other["queue_id"].as_str(), other["reason"]["rule"].clone()),
            (Some(backup.as_str()), Value::Null)
        );
        // While waiting: after 1 s in "slow", the item moves to backup.
        let billing = item(
            &admin,
            json!({"channel": "chat", "attributes": {"page_url": "https://shop/billing/42"}}),
        )
        .await;
        assert_eq!(billing["queue_id"].as_str(), Some(slow.as_str()));
        let path = format!("/api/v1/work-items/{}", billing["id"].as_str().unwrap());
        let mut moved = Value::Null;
        for _ in 0..60 {
            moved = admin.ok(&path).await;
            if moved["queue_id"].as_str() == Some(backup.as_str()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(moved["queue_id"].as_str(), Some(backup.as_str()), "{moved}");
        assert_eq!(
            moved["arrived_at"], billing["arrived_at"],
            "transfer keeps the arrival time"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_reconnecting_socket_resumes_from_the_last_event_it_saw() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let ana = app.token(Role::Agent).await;
        let q = queue(
            &admin,
            json!({"name": "resume", "channel": "messaging", "members": [ana.agent_id]}),
        )
        .await;
        let mut ws = connect(&app, &ana, 0).await;
        available(&ana).await;
        let first = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        let seen = next_matching(&mut ws, |m| m["type"] == "offered").await;
        let last = seen["id"].as_i64().unwrap();
        drop(ws); // the network drops
        let second = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        let mut ws = connect(&app, &ana, last).await;
        let missed = next_matching(&mut ws, |m| m["type"] == "offered").await;
        assert_eq!(
            missed["work_item_id"], second["id"],
            "{} first={}",
            app.backend, first["id"]
        );
        assert!(missed["id"].as_i64().unwrap() > last);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_routing_input_is_refused_with_the_field_named() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/queues",
                    json!({"name": "x", "channel": "messaging", "declines_allowed": 9, "offer_timeout_seconds": 0,
                           "operating_hours": {"time_zone": "Mars/Base", "weekly": [{"day": "someday", "from": "9", "to": "5"}]},
                           "overflow": {"work_items_waiting_exceed": {"count": 1, "action": "voicemail"},
                                        "waiting_time_exceeds": {"seconds": 5, "action": "transfer_to_queue", "queue_id": "nope"}}}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        let f = fields(&b);
        for expected in [
            "offer_timeout_seconds",
            "declines_allowed",
            "operating_hours.time_zone",
            "operating_hours.weekly[0].day",
            "overflow.work_items_waiting_exceed.action",
            "overflow.waiting_time_exceeds.queue_id",
        ] {
            assert!(f.contains(&expected.to_owned()), "{expected} in {f:?}");
        }
        let voice = queue(&admin, json!({"name": "voice", "channel": "voice"})).await;
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/work-items",
                    json!({"channel": "chat", "queue_id": voice}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["channel".to_owned()]));
        let (s, b) = answer(
            admin
                .post("/api/v1/work-items", json!({"channel": "fax"}))
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/work-items",
                    json!({"channel": "voice", "contact_id": "nobody", "queue_id": voice}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["contact_id".to_owned()]));
        // With no rules and no default queue, nowhere to go: said plainly.
        let (s, b) = answer(
            admin
                .post("/api/v1/work-items", json!({"channel": "chat"}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["queue_id".to_owned()]));
        let (s, _) = answer(
            admin
                .request(reqwest::Method::PUT, "/api/v1/me/presence")
                .json(&json!({"status": "sleeping"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_assigned_agent_or_a_supervisor_transfers_and_the_item_keeps_its_arrival() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let supervisor = app.token(Role::Supervisor).await;
        let (ana, bruno) = (app.token(Role::Agent).await, app.token(Role::Agent).await);
        let first = queue(
            &admin,
            json!({"name": "first", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [supervisor.agent_id]}),
        )
        .await;
        let second = queue(
            &admin,
            json!({"name": "second", "channel": "messaging", "supervisor_ids": [supervisor.agent_id]}),
        )
        .await;
        let third = queue(
            &admin,
            json!({"name": "third", "channel": "messaging", "supervisor_ids": [supervisor.agent_id]}),
        )
        .await;
        available(&ana).await;
        let it = item(&admin, json!({"channel": "chat", "queue_id": first})).await;
        let path = format!("/api/v1/work-items/{}", it["id"].as_str().unwrap());
        ana.post(&format!("{path}/accept"), json!({})).await;
        let (s, _) = answer(
            bruno
                .post(&format!("{path}/transfer"), json!({"queue_id": second}))
                .await,
        )
        .await;
        assert_eq!(s, 403, "not bruno's to move");
        let mut ana_ws = connect(&app, &ana, 0).await;
        let (s, moved) = answer(
            ana.post(&format!("{path}/transfer"), json!({"queue_id": second}))
                .await,
        )
        .await;
        assert_eq!(s, 200, "{moved}");
        assert_eq!(
            (moved["queue_id"].as_str(), moved["status"].as_str()),
            (Some(second.as_str()), Some("queued"))
        );
        assert_eq!(moved["arrived_at"], it["arrived_at"]);
        assert_eq!(
            moved["agent_id"],
            Value::Null,
            "ana's capacity is free again"
        );
        let heard = next_matching(&mut ana_ws, |m| m["type"] == "transferred").await;
        assert_eq!(
            heard["work_item_id"], it["id"],
            "the previous holder hears the item left"
        );
        let (s, again) = answer(
            supervisor
                .post(&format!("{path}/transfer"), json!({"queue_id": third}))
                .await,
        )
        .await;
        assert_eq!((s, again["queue_id"].as_str()), (200, Some(third.as_str())));
        let (s, b) = answer(
            supervisor
                .post(&format!("{path}/transfer"), json!({"queue_id": "nowhere"}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["queue_id".to_owned()]));
        // The customer leaves while an offer is pending: the offer is
        // withdrawn from the agent's socket and the item ends abandoned.
        available(&bruno).await;
        let cq = queue(
            &admin,
            json!({"name": "bruno's", "channel": "messaging", "members": [bruno.agent_id]}),
        )
        .await;
        let mut ws = connect(&app, &bruno, 0).await;
        let left = item(&admin, json!({"channel": "chat", "queue_id": cq})).await;
        assert_eq!(left["status"], "offered");
        let left_path = format!("/api/v1/work-items/{}", left["id"].as_str().unwrap());
        let (s, _) = answer(bruno.post(&format!("{left_path}/abandon"), json!({})).await).await;
        assert_eq!(s, 403, "an agent cannot end a customer's conversation");
        let (s, gone) = answer(admin.post(&format!("{left_path}/abandon"), json!({})).await).await;
        assert_eq!((s, gone["status"].as_str()), (200, Some("abandoned")));
        next_matching(&mut ws, |m| {
            m["type"] == "offer_rescinded" && m["work_item_id"] == left["id"]
        })
        .await;
        let (s, _) = answer(admin.post(&format!("{left_path}/abandon"), json!({})).await).await;
        assert_eq!(s, 404, "an ended item is no longer live");
        // A supervisor can close (cancel) an item nobody has yet.
        let (s, closed) = answer(supervisor.post(&format!("{path}/close"), json!({})).await).await;
        assert_eq!((s, closed["status"].as_str()), (200, Some("closed")));
        app.stop().await;
    }
}

#[tokio::test]
async fn configuration_changes_keep_live_offers_and_a_fresh_socket_lists_held_work() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let ana = app.token(Role::Agent).await;
        let contact = ana
            .create("/api/v1/contacts", json!({"last_name": "Kept"}))
            .await;
        let q = queue(
            &admin,
            json!({"name": "live", "channel": "messaging", "members": [ana.agent_id]}),
        )
        .await;
        available(&ana).await;
        let offered = item(
            &admin,
            json!({"channel": "chat", "queue_id": q, "contact_id": contact["id"]}),
        )
        .await;
        assert_eq!(offered["status"], "offered");
        let mut ws = connect(&app, &ana, 0).await;
        next_matching(&mut ws, |m| m["type"] == "ready").await;

        // An admin edits configuration while the offer is pending.
        let other = queue(&admin, json!({"name": "unrelated", "channel": "voice"})).await;
        let (s, _) = answer(
            admin
                .request(reqwest::Method::PUT, &format!("/api/v1/queues/{other}"))
                .json(&json!({"name": "unrelated (renamed)", "channel": "voice"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        let path = format!("/api/v1/work-items/{}", offered["id"].as_str().unwrap());
        let same = ana.ok(&path).await;
        assert_eq!(
            (
                same["status"].as_str(),
                same["agent_id"].as_str(),
                same["offer_deadline"].as_str()
            ),
            (
                Some("offered"),
                ana.agent_id.as_deref(),
                offered["offer_deadline"].as_str()
            ),
            "{}: the reload kept the offer as it was",
            app.backend
        );
        // Nothing was rescinded or re-offered on the agent's socket.
        send(&mut ws, json!({"type": "ping"})).await;
        let next = next_matching(&mut ws, |m| m["type"] != "queue_stats").await;
        assert_eq!(
            next["type"], "ack",
            "no offer events were sent by the reload: {next}"
        );
        assert_eq!(
            answer(ana.post(&format!("{path}/accept"), json!({})).await)
                .await
                .0,
            200
        );

        // A fresh socket (no `after`) starts now and lists the held work.
        let mut req = format!("ws://{}/api/v1/ws", app.running.addr)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", ana.token.as_deref().unwrap())
                .parse()
                .unwrap(),
        );
        let (mut fresh, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let ready = next_matching(&mut fresh, |m| m["type"] == "ready").await;
        let held = ready["work_items"].as_array().unwrap();
        assert_eq!(held.len(), 1, "{ready}");
        assert_eq!(
            (held[0]["id"].clone(), held[0]["status"].clone()),
            (offered["id"].clone(), json!("assigned"))
        );

        // A contact with routing history can still be deleted (history stays, anonymous).
        ana.post(&format!("{path}/close"), json!({})).await;
        let supervisor = app.token(Role::Supervisor).await;
        let (s, _) = answer(
            supervisor
                .delete(&format!(
                    "/api/v1/contacts/{}",
                    contact["id"].as_str().unwrap()
                ))
                .await,
        )
        .await;
        assert_eq!(s, 204);
        let anonymous = admin.ok(&path).await;
        assert_eq!(
            (
                anonymous["contact_id"].clone(),
                anonymous["customer_name"].clone()
            ),
            (Value::Null, Value::Null)
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_supervisor_assigns_a_waiting_item_sees_the_overview_and_the_audit_log_names_them() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let supervisor = app.token(Role::Supervisor).await;
        let (ana, bruno) = (app.token(Role::Agent).await, app.token(Role::Agent).await);
        let q = queue(
            &admin,
            json!({"name": "chat", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [supervisor.agent_id]}),
        )
        .await;
        // Nobody is available: the item waits.
        let it = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        assert_eq!(it["status"], "queued", "{} {it}", app.backend);
        let id = it["id"].as_str().unwrap();
        let path = format!("/api/v1/work-items/{id}");

        // The overview lists the queue, the agents and the waiting item.
        let o = supervisor.ok("/api/v1/supervisor/overview").await;
        let queue_row = o["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["stats"]["queue_id"] == q.as_str())
            .cloned()
            .unwrap();
        assert_eq!(
            (
                queue_row["name"].as_str(),
                queue_row["stats"]["waiting"].as_u64()
            ),
            (Some("chat"), Some(1))
        );
        let listed = o["work_items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .cloned()
            .unwrap();
        assert_eq!(listed["status"], "queued");
        assert!(listed["since"].as_str().is_some());
        let ana_row = o["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["agent_id"] == ana.agent_id.as_deref().unwrap())
            .cloned()
            .unwrap();
        assert_eq!(ana_row["presence"], "offline");
        assert!(ana_row["name"].as_str().is_some(), "{ana_row}");
        assert!(o["last_id"].as_i64().is_some());
        let (s, _) = answer(ana.get("/api/v1/supervisor/overview").await).await;
        assert_eq!(s, 403, "agents do not see the overview");

        // Refusals: an agent may not assign; bad input; unknown ids; offline.
        let (s, _) = answer(
            ana.post(&format!("{path}/assign"), json!({"agent_id": ana.agent_id}))
                .await,
        )
        .await;
        assert_eq!(s, 403);
        let (s, b) = answer(
            supervisor
                .post(&format!("{path}/assign"), json!({"agent_id": "not an id!"}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["agent_id".to_owned()]));
        let (s, _) = answer(supervisor.post(&format!("{path}/assign"), json!({})).await).await;
        assert_eq!(s, 422, "agent_id is required");
        let (s, _) = answer(
            supervisor
                .post(&format!("{path}/assign"), json!({"agent_id": "nobody"}))
                .await,
        )
        .await;
        assert_eq!(s, 404, "unknown agent");
        let (s, _) = answer(
            supervisor
                .post(
                    "/api/v1/work-items/nothing/assign",
                    json!({"agent_id": ana.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 404, "unknown item");
        let (s, b) = answer(
            supervisor
                .post(
                    &format!("{path}/assign"),
                    json!({"agent_id": bruno.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 409, "bruno is offline: {b}");
        assert!(b["detail"].as_str().unwrap().contains("offline"), "{b}");

        // Bruno signs in (not a member of the queue): the supervisor gives
        // him the waiting item; his socket hears it assigned.
        let mut ws = connect(&app, &bruno, 0).await;
        next_matching(&mut ws, |m| m["type"] == "ready").await;
        let (s, b) = answer(
            bruno
                .request(reqwest::Method::PUT, "/api/v1/me/presence")
                .json(&json!({"status": "away"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (s, given) = answer(
            supervisor
                .post(
                    &format!("{path}/assign"),
                    json!({"agent_id": bruno.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200, "{given}");
        assert_eq!(
            (given["status"].as_str(), given["agent_id"].as_str()),
            (Some("assigned"), bruno.agent_id.as_deref())
        );
        let heard = next_matching(&mut ws, |m| m["type"] == "assigned").await;
        assert_eq!(heard["work_item_id"], id);
        assert_eq!(
            supervisor.ok(&format!("/api/v1/queues/{q}/stats")).await["waiting"],
            0
        );
        // Already with an agent: refused (transfer it first).
        let (s, _) = answer(
            supervisor
                .post(
                    &format!("{path}/assign"),
                    json!({"agent_id": bruno.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 409);

        // An item offered to ana goes to bruno: ana's offer is withdrawn.
        let mut ana_ws = connect(&app, &ana, 0).await;
        next_matching(&mut ana_ws, |m| m["type"] == "ready").await;
        available(&ana).await;
        let offered = item(&admin, json!({"channel": "chat", "queue_id": q})).await;
        assert_eq!(offered["status"], "offered");
        let opath = format!("/api/v1/work-items/{}", offered["id"].as_str().unwrap());
        let (s, b) = answer(
            admin
                .post(
                    &format!("{opath}/assign"),
                    json!({"agent_id": bruno.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(
            (s, b["agent_id"].as_str()),
            (200, bruno.agent_id.as_deref())
        );
        next_matching(&mut ana_ws, |m| {
            m["type"] == "offer_rescinded" && m["work_item_id"] == offered["id"]
        })
        .await;

        // The supervisor force-closes the first: closed items are a conflict.
        let (s, _) = answer(supervisor.post(&format!("{path}/close"), json!({})).await).await;
        assert_eq!(s, 200);
        let (s, b) = answer(
            supervisor
                .post(&format!("{path}/assign"), json!({"agent_id": ana.agent_id}))
                .await,
        )
        .await;
        assert_eq!(s, 409, "{b}");

        // The audit log names the supervisor for the assignment and the close.
        let log = admin.ok("/api/v1/audit-log?area=work_items").await;
        let rows = log["items"].as_array().unwrap();
        let of = |action: &str| {
            rows.iter()
                .find(|r| r["action"] == action && r["target_id"] == id)
                .cloned()
                .unwrap_or_else(|| panic!("{action} in {log}"))
        };
        let assigned = of("work_item.assign");
        assert_eq!(
            assigned["agent_id"],
            supervisor.agent_id.as_deref().unwrap()
        );
        assert_eq!(assigned["before"]["status"], "queued");
        assert_eq!(
            assigned["after"]["agent_id"],
            bruno.agent_id.as_deref().unwrap()
        );
        let closed = of("work_item.close");
        assert_eq!(closed["agent_id"], supervisor.agent_id.as_deref().unwrap());
        assert_eq!(closed["after"]["status"], "closed");
        assert_eq!(
            rows.iter()
                .filter(|r| r["action"] == "work_item.assign")
                .count(),
            2,
            "the admin's assignment too"
        );

        // A transfer updates both queues' figures on a supervisor's socket.
        let watched = |name: &str| json!({"name": name, "channel": "messaging", "supervisor_ids": [supervisor.agent_id]});
        let (from, to) = (
            queue(&admin, watched("from")).await,
            queue(&admin, watched("to")).await,
        );
        let moving = item(&admin, json!({"channel": "chat", "queue_id": from})).await;
        let mut sup_ws = connect(&app, &supervisor, 0).await;
        next_matching(&mut sup_ws, |m| m["type"] == "ready").await;
        let (s, b) = answer(
            supervisor
                .post(
                    &format!(
                        "/api/v1/work-items/{}/transfer",
                        moving["id"].as_str().unwrap()
                    ),
                    json!({"queue_id": to}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        // Both figures come, in either order.
        let mut seen = std::collections::BTreeMap::new();
        while seen.len() < 2 {
            let m = next_matching(&mut sup_ws, |m| {
                m["type"] == "queue_stats"
                    && (m["queue_id"] == from.as_str() || m["queue_id"] == to.as_str())
            })
            .await;
            seen.insert(
                m["queue_id"].as_str().unwrap().to_owned(),
                m["waiting"].clone(),
            );
        }
        assert_eq!((&seen[&from], &seen[&to]), (&json!(0), &json!(1)));
        let log = admin.ok("/api/v1/audit-log?area=work_items").await;
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["action"] == "work_item.transfer"
                    && r["target_id"] == moving["id"]
                    && r["agent_id"] == supervisor.agent_id.as_deref().unwrap()),
            "{log}"
        );
        app.stop().await;
    }
}
