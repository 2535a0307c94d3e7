//! The voice channel end to end, with real SIP peers on loopback: SIPp
//! (Debian's sip-tester) plays the callers, the agents' softphones and the
//! customers reached through the trunk, sending real RTP (Debian's G.711
//! and RFC 4733 DTMF recordings). Switchboard is the real server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard_core::access::Role;
use switchboard_server::Config;
use tokio::process::{Child, Command};

use crate::routing::{available, connect, Socket};
use crate::support::{answer, apps_with, fields, spawn_sqlite_with, Caller, TestApp};

pub(crate) fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

pub(crate) use crate::support::free_port;

pub(crate) fn voice_config(c: &mut Config, customer_port: u16, prompts: &std::path::Path) {
    c.voice.sip_listen = Some("127.0.0.1:0".parse().unwrap());
    c.voice.trunks = vec!["127.0.0.1".parse().unwrap()];
    c.voice.outbound_trunk = Some(format!("sip:127.0.0.1:{customer_port}"));
    c.voice.prompt_cache = prompts.to_path_buf();
    c.voice.ring_timeout = Duration::from_secs(15);
}

pub(crate) fn sip_addr(app: &TestApp) -> SocketAddr {
    app.running.state.voice.as_ref().expect("voice on").sip.addr
}

/// Starts SIPp with a scenario against Switchboard's SIP address.
pub(crate) fn sipp(app: &TestApp, scenario: &std::path::Path, port: u16, args: &[&str]) -> Child {
    let media = free_port();
    let mut cmd = Command::new("sipp");
    cmd.arg(sip_addr(app).to_string())
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-nostdin"])
        .args(["-p", &port.to_string(), "-mp", &media.to_string()])
        .args(["-timeout", "120s", "-timeout_error"])
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn().expect("sipp runs (Debian package sip-tester)")
}

/// Waits for SIPp to finish and asserts every call in it succeeded.
pub(crate) async fn succeeded(child: Child, what: &str) {
    let out = tokio::time::timeout(Duration::from_secs(150), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{what}: sipp did not finish"))
        .unwrap();
    assert!(
        out.status.success(),
        "{what}: sipp failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Registers `user` as the phone listening on `contact_port`; returns
/// SIPp's result.
pub(crate) async fn register(
    app: &TestApp,
    user: &str,
    password: &str,
    contact_port: u16,
    expect: u16,
) {
    let template = std::fs::read_to_string(scenario("register.xml")).unwrap();
    let filled = template
        .replace("{user}", user)
        .replace("{password}", password)
        .replace("{contact_port}", &contact_port.to_string())
        .replace("{expect}", &expect.to_string());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.xml");
    std::fs::write(&path, filled).unwrap();
    succeeded(
        sipp(app, &path, free_port(), &[]),
        &format!("REGISTER {user} expecting {expect}"),
    )
    .await;
}

pub(crate) async fn status(admin: &Caller) -> Value {
    admin.ok("/api/v1/voice/status").await
}

/// Polls `check` every 200 ms for up to `limit`.
pub(crate) async fn until<T>(
    limit: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(x) = check().await {
            return x;
        }
        assert!(start.elapsed() < limit, "waited {limit:?} for: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The voice work items, oldest first: (id, status, kind, attributes).
pub(crate) async fn voice_items(app: &TestApp) -> Vec<(String, String, String, Value)> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT id, status, kind, attributes FROM work_items WHERE channel IN ('voice', 'callback') \
         ORDER BY arrived_at, id",
    )
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, s, k, a)| (id, s, k, serde_json::from_str(&a).unwrap()))
        .collect()
}

pub(crate) async fn next_offer(ws: &mut Socket, limit: Duration) -> Value {
    use futures::StreamExt;
    let read = async {
        while let Some(msg) = ws.next().await {
            if let Ok(tokio_tungstenite::tungstenite::Message::Text(t)) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "offered" {
                    return v;
                }
            }
        }
        panic!("socket closed")
    };
    tokio::time::timeout(limit, read)
        .await
        .expect("an offer came")
}

/// The subjects of a contact's timeline entries, newest first.
pub(crate) async fn timeline_subjects(who: &Caller, contact: &Value) -> Vec<String> {
    let timeline = who
        .ok(&format!(
            "/api/v1/contacts/{}/timeline",
            contact["id"].as_str().unwrap()
        ))
        .await;
    timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["subject"].as_str().map(str::to_owned))
        .collect()
}

