//! The audit log: every configuration change, by whom, from what to what,
//! written with the change (a refused change leaves no row), secrets never
//! in it.

use reqwest::Client;
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::chat::widget_body;
use crate::routing::queue;
use crate::support::{answer, apps, fields, sign_in, Caller};

async fn log(admin: &Caller, query: &str) -> Vec<Value> {
    let page = admin.ok(&format!("/api/v1/audit-log{query}")).await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_configuration_change_is_logged_with_its_author_and_both_states() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let started = log(&admin, "").await.len();

        // A queue made with a token: the token's agent, "token:<id>".
        let q = queue(&admin, json!({"name": "Billing", "channel": "voice"})).await;
        let entries = log(&admin, "").await;
        assert_eq!(entries.len(), started + 1, "{entries:?}");
        let e = &entries[0];
        assert_eq!(e["area"], "routing");
        assert_eq!(e["action"], "queue.create");
        assert_eq!(e["target_id"], q.as_str());
        assert_eq!(e["actor_name"], "Test admin");
        assert_eq!(e["agent_id"], admin.agent_id.as_deref().unwrap());
        assert!(e["via"].as_str().unwrap().starts_with("token:"), "{e}");
        assert_eq!(e["before"], Value::Null);
        assert_eq!(e["after"]["queues"][0]["name"], "Billing");

        // A refused change writes nothing.
        let (st, body) = answer(
            admin
                .request(reqwest::Method::PUT, &format!("/api/v1/queues/{q}"))
                .json(&json!({"name": "Billing", "channel": "voice", "members": ["no-such-agent"]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 422, "{body}");
        assert_eq!(fields(&body), vec!["members[0]"]);
        assert_eq!(log(&admin, "").await.len(), started + 1);

        // A widget's host-site secret is never written to the log.
        let secret = widget_body(&q)["auth"]["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let chat_q = queue(&admin, json!({"name": "Web", "channel": "messaging"})).await;
        admin.create("/api/v1/widgets", widget_body(&chat_q)).await;
        let chat = log(&admin, "?area=chat").await;
        assert_eq!(chat.len(), 1, "{chat:?}");
        assert_eq!(chat[0]["action"], "widget.create");
        assert_eq!(chat[0]["after"]["settings"]["auth"]["secret"], "(set)");
        let whole = admin
            .get("/api/v1/audit-log?limit=200")
            .await
            .text()
            .await
            .unwrap();
        assert!(!whole.contains(&secret), "the secret leaked into the log");

        // A person signed in: their session, their name, before and after.
        let http = Client::builder().cookie_store(true).build().unwrap();
        let email = format!("ada-{}@example.com", switchboard_store::new_id());
        let ada = admin
            .create(
                "/api/v1/agents",
                json!({"name": "Ada Admin", "email": email, "password": "correct horse battery", "roles": ["admin"]}),
            )
            .await;
        let (st, session) = sign_in(&app, &http, &email, "correct horse battery").await;
        assert_eq!(st, 200, "{session}");
        let csrf = session["csrf_token"].as_str().unwrap();
        let (st, body) = answer(
            http.put(format!("{}/api/v1/queues/{q}", app.base))
                .header("x-csrf-token", csrf)
                .json(&json!({"name": "Billing and invoices", "channel": "voice"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{body}");
        let hers = log(
            &admin,
            &format!("?agent_id={}", ada["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(hers.len(), 1, "{hers:?}");
        let e = &hers[0];
        assert_eq!(
            (e["actor_name"].as_str(), e["via"].as_str()),
            (Some("Ada Admin"), Some("session"))
        );
        assert_eq!(e["action"], "queue.update");
        assert_eq!(e["before"]["queues"][0]["name"], "Billing");
        assert_eq!(e["after"]["queues"][0]["name"], "Billing and invoices");
        // Creating Ada is the token admin's change, her password kept out.
        let people = log(&admin, "?area=people").await;
        let created = people
            .iter()
            .find(|e| e["action"] == "agent.create")
            .unwrap();
        assert_eq!(created["after"]["name"], "Ada Admin");
        assert_eq!(created["after"]["password_hash"], "(set)");

        // Filters: time, bad input named, and only admins read the log.
        assert!(log(&admin, "?from=2999-01-01T00:00:00Z").await.is_empty());
        let (st, body) = answer(
            admin
                .get("/api/v1/audit-log?area=everything&from=yesterday")
                .await,
        )
        .await;
        assert_eq!(st, 422, "{body}");
        assert_eq!(fields(&body), vec!["area", "from"]);
        let supervisor = app.token(Role::Supervisor).await;
        let (st, _) = answer(supervisor.get("/api/v1/audit-log").await).await;
        assert_eq!(st, 403);
        // Pages follow each other without repeating a row.
        let first = admin.ok("/api/v1/audit-log?limit=2").await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = admin
            .ok(&format!("/api/v1/audit-log?limit=2&cursor={cursor}"))
            .await;
        assert_ne!(first["items"][1]["id"], second["items"][0]["id"]);
        app.stop().await;
    }
}
