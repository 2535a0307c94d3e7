//! The rule testers: `POST /api/v1/routing-rules/test` (where a work item
//! would go and why, with the engine's classification) and
//! `POST /api/v1/widgets/{id}/proactive-rules/test` (whether proactive rules
//! would invite a visitor, with the core's matcher).

use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::chat::widget_body;
use crate::routing::queue;
use crate::support::{answer, apps, fields, Caller};

const ROUTE_TEST: &str = "/api/v1/routing-rules/test";
const HOSTILE: &str = "<img src=x onerror=alert(1)>\"'</script>&amp;\u{202e}ﷺ";

async fn put(who: &Caller, path: &str, body: Value) -> (u16, Value) {
    answer(
        who.request(Method::PUT, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn post(who: &Caller, path: &str, body: Value) -> (u16, Value) {
    answer(who.post(path, body).await).await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Queues `general` (default), `vip`, `phones` (voice); a `french` skill;
/// two saved rules. Returns (general, vip, phones, french skill id).
async fn routing_setup(admin: &Caller) -> (String, String, String, String) {
    let french = id(&admin
        .create("/api/v1/skills", json!({"name": "french"}))
        .await);
    let general = queue(
        admin,
        json!({"name": "general", "channel": "messaging", "is_default": true}),
    )
    .await;
    let vip = queue(admin, json!({"name": "vip", "channel": "messaging"})).await;
    let phones = queue(admin, json!({"name": "phones", "channel": "voice"})).await;
    let (s, body) = put(
        admin,
        "/api/v1/routing-rules",
        json!({"rules": [
            {"name": "VIP French", "priority": 7, "queue_id": vip,
             "tests": [{"op": "equals", "attribute": "language", "value": "fr"},
                       {"op": "in", "attribute": "contact_category", "values": ["gold", "premium"]}],
             "skills": [{"skill_id": french, "min": 5}]},
            {"name": "Orders", "queue_id": vip,
             "tests": [{"op": "exists", "attribute": "order_id"}]}
        ]}),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    (general, vip, phones, french)
}

#[tokio::test]
async fn the_routing_tester_names_the_queue_the_rule_and_why() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (general, vip, phones, french) = routing_setup(&admin).await;
        let contact = id(&admin
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Camille", "last_name": "Durand",
                       "category": "Gold", "locale": "fr-CA"}),
            )
            .await);

        // The contact's category and language reach the rules.
        let (s, a) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "contact_id": contact}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["queue"], json!({"id": vip, "name": "vip"}), "{a}");
        assert_eq!(a["rule"], json!({"index": 0, "name": "VIP French"}));
        assert_eq!(a["default_queue"], false);
        assert_eq!(a["priority"], 7);
        assert_eq!(
            a["skills"],
            json!([{"skill_id": french, "name": "french", "min": 5}])
        );
        assert_eq!(a["attributes"]["language"], "fr");
        assert_eq!(a["attributes"]["contact_category"], "Gold");
        assert_eq!(a["attributes"]["channel"], "chat");
        assert_eq!(a["refusal"], Value::Null);
        assert_eq!(a["draft"], false);
        assert_eq!(a["rules"][0]["matches"], true);
        assert_eq!(a["rules"][0]["chosen"], true);
        assert_eq!(a["rules"][1]["chosen"], false);
        assert_eq!(
            a["rules"][1]["failed_tests"],
            json!([{"index": 0, "test": {"op": "exists", "attribute": "order_id"}, "value": null}])
        );

        // The same item, created for real, goes where the tester said.
        let item = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "contact_id": contact}),
            )
            .await;
        assert_eq!(item["queue_id"], json!(vip));
        assert_eq!(item["reason"]["rule"], "VIP French");

        // Nothing matches: the default queue, and why each rule failed.
        let (s, a) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "attributes": {"language": "es"}}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["queue"], json!({"id": general, "name": "general"}));
        assert_eq!(a["rule"], Value::Null);
        assert_eq!(a["default_queue"], true);
        assert_eq!(a["skills"], json!([]));
        let failed = &a["rules"][0]["failed_tests"];
        assert_eq!(failed.as_array().unwrap().len(), 2, "{a}");
        assert_eq!(failed[0]["index"], 0);
        assert_eq!(failed[0]["value"], "es");
        assert_eq!(failed[1]["index"], 1);
        assert_eq!(failed[1]["value"], Value::Null);
        assert!(a["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["matches"] == false && r["unusable"].is_null()));

        // A draft list is tested, and not saved.
        let (s, a) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "attributes": {"language": "ES"},
                   "rules": [
                       {"name": "Orders", "queue_id": general, "tests": [{"op": "exists", "attribute": "order_id"}]},
                       {"name": "Spanish", "queue_id": vip, "priority": -3,
                        "tests": [{"op": "in", "attribute": "language", "values": ["es", "pt"]}]}
                   ]}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["draft"], true);
        assert_eq!(a["rule"], json!({"index": 1, "name": "Spanish"}));
        assert_eq!(a["queue"]["id"], json!(vip));
        assert_eq!(a["priority"], -3);
        let saved = admin.ok("/api/v1/routing-rules").await;
        assert_eq!(saved.as_array().unwrap().len(), 2);
        assert_eq!(saved[0]["name"], "VIP French");

        // A chat sent to a voice queue would be refused: said, not a 422.
        let (s, a) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "rules": [{"name": "all to phones", "queue_id": phones, "tests": []}]}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["queue"]["name"], "phones");
        assert_eq!(a["refusal"]["code"], "mismatch", "{a}");

        // Supervisors may test (it reads and decides nothing); agents not.
        let sup = app.token(Role::Supervisor).await;
        let (s, a) = post(&sup, ROUTE_TEST, json!({"channel": "voice"})).await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(
            a["refusal"]["code"], "mismatch",
            "the default queue is a chat queue"
        );
        let agent = app.token(Role::Agent).await;
        assert_eq!(
            post(&agent, ROUTE_TEST, json!({"channel": "chat"})).await.0,
            403
        );
        assert_eq!(
            post(&app.anonymous(), ROUTE_TEST, json!({"channel": "chat"}))
                .await
                .0,
            401
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_routing_tester_without_a_default_queue_says_nothing_would_take_the_item() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let vip = queue(&admin, json!({"name": "vip", "channel": "messaging"})).await;
        let (s, a) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "attributes": {"tier": "silver"},
                   "rules": [{"name": "gold", "queue_id": vip,
                              "tests": [{"op": "contains", "attribute": "tier", "value": "gold"}]}]}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["queue"], Value::Null);
        assert_eq!(a["refusal"]["code"], "no_route");
        assert_eq!(a["rules"][0]["failed_tests"][0]["value"], "silver");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_routing_tester_refuses_bad_input_naming_the_field() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (_, vip, _, french) = routing_setup(&admin).await;
        let cases = [
            (json!({"channel": "fax"}), "channel"),
            (json!({"attributes": {}}), "channel"),
            (json!({"channel": "chat", "colour": "red"}), "colour"),
            (
                json!({"channel": "chat", "contact_id": "00000000-0000-0000-0000-000000000000"}),
                "contact_id",
            ),
            (
                json!({"channel": "chat", "attributes": {"k": "x".repeat(1001)}}),
                "attributes",
            ),
            (
                json!({"channel": "chat", "rules": [{"name": " ", "queue_id": vip, "tests": []}]}),
                "rules[0].name",
            ),
            (
                json!({"channel": "chat", "rules": [{"name": "a", "queue_id": vip, "tests": []},
                                                    {"name": "b", "queue_id": "00000000-0000-0000-0000-000000000000", "tests": []}]}),
                "rules[1].queue_id",
            ),
            (
                json!({"channel": "chat", "rules": [{"name": "a", "queue_id": vip, "tests": [],
                                                     "skills": [{"skill_id": french, "min": 11}]}]}),
                "rules[0].skills[0].min",
            ),
            (
                json!({"channel": "chat", "rules": [{"name": "a", "queue_id": vip, "priority": 5000, "tests": []}]}),
                "rules[0].priority",
            ),
        ];
        for (body, field) in cases {
            let (s, p) = post(&admin, ROUTE_TEST, body.clone()).await;
            assert_eq!(s, 422, "{body}: {p}");
            assert!(
                fields(&p).iter().any(|f| f.starts_with(field)),
                "{body}: expected {field}, got {p}"
            );
        }
        // A wrong type is named by its path.
        let (s, p) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "attributes": {"language": 3}}),
        )
        .await;
        assert_eq!(s, 422, "{p}");
        assert!(fields(&p)[0].starts_with("attributes"), "{p}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_routing_tester_gives_hostile_strings_back_as_they_are() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let vip = queue(&admin, json!({"name": HOSTILE, "channel": "messaging"})).await;
        let (s, a) = post(
            &admin,
            ROUTE_TEST,
            json!({"channel": "chat", "attributes": {HOSTILE: HOSTILE},
                   "rules": [{"name": HOSTILE, "queue_id": vip,
                              "tests": [{"op": "equals", "attribute": HOSTILE, "value": HOSTILE}]}]}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["rule"]["name"], HOSTILE);
        assert_eq!(a["queue"]["name"], HOSTILE);
        assert_eq!(a["attributes"][HOSTILE], HOSTILE);
        app.stop().await;
    }
}

