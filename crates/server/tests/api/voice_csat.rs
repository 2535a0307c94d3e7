//! Voice CSAT (issue 16): a voice queue may ask its callers to rate the
//! call (press 1 to 5) after the agent hung up. SIPp plays the caller and
//! the agent's phone, which hangs up first; the caller presses 4 (Debian's
//! RFC 4733 recording).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::routing::{available, connect};
use crate::support::{answer, apps_with, fields, Caller, TestApp};
use crate::voice::{
    accept, free_port, next_offer, register, scenario, setup, sipp, succeeded, until, voice_config,
    voice_items,
};

/// The report's row for `queue` today (UTC days, the default zone).
async fn report_row(admin: &Caller, queue: &str) -> Value {
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let report = admin
        .ok(&format!(
            "/api/v1/reports/work-items?from={}&to={day}&by=queue",
            day.yesterday().unwrap()
        ))
        .await;
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == queue)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The call's record once it reads ended (written just after the BYE).
async fn ended(who: &Caller, item: &str) -> Value {
    until(
        Duration::from_secs(10),
        "the call's record ended",
        async || {
            let c = who.ok(&format!("/api/v1/work-items/{item}/call")).await;
            (c["state"] == "ended").then_some(c)
        },
    )
    .await
}

async fn set_survey(admin: &Caller, queue: &str, on: bool) {
    let mut q = admin.ok(&format!("/api/v1/queues/{queue}")).await;
    for k in ["id", "created_at", "updated_at"] {
        q.as_object_mut().unwrap().remove(k);
    }
    q["csat_survey"] = json!(on);
    let (s, b) = answer(
        admin
            .request(reqwest::Method::PUT, &format!("/api/v1/queues/{queue}"))
            .json(&q)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, &b["csat_survey"]), (200, &json!(on)), "{b}");
}

/// One call: the caller (scenario `caller`, pausing `caller_ms` when it
/// pauses) waits, Ana accepts, her phone answers and hangs up after 3 s.
/// Returns the work item and how long the caller stayed on after Ana's
/// phone had hung up.
async fn call(
    app: &TestApp,
    ana: &Caller,
    sip: (&str, &str),
    caller: &str,
    caller_ms: u32,
) -> (String, Duration) {
    let before = voice_items(app).await.len();
    let phone_port = free_port();
    let phone = sipp(
        app,
        &scenario("phone_hangs_up.xml"),
        phone_port,
        &["-d", "3000"],
    );
    register(app, sip.0, sip.1, phone_port, 200).await;
    let caller = sipp(
        app,
        &scenario(caller),
        free_port(),
        &[
            "-key",
            "caller",
            "+33612345678",
            "-s",
            "support",
            "-d",
            &caller_ms.to_string(),
        ],
    );
    let item = until(
        Duration::from_secs(10),
        "the call became a work item",
        async || voice_items(app).await.into_iter().nth(before),
    )
    .await
    .0;
    let mut ws = connect(app, ana, 0).await;
    available(ana).await;
    // (The socket replays earlier calls' offers first.)
    loop {
        let offer = next_offer(&mut ws, Duration::from_secs(15)).await;
        if offer["work_item_id"] == item.as_str() {
            break;
        }
    }
    accept(ana, &item).await;
    succeeded(phone, "agent's phone (hangs up first)").await;
    let hung_up = Instant::now();
    succeeded(caller, "caller").await;
    (item, hung_up.elapsed())
}

