//! Bad input is refused with the right status, names the problem, and
//! leaves nothing written.

use reqwest::Method;
use serde_json::json;
use switchboard_core::access::Role;

use crate::support::{answer, apps, fields};

async fn contact_count(app: &crate::support::TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_wrong_typed_unknown_and_oversized_bodies_are_refused() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let send = |body: String, ct: &'static str| {
            agent
                .request(Method::POST, "/api/v1/contacts")
                .header("content-type", ct)
                .body(body)
                .send()
        };

        let (s, b) = answer(
            send("{\"last_name\": ".into(), "application/json")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 400, "{b}");
        assert!(b["detail"].as_str().unwrap().contains("malformed JSON"));

        let (s, b) = answer(
            send("{\"last_name\": \"a\"} trailing".into(), "application/json")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 400, "{b}");

        let (s, b) = answer(
            send("{\"last_name\": 5}".into(), "application/json")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["last_name".to_owned()]), "{b}");

        let (s, b) = answer(
            send(
                "{\"last_name\": \"a\", \"nickname\": \"b\"}".into(),
                "application/json",
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["nickname".to_owned()]), "{b}");

        let (s, b) = answer(send("[1, 2]".into(), "application/json").await.unwrap()).await;
        assert_eq!((s, fields(&b)), (422, vec!["body".to_owned()]), "{b}");

        let (s, _) = answer(
            send("last_name=a".into(), "application/x-www-form-urlencoded")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 415);

        let huge = format!("{{\"last_name\": \"{}\"}}", "x".repeat(300 * 1024));
        let (s, _) = answer(send(huge, "application/json").await.unwrap()).await;
        assert_eq!(s, 413);

        // Every broken rule at once, each naming its field.
        let (s, b) = answer(
            agent
                .post(
                    "/api/v1/contacts",
                    json!({
                        "first_name": "x".repeat(101), "email": "not-an-email", "phone": "12345",
                        "time_zone": "Mars/Olympus", "locale": "klingon!", "preferred_channel": "pigeon"
                    }),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        // serde stops at the first wrong-typed field, so the enum is reported alone.
        assert_eq!(fields(&b), ["preferred_channel"]);
        let (s, b) = answer(
            agent
                .post(
                    "/api/v1/contacts",
                    json!({"first_name": "x".repeat(101), "email": "not-an-email", "phone": "12345",
                           "time_zone": "Mars/Olympus", "locale": "klingon!", "custom": [1]}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(
            fields(&b),
            [
                "first_name",
                "email",
                "phone",
                "locale",
                "time_zone",
                "custom"
            ]
        );
        assert_eq!(
            contact_count(&app).await,
            0,
            "nothing written on {}",
            app.backend
        );

        // Unknown references are 422 on the field; nothing half-written.
        let (s, b) = answer(
            agent
                .post(
                    "/api/v1/contacts",
                    json!({"last_name": "A", "account_id": "nope"}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["account_id".to_owned()]));
        let (s, b) = answer(
            agent
                .post(
                    "/api/v1/cases",
                    json!({"title": "T", "contact_id": "nope", "owner_id": "nobody"}),
                )
                .await,
        )
        .await;
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["owner_id".to_owned(), "contact_id".to_owned()])
        );
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activities")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
        assert_eq!((cases, events), (0, 0));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_failed_patch_changes_nothing() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let c = agent
            .create(
                "/api/v1/contacts",
                json!({"last_name": "Stable", "city": "Lyon"}),
            )
            .await;
        let path = format!("/api/v1/contacts/{}", c["id"].as_str().unwrap());
        let (s, b) = answer(
            agent
                .patch(&path, json!({"city": "Paris", "email": "broken"}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["email".to_owned()]));
        let (s, _) = answer(agent.patch(&path, json!("just a string")).await).await;
        assert_eq!(s, 422);
        let (s, b) = answer(agent.patch(&path, json!({"last_name": null})).await).await;
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["last_name".to_owned()]),
            "a contact keeps some identity"
        );
        assert_eq!(agent.ok(&path).await, c);
        app.stop().await;
    }
}

#[tokio::test]
async fn hostile_strings_are_stored_verbatim_and_served_as_json() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let evil = "<script>alert('x')</script>\"; DROP TABLE contacts; --";
        let c = agent
            .create(
                "/api/v1/contacts",
                json!({"last_name": evil, "city": "Ünïcödé 東京 🚀"}),
            )
            .await;
        let r = agent
            .get(&format!("/api/v1/contacts/{}", c["id"].as_str().unwrap()))
            .await;
        assert_eq!(r.headers()["content-type"], "application/json");
        let back: serde_json::Value = r.json().await.unwrap();
        assert_eq!(back["last_name"], evil);
        assert_eq!(back["city"], "Ünïcödé 東京 🚀");
        let found = agent
            .ok(&format!(
                "/api/v1/contacts?q={}",
                crate::contacts::urlencode("drop table")
            ))
            .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        // Control characters are refused rather than stored.
        let (s, b) = answer(
            agent
                .post("/api/v1/contacts", json!({"last_name": "a\u{0007}b"}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["last_name".to_owned()]));
        app.stop().await;
    }
}