/// The agent accepts the offered work item.
pub(crate) async fn accept(who: &Caller, item: &str) {
    let (s, b) = answer(
        who.post(&format!("/api/v1/work-items/{item}/accept"), json!({}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

pub(crate) struct Setup {
    pub(crate) admin: Caller,
    pub(crate) ana: Caller,
    pub(crate) queue: String,
    pub(crate) sip_user: String,
    pub(crate) sip_password: String,
}

pub(crate) async fn setup(app: &TestApp, overflow: Value) -> Setup {
    let admin = app.token(Role::Admin).await;
    let ana = app.token(Role::Agent).await;
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "phones", "channel": "voice", "members": [ana.agent_id], "overflow": overflow}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let voice = app.running.state.voice.as_ref().unwrap();
    voice.set_inbound_queue(Some(queue.clone()));
    let sip_user = format!("ana{}", free_port());
    let sip_password = "correct-horse-battery".to_owned();
    let (s, b) = answer(
        admin
            .request(
                reqwest::Method::PUT,
                &format!(
                    "/api/v1/agents/{}/sip-account",
                    ana.agent_id.as_deref().unwrap()
                ),
            )
            .json(&json!({"username": sip_user, "password": sip_password}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["realm"], "switchboard");
    Setup {
        admin,
        ana,
        queue,
        sip_user,
        sip_password,
    }
}

#[tokio::test]
async fn a_caller_is_queued_then_connected_to_the_agents_phone_with_audio_both_ways() {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = free_port();
    for app in apps_with(|c| voice_config(c, customer_port, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        let contact = t
            .ana
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Inès", "phone": "+33612345678"}),
            )
            .await;

        // Ana's softphone listens, then registers (a wrong password first).
        let phone_port = free_port();
        let phone = sipp(&app, &scenario("phone.xml"), phone_port, &[]);
        register(&app, &t.sip_user, "wrong-password", phone_port, 403).await;
        register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
        assert_eq!(status(&t.admin).await["registered_phones"], 1);

        // The caller waits: nobody is available yet.
        let caller = sipp(
            &app,
            &scenario("caller.xml"),
            free_port(),
            &[
                "-key",
                "caller",
                "+33612345678",
                "-s",
                "support",
                "-d",
                "14000",
            ],
        );
        let item = until(
            Duration::from_secs(10),
            "the call became a work item",
            async || voice_items(&app).await.into_iter().next(),
        )
        .await;
        assert_eq!(item.1, "queued", "{}", app.backend);
        assert_eq!(item.3["caller"], "+33612345678");
        // (Agents read only the items offered or assigned to them.)
        let view = t.admin.ok(&format!("/api/v1/work-items/{}", item.0)).await;
        assert_eq!(
            view["contact_id"], contact["id"],
            "the caller is recognised by number"
        );
        assert_eq!(view["queue_id"], t.queue.as_str());
        assert_eq!(view["position"], 1);

        // Ana becomes available, is offered the call, accepts: her phone
        // rings and is bridged to the caller.
        let mut ws = connect(&app, &t.ana, 0).await;
        available(&t.ana).await;
        let offer = next_offer(&mut ws, Duration::from_secs(10)).await;
        assert_eq!(offer["work_item_id"], item.0.as_str());
        assert_eq!(offer["channel"], "voice");
        let (s, b) = answer(
            t.ana
                .post(&format!("/api/v1/work-items/{}/accept", item.0), json!({}))
                .await,
        )
        .await;
        assert_eq!(s, 200, "{b}");

        // While they talk, the call reads as connected, and the relay
        // figures move (not only at hang-up).
        let call_path = format!("/api/v1/work-items/{}/call", item.0);
        until(
            Duration::from_secs(10),
            "the call is connected",
            async || {
                let call = t.ana.ok(&call_path).await;
                let st = status(&t.admin).await;
                (call["state"] == "connected"
                    && st["calls"] == 1
                    && st["relayed_from_customers"].as_u64() > Some(0))
                .then_some(())
            },
        )
        .await;

        // The caller hangs up at 14 s; Switchboard hangs up Ana's phone.
        succeeded(caller, "caller").await;
        succeeded(phone, "agent's phone").await;
        let st = until(Duration::from_secs(10), "the call's figures", async || {
            let st = status(&t.admin).await;
            let idle = st["calls"] == 0 && st["media_legs"] == 0 && st["sip_dialogs"] == 0;
            (idle && st["relayed_from_agents"].as_u64() > Some(0)).then_some(st)
        })
        .await;
        // Both recordings are 8 s of 20 ms packets; allow for the time the
        // agent's phone took to answer.
        assert!(st["relayed_from_customers"].as_u64().unwrap() > 50, "{st}");
        assert!(st["relayed_from_agents"].as_u64().unwrap() > 50, "{st}");
        assert_eq!(st["media_legs"], 0, "every RTP leg closed: {st}");
        assert_eq!(st["sip_dialogs"], 0, "every dialog forgotten: {st}");
        let view = t.ana.ok(&format!("/api/v1/work-items/{}", item.0)).await;
        assert_eq!(view["agent_id"], t.ana.agent_id.as_deref().unwrap());

        // The call's record, kept after the call.
        let call = t.ana.ok(&call_path).await;
        assert_eq!(call["work_item_id"], item.0.as_str(), "{call}");
        assert_eq!(call["kind"], "inbound");
        assert_eq!(call["number"], "+33612345678");
        assert_eq!(call["contact_id"], contact["id"]);
        assert_eq!(call["state"], "ended");
        assert_eq!(call["ended_by"], "customer");
        assert_eq!(call["agent_id"], t.ana.agent_id.as_deref().unwrap());
        for at in ["started_at", "answered_at", "ended_at"] {
            assert!(
                call[at].as_str().is_some_and(|t| t.ends_with('Z')),
                "{at}: {call}"
            );
        }
        assert!(
            call["duration_seconds"]
                .as_i64()
                .is_some_and(|d| (0..=20).contains(&d)),
            "{call}"
        );
        assert!(call.get("activity_id").is_none(), "internal: {call}");

        // On the caller's timeline, a call entry saying who, when and how long.
        let timeline = t
            .ana
            .ok(&format!(
                "/api/v1/contacts/{}/timeline",
                contact["id"].as_str().unwrap()
            ))
            .await;
        let entry = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "call")
            .unwrap_or_else(|| panic!("no call on the timeline: {timeline}"))
            .clone();
        assert_eq!(entry["subject"], "Inbound call from +33612345678");
        let body = entry["body"].as_str().unwrap();
        for part in [
            "Agent: ",
            "Answered: ",
            "Ended: ",
            "Duration: ",
            "Hung up by: the customer",
        ] {
            assert!(body.contains(part), "{part} in {body}");
        }

        // Past calls: the contact's, Ana's own; supervisors see them too;
        // another agent sees neither the call nor Ana's list.
        let listed = t
            .ana
            .ok(&format!(
                "/api/v1/calls?contact_id={}",
                contact["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            listed["items"][0]["work_item_id"],
            item.0.as_str(),
            "{listed}"
        );
        let supervisor = app.token(Role::Supervisor).await;
        crate::support::supervise(&t.admin, &t.queue, &[&supervisor]).await;
        assert_eq!(supervisor.ok(&call_path).await["state"], "ended");
        let everyone = supervisor.ok("/api/v1/calls?limit=1").await;
        assert_eq!(everyone["items"][0]["work_item_id"], item.0.as_str());
        let bruno = app.token(Role::Agent).await;
        let (s, b) = answer(bruno.get(&call_path).await).await;
        assert_eq!(s, 404, "{b}");
        let (s, b) = answer(
            bruno
                .get(&format!(
                    "/api/v1/calls?agent_id={}",
                    t.ana.agent_id.as_deref().unwrap()
                ))
                .await,
        )
        .await;
        assert_eq!(s, 403, "{b}");
        let own = bruno.ok("/api/v1/calls").await;
        assert_eq!(own["items"], json!([]), "{own}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unknown_callers_call_is_linked_to_a_contact_and_its_entry_follows_the_link() {
    let prompts = tempfile::tempdir().unwrap();
    for app in apps_with(|c| voice_config(c, 9, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        let phone_port = free_port();
        let phone = sipp(&app, &scenario("phone.xml"), phone_port, &[]);
        register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
        let mut ws = connect(&app, &t.ana, 0).await;
        available(&t.ana).await;
        let caller = sipp(
            &app,
            &scenario("caller.xml"),
            free_port(),
            &[
                "-key",
                "caller",
                "+33612000009",
                "-s",
                "support",
                "-d",
                "6000",
            ],
        );
        let offer = next_offer(&mut ws, Duration::from_secs(15)).await;
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        let call_path = format!("/api/v1/work-items/{item}/call");
        let call = t.ana.ok(&call_path).await;
        assert_eq!(call["contact_id"], Value::Null, "{call}");
        assert_eq!(call["number"], "+33612000009");
        accept(&t.ana, &item).await;
        succeeded(caller, "caller").await;
        succeeded(phone, "agent's phone").await;
        let call = until(Duration::from_secs(10), "the call ended", async || {
            let c = t.ana.ok(&call_path).await;
            (c["state"] == "ended").then_some(c)
        })
        .await;
        assert!(call["answered_at"].is_string(), "{call}");

        // Bad links: an unknown contact (422 naming it), no body, another
        // agent (404, nothing revealed).
        let link = format!("{call_path}/contact");
        let put = |who: &crate::support::Caller, body: Value| {
            who.request(reqwest::Method::PUT, &link).json(&body).send()
        };
        let (s, b) = answer(
            put(&t.ana, json!({"contact_id": "no-such-contact"}))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(fields(&b), ["contact_id"], "{b}");
        let (s, b) = answer(put(&t.ana, json!({})).await.unwrap()).await;
        assert_eq!(s, 422, "{b}");
        let bruno = app.token(Role::Agent).await;
        let stranger = t
            .ana
            .create("/api/v1/contacts", json!({"first_name": "Other"}))
            .await;
        let (s, b) = answer(
            put(&bruno, json!({"contact_id": stranger["id"]}))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 404, "{b}");
        assert_eq!(
            timeline_subjects(&t.ana, &stranger).await,
            Vec::<String>::new(),
            "nothing written by a refused link"
        );

        // Ana creates the contact and links the call: its entry is there.
        let first = t
            .ana
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Ada", "phone": "+33612000009"}),
            )
            .await;
        let (s, linked) = answer(
            put(&t.ana, json!({"contact_id": first["id"]}))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{linked}");
        assert_eq!(linked["contact_id"], first["id"]);
        assert_eq!(linked["state"], "ended");
        assert_eq!(
            timeline_subjects(&t.ana, &first).await,
            ["Inbound call from +33612000009"]
        );
        // Linked to the wrong one? Linking again moves the entry.
        let (s, b) = answer(
            put(&t.ana, json!({"contact_id": stranger["id"]}))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            timeline_subjects(&t.ana, &first).await,
            Vec::<String>::new()
        );
        assert_eq!(
            timeline_subjects(&t.ana, &stranger).await,
            ["Inbound call from +33612000009"]
        );
        let listed = t
            .ana
            .ok(&format!(
                "/api/v1/calls?contact_id={}",
                stranger["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
        let (s, b) = answer(t.ana.get("/api/v1/calls?limit=0").await).await;
        assert_eq!((s, fields(&b)), (422, vec!["limit".to_owned()]), "{b}");
        let (s, b) = answer(t.ana.get("/api/v1/calls?cursor=nonsense").await).await;
        assert_eq!((s, fields(&b)), (422, vec!["cursor".to_owned()]), "{b}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_caller_who_hangs_up_while_waiting_is_removed_from_the_queue() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    let t = setup(&app, json!({})).await;
    let caller = sipp(
        &app,
        &scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33600000001",
            "-s",
            "support",
            "-d",
            "3000",
        ],
    );
    succeeded(caller, "caller").await;
    let item = until(
        Duration::from_secs(10),
        "the item was abandoned",
        async || {
            voice_items(&app)
                .await
                .into_iter()
                .next()
                .filter(|i| i.1 == "abandoned")
        },
    )
    .await;
    let stats = t
        .admin
        .ok(&format!("/api/v1/queues/{}/stats", t.queue))
        .await;
    assert_eq!(stats["waiting"], 0, "{stats} {item:?}");
    app.stop().await;
}

#[tokio::test]
async fn an_overflowing_queue_offers_a_callback_at_30_s_and_the_caller_keeps_their_place_until_an_agent_calls_back(
) {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = free_port();
    let app =
        spawn_sqlite_with(&|c: &mut Config| voice_config(c, customer_port, prompts.path())).await;
    let t = setup(
        &app,
        json!({"work_items_waiting_exceed": {"count": 0, "action": "direct_callback"}}),
    )
    .await;
    let contact = t
        .ana
        .create(
            "/api/v1/contacts",
            json!({"first_name": "Bea", "phone": "+33622222222"}),
        )
        .await;

    // A is first in line (no overflow: nobody waited before).
    let a = sipp(
        &app,
        &scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33611111111",
            "-s",
            "support",
            "-d",
            "50000",
        ],
    );
    until(Duration::from_secs(10), "A waits", async || {
        (voice_items(&app).await.len() == 1).then_some(())
    })
    .await;
    // B arrives while A waits: the queue overflows with direct callback.
    let b_started = Instant::now();
    let b = sipp(
        &app,
        &scenario("caller_presses_1.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33622222222",
            "-s",
            "support",
            "-d",
            "33000",
        ],
    );
    until(Duration::from_secs(10), "B waits", async || {
        (voice_items(&app).await.len() == 2).then_some(())
    })
    .await;
    // C arrives after B and waits behind.
    let c = sipp(
        &app,
        &scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33633333333",
            "-s",
            "support",
            "-d",
            "45000",
        ],
    );
    // The offer is played to B at 30 s. C, who arrived a moment after B in
    // the same overflowing queue, is offered at its own 30 s, which on a
    // busy machine can fall in the same poll as B's: count from the first.
    let offered_after = until(Duration::from_secs(40), "B hears the offer", async || {
        (status(&t.admin).await["callback_offers"].as_u64() >= Some(1)).then(|| b_started.elapsed())
    })
    .await;
    assert!(
        offered_after >= Duration::from_secs(29) && offered_after <= Duration::from_secs(33),
        "the offer came after {offered_after:?}"
    );
    // B presses 1 at 33 s, hears the confirmation, and Switchboard hangs up.
    succeeded(b, "B presses 1").await;
    assert_eq!(status(&t.admin).await["callbacks_requested"], 1);
    let items = voice_items(&app).await;
    assert_eq!(items.len(), 3);
    let (b_id, b_status, b_kind, b_attrs) = items[1].clone();
    assert_eq!((b_status.as_str(), b_kind.as_str()), ("queued", "callback"));
    assert_eq!(b_attrs["callback_number"], "+33622222222");
    let b_view = t.admin.ok(&format!("/api/v1/work-items/{b_id}")).await;
    assert_eq!(
        b_view["position"], 2,
        "B keeps its place behind A, ahead of C"
    );
    let c_view = t
        .admin
        .ok(&format!("/api/v1/work-items/{}", items[2].0))
        .await;
    assert_eq!(c_view["position"], 3);
    let callback = t
        .ana
        .ok(&format!(
            "/api/v1/callbacks/{}",
            b_attrs["callback_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(callback["origin"], "direct");
    assert_eq!(callback["status"], "queued");
    assert_eq!(callback["contact_id"], contact["id"]);

    // A and C hang up; B is first now.
    succeeded(a, "A").await;
    succeeded(c, "C").await;
    // B and C were offered a callback; A, who came before the overflow, never.
    assert!(
        status(&t.admin).await["callback_offers"].as_u64() <= Some(2),
        "A came before the overflow and is never offered a callback"
    );
    let b_view = until(Duration::from_secs(10), "B is first", async || {
        let v = t.admin.ok(&format!("/api/v1/work-items/{b_id}")).await;
        (v["position"] == 1).then_some(v)
    })
    .await;
    assert_eq!(b_view["kind"], "callback");
    // B's call record now says callback, waiting.
    let b_call = t.admin.ok(&format!("/api/v1/work-items/{b_id}/call")).await;
    assert_eq!(
        (&b_call["kind"], &b_call["state"], &b_call["number"]),
        (
            &json!("callback"),
            &json!("waiting"),
            &json!("+33622222222")
        ),
        "{b_call}"
    );

    // Ana's phone registers; the customer's phone waits behind the trunk.
    let phone_port = free_port();
    let phone = sipp(&app, &scenario("phone.xml"), phone_port, &[]);
    register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
    let customer = sipp(
        &app,
        &scenario("phone_hangs_up.xml"),
        customer_port,
        &["-d", "6000"],
    );
    // The preview: the offer says callback and shows the number; nothing
    // is dialled until Ana accepts.
    let mut ws = connect(&app, &t.ana, 0).await;
    available(&t.ana).await;
    let offer = next_offer(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(offer["work_item_id"], b_id.as_str());
    assert_eq!(offer["kind"], "callback");
    assert_eq!(offer["attributes"]["callback_number"], "+33622222222");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        status(&t.admin).await["calls_total"],
        3,
        "nothing dialled yet"
    );
    accept(&t.ana, &b_id).await;
    // Ana's phone rings first, then the customer's; bridged; the customer
    // hangs up after 6 s and Switchboard hangs up Ana's phone.
    succeeded(customer, "customer").await;
    succeeded(phone, "agent's phone").await;
    let st = until(
        Duration::from_secs(10),
        "the callback's figures",
        async || {
            let st = status(&t.admin).await;
            (st["relayed_from_customers"].as_u64() > Some(50)).then_some(st)
        },
    )
    .await;
    assert!(st["relayed_from_agents"].as_u64().unwrap() > 50, "{st}");
    let callback = t
        .ana
        .ok(&format!(
            "/api/v1/callbacks/{}",
            callback["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(callback["status"], "completed", "{callback}");
    assert_eq!(callback["attempts"], 1);
    let subjects = timeline_subjects(&t.ana, &contact).await;
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Callback requested by the caller"))
            && subjects.iter().any(|s| s.starts_with("Callback connected"))
            && subjects.iter().any(|s| s == "Callback to +33622222222"),
        "{subjects:?}"
    );
    let b_call = until(
        Duration::from_secs(10),
        "the callback's call ended",
        async || {
            let c = t.ana.ok(&format!("/api/v1/work-items/{b_id}/call")).await;
            (c["state"] == "ended").then_some(c)
        },
    )
    .await;
    assert_eq!(b_call["kind"], "callback");
    assert_eq!(b_call["ended_by"], "customer", "{b_call}");
    assert_eq!(b_call["agent_id"], t.ana.agent_id.as_deref().unwrap());
    assert!(b_call["duration_seconds"].is_i64(), "{b_call}");
    app.stop().await;
}

#[tokio::test]
async fn an_api_callback_is_dialled_inside_its_window_and_not_before() {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = free_port();
    for app in apps_with(|c| voice_config(c, customer_port, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        let contact = t
            .ana
            .create("/api/v1/contacts", json!({"first_name": "Dora"}))
            .await;
        let now = jiff::Timestamp::now();
        let start = now + jiff::SignedDuration::from_secs(8);
        let body = json!({
            "phone": "+33644444444",
            "contact_id": contact["id"],
            "queue_id": t.queue,
            "windows": [{"start": start.to_string(), "end": (now + jiff::SignedDuration::from_secs(600)).to_string()}],
            "attributes": {"reason": "order 1234"}
        });
        let (s, first) = answer(
            t.admin
                .request(reqwest::Method::POST, "/api/v1/callbacks")
                .header("Idempotency-Key", "cb-1")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 201, "{first}");
        assert_eq!(first["status"], "scheduled");
        assert_eq!(first["attributes"]["reason"], "order 1234");
        let id = first["id"].as_str().unwrap().to_owned();
        // The same key replays; with another body it is refused.
        let (s, again) = answer(
            t.admin
                .request(reqwest::Method::POST, "/api/v1/callbacks")
                .header("Idempotency-Key", "cb-1")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, again["id"].as_str()), (200, Some(id.as_str())));
        let mut other = body.clone();
        other["phone"] = json!("+33655555555");
        let (s, _) = answer(
            t.admin
                .request(reqwest::Method::POST, "/api/v1/callbacks")
                .header("Idempotency-Key", "cb-1")
                .json(&other)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 409);

        // Ana is ready with her phone; the customer's phone waits.
        let phone_port = free_port();
        let phone = sipp(&app, &scenario("phone.xml"), phone_port, &[]);
        register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
        let customer = sipp(
            &app,
            &scenario("phone_hangs_up.xml"),
            customer_port,
            &["-d", "4000"],
        );
        let mut ws = connect(&app, &t.ana, 0).await;
        available(&t.ana).await;

        // Before the window: not in line, nothing offered or dialled.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let before = t.ana.ok(&format!("/api/v1/callbacks/{id}")).await;
        assert_eq!(before["status"], "scheduled");
        assert!(before["work_item_id"].is_null());
        assert!(voice_items(&app).await.is_empty());

        let offer = next_offer(&mut ws, Duration::from_secs(20)).await;
        assert!(
            jiff::Timestamp::now() >= start,
            "offered only once the window opened"
        );
        assert_eq!(offer["kind"], "callback");
        assert_eq!(offer["attributes"]["callback_number"], "+33644444444");
        assert_eq!(offer["attributes"]["reason"], "order 1234");
        let item = offer["work_item_id"].as_str().unwrap();
        accept(&t.ana, item).await;
        succeeded(customer, "customer").await;
        succeeded(phone, "agent's phone").await;
        let done = until(
            Duration::from_secs(10),
            "the callback completed",
            async || {
                let c = t.ana.ok(&format!("/api/v1/callbacks/{id}")).await;
                (c["status"] == "completed").then_some(c)
            },
        )
        .await;
        assert_eq!(done["work_item_id"], item);
        let timeline = t
            .ana
            .ok(&format!(
                "/api/v1/contacts/{}/timeline",
                contact["id"].as_str().unwrap()
            ))
            .await;
        let kinds: Vec<&str> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "callback")
            .filter_map(|a| a["subject"].as_str())
            .collect();
        assert!(kinds.len() >= 2, "scheduled and connected: {kinds:?}");

        // Cancelling: a scheduled callback is cancelled; a done one stays.
        let later = t
            .admin
            .create(
                "/api/v1/callbacks",
                json!({"phone": "+33655555555", "queue_id": t.queue,
                       "windows": [{"start": (now + jiff::SignedDuration::from_hours(2)).to_string(),
                                    "end": (now + jiff::SignedDuration::from_hours(3)).to_string()}]}),
            )
            .await;
        let path = format!("/api/v1/callbacks/{}", later["id"].as_str().unwrap());
        let (s, gone) = answer(t.admin.delete(&path).await).await;
        assert_eq!((s, gone["status"].as_str()), (200, Some("cancelled")));
        let (s, kept) = answer(t.admin.delete(&format!("/api/v1/callbacks/{id}")).await).await;
        assert_eq!((s, kept["status"].as_str()), (200, Some("completed")));
        app.stop().await;
    }
}

#[tokio::test]
async fn callbacks_refuse_bad_input_by_name() {
    let prompts = tempfile::tempdir().unwrap();
    for app in apps_with(|c| voice_config(c, 9, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        let post = |body: Value| {
            let admin = &t.admin;
            async move { answer(admin.post("/api/v1/callbacks", body).await).await }
        };
        let (s, b) = post(json!({"phone": "0612345678"})).await;
        assert_eq!((s, fields(&b)), (422, vec!["phone".to_owned()]));
        let (s, b) = post(json!({})).await;
        assert_eq!((s, fields(&b)), (422, vec!["phone".to_owned()]));
        let (s, b) = post(json!({"phone": "+33612345678", "queue_id": "nope"})).await;
        assert_eq!((s, fields(&b)), (422, vec!["queue_id".to_owned()]));
        let chat = t
            .admin
            .create(
                "/api/v1/queues",
                json!({"name": "chats", "channel": "messaging"}),
            )
            .await;
        let (s, b) = post(json!({"phone": "+33612345678", "queue_id": chat["id"]})).await;
        assert_eq!((s, fields(&b)), (422, vec!["queue_id".to_owned()]), "{b}");
        let (s, b) = post(
            json!({"phone": "+33612345678", "contact_id": "00000000-0000-0000-0000-000000000000"}),
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["contact_id".to_owned()]));
        let (s, b) = post(json!({"phone": "+33612345678",
            "windows": [{"start": "2030-01-01T10:00:00Z", "end": "2030-01-01T09:00:00Z"}]}))
        .await;
        assert_eq!(s, 422, "{b}");
        assert!(fields(&b).iter().all(|f| f.starts_with("windows")), "{b}");
        let (s, _) = post(json!({"phone": "+33612345678", "surprise": 1})).await;
        assert_eq!(s, 422);
        let (s, b) = post(json!({"phone": "<script>alert(1)</script>"})).await;
        assert_eq!((s, fields(&b)), (422, vec!["phone".to_owned()]));
        let (s, _) = answer(
            t.admin
                .request(reqwest::Method::POST, "/api/v1/callbacks")
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 400);
        let (s, _) = answer(t.admin.get("/api/v1/callbacks/nope").await).await;
        assert_eq!(s, 404);
        let (s, _) = answer(t.admin.delete("/api/v1/callbacks/nope").await).await;
        assert_eq!(s, 404);
        // SIP accounts: short passwords and odd user names are refused.
        let (s, b) = answer(
            t.admin
                .request(
                    reqwest::Method::PUT,
                    &format!(
                        "/api/v1/agents/{}/sip-account",
                        t.ana.agent_id.as_deref().unwrap()
                    ),
                )
                .json(&json!({"username": "a b", "password": "short"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422);
        assert_eq!(
            fields(&b),
            vec!["username".to_owned(), "password".to_owned()]
        );
        app.stop().await;
    }
}

/// Sends one datagram to Switchboard's SIP port from `from` and returns
/// the first line of the answer, if any comes within a second.
async fn raw_sip(app: &TestApp, from: &str, msg: &str) -> Option<String> {
    let sock = tokio::net::UdpSocket::bind(format!("{from}:0"))
        .await
        .unwrap();
    sock.send_to(msg.as_bytes(), sip_addr(app)).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let (n, _) = tokio::time::timeout(left, sock.recv_from(&mut buf))
            .await
            .ok()?
            .ok()?;
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        let first = text.lines().next().unwrap_or_default().to_owned();
        // Provisional answers (100 Trying) come first.
        if !first.starts_with("SIP/2.0 1") {
            return Some(first);
        }
    }
}

fn invite(from_ip: &str, port: u16, sdp: &str) -> String {
    let call_id = switchboard_store::new_id();
    format!(
        "INVITE sip:support@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {from_ip}:{port};branch=z9hG4bK{call_id}\r\n\
         From: <sip:+33699999999@{from_ip}>;tag=1\r\nTo: <sip:support@127.0.0.1>\r\nCall-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:x@{from_ip}:{port}>\r\nMax-Forwards: 70\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// Found by the `sip_message` fuzz target: the Via is the sender's text. A
/// comma inside a quoted parameter made Switchboard read the first Via value
/// short of the transport's `received=` stamp, so a stranger writing the
/// trunk's address there was taken for the trunk. The trunk check now uses
/// the datagram's source.
#[tokio::test]
async fn a_via_naming_the_trunk_does_not_make_a_stranger_a_trunk() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    // No codec Switchboard speaks: a trusted INVITE gets 488, a refused 403.
    let g729 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    let trunk = raw_sip(&app, "127.0.0.1", &invite("127.0.0.1", 5094, g729)).await;
    assert!(
        trunk
            .as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 488")),
        "{trunk:?}"
    );
    let spoofed = invite("127.0.0.2", 5093, g729).replacen(
        "Via: SIP/2.0/UDP 127.0.0.2:5093;branch=z9hG4bK",
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=\"z9hG4bK,x\";x=",
        1,
    );
    let stranger = raw_sip(&app, "127.0.0.2", &spoofed).await;
    assert!(
        stranger
            .as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 403")),
        "{stranger:?}"
    );
}

#[tokio::test]
async fn bad_sip_input_is_refused_and_logged_without_disturbing_a_call() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    let t = setup(&app, json!({})).await;
    let caller = sipp(
        &app,
        &scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33600000002",
            "-s",
            "support",
            "-d",
            "25000",
        ],
    );
    until(Duration::from_secs(10), "the call waits", async || {
        (status(&t.admin).await["calls"] == 1).then_some(())
    })
    .await;
    let sent_before = status(&t.admin).await["jitter_samples"].as_u64().unwrap();

    // Garbage and truncated messages get no answer and break nothing.
    for junk in [
        "\u{0}\u{1}\u{2}garbage".to_owned(),
        "INVITE sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n".to_owned(),
        "SIP/2.0 200 OK\r\n\r\n".to_owned(),
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nContent-Length: 99999\r\n\r\nshort".to_owned(),
        "x".repeat(3000),
    ] {
        assert_eq!(raw_sip(&app, "127.0.0.1", &junk).await, None, "{junk:?}");
    }
    // An INVITE from an address that is not a trunk: 403.
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";
    let answer_line = raw_sip(&app, "127.0.0.2", &invite("127.0.0.2", 5099, sdp)).await;
    assert!(
        answer_line
            .as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 403")),
        "{answer_line:?}"
    );
    // From the trunk but with no codec Switchboard speaks: 488.
    let g729 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    let answer_line = raw_sip(&app, "127.0.0.1", &invite("127.0.0.1", 5098, g729)).await;
    assert!(
        answer_line
            .as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 488")),
        "{answer_line:?}"
    );
    // A REGISTER with a made-up nonce, and one with a wrong password: 403.
    let forged = format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5097;branch=z9hG4bKforged\r\n\
         From: <sip:{u}@127.0.0.1>;tag=9\r\nTo: <sip:{u}@127.0.0.1>\r\nCall-ID: forged-1\r\nCSeq: 1 REGISTER\r\n\
         Contact: <sip:{u}@127.0.0.1:5097>\r\nAuthorization: Digest username=\"{u}\", realm=\"switchboard\", \
         nonce=\"1.abc\", uri=\"sip:127.0.0.1\", response=\"00000000000000000000000000000000\"\r\n\
         Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        u = t.sip_user
    );
    let line = raw_sip(&app, "127.0.0.1", &forged).await;
    assert!(
        line.as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 403")),
        "{line:?}"
    );
    register(&app, &t.sip_user, "not-the-password", free_port(), 403).await;
    // A BYE for no call: 481.
    let bye = "BYE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5096;branch=z9hG4bKbye1\r\n\
               From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: nothing\r\nCSeq: 2 BYE\r\n\
               Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    let line = raw_sip(&app, "127.0.0.1", bye).await;
    assert!(
        line.as_deref()
            .is_some_and(|l| l.starts_with("SIP/2.0 481")),
        "{line:?}"
    );

    // The call went on: still there, still sent audio, and ends cleanly.
    let st = status(&t.admin).await;
    assert_eq!(st["calls"], 1, "{st}");
    assert!(
        st["jitter_samples"].as_u64().unwrap() > sent_before + 50,
        "{st}"
    );
    assert!(st["refused_requests"].as_u64().unwrap() >= 4, "{st}");
    succeeded(caller, "caller").await;
    app.stop().await;
}

fn wav(rate: u32, seconds: f64) -> Vec<u8> {
    let n = (f64::from(rate) * seconds) as usize;
    let mut w = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
    w.extend(16u32.to_le_bytes());
    w.extend(1u16.to_le_bytes());
    w.extend(1u16.to_le_bytes());
    w.extend(rate.to_le_bytes());
    w.extend((rate * 2).to_le_bytes());
    w.extend(2u16.to_le_bytes());
    w.extend(16u16.to_le_bytes());
    w.extend(b"data");
    w.extend((n as u32 * 2).to_le_bytes());
    for i in 0..n {
        let s =
            ((i as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 6000.0) as i16;
        w.extend(s.to_le_bytes());
    }
    w
}

#[tokio::test]
async fn admins_change_a_queues_prompts_by_text_or_recording() {
    let prompts = tempfile::tempdir().unwrap();
    for app in apps_with(|c| voice_config(c, 9, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        let base = format!("/api/v1/queues/{}/prompts", t.queue);
        let list = t.ana.ok(&base).await;
        assert_eq!(
            list.as_array().unwrap().len(),
            21,
            "7 prompts × 3 languages"
        );
        assert!(list
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["prompt"] == "callback_offer"
                && p["language"] == "en"
                && p["source"] == "default"
                && p["text"].as_str().unwrap().contains("press 1")));

        let put = |path: String, ct: &'static str, body: Vec<u8>| {
            let admin = &t.admin;
            async move {
                answer(
                    admin
                        .request(reqwest::Method::PUT, &path)
                        .header("content-type", ct)
                        .body(body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        // A text, spoken by the synthesiser.
        let (s, b) = put(
            format!("{base}/greeting/fr"),
            "application/json",
            json!({"text": "Bienvenue chez <b>Switchboard</b>"})
                .to_string()
                .into_bytes(),
        )
        .await;
        assert_eq!((s, b["source"].as_str()), (200, Some("text")), "{b}");
        // A recording at 16 kHz: converted to 8 kHz G.711 and played as is.
        let (s, b) = put(format!("{base}/greeting/en"), "audio/wav", wav(16000, 1.5)).await;
        assert_eq!((s, b["source"].as_str()), (200, Some("audio")), "{b}");
        let voice = app.running.state.voice.as_ref().unwrap();
        let audio = voice
            .prompt(
                switchboard_core::voice::prompts::Prompt::Greeting,
                "en",
                Some(&t.queue),
                None,
            )
            .await;
        assert!(
            (11_900..=12_000).contains(&audio.ulaw.len()),
            "1.5 s at 8 kHz: {}",
            audio.ulaw.len()
        );
        let list = t.ana.ok(&base).await;
        let source = |p: &str, l: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|x| x["prompt"] == p && x["language"] == l)
                .unwrap()["source"]
                .clone()
        };
        assert_eq!(
            (source("greeting", "en"), source("greeting", "fr")),
            (json!("audio"), json!("text"))
        );

        // What callers hear, as a WAV file a browser plays: the recording
        // (1.5 s of 16-bit PCM at 8 kHz), and the French text spoken.
        let heard = |path: String| {
            let agent = t.ana.clone();
            async move {
                let r = agent.get(&path).await;
                let status = r.status().as_u16();
                let ct = r
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_owned());
                (status, ct, r.bytes().await.unwrap().to_vec())
            }
        };
        let (s, ct, body) = heard(format!("{base}/greeting/en/audio")).await;
        assert_eq!((s, ct.as_deref()), (200, Some("audio/wav")));
        assert_eq!(&body[0..4], b"RIFF");
        assert_eq!(body.len(), 44 + audio.ulaw.len() * 2);
        let (s, _, body) = heard(format!("{base}/greeting/fr/audio")).await;
        assert_eq!(s, 200);
        assert!(
            body.len() > 44 + 8000,
            "at least half a second spoken: {}",
            body.len()
        );
        let (s, _, _) = heard(format!("{base}/greeting/de/audio")).await;
        assert_eq!(s, 404);
        let (s, _, _) = heard("/api/v1/queues/nope/prompts/greeting/en/audio".to_owned()).await;
        assert_eq!(s, 404);

        // Refused by name.
        let (s, b) = put(
            format!("{base}/position/en"),
            "application/json",
            br#"{"text": "You are next"}"#.to_vec(),
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["text".to_owned()]));
        let (s, b) = put(
            format!("{base}/hold/en"),
            "application/json",
            br#"{"text": "Hi {name}"}"#.to_vec(),
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["text".to_owned()]));
        let (s, b) = put(
            format!("{base}/hold/en"),
            "audio/wav",
            b"ID3 not a wav".to_vec(),
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["audio".to_owned()]));
        let (s, _) = put(format!("{base}/hold/en"), "text/plain", b"hello".to_vec()).await;
        assert_eq!(s, 415);
        let (s, _) = put(
            format!("{base}/hold/en"),
            "application/json",
            b"{oops".to_vec(),
        )
        .await;
        assert_eq!(s, 400);
        let (s, _) = put(
            format!("{base}/jingle/en"),
            "application/json",
            br#"{"text": "x"}"#.to_vec(),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = put(
            format!("{base}/hold/de"),
            "application/json",
            br#"{"text": "x"}"#.to_vec(),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = put(
            "/api/v1/queues/nope/prompts/hold/en".into(),
            "application/json",
            br#"{"text": "x"}"#.to_vec(),
        )
        .await;
        assert_eq!(s, 404);
        // An agent may read but not change them.
        let (s, _) = answer(
            t.ana
                .request(reqwest::Method::PUT, &format!("{base}/hold/en"))
                .json(&json!({"text": "x"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 403);

        // Back to the default.
        let (s, _) = answer(t.admin.delete(&format!("{base}/greeting/en")).await).await;
        assert_eq!(s, 204);
        let list = t.ana.ok(&base).await;
        let g = list
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["prompt"] == "greeting" && x["language"] == "en")
            .unwrap()
            .clone();
        assert_eq!(g["source"], "default");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_busy_customer_is_retried_per_the_policy_then_the_callback_is_closed_with_the_reason() {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = free_port();
    let app = spawn_sqlite_with(&|c: &mut Config| {
        voice_config(c, customer_port, prompts.path());
        c.voice.retry = switchboard_core::voice::callback::RetryPolicy {
            attempts: 2,
            delay_minutes: 0,
        };
    })
    .await;
    let t = setup(&app, json!({})).await;
    let contact = t
        .ana
        .create("/api/v1/contacts", json!({"first_name": "Eve"}))
        .await;
    let phone_port = free_port();
    // Ana's phone answers twice (once per attempt); the customer is busy twice.
    let phone = sipp(&app, &scenario("phone.xml"), phone_port, &["-m", "2"]);
    register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
    let busy = sipp(&app, &scenario("busy.xml"), customer_port, &["-m", "2"]);
    let mut ws = connect(&app, &t.ana, 0).await;
    available(&t.ana).await;
    let cb = t
        .admin
        .create(
            "/api/v1/callbacks",
            json!({"phone": "+33666666666", "contact_id": contact["id"], "queue_id": t.queue}),
        )
        .await;
    let id = cb["id"].as_str().unwrap().to_owned();
    for attempt in 1..=2 {
        let offer = next_offer(&mut ws, Duration::from_secs(20)).await;
        assert_eq!(offer["kind"], "callback", "attempt {attempt}");
        let item = offer["work_item_id"].as_str().unwrap();
        accept(&t.ana, item).await;
        if attempt == 1 {
            let c = until(
                Duration::from_secs(20),
                "the first attempt failed",
                async || {
                    let c = t.ana.ok(&format!("/api/v1/callbacks/{id}")).await;
                    (c["attempts"] == 1).then_some(c)
                },
            )
            .await;
            assert_eq!(c["last_result"], "busy", "{c}");
            // The item left Ana: close her wrap-up if the queue keeps one.
            let _ = t
                .ana
                .post(&format!("/api/v1/work-items/{item}/close"), json!({}))
                .await;
        }
    }
    let done = until(Duration::from_secs(20), "the callback closed", async || {
        let c = t.ana.ok(&format!("/api/v1/callbacks/{id}")).await;
        (c["status"] == "failed").then_some(c)
    })
    .await;
    assert_eq!(done["attempts"], 2);
    assert_eq!(done["last_result"], "busy");
    assert!(
        done["closed_reason"]
            .as_str()
            .unwrap()
            .contains("busy after 2 attempt(s)"),
        "{done}"
    );
    succeeded(busy, "busy customer").await;
    succeeded(phone, "agent's phone, rung twice").await;
    let subjects = timeline_subjects(&t.ana, &contact).await;
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Callback attempt 1 to +33666666666: busy"))
            && subjects
                .iter()
                .any(|s| s.starts_with("Callback to +33666666666 closed: busy after 2 attempt(s)")),
        "{subjects:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_queue_that_does_not_take_the_call_greets_the_caller_and_hangs_up() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    let t = setup(
        &app,
        json!({"work_items_waiting_exceed": {"count": 0, "action": "voicemail"}}),
    )
    .await;
    let first = sipp(
        &app,
        &scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33600000003",
            "-s",
            "support",
            "-d",
            "15000",
        ],
    );
    until(
        Duration::from_secs(10),
        "the first caller waits",
        async || (voice_items(&app).await.len() == 1).then_some(()),
    )
    .await;
    // The second overflows with voicemail, which the voice side does not
    // record: greeted, then hung up on.
    let second = sipp(
        &app,
        &scenario("caller_hung_up_on.xml"),
        free_port(),
        &["-key", "caller", "+33600000004", "-s", "support"],
    );
    succeeded(second, "the second caller is hung up on").await;
    let items = voice_items(&app).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].1, "closed", "{items:?}");
    assert_eq!(items[0].1, "queued", "the first still waits");
    succeeded(first, "the first caller").await;
    let _ = t;
    app.stop().await;
}

#[tokio::test]
async fn a_key_pressed_as_sip_info_is_heard() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    let t = setup(&app, json!({})).await;
    let caller = sipp(
        &app,
        &scenario("caller_info.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33600000005",
            "-s",
            "support",
            "-d",
            "1000",
        ],
    );
    succeeded(caller, "caller sending INFO").await;
    assert_eq!(status(&t.admin).await["digits_detected"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_call_whose_audio_stops_is_ended_and_leaves_the_queue() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| {
        voice_config(c, 9, prompts.path());
        c.voice.rtp_timeout = Duration::from_secs(3);
    })
    .await;
    let t = setup(&app, json!({})).await;
    // The caller's recording lasts 8 s, then its phone goes silent (as a
    // phone that lost its network would) without hanging up.
    let started = Instant::now();
    let caller = sipp(
        &app,
        &scenario("caller_hung_up_on.xml"),
        free_port(),
        &["-key", "caller", "+33600000006", "-s", "support"],
    );
    succeeded(caller, "the silent caller is hung up on").await;
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "not before the audio stopped"
    );
    let item = until(
        Duration::from_secs(10),
        "the item was abandoned",
        async || {
            voice_items(&app)
                .await
                .into_iter()
                .next()
                .filter(|i| i.1 == "abandoned")
        },
    )
    .await;
    assert_eq!(item.3["caller"], "+33600000006");
    let _ = t;
    app.stop().await;
}

/// Issue 13, the attack: an agent's token (or a stolen one) schedules
/// callbacks to premium-rate and international-network numbers, which the
/// organization would pay for. The dialling policy refuses each with 422
/// naming `phone` and the rule; nothing is recorded, nothing is dialled.
#[tokio::test]
async fn callbacks_to_premium_and_international_numbers_are_refused() {
    let prompts = tempfile::tempdir().unwrap();
    for app in apps_with(|c| voice_config(c, 9, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        for (number, rule) in [
            ("+19005550123", "number_type"),
            ("+882345678901", "international_network"),
            ("+979123456789", "international_network"),
            ("+33899123456", "number_type"),
            ("+447911123456", "not_allowed"),
        ] {
            for who in [&t.admin, &t.ana] {
                let (s, b) = answer(
                    who.post(
                        "/api/v1/callbacks",
                        json!({"phone": number, "queue_id": t.queue}),
                    )
                    .await,
                )
                .await;
                assert_eq!(
                    (s, fields(&b)),
                    (422, vec!["phone".to_owned()]),
                    "{number}: {b}"
                );
                assert!(b.to_string().contains(rule), "{number}: {b}");
            }
        }
        // The organization's own country is still called back.
        let ok = t
            .admin
            .create(
                "/api/v1/callbacks",
                json!({"phone": "+33612345678", "queue_id": t.queue}),
            )
            .await;
        assert_eq!(ok["phone"], "+33612345678");
        // The audit is the admins' (no dial has happened yet).
        let dials = t.admin.ok("/api/v1/voice/dials?limit=10").await;
        assert_eq!(dials["items"], json!([]));
        let (s, _) = answer(t.ana.get("/api/v1/voice/dials").await).await;
        assert_eq!(s, 403);
        app.stop().await;
    }
}

/// Issue 13, item 1's reflection half: a stranger at 127.0.0.2 sends a
/// request whose Via names another host (here a socket standing for the
/// trunk) in its plain `received=` form, without `rport`. Switchboard's
/// answer goes to the datagram's real source or nowhere; nothing reaches
/// the address the Via names.
#[tokio::test]
async fn a_via_received_naming_the_trunk_does_not_reflect_answers_to_it() {
    let prompts = tempfile::tempdir().unwrap();
    let app = spawn_sqlite_with(&|c: &mut Config| voice_config(c, 9, prompts.path())).await;
    let trunk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let trunk_port = trunk.local_addr().unwrap().port();
    let attacker = tokio::net::UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let g729 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    for method in ["INVITE", "OPTIONS", "REGISTER"] {
        let call_id = switchboard_store::new_id();
        let body = if method == "INVITE" { g729 } else { "" };
        let msg = format!(
            "{method} sip:support@127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:{trunk_port};received=127.0.0.1;branch=z9hG4bK{call_id}\r\n\
             From: <sip:+33699999999@127.0.0.1>;tag=1\r\nTo: <sip:support@127.0.0.1>\r\nCall-ID: {call_id}\r\n\
             CSeq: 1 {method}\r\nContact: <sip:x@127.0.0.1:{trunk_port}>\r\nMax-Forwards: 70\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        attacker
            .send_to(msg.as_bytes(), sip_addr(&app))
            .await
            .unwrap();
    }
    // Whatever answers come go to the attacker; wait for them to settle.
    let mut buf = vec![0u8; 4096];
    while let Ok(Ok(_)) =
        tokio::time::timeout(Duration::from_secs(2), attacker.recv_from(&mut buf)).await
    {}
    let reflected =
        tokio::time::timeout(Duration::from_millis(500), trunk.recv_from(&mut buf)).await;
    assert!(
        reflected.is_err(),
        "an answer reached the address the Via named: {:?}",
        reflected.map(|r| r.map(|(n, _)| String::from_utf8_lossy(&buf[..n]).into_owned()))
    );
    app.stop().await;
}

/// Issue 13, the attack: one number called over and over (a harassment or
/// toll-fraud loop through retries or repeated callbacks). With a cap of
/// one dial per number per day, the first attempt rings the customer (busy)
/// and the retry is refused before any phone rings; the audit shows both.
#[tokio::test]
async fn the_daily_cap_stops_the_next_dial_to_a_number_and_every_dial_is_audited() {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = free_port();
    let app = spawn_sqlite_with(&|c: &mut Config| {
        voice_config(c, customer_port, prompts.path());
        c.voice.retry = switchboard_core::voice::callback::RetryPolicy {
            attempts: 3,
            delay_minutes: 0,
        };
        c.voice.dial.max_per_number_per_day = 1;
    })
    .await;
    let t = setup(&app, json!({})).await;
    let phone_port = free_port();
    // Ana's phone answers once; the customer is busy once: a second ring
    // would find no SIPp to answer.
    let phone = sipp(&app, &scenario("phone.xml"), phone_port, &["-m", "1"]);
    register(&app, &t.sip_user, &t.sip_password, phone_port, 200).await;
    let busy = sipp(&app, &scenario("busy.xml"), customer_port, &["-m", "1"]);
    let mut ws = connect(&app, &t.ana, 0).await;
    available(&t.ana).await;
    let cb = t
        .admin
        .create(
            "/api/v1/callbacks",
            json!({"phone": "+33666666666", "queue_id": t.queue}),
        )
        .await;
    let id = cb["id"].as_str().unwrap().to_owned();
    for attempt in 1..=2 {
        let offer = next_offer(&mut ws, Duration::from_secs(20)).await;
        assert_eq!(offer["kind"], "callback", "attempt {attempt}");
        let item = offer["work_item_id"].as_str().unwrap();
        accept(&t.ana, item).await;
        if attempt == 1 {
            until(
                Duration::from_secs(20),
                "the first attempt failed",
                async || {
                    let c = t.ana.ok(&format!("/api/v1/callbacks/{id}")).await;
                    (c["attempts"] == 1).then_some(c)
                },
            )
            .await;
            let _ = t
                .ana
                .post(&format!("/api/v1/work-items/{item}/close"), json!({}))
                .await;
        }
    }
    let done = until(Duration::from_secs(20), "the callback closed", async || {
        let c = t.ana.ok(&format!("/api/v1/callbacks/{id}")).await;
        (c["status"] == "failed").then_some(c)
    })
    .await;
    assert_eq!(done["last_result"], "refused", "{done}");
    assert!(
        done["closed_reason"]
            .as_str()
            .unwrap()
            .contains("daily_cap"),
        "{done}"
    );
    succeeded(busy, "busy customer").await;
    succeeded(phone, "agent's phone, rung once").await;
    let dials = t.admin.ok("/api/v1/voice/dials").await;
    let rows: Vec<(String, String)> = dials["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["number"], "+33666666666");
            assert_eq!(d["callback_id"], id.as_str());
            assert!(d["agent_id"].is_string() && d["work_item_id"].is_string());
            (
                d["decision"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("refused".to_owned(), "daily_cap".to_owned()),
            ("dialled".to_owned(), String::new())
        ]
    );
    app.stop().await;
}

/// Issue 13, the attack: a caller sets a premium-rate `From` (+1 900…),
/// waits in an overflowing queue and presses 1 so that Switchboard calls
/// the premium number back. The callback is never offered, the key press
/// requests nothing, no callback exists and no dial is audited.
#[tokio::test]
async fn a_caller_with_a_premium_from_is_never_offered_nor_dialled_back() {
    let prompts = tempfile::tempdir().unwrap();
    let customer_port = free_port();
    let app = spawn_sqlite_with(&|c: &mut Config| {
        voice_config(c, customer_port, prompts.path());
        c.voice.offer.first_after = jiff::SignedDuration::from_secs(2);
    })
    .await;
    let t = setup(
        &app,
        json!({"work_items_waiting_exceed": {"count": 0, "action": "direct_callback"}}),
    )
    .await;
    let mut a = sipp(
        &app,
        &scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33611111111",
            "-s",
            "support",
            "-d",
            "15000",
        ],
    );
    until(Duration::from_secs(10), "A waits", async || {
        (voice_items(&app).await.len() == 1).then_some(())
    })
    .await;
    // The attacker presses 1 at 6 s, well after an offer would have come.
    let mut b = sipp(
        &app,
        &scenario("caller_presses_1.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+19005550123",
            "-s",
            "support",
            "-d",
            "6000",
        ],
    );
    until(Duration::from_secs(10), "B waits", async || {
        (voice_items(&app).await.len() == 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(9)).await;
    let s = status(&t.admin).await;
    assert_eq!(s["callback_offers"], 0, "{s}");
    assert_eq!(s["callbacks_requested"], 0, "{s}");
    let items = voice_items(&app).await;
    assert!(items.iter().all(|i| i.2 != "callback"), "{items:?}");
    let dials = t.admin.ok("/api/v1/voice/dials").await;
    assert_eq!(dials["items"], json!([]));
    let _ = b.kill().await;
    let _ = a.kill().await;
    app.stop().await;
}

/// `GET /api/v1/callbacks`: newest first, by status, in pages; supervisors
/// and admins only (it lists customers' numbers).
#[tokio::test]
async fn callbacks_are_listed_newest_first_by_status_in_pages() {
    let prompts = tempfile::tempdir().unwrap();
    for app in apps_with(|c| voice_config(c, 9, prompts.path())).await {
        let t = setup(&app, json!({})).await;
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
        let window = json!([{"start": later.to_string(), "end": (later + jiff::SignedDuration::from_hours(1)).to_string()}]);
        let mut ids = Vec::new();
        for phone in ["+33644444401", "+33644444402", "+33644444403"] {
            let c = t
                .admin
                .create(
                    "/api/v1/callbacks",
                    json!({"phone": phone, "queue_id": t.queue, "windows": window}),
                )
                .await;
            ids.push(c["id"].as_str().unwrap().to_owned());
            // Distinct creation times, so the order is the creation order.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (s, _) = answer(
            t.admin
                .delete(&format!("/api/v1/callbacks/{}", ids[0]))
                .await,
        )
        .await;
        assert_eq!(s, 200);

        let all = t.admin.ok("/api/v1/callbacks").await;
        let listed: Vec<&str> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]);
        assert_eq!(all["items"][0]["phone"], "+33644444403");
        assert_eq!(all["items"][0]["windows"].as_array().unwrap().len(), 1);
        assert_eq!(all["next_cursor"], Value::Null);

        let cancelled = t.admin.ok("/api/v1/callbacks?status=cancelled").await;
        assert_eq!(cancelled["items"].as_array().unwrap().len(), 1);
        assert_eq!(cancelled["items"][0]["id"], json!(ids[0]));
        let scheduled = t.admin.ok("/api/v1/callbacks?status=scheduled").await;
        assert_eq!(scheduled["items"].as_array().unwrap().len(), 2);

        // Pages of one.
        let first = t.admin.ok("/api/v1/callbacks?limit=1").await;
        assert_eq!(first["items"][0]["id"], json!(ids[2]));
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = t
            .admin
            .ok(&format!("/api/v1/callbacks?limit=1&cursor={cursor}"))
            .await;
        assert_eq!(second["items"][0]["id"], json!(ids[1]));

        let (s, bad) = answer(t.admin.get("/api/v1/callbacks?status=later").await).await;
        assert_eq!((s, fields(&bad)), (422, vec!["status".to_owned()]));
        // Agents may schedule and read one callback, not list them all.
        let r = t.ana.get("/api/v1/callbacks").await;
        assert_eq!(r.status(), 403);
        let supervisor = app.token(Role::Supervisor).await;
        assert_eq!(supervisor.get("/api/v1/callbacks").await.status(), 200);
        app.stop().await;
    }
}