#[tokio::test]
async fn a_caller_rates_the_call_after_the_agent_hangs_up_when_the_queue_asks() {
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
        // The question and the thanks are ready before the call (as every
        // prompt is after its first use), so the timing below is the
        // call's, not espeak-ng's.
        for p in ["csat", "csat_thanks"] {
            let r = t
                .admin
                .get(&format!("/api/v1/queues/{}/prompts/{p}/en/audio", t.queue))
                .await;
            assert_eq!(r.status(), 200, "{p}");
        }

        // Off (the default): the caller is hung up on with the agent.
        assert_eq!(
            t.admin.ok(&format!("/api/v1/queues/{}", t.queue)).await["csat_survey"],
            false
        );
        let sip = (t.sip_user.as_str(), t.sip_password.as_str());
        let (item, stayed) = call(&app, &t.ana, sip, "caller_hung_up_on.xml", 0).await;
        assert!(
            stayed < Duration::from_secs(4),
            "nothing asked: the caller was hung up on at once ({stayed:?})"
        );
        let record = ended(&t.ana, &item).await;
        assert_eq!(record["ended_by"], "agent", "{record}");
        assert_eq!(record["csat_score"], Value::Null, "{record}");
        let finish = |item: String| {
            let ana = t.ana.clone();
            async move {
                // Closed, through a wrap-up if the agent keeps one.
                for _ in 0..2 {
                    let (s, b) = answer(
                        ana.post(&format!("/api/v1/work-items/{item}/close"), json!({}))
                            .await,
                    )
                    .await;
                    assert_eq!(s, 200, "{b}");
                    if b["status"] == "closed" {
                        return;
                    }
                }
                panic!("{item} did not close");
            }
        };
        finish(item).await;

        // On: the caller hears the question after the agent hung up and
        // presses 4.
        set_survey(&t.admin, &t.queue, true).await;
        let (item, stayed) = call(&app, &t.ana, sip, "caller_presses_4.xml", 12_000).await;
        assert!(stayed > Duration::from_secs(2), "{stayed:?}");
        let record = ended(&t.ana, &item).await;
        assert_eq!(record["csat_score"], 4, "{record}");
        assert!(
            record["csat_at"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{record}"
        );
        assert_eq!(record["ended_by"], "agent", "{record}");
        let talk = record["duration_seconds"].as_i64().unwrap();
        assert!(talk < 8, "the talk time leaves the question out: {record}");
        // On the caller's timeline, after the call's own entry.
        let timeline = t
            .ana
            .ok(&format!(
                "/api/v1/contacts/{}/timeline",
                contact["id"].as_str().unwrap()
            ))
            .await;
        let rated: Vec<&Value> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["subject"] == "Rated the call 4/5")
            .collect();
        assert_eq!(rated.len(), 1, "{timeline}");
        assert_eq!(rated[0]["kind"], "call");
        // In the report, on the queue.
        let row = report_row(&t.admin, &t.queue).await;
        assert_eq!(
            (
                &row["csat_responses"],
                &row["csat_average"],
                &row["csat_satisfied_rate"]
            ),
            (&json!(1), &json!(4.0), &json!(1.0)),
            "{row}"
        );
        finish(item).await;

        // On, but the caller presses nothing: asked, no rating, hung up
        // after the time allowed (the question, then 10 s).
        let (item, stayed) = call(&app, &t.ana, sip, "caller_hung_up_on.xml", 0).await;
        assert!(
            stayed > Duration::from_secs(10),
            "asked and waited for a key ({stayed:?})"
        );
        let record = ended(&t.ana, &item).await;
        assert_eq!(record["csat_score"], Value::Null, "{record}");
        assert_eq!(report_row(&t.admin, &t.queue).await["csat_responses"], 1);
        finish(item).await;

        // On, two wrong keys: asked again after the first, hung up on
        // after the second (before the time allowed ran out), unrated.
        let (item, stayed) = call(&app, &t.ana, sip, "caller_presses_9_then_8.xml", 12_000).await;
        let record = ended(&t.ana, &item).await;
        assert_eq!(record["csat_score"], Value::Null, "{record}");
        // (Without the second key the question would play again and the
        // 10 s run out: at least 20 s.)
        assert!(
            stayed > Duration::from_secs(2) && stayed < Duration::from_secs(16),
            "{stayed:?}"
        );
        finish(item).await;

        // On, the caller hangs up while asked: unrated, nothing else.
        let (item, _) = call(&app, &t.ana, sip, "caller.xml", 9_000).await;
        let record = ended(&t.ana, &item).await;
        assert_eq!(record["csat_score"], Value::Null, "{record}");
        assert_eq!(record["ended_by"], "agent", "{record}");
        assert_eq!(report_row(&t.admin, &t.queue).await["csat_responses"], 1);
        finish(item).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn the_queue_setting_is_voice_only_and_refuses_bad_input_by_name() {
    for app in apps_with(|_| {}).await {
        let admin = app.token(Role::Admin).await;
        // Voice: on when asked, off by default, changed by PUT.
        let q = admin
            .create(
                "/api/v1/queues",
                json!({"name": "rated calls", "channel": "voice", "csat_survey": true}),
            )
            .await;
        assert_eq!(q["csat_survey"], true, "{q}");
        let id = q["id"].as_str().unwrap();
        assert_eq!(
            admin.ok(&format!("/api/v1/queues/{id}")).await["csat_survey"],
            true
        );
        let listed = admin.ok("/api/v1/queues").await;
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id && x["csat_survey"] == true));
        let plain = admin
            .create(
                "/api/v1/queues",
                json!({"name": "plain calls", "channel": "voice"}),
            )
            .await;
        assert_eq!(plain["csat_survey"], false);
        let put = |body: Value| {
            let admin = admin.clone();
            let id = id.to_owned();
            async move {
                answer(
                    admin
                        .request(reqwest::Method::PUT, &format!("/api/v1/queues/{id}"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let (s, b) = put(json!({"name": "rated calls", "channel": "voice"})).await;
        assert_eq!((s, &b["csat_survey"]), (200, &json!(false)), "{b}");

        // Messaging: false is harmless, true is refused by name.
        let chat = admin
            .create(
                "/api/v1/queues",
                json!({"name": "chats", "channel": "messaging", "csat_survey": false}),
            )
            .await;
        assert_eq!(chat["csat_survey"], false);
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/queues",
                    json!({"name": "rated chats", "channel": "messaging", "csat_survey": true}),
                )
                .await,
        )
        .await;
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["csat_survey".to_owned()]),
            "{b}"
        );
        assert_eq!(b["errors"][0]["code"], "mismatch", "{b}");
        // Turning a voice queue that asks into a messaging one: refused.
        let (s, b) =
            put(json!({"name": "rated calls", "channel": "messaging", "csat_survey": true})).await;
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["csat_survey".to_owned()]),
            "{b}"
        );

        // Wrong types are named.
        for bad in [json!("yes"), json!(1), json!({}), json!([true])] {
            let (s, b) = answer(
                admin
                    .post(
                        "/api/v1/queues",
                        json!({"name": "typed", "channel": "voice", "csat_survey": bad}),
                    )
                    .await,
            )
            .await;
            assert_eq!(s, 422, "{bad}: {b}");
            assert!(fields(&b).iter().any(|f| f == "csat_survey"), "{bad}: {b}");
        }
        // Configuration as code carries it: written for the queue that
        // asks (only), read back, refused on a messaging queue by place.
        let (s, b) =
            put(json!({"name": "rated calls", "channel": "voice", "csat_survey": true})).await;
        assert_eq!(s, 200, "{b}");
        let text = admin.get("/api/v1/config").await.text().await.unwrap();
        assert_eq!(text.matches("csat_survey = true").count(), 1, "{text}");
        assert!(!text.contains("csat_survey = false"), "{text}");
        let config_apply = |body: String| {
            let admin = admin.clone();
            async move {
                answer(
                    admin
                        .request(reqwest::Method::POST, "/api/v1/config/apply?dry_run=false")
                        .header("content-type", "application/toml")
                        .body(body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let (s, b) = config_apply(text.replace("csat_survey = true\n", "")).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(
            admin.ok(&format!("/api/v1/queues/{id}")).await["csat_survey"],
            false
        );
        let (s, b) = config_apply(text.replace(
            "channel = \"messaging\"\n",
            "channel = \"messaging\"\ncsat_survey = true\n",
        ))
        .await;
        assert_eq!(s, 422, "{b}");
        assert!(
            fields(&b)
                .iter()
                .all(|f| f.starts_with("queues[") && f.ends_with("].csat_survey")),
            "{b}"
        );
        assert_eq!(
            admin.ok(&format!("/api/v1/queues/{id}")).await["csat_survey"],
            false,
            "nothing applied"
        );

        // Nothing was written by the refusals.
        let names: Vec<String> = admin
            .ok("/api/v1/queues")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(!names.contains(&"rated chats".to_owned()), "{names:?}");
        assert!(!names.contains(&"typed".to_owned()), "{names:?}");
        app.stop().await;
    }
}