// ----------------------------------------------------------------- proactive

fn tester(widget: &str) -> String {
    format!("/api/v1/widgets/{widget}/proactive-rules/test")
}

/// A widget (proactive chat on) with two saved rules: "Pricing help"
/// (contains /pricing, France, 10 s, priority 1) and "Welcome back"
/// (returning visitors anywhere, priority 0).
async fn proactive_setup(admin: &Caller) -> (String, String) {
    let q = queue(admin, json!({"name": "web chat", "channel": "messaging"})).await;
    let w = id(&admin.create("/api/v1/widgets", widget_body(&q)).await);
    let (s, body) = put(
        admin,
        &format!("/api/v1/widgets/{w}/proactive-rules"),
        json!({"rules": [
            {"name": "Pricing help", "priority": 1, "time_on_page_seconds": 10,
             "location": {"url": {"match": "contains", "value": "/pricing"}, "country": "FR"},
             "messages": {"en": "Questions about prices?"}},
            {"name": "Welcome back", "priority": 0, "target": {"customers": "returning"},
             "location": {"url": {"match": "starts_with", "value": "https://shop.example/"}},
             "messages": {"en": "Welcome back!"}}
        ]}),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    (w, q)
}

#[tokio::test]
async fn the_proactive_tester_says_which_rule_invites_and_which_condition_fails() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (w, q) = proactive_setup(&admin).await;
        let saved = admin
            .ok(&format!("/api/v1/widgets/{w}/proactive-rules"))
            .await;
        let pricing_id = saved["rules"][0]["id"].clone();

        let pricing = json!({"url": "https://shop.example/pricing?plan=pro", "country": "fr",
                             "seconds_on_page": 12});
        let (s, a) = post(&admin, &tester(&w), pricing.clone()).await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["proactive_enabled"], true);
        assert_eq!(a["draft"], false);
        assert_eq!(
            a["first"],
            json!({"index": 0, "rule_id": pricing_id, "name": "Pricing help", "after_seconds": 10})
        );
        assert_eq!(a["rules"][0]["invites"], true);
        assert_eq!(a["rules"][0]["failed"], json!([]));
        assert_eq!(a["rules"][1]["invites"], false);
        assert_eq!(a["rules"][1]["failed"], json!(["customers"]));

        // A returning visitor: both invite, the lower priority number first.
        let mut returning = pricing.clone();
        returning["returning"] = json!(true);
        let (_, a) = post(&admin, &tester(&w), returning).await;
        assert_eq!(a["first"]["name"], "Welcome back", "{a}");
        assert_eq!(a["rules"][0]["invites"], true);

        // Another page, too early, elsewhere: each failing condition named.
        let (_, a) = post(
            &admin,
            &tester(&w),
            json!({"url": "https://shop.example/cart", "country": "BE", "seconds_on_page": 3}),
        )
        .await;
        assert_eq!(a["first"], Value::Null, "{a}");
        assert_eq!(
            a["rules"][0]["failed"],
            json!(["url", "country", "time_on_page"])
        );
        // At page load time on page is not judged yet.
        let (_, a) = post(
            &admin,
            &tester(&w),
            json!({"url": "https://shop.example/pricing", "country": "FR"}),
        )
        .await;
        assert_eq!(a["first"]["after_seconds"], 10, "{a}");

        // Draft rules with a window: judged at the instant given; not saved.
        let draft = json!([{"name": "Office hours", "location": {"url": {"match": "wildcard", "value": "*/help/*"}},
                            "window": {"time_zone": "Europe/Paris", "weekdays": ["mon"],
                                       "ranges": [{"from": "09:00", "to": "17:00"}]},
                            "pages_in_session": 2,
                            "messages": {"en": "Talk to us"}}]);
        let (s, a) = post(
            &admin,
            &tester(&w),
            json!({"url": "https://shop.example/help/faq", "at": "2026-03-30T08:00:00Z",
                   "pages_in_session": 2, "rules": draft}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["draft"], true);
        assert_eq!(a["at"], "2026-03-30T08:00:00.000000Z");
        assert_eq!(a["first"]["name"], "Office hours", "{a}");
        assert_eq!(a["first"]["rule_id"], Value::Null);
        let (_, a) = post(
            &admin,
            &tester(&w),
            json!({"url": "https://shop.example/help/faq", "at": "2026-03-29T08:00:00Z",
                   "rules": draft}),
        )
        .await;
        assert_eq!(
            a["rules"][0]["failed"],
            json!(["pages_in_session", "window"]),
            "{a}"
        );
        let still = admin
            .ok(&format!("/api/v1/widgets/{w}/proactive-rules"))
            .await;
        assert_eq!(still["rules"].as_array().unwrap().len(), 2);

        // With proactive chat switched off the answer says so.
        let mut body = widget_body(&q);
        body["proactive_enabled"] = json!(false);
        let (s, b) = put(&admin, &format!("/api/v1/widgets/{w}"), body).await;
        assert_eq!(s, 200, "{b}");
        let (_, a) = post(&admin, &tester(&w), pricing).await;
        assert_eq!(a["proactive_enabled"], false, "{a}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_proactive_tester_refuses_bad_input_unknown_widgets_and_other_roles() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (w, _) = proactive_setup(&admin).await;
        let cases = [
            (json!({}), "url"),
            (json!({"url": " "}), "url"),
            (json!({"url": "https://x/", "at": "yesterday"}), "at"),
            (json!({"url": "https://x/", "country": "FRA"}), "country"),
            (
                json!({"url": "https://x/", "pages_in_session": 0}),
                "pages_in_session",
            ),
            (
                json!({"url": "https://x/", "seconds_on_page": 90000}),
                "seconds_on_page",
            ),
            (
                json!({"url": "https://x/", "seconds_on_page": -1}),
                "seconds_on_page",
            ),
            (json!({"url": "https://x/", "visitor": "me"}), "visitor"),
            (
                json!({"url": "https://x/", "contact_id": "00000000-0000-0000-0000-000000000000"}),
                "contact_id",
            ),
            (
                json!({"url": "https://x/", "rules": [{"name": "r", "messages": {"en": "hi"},
                        "location": {"url": {"match": "regex", "value": "("}}}]}),
                "rules[0].location.url.value",
            ),
            (
                json!({"url": "https://x/", "rules": [{"name": "r", "messages": {"en": "hi"},
                        "queue_id": "00000000-0000-0000-0000-000000000000",
                        "location": {"url": {"match": "contains", "value": "/"}}}]}),
                "rules[0].queue_id",
            ),
        ];
        for (body, field) in cases {
            let (s, p) = post(&admin, &tester(&w), body.clone()).await;
            assert_eq!(s, 422, "{body}: {p}");
            assert!(
                fields(&p).iter().any(|f| f.starts_with(field)),
                "{body}: expected {field}, got {p}"
            );
        }
        // Every problem at once: the visitor's and the draft rules'.
        let (_, p) = post(
            &admin,
            &tester(&w),
            json!({"country": "X", "rules": [{"name": "", "messages": {"en": "hi"},
                    "location": {"url": {"match": "contains", "value": "/"}}}]}),
        )
        .await;
        let f = fields(&p);
        for want in ["url", "country", "rules[0].name"] {
            assert!(f.iter().any(|x| x == want), "{want} in {p}");
        }

        let unknown = tester("00000000-0000-0000-0000-000000000000");
        let (s, p) = post(&admin, &unknown, json!({"url": "https://x/"})).await;
        assert_eq!(s, 404, "{p}");
        // Supervisors read widgets and may ask (it decides nothing);
        // agents may not.
        let sup = app.token(Role::Supervisor).await;
        assert_eq!(
            post(&sup, &tester(&w), json!({"url": "https://x/"}))
                .await
                .0,
            200
        );
        let agent = app.token(Role::Agent).await;
        assert_eq!(
            post(&agent, &tester(&w), json!({"url": "https://x/"}))
                .await
                .0,
            403
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_proactive_tester_gives_hostile_strings_back_as_they_are() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (w, _) = proactive_setup(&admin).await;
        let url = format!("https://shop.example/{HOSTILE}");
        let (s, a) = post(
            &admin,
            &tester(&w),
            json!({"url": url, "returning": true,
                   "rules": [{"name": HOSTILE, "messages": {"en": HOSTILE},
                              "location": {"url": {"match": "contains", "value": HOSTILE}}}]}),
        )
        .await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["first"]["name"], HOSTILE);
        assert_eq!(a["rules"][0]["name"], HOSTILE);
        app.stop().await;
    }
}
