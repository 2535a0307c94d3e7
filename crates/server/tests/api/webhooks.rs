//! Outbound webhooks against a real HTTP receiver started here: signed
//! deliveries for a chat's life, a retry after a 503, no duplicate ids,
//! redirects not followed, and registrations checked and audited.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use switchboard_core::access::Role;

use crate::chat::{setup, Browser};
use crate::routing::{next_matching, send};
use crate::support::{answer, apps_with, fields, TestApp};

/// One request as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
    /// What the receiver answered.
    answered: u16,
}

/// A receiver: `/hook` answers 503 to its first request and 200 after;
/// `/moved` answers 307 towards `/elsewhere`, which must never be reached
/// from there; `/elsewhere` and `/other` answer 200.
struct Receiver {
    base: String,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receiver() -> Receiver {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let record = |path: &'static str, got: Arc<Mutex<Vec<Received>>>| {
        move |headers: HeaderMap, body: Bytes| {
            let got = got.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut list = got.lock().unwrap();
                let answered = match path {
                    "/hook" if !list.iter().any(|r| r.path == "/hook") => 503,
                    "/moved" => 307,
                    _ => 200,
                };
                list.push(Received {
                    path: path.into(),
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp").parse().unwrap_or(0),
                    signature: h("webhook-signature"),
                    body: String::from_utf8(body.to_vec()).unwrap(),
                    answered,
                });
                let mut out = HeaderMap::new();
                out.insert("location", "/elsewhere".parse().unwrap());
                (StatusCode::from_u16(answered).unwrap(), out)
            }
        }
    };
    let app = axum::Router::new()
        .route("/hook", post(record("/hook", got.clone())))
        .route("/moved", post(record("/moved", got.clone())))
        .route("/elsewhere", post(record("/elsewhere", got.clone())))
        .route("/other", post(record("/other", got.clone())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { base, got }
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what arrived.
    async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.got();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: got {:#?}", self.got());
    }
}

/// Verifies a delivery as a receiver would, with nothing of Switchboard's
/// code: the key is the secret after `whsec_`, base64-decoded; the signed
/// text is `id.timestamp.body`.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature.split(' ').any(|s| s == expected)
}

