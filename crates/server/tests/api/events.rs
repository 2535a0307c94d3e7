//! The routing engine's subscribers miss nothing, and configuration
//! changes reach whoever keeps configuration in memory.
//!
//! With an event buffer of one, every commit of two or more events (an
//! item's creation: classified, queued, offered; an acceptance that fills
//! the agent: assigned, presence) leaves each subscriber behind, so each
//! must read what it missed from the store to do its work.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::chat::{setup as chat_setup, Browser};
use crate::routing::{available, connect, next_matching, queue};
use crate::support::{answer, apps_with, Caller, TestApp};
use crate::voice::{accept, status, until, voice_config, voice_items};

/// How often `subscriber` fell behind and read from the store.
async fn catch_ups(supervisor: &Caller, subscriber: &str) -> u64 {
    let text = supervisor.get("/metrics").await.text().await.unwrap();
    let prefix = format!("switchboard_event_catch_ups_total{{subscriber=\"{subscriber}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().unwrap())
}

async fn conversation_status(b: &Browser, conv: &str) -> Value {
    let (s, c) = b.get(&format!("conversations/{conv}")).await;
    assert_eq!(s, 200, "{c}");
    c["status"].clone()
}

#[tokio::test]
async fn the_chat_channel_behind_the_engine_catches_up_and_ends_every_conversation() {
    for app in apps_with(|c| c.event_buffer = 1).await {
        let mut s = chat_setup(&app).await;
        let supervisor = app.token(Role::Supervisor).await;
        // Three visitors start at once: the agent's three chat units.
        let mut chats = Vec::new();
        for _ in 0..3 {
            let mut b = Browser::new(&app, &s.widget);
            b.register(json!({})).await;
            let (st, r) = b
                .post(
                    "conversations",
                    json!({"session_id": b.session_id, "survey": {"name": "Ann", "email": "ann@example.com"}}),
                )
                .await;
            assert_eq!(st, 201, "{r}");
            chats.push((b, r["id"].as_str().unwrap().to_owned()));
        }
        let mut items = Vec::new();
        while items.len() < 3 {
            let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
            let item = offer["work_item_id"].as_str().unwrap().to_owned();
            accept(&s.agent, &item).await;
            items.push(item);
        }
        for (b, conv) in &chats {
            until(
                Duration::from_secs(10),
                "every chat is active",
                async || (conversation_status(b, conv).await == "active").then_some(()),
            )
            .await;
        }
        // The agent closes all three at once. Only the engine's events end
        // the conversations (nothing polls for an active chat's end): one
        // missed is a visitor left talking to nobody.
        let paths: Vec<String> = items
            .iter()
            .map(|item| format!("/api/v1/work-items/{item}/close"))
            .collect();
        let closes = paths.iter().map(|p| s.agent.post(p, json!({})));
        for r in futures::future::join_all(closes).await {
            let (st, b) = answer(r).await;
            assert_eq!(st, 200, "{b}");
        }
        for (b, conv) in &chats {
            until(
                Duration::from_secs(10),
                "every chat has ended",
                async || (conversation_status(b, conv).await == "ended").then_some(()),
            )
            .await;
        }
        assert!(
            catch_ups(&supervisor, "chat").await > 0,
            "the chat channel fell behind and read from the store ({})",
            app.backend
        );
        // The agent's socket fell behind too and still saw every close.
        let mut closed = std::collections::BTreeSet::new();
        while closed.len() < items.len() {
            let m = next_matching(&mut s.ws, |m| m["type"] == "closed").await;
            closed.insert(m["work_item_id"].as_str().unwrap().to_owned());
        }
        assert_eq!(closed, items.iter().cloned().collect());
        assert!(catch_ups(&supervisor, "socket").await > 0);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_voice_channel_behind_the_engine_catches_up_and_connects_the_call() {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = crate::voice::free_port();
    for app in apps_with(|c| {
        voice_config(c, customer_port, prompts.path());
        c.event_buffer = 1;
    })
    .await
    {
        let t = crate::voice::setup(&app, json!({})).await;
        let phone_port = crate::voice::free_port();
        let phone = crate::voice::sipp(&app, &crate::voice::scenario("phone.xml"), phone_port, &[]);
        crate::voice::register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
        let caller = crate::voice::sipp(
            &app,
            &crate::voice::scenario("caller.xml"),
            crate::voice::free_port(),
            &[
                "-key",
                "caller",
                "+33612345678",
                "-s",
                "support",
                "-d",
                "8000",
            ],
        );
        let item = until(Duration::from_secs(10), "the call waits", async || {
            voice_items(&app).await.into_iter().next()
        })
        .await;
        let mut ws = connect(&app, &t.ana, 0).await;
        available(&t.ana).await;
        next_matching(&mut ws, |m| m["type"] == "offered").await;
        // Accepting fills Ana's one voice unit: `assigned` and her
        // automatic `busy` are committed together, and the voice channel,
        // one event behind, must read `assigned` back to ring her phone.
        accept(&t.ana, &item.0).await;
        let call_path = format!("/api/v1/work-items/{}/call", item.0);
        until(
            Duration::from_secs(10),
            "the call is connected",
            async || (t.ana.ok(&call_path).await["state"] == "connected").then_some(()),
        )
        .await;
        assert!(
            catch_ups(&t.admin, "voice").await > 0,
            "the voice channel fell behind and read from the store ({})",
            app.backend
        );
        crate::voice::succeeded(caller, "caller").await;
        crate::voice::succeeded(phone, "agent's phone").await;
        until(Duration::from_secs(10), "the call is over", async || {
            (status(&t.admin).await["calls"] == 0).then_some(())
        })
        .await;
        app.stop().await;
    }
}

/// Configuration written straight to the store, as `serve --demo` or
/// another node would: no route handler runs, yet the engine and the
/// widget cache see it.
#[tokio::test]
async fn configuration_changes_reach_the_engine_and_the_widget_cache_from_the_store() {
    for app in apps_with(|_| {}).await {
        check_config_changes(&app).await;
        app.stop().await;
    }
}

async fn check_config_changes(app: &TestApp) {
    let admin = app.token(Role::Admin).await;
    let agent = app.token(Role::Agent).await;
    let q = queue(&admin, json!({"name": "first", "channel": "messaging"})).await;
    let widget = admin
        .create("/api/v1/widgets", crate::chat::widget_body(&q))
        .await;
    let widget_id = widget["id"].as_str().unwrap();
    let b = Browser::new(app, widget_id);
    // Read once through the widget endpoint: now it is cached.
    let (st, config) = b.get("config").await;
    assert_eq!(st, 200, "{config}");
    assert_eq!(config["color"], "#0b5fff");

    // Through the API: the next request sees the change.
    let mut body = crate::chat::widget_body(&q);
    body["color"] = json!("#aa0000");
    let (st, r) = answer(
        admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/widgets/{widget_id}"),
            )
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(b.get("config").await.1["color"], "#aa0000");

    // Straight to the store: the cache hears of it all the same.
    let row = app.db().widget(widget_id).await.unwrap();
    let mut settings: Value = serde_json::from_str(&row.settings).unwrap();
    settings["color"] = json!("#00aa00");
    app.db()
        .put_widget(Some(widget_id), &row.name, &settings.to_string())
        .await
        .unwrap();
    assert_eq!(b.get("config").await.1["color"], "#00aa00");

    // A queue made in the store, with the agent as its member, routes at
    // once: the engine rebuilt before serving the next command.
    let draft = switchboard_store::routing::QueueDraft {
        name: "second".into(),
        channel: "messaging".into(),
        priority: 0,
        method: "least_active".into(),
        offer_timeout_seconds: 60,
        declines_allowed: 3,
        is_default: false,
        operating_hours: None,
        overflow: json!({}),
        csat_survey: false,
        members: vec![agent.agent_id.clone().unwrap()],
        supervisor_ids: Vec::new(),
    };
    let second = app.db().put_queue(None, &draft).await.unwrap();
    available(&agent).await;
    let (st, item) = answer(
        admin
            .post(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": second.id}),
            )
            .await,
    )
    .await;
    assert_eq!(st, 201, "{item}");
    assert_eq!(item["queue_id"], second.id.as_str());
    assert_eq!(item["status"], "offered", "{item}");
    assert_eq!(item["agent_id"], agent.agent_id.clone().unwrap().as_str());
}