#[tokio::test]
async fn unknown_ids_bad_cursors_and_bad_query_parameters() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        for path in [
            "/api/v1/contacts/does-not-exist",
            "/api/v1/accounts/does-not-exist",
            "/api/v1/cases/does-not-exist",
            "/api/v1/activities/does-not-exist",
            "/api/v1/products/does-not-exist",
            "/api/v1/contacts/does-not-exist/timeline",
            "/api/v1/contacts/does-not-exist/cases",
            "/api/v1/nothing-here",
        ] {
            let (s, b) = answer(agent.get(path).await).await;
            assert_eq!(s, 404, "{path}: {b}");
        }
        assert_eq!(
            agent
                .patch("/api/v1/contacts/nope", json!({"city": "x"}))
                .await
                .status(),
            404
        );
        for path in [
            "/api/v1/contacts?cursor=garbage",
            "/api/v1/contacts?limit=0",
            "/api/v1/contacts?limit=1000",
            "/api/v1/contacts?limit=abc",
            "/api/v1/cases?status=closed",
        ] {
            let (s, b) = answer(agent.get(path).await).await;
            assert_eq!(s, 422, "{path}: {b}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn concurrent_writes_never_fail_with_a_server_error() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let contact = agent
            .create("/api/v1/contacts", json!({"last_name": "Busy"}))
            .await;
        let path = format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap());
        let writes = (0..20).map(|i| {
            let agent = agent.clone();
            let (path, cid) = (path.clone(), contact["id"].clone());
            async move {
                if i % 2 == 0 {
                    agent
                        .post(
                            "/api/v1/cases",
                            json!({"title": format!("case {i}"), "contact_id": cid}),
                        )
                        .await
                        .status()
                        .as_u16()
                } else {
                    agent
                        .patch(&path, json!({"city": format!("city {i}")}))
                        .await
                        .status()
                        .as_u16()
                }
            }
        });
        let statuses = futures::future::join_all(writes).await;
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 201),
            "{statuses:?} on {}",
            app.backend
        );
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
        let events: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM activities WHERE kind = 'case_event'")
                .fetch_one(app.db().pool())
                .await
                .unwrap();
        assert_eq!((cases, events), (10, 10));
        app.stop().await;
    }
}

#[tokio::test]
async fn an_entry_cannot_join_a_contact_to_another_customers_case() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let a = agent
            .create("/api/v1/contacts", json!({"last_name": "A"}))
            .await;
        let b = agent
            .create("/api/v1/contacts", json!({"last_name": "B"}))
            .await;
        let b_case = agent
            .create(
                "/api/v1/cases",
                json!({"title": "B's", "contact_id": b["id"]}),
            )
            .await;
        let (s, body) = answer(
            agent.post("/api/v1/activities", json!({"kind": "note", "contact_id": a["id"], "case_id": b_case["id"], "body": "x"})).await,
        )
        .await;
        assert_eq!((s, fields(&body)), (422, vec!["case_id".to_owned()]));
        // A wrong method is a problem+json 405 too.
        let (s, _) = answer(
            agent
                .request(Method::PUT, "/api/v1/contacts")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 405);
        app.stop().await;
    }
}

/// Issue 13: attributes naming internal records are Switchboard's; an
/// agent's work item or callback carrying one is refused by name, and
/// nothing is written.
#[tokio::test]
async fn attributes_naming_internal_records_are_refused_by_name() {
    // Voice on, so that callbacks are taken at all.
    let prompts = tempfile::tempdir().unwrap();
    for app in crate::support::apps_with(|c| crate::voice::voice_config(c, 9, prompts.path())).await
    {
        let agent = app.token(Role::Agent).await;
        let (s, b) = answer(
            agent
                .post(
                    "/api/v1/work-items",
                    json!({"channel": "voice", "attributes": {"caller": "+33612345678", "widget_id": "w", "language": "fr"}}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(
            (s, fields(&b)),
            (
                422,
                vec![
                    "attributes.caller".to_owned(),
                    "attributes.widget_id".to_owned()
                ]
            ),
            "{b}"
        );
        let (s, b) = answer(
            agent
                .post(
                    "/api/v1/callbacks",
                    json!({"phone": "+33612345678", "attributes": {"conversation_id": "c", "topic": "cards"}}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["attributes.conversation_id".to_owned()]),
            "{b}"
        );
        for table in ["work_items", "callbacks"] {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(app.db().pool())
                .await
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_tag_must_be_a_name_but_free_form_members_may_hold_numbers() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let admin = app.token(Role::Admin).await;
        // Custom attributes are the customer's own: any member name, any value.
        let (status, c) = answer(
            agent
                .post(
                    "/api/v1/contacts",
                    json!({"first_name": "Ada", "custom": {"type": 5, "kind": 1, "op": 2, "per": 3}}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 201, "{c} on {}", app.backend);
        assert_eq!(c["custom"]["type"], 5);
        // A step's kind chooses its shape: serde would read 0 as the first
        // variant; the API refuses it by name.
        let (status, p) = answer(
            admin
                .post(
                    "/api/v1/agent-scripts",
                    json!({"name": "Numbers", "steps": [{"kind": 0, "id": "a", "title": "A", "instruction": "B"}]}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 422, "{p} on {}", app.backend);
        assert!(
            p.to_string().contains("must be a name, not a number"),
            "{p}"
        );
        assert!(fields(&p).iter().any(|f| f.starts_with("steps")), "{p}");
    }
}