fn event_type(r: &Received) -> String {
    serde_json::from_str::<Value>(&r.body).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn fast_apps() -> Vec<TestApp> {
    apps_with(|c| {
        c.webhooks.poll = Duration::from_millis(50);
        c.webhooks.retry_base = Duration::from_millis(300);
        c.webhooks.timeout = Duration::from_secs(5);
    })
    .await
}

#[tokio::test]
async fn a_chats_life_reaches_the_receiver_signed_once_per_id_after_a_retry() {
    for app in fast_apps().await {
        let rx = receiver().await;
        let mut s = setup(&app).await;
        let (st, hook) = answer(
            s.admin
                .post(
                    "/api/v1/webhooks",
                    json!({"url": format!("{}/hook", rx.base), "description": "CRM",
                        "events": ["conversation.started", "conversation.ended",
                                   "work_item.assigned", "work_item.closed"]}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 201, "{hook}");
        let secret = hook["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"), "{hook}");
        let hook_id = hook["id"].as_str().unwrap().to_owned();
        // The secret is shown once: never in a read, never in the audit log.
        let (_, listed) = answer(s.admin.get("/api/v1/webhooks").await).await;
        assert!(!listed.to_string().contains(&secret), "{listed}");
        let (_, one) = answer(s.admin.get(&format!("/api/v1/webhooks/{hook_id}")).await).await;
        assert!(one.get("secret").is_none(), "{one}");
        let (_, log) = answer(s.admin.get("/api/v1/audit-log?area=integrations").await).await;
        assert!(!log.to_string().contains(&secret), "{log}");
        let entry = &log["items"][0];
        assert_eq!(entry["action"], "webhook.create", "{log}");
        assert_eq!(entry["agent_id"], json!(s.admin.agent_id), "{entry}");
        assert_eq!(entry["after"]["secret"], "(set)", "{entry}");

        // A chat's life: started, assigned, ended, closed.
        let mut b = Browser::new(&app, &s.widget);
        b.register(json!({})).await;
        let (st, conv) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id,
                    "survey": {"name": "Zoé", "email": "zoe@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{conv}");
        let conv = conv["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        send(&mut s.ws, json!({"type": "accept", "work_item_id": item})).await;
        next_matching(&mut s.ws, |m| m["type"] == "assigned").await;
        let (st, r) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert!(st < 300, "{st} {r}");
        // Ending a chat may leave its work item in wrap-up: the agent closes it.
        let (_, w) = answer(s.agent.get(&format!("/api/v1/work-items/{item}")).await).await;
        if w["status"] == "wrap_up" {
            let (st, r) = answer(
                s.agent
                    .post(&format!("/api/v1/work-items/{item}/close"), json!({}))
                    .await,
            )
            .await;
            assert!(st < 300, "{st} {r}");
        }

        let wanted = [
            "conversation.started",
            "work_item.assigned",
            "conversation.ended",
            "work_item.closed",
        ];
        let got = rx
            .until("the four events delivered", |got| {
                wanted
                    .iter()
                    .all(|w| got.iter().any(|r| r.answered == 200 && event_type(r) == *w))
            })
            .await;
        let hooks: Vec<&Received> = got.iter().filter(|r| r.path == "/hook").collect();
        // Every request is signed with the registration's secret.
        for r in &hooks {
            assert!(verifies(&secret, r), "bad signature on {r:?}");
            assert!(r.id.starts_with("msg_"), "{r:?}");
            let now = jiff::Timestamp::now().as_second();
            assert!((now - r.timestamp).abs() < 300, "{r:?}");
        }
        // The first answer was a 503; the same delivery came again, same
        // id, same body.
        let first = hooks[0];
        assert_eq!(first.answered, 503);
        let again: Vec<_> = hooks[1..].iter().filter(|r| r.id == first.id).collect();
        assert_eq!(again.len(), 1, "retried once: {hooks:#?}");
        assert_eq!(again[0].body, first.body);
        assert_eq!(again[0].answered, 200);
        // No id was delivered (answered 200) twice.
        let mut ok: Vec<&str> = hooks
            .iter()
            .filter(|r| r.answered == 200)
            .map(|r| r.id.as_str())
            .collect();
        let n = ok.len();
        ok.sort();
        ok.dedup();
        assert_eq!(ok.len(), n, "a duplicate id: {hooks:#?}");
        // The bodies carry the chat's ids.
        let body = |t: &str| -> Value {
            let r = hooks
                .iter()
                .find(|r| r.answered == 200 && event_type(r) == t)
                .unwrap();
            serde_json::from_str(&r.body).unwrap()
        };
        assert_eq!(
            body("conversation.started")["data"]["conversation_id"],
            conv
        );
        assert_eq!(body("conversation.ended")["data"]["conversation_id"], conv);
        assert_eq!(body("conversation.ended")["data"]["ended_by"], "agent");
        assert_eq!(body("work_item.assigned")["data"]["work_item_id"], item);
        assert_eq!(
            body("work_item.assigned")["data"]["agent_id"],
            json!(s.agent.agent_id)
        );
        assert_eq!(body("work_item.closed")["data"]["work_item_id"], item);
        assert_eq!(body("work_item.closed")["data"]["channel"], "chat");

        // The admin center's list shows the attempts: 503, then 200.
        let (st, page) = answer(
            s.admin
                .get(&format!("/api/v1/webhooks/{hook_id}/deliveries"))
                .await,
        )
        .await;
        assert_eq!(st, 200, "{page}");
        let listed = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == first.id.as_str())
            .unwrap_or_else(|| panic!("{page}"));
        assert_eq!(listed["state"], "delivered", "{listed}");
        assert_eq!(listed["attempts"], 2, "{listed}");
        let log: Vec<_> = listed["attempt_log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status"].clone())
            .collect();
        assert_eq!(log, [json!(503), json!(200)], "{listed}");
        assert_eq!(page["items"].as_array().unwrap().len(), 4, "{page}");
        app.stop().await;
    }
}

#[tokio::test]
async fn deliveries_go_only_where_the_admin_said() {
    for app in fast_apps().await {
        let rx = receiver().await;
        let admin = app.token(Role::Admin).await;
        // Not http(s), credentials, garbage, unknown events: refused, named.
        for (body, field, code) in [
            (
                json!({"url": "file:///etc/passwd", "events": ["case.created"]}),
                "url",
                "scheme",
            ),
            (
                json!({"url": "gopher://127.0.0.1:70/", "events": ["case.created"]}),
                "url",
                "scheme",
            ),
            (
                json!({"url": "https://u:p@hooks.example/", "events": ["case.created"]}),
                "url",
                "credentials",
            ),
            (
                json!({"url": "hooks.example/in", "events": ["case.created"]}),
                "url",
                "invalid",
            ),
            (
                json!({"url": "https://hooks.example/", "events": ["case.created", "everything"]}),
                "events[1]",
                "unknown",
            ),
            (
                json!({"url": "https://hooks.example/", "events": []}),
                "events",
                "required",
            ),
            (
                json!({"url": format!("https://hooks.example/{}", "a".repeat(2100)), "events": ["case.created"]}),
                "url",
                "too_long",
            ),
        ] {
            let (st, r) = answer(admin.post("/api/v1/webhooks", body.clone()).await).await;
            assert_eq!(st, 422, "{body}: {r}");
            assert_eq!(fields(&r), [field], "{body}: {r}");
            assert_eq!(r["errors"][0]["code"], code, "{body}: {r}");
        }
        let (st, r) = answer(
            admin
                .post("/api/v1/webhooks", json!({"url": "https://hooks.example/", "events": ["case.created"], "secret": "mine"}))
                .await,
        )
        .await;
        assert_eq!(st, 422, "a secret cannot be chosen: {r}");
        assert!(answer(admin.get("/api/v1/webhooks").await).await.1 == json!([]));
        // Agents and supervisors cannot register anything.
        for role in [Role::Agent, Role::Supervisor] {
            let who = app.token(role).await;
            let r = who
                .post(
                    "/api/v1/webhooks",
                    json!({"url": format!("{}/hook", rx.base), "events": ["case.created"]}),
                )
                .await;
            assert_eq!(r.status(), 403, "{role:?}");
            assert_eq!(who.get("/api/v1/webhooks").await.status(), 403);
        }

        // A target that redirects: the redirect is not followed.
        let moved = admin
            .create(
                "/api/v1/webhooks",
                json!({"url": format!("{}/moved", rx.base), "events": ["case.created"]}),
            )
            .await;
        let moved_id = moved["id"].as_str().unwrap();
        let contact = admin
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Ada", "last_name": "Lovelace"}),
            )
            .await;
        let case = admin
            .create(
                "/api/v1/cases",
                json!({"title": "Broken kettle", "contact_id": contact["id"]}),
            )
            .await;
        rx.until("the redirecting target tried twice", |got| {
            got.iter().filter(|r| r.path == "/moved").count() >= 2
        })
        .await;
        assert!(
            rx.got().iter().all(|r| r.path != "/elsewhere"),
            "followed a redirect: {:#?}",
            rx.got()
        );
        let (_, page) = answer(
            admin
                .get(&format!("/api/v1/webhooks/{moved_id}/deliveries"))
                .await,
        )
        .await;
        let d = &page["items"][0];
        assert_eq!(d["event_type"], "case.created", "{page}");
        assert_eq!(d["payload"]["data"]["case_id"], case["id"], "{page}");
        assert_eq!(d["attempt_log"][0]["status"], 307, "{page}");
        assert_eq!(d["state"], "queued", "waiting for its next try: {page}");

        // Switched off, it is tried no more and nothing new is queued; a
        // retry of a delivery that has not failed is refused.
        let (st, r) = answer(
            admin
                .request(reqwest::Method::PUT, &format!("/api/v1/webhooks/{moved_id}"))
                .json(&json!({"url": format!("{}/moved", rx.base), "events": ["case.created"], "active": false}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((st, &r["active"]), (200, &json!(false)), "{r}");
        let (st, r) = answer(
            admin
                .post(
                    &format!(
                        "/api/v1/webhooks/{moved_id}/deliveries/{}/retry",
                        d["id"].as_str().unwrap()
                    ),
                    json!({}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 409, "{r}");
        admin
            .create(
                "/api/v1/cases",
                json!({"title": "Second kettle", "contact_id": contact["id"]}),
            )
            .await;
        let (_, page) = answer(
            admin
                .get(&format!("/api/v1/webhooks/{moved_id}/deliveries"))
                .await,
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");

        // A test event reaches a good target, signed.
        let good = admin
            .create(
                "/api/v1/webhooks",
                json!({"url": format!("{}/hook", rx.base), "events": ["case.changed"]}),
            )
            .await;
        let good_id = good["id"].as_str().unwrap();
        let r = admin
            .post(&format!("/api/v1/webhooks/{good_id}/test"), json!({}))
            .await;
        assert_eq!(r.status(), 202);
        let got = rx
            .until("the test event", |got| {
                got.iter().any(|r| {
                    r.path == "/hook" && r.answered == 200 && event_type(r) == "webhook.test"
                })
            })
            .await;
        let secret = good["secret"].as_str().unwrap();
        assert!(got
            .iter()
            .filter(|r| r.path == "/hook")
            .all(|r| verifies(secret, r)));

        // Unknown ids and another registration's delivery: 404.
        let r = admin.get("/api/v1/webhooks/nope/deliveries").await;
        assert_eq!(r.status(), 404);
        let r = admin
            .post(
                &format!(
                    "/api/v1/webhooks/{good_id}/deliveries/{}/retry",
                    d["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 404);

        // Deleted: gone with its deliveries, audited.
        assert_eq!(
            admin
                .delete(&format!("/api/v1/webhooks/{moved_id}"))
                .await
                .status(),
            204
        );
        assert_eq!(
            admin
                .get(&format!("/api/v1/webhooks/{moved_id}"))
                .await
                .status(),
            404
        );
        let (_, log) = answer(admin.get("/api/v1/audit-log?area=integrations").await).await;
        let actions: Vec<_> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .filter(|a| a.starts_with("webhook."))
            .collect();
        assert_eq!(
            actions,
            [
                "webhook.delete",
                "webhook.create",
                "webhook.update",
                "webhook.create"
            ],
            "{log}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn cases_meetings_and_callbacks_are_delivered_as_they_happen() {
    let prompts = tempfile::tempdir().unwrap();
    for app in apps_with(|c| {
        crate::voice::voice_config(c, 9, prompts.path());
        c.webhooks.poll = Duration::from_millis(50);
    })
    .await
    {
        let rx = receiver().await;
        let f = crate::scheduling::fixture(
            &app,
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}),
        )
        .await;
        // Two registrations: each gets only what it asked for.
        let all = f
            .admin
            .create(
                "/api/v1/webhooks",
                json!({"url": format!("{}/other", rx.base), "events": [
                    "case.created", "case.changed", "meeting.booked", "meeting.cancelled",
                    "callback.requested", "callback.completed"]}),
            )
            .await;
        let cases_only = f
            .admin
            .create(
                "/api/v1/webhooks",
                json!({"url": format!("{}/elsewhere", rx.base), "events": ["case.created"]}),
            )
            .await;

        let case = f
            .admin
            .create(
                "/api/v1/cases",
                json!({"title": "Kettle", "contact_id": f.contact}),
            )
            .await;
        let case_id = case["id"].as_str().unwrap();
        let (st, r) = answer(
            f.admin
                .patch(
                    &format!("/api/v1/cases/{case_id}"),
                    json!({"priority": "high"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        // A change that changes nothing sends nothing.
        f.admin
            .patch(
                &format!("/api/v1/cases/{case_id}"),
                json!({"priority": "high"}),
            )
            .await;
        let meeting = f
            .admin
            .create(
                "/api/v1/meetings",
                json!({"contact_id": f.contact, "topic_id": f.topic, "meeting_type": "in_person",
                       "branch_id": f.branch, "start": crate::scheduling::start_in(48)}),
            )
            .await;
        let meeting_id = meeting["id"].as_str().unwrap();
        let (st, r) = answer(
            f.admin
                .post(
                    &format!("/api/v1/meetings/{meeting_id}/staff-cancel"),
                    json!({}),
                )
                .await,
        )
        .await;
        assert!(st < 300, "{st} {r}");
        let callback = f
            .admin
            .create(
                "/api/v1/callbacks",
                json!({"phone": "+33612345678", "contact_id": f.contact}),
            )
            .await;
        let callback_id = callback["id"].as_str().unwrap();
        let r = f
            .admin
            .delete(&format!("/api/v1/callbacks/{callback_id}"))
            .await;
        assert!(r.status().is_success(), "{}", r.status());

        rx.until(
            "six events and the case for the second registration",
            |got| {
                got.iter()
                    .filter(|r| r.path == "/other" && r.answered == 200)
                    .count()
                    >= 6
                    && got.iter().any(|r| r.path == "/elsewhere")
            },
        )
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got: Vec<Received> = rx.got();
        let other: Vec<(String, Value)> = got
            .iter()
            .filter(|r| r.path == "/other" && r.answered == 200)
            .map(|r| {
                (
                    event_type(r),
                    serde_json::from_str::<Value>(&r.body).unwrap()["data"].clone(),
                )
            })
            .collect();
        let mut kinds: Vec<&str> = other.iter().map(|(k, _)| k.as_str()).collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "callback.completed",
                "callback.requested",
                "case.changed",
                "case.created",
                "meeting.booked",
                "meeting.cancelled"
            ],
            "{other:#?}"
        );
        let data = |k: &str| other.iter().find(|(x, _)| x == k).unwrap().1.clone();
        assert_eq!(data("case.created")["case_id"], case_id);
        assert_eq!(data("case.changed")["priority"], "high");
        assert!(
            data("case.changed")["changes"].to_string().contains("high"),
            "{}",
            data("case.changed")
        );
        assert_eq!(data("meeting.booked")["meeting_id"], meeting_id);
        assert_eq!(data("meeting.cancelled")["state"], "cancelled");
        assert_eq!(data("callback.requested")["callback_id"], callback_id);
        assert_eq!(data("callback.completed")["status"], "cancelled");
        let elsewhere: Vec<String> = got
            .iter()
            .filter(|r| r.path == "/elsewhere")
            .map(event_type)
            .collect();
        assert_eq!(elsewhere, ["case.created"]);
        // Each registration signs with its own secret.
        for r in &got {
            let secret = if r.path == "/other" {
                &all["secret"]
            } else {
                &cases_only["secret"]
            };
            assert!(verifies(secret.as_str().unwrap(), r), "{r:?}");
        }
        app.stop().await;
    }
}
