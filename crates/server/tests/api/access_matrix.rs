//! The role × endpoint matrix: every endpoint, every kind of caller.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;
use switchboard_core::access::Role;
use switchboard_server::auth::endpoints::ENDPOINTS;

use crate::support::{answer, apps};

const UNKNOWN_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Who may call what, written out by hand from the rules rather than
/// derived from the server's table, so a wrong entry there fails here.
/// `P` public, `S` any signed-in caller, else the roles: `a`dmin,
/// `s`upervisor, a`g`ent.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "P"),
    ("GET", "/readyz", "P"),
    ("GET", "/metrics", "as"),
    ("GET", "/api/v1/openapi.json", "P"),
    ("POST", "/api/v1/session", "P"),
    ("GET", "/api/v1/session", "S"),
    ("DELETE", "/api/v1/session", "S"),
    ("GET", "/api/v1/agents", "as"),
    ("POST", "/api/v1/agents", "a"),
    ("GET", "/api/v1/agents/{id}", "as"),
    ("PATCH", "/api/v1/agents/{id}", "a"),
    ("GET", "/api/v1/tokens", "a"),
    ("POST", "/api/v1/tokens", "a"),
    ("DELETE", "/api/v1/tokens/{id}", "a"),
    ("GET", "/api/v1/audit-log", "a"),
    ("GET", "/api/v1/reports/work-items", "as"),
    ("GET", "/api/v1/reports/work-items/chart", "as"),
    ("GET", "/api/v1/reports/activity", "as"),
    ("GET", "/api/v1/reports/waiting", "as"),
    ("GET", "/api/v1/reports/waiting/chart", "as"),
    ("GET", "/api/v1/planner/traffic", "as"),
    ("POST", "/api/v1/planner/runs", "as"),
    ("GET", "/api/v1/webhooks", "a"),
    ("POST", "/api/v1/webhooks", "a"),
    ("GET", "/api/v1/webhooks/{id}", "a"),
    ("PUT", "/api/v1/webhooks/{id}", "a"),
    ("DELETE", "/api/v1/webhooks/{id}", "a"),
    ("GET", "/api/v1/webhooks/{id}/deliveries", "a"),
    ("POST", "/api/v1/webhooks/{id}/test", "a"),
    (
        "POST",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        "a",
    ),
    ("GET", "/api/v1/contacts", "asg"),
    ("POST", "/api/v1/contacts", "asg"),
    ("POST", "/api/v1/contacts/import", "a"),
    ("GET", "/api/v1/contacts/import/progress/{id}", "a"),
    ("GET", "/api/v1/config", "a"),
    ("POST", "/api/v1/config/apply", "a"),
    ("GET", "/api/v1/contacts/{id}", "asg"),
    ("PATCH", "/api/v1/contacts/{id}", "asg"),
    ("DELETE", "/api/v1/contacts/{id}", "as"),
    ("GET", "/api/v1/contacts/{id}/cases", "asg"),
    ("GET", "/api/v1/contacts/{id}/timeline", "asg"),
    ("GET", "/api/v1/contacts/{id}/summary", "asg"),
    ("GET", "/api/v1/accounts", "asg"),
    ("POST", "/api/v1/accounts", "asg"),
    ("GET", "/api/v1/accounts/{id}", "asg"),
    ("PATCH", "/api/v1/accounts/{id}", "asg"),
    ("DELETE", "/api/v1/accounts/{id}", "as"),
    ("GET", "/api/v1/products", "asg"),
    ("POST", "/api/v1/products", "a"),
    ("GET", "/api/v1/products/{id}", "asg"),
    ("PATCH", "/api/v1/products/{id}", "a"),
    ("DELETE", "/api/v1/products/{id}", "a"),
    ("GET", "/api/v1/cases", "asg"),
    ("POST", "/api/v1/cases", "asg"),
    ("GET", "/api/v1/cases/{id}", "asg"),
    ("PATCH", "/api/v1/cases/{id}", "asg"),
    ("DELETE", "/api/v1/cases/{id}", "as"),
    ("POST", "/api/v1/activities", "asg"),
    ("GET", "/api/v1/activities/{id}", "asg"),
    ("PATCH", "/api/v1/activities/{id}", "asg"),
    ("DELETE", "/api/v1/activities/{id}", "asg"),
    ("GET", "/api/v1/skills", "asg"),
    ("POST", "/api/v1/skills", "a"),
    ("DELETE", "/api/v1/skills/{id}", "a"),
    ("GET", "/api/v1/capacity-profiles", "as"),
    ("POST", "/api/v1/capacity-profiles", "a"),
    ("PUT", "/api/v1/capacity-profiles/{id}", "a"),
    ("DELETE", "/api/v1/capacity-profiles/{id}", "a"),
    ("GET", "/api/v1/queues", "asg"),
    ("POST", "/api/v1/queues", "a"),
    ("GET", "/api/v1/queues/{id}", "asg"),
    ("PUT", "/api/v1/queues/{id}", "a"),
    ("DELETE", "/api/v1/queues/{id}", "a"),
    ("GET", "/api/v1/queues/{id}/stats", "as"),
    ("GET", "/api/v1/routing-rules", "as"),
    ("PUT", "/api/v1/routing-rules", "a"),
    ("POST", "/api/v1/routing-rules/test", "as"),
    ("GET", "/api/v1/agents/{id}/routing", "as"),
    ("PUT", "/api/v1/agents/{id}/routing", "a"),
    ("POST", "/api/v1/work-items", "asg"),
    ("GET", "/api/v1/work-items/{id}", "asg"),
    ("POST", "/api/v1/work-items/{id}/accept", "asg"),
    ("POST", "/api/v1/work-items/{id}/reject", "asg"),
    ("POST", "/api/v1/work-items/{id}/close", "asg"),
    ("POST", "/api/v1/work-items/{id}/transfer", "asg"),
    ("POST", "/api/v1/work-items/{id}/abandon", "as"),
    ("POST", "/api/v1/work-items/{id}/assign", "as"),
    ("GET", "/api/v1/supervisor/overview", "as"),
    ("GET", "/api/v1/me/presence", "S"),
    ("PUT", "/api/v1/me/presence", "S"),
    ("GET", "/api/v1/ws", "S"),
    ("GET", "/api/v1/widgets", "as"),
    ("POST", "/api/v1/widgets", "a"),
    ("GET", "/api/v1/widgets/{id}", "as"),
    ("PUT", "/api/v1/widgets/{id}", "a"),
    ("DELETE", "/api/v1/widgets/{id}", "a"),
    ("GET", "/api/v1/widgets/{id}/proactive-rules", "as"),
    ("PUT", "/api/v1/widgets/{id}/proactive-rules", "a"),
    ("GET", "/api/v1/widgets/{id}/proactive-rules/stats", "as"),
    ("POST", "/api/v1/widgets/{id}/proactive-rules/test", "as"),
    ("GET", "/api/v1/conversations", "asg"),
    ("GET", "/api/v1/conversations/{id}", "asg"),
    ("GET", "/api/v1/conversations/{id}/messages", "asg"),
    ("POST", "/api/v1/conversations/{id}/messages", "asg"),
    ("POST", "/api/v1/conversations/{id}/end", "asg"),
    ("GET", "/api/v1/visitors/{id}", "asg"),
    ("GET", "/api/v1/work-items/{id}/summary", "asg"),
    ("POST", "/api/v1/work-items/{id}/script-steps", "asg"),
    ("POST", "/api/v1/work-items/{id}/macros", "asg"),
    ("PUT", "/api/v1/conversations/{id}/case", "asg"),
    ("PUT", "/api/v1/conversations/{id}/contact", "asg"),
    ("GET", "/api/v1/agent-scripts", "asg"),
    ("POST", "/api/v1/agent-scripts", "a"),
    ("GET", "/api/v1/agent-scripts/{id}", "asg"),
    ("PUT", "/api/v1/agent-scripts/{id}", "a"),
    ("DELETE", "/api/v1/agent-scripts/{id}", "a"),
    ("GET", "/api/v1/agent-script-rules", "asg"),
    ("PUT", "/api/v1/agent-script-rules", "a"),
    ("GET", "/api/v1/canned-responses", "asg"),
    ("POST", "/api/v1/canned-responses", "a"),
    ("PUT", "/api/v1/canned-responses/{id}", "a"),
    ("DELETE", "/api/v1/canned-responses/{id}", "a"),
    // Scheduling: staff book and read; admins set up.
    ("GET", "/api/v1/scheduling/properties", "asg"),
    ("GET", "/api/v1/scheduling/slots", "asg"),
    ("GET", "/api/v1/branches", "asg"),
    ("POST", "/api/v1/branches", "a"),
    ("PUT", "/api/v1/branches/{id}", "a"),
    ("DELETE", "/api/v1/branches/{id}", "a"),
    ("GET", "/api/v1/topics", "asg"),
    ("POST", "/api/v1/topics", "a"),
    ("PUT", "/api/v1/topics/{id}", "a"),
    ("DELETE", "/api/v1/topics/{id}", "a"),
    ("GET", "/api/v1/advisors", "asg"),
    ("GET", "/api/v1/advisors/{id}", "asg"),
    ("PUT", "/api/v1/advisors/{id}", "a"),
    ("GET", "/api/v1/advisors/{id}/time-off", "asg"),
    ("POST", "/api/v1/advisors/{id}/time-off", "a"),
    (
        "DELETE",
        "/api/v1/advisors/{id}/time-off/{time_off_id}",
        "a",
    ),
    ("POST", "/api/v1/meetings", "asg"),
    ("GET", "/api/v1/meetings/{id}", "asg"),
    ("POST", "/api/v1/meetings/{id}/cancel", "asg"),
    ("POST", "/api/v1/meetings/{id}/staff-cancel", "asg"),
    ("POST", "/api/v1/meetings/{id}/move", "asg"),
    // Any agent gets past the access table; the handler answers 404 to
    // an agent who does not advise the meeting (tests/api/meeting_no_show.rs).
    ("POST", "/api/v1/meetings/{id}/no-show", "asg"),
    ("DELETE", "/api/v1/meetings/{id}/no-show", "asg"),
    ("GET", "/api/v1/contacts/{id}/meetings", "asg"),
    ("POST", "/api/v1/callbacks", "asg"),
    ("GET", "/api/v1/callbacks/{id}", "asg"),
    ("DELETE", "/api/v1/callbacks/{id}", "asg"),
    ("PUT", "/api/v1/agents/{id}/sip-account", "a"),
    ("GET", "/api/v1/callbacks", "as"),
    ("GET", "/api/v1/voice/status", "as"),
    ("GET", "/api/v1/voice/dials", "a"),
    ("GET", "/api/v1/work-items/{id}/call", "asg"),
    ("PUT", "/api/v1/work-items/{id}/call/contact", "asg"),
    ("GET", "/api/v1/calls", "asg"),
    ("GET", "/api/v1/queues/{id}/prompts", "asg"),
    (
        "GET",
        "/api/v1/queues/{id}/prompts/{prompt}/{language}/audio",
        "asg",
    ),
    (
        "PUT",
        "/api/v1/queues/{id}/prompts/{prompt}/{language}",
        "a",
    ),
    (
        "DELETE",
        "/api/v1/queues/{id}/prompts/{prompt}/{language}",
        "a",
    ),
    // Communications: admins only.
    ("GET", "/api/v1/communications/settings", "a"),
    ("PUT", "/api/v1/communications/settings", "a"),
    ("PATCH", "/api/v1/communications/settings", "a"),
    ("GET", "/api/v1/communications/templates", "a"),
    (
        "PUT",
        "/api/v1/communications/templates/{kind}/{channel}/{language}",
        "a",
    ),
    (
        "DELETE",
        "/api/v1/communications/templates/{kind}/{channel}/{language}",
        "a",
    ),
    (
        "POST",
        "/api/v1/communications/templates/{kind}/{channel}/{language}/preview",
        "a",
    ),
    ("GET", "/api/v1/communications/outbox", "a"),
    ("POST", "/api/v1/communications/outbox/{id}/retry", "a"),
    ("GET", "/api/v1/communications/transports", "a"),
    ("POST", "/api/v1/communications/test-message", "a"),
    // Self-service pages and SMS providers: no account.
    ("GET", "/public/v1/scheduling/properties", "P"),
    ("GET", "/public/v1/scheduling/slots", "P"),
    ("POST", "/public/v1/meetings", "P"),
    ("GET", "/public/v1/meetings/{id}", "P"),
    ("POST", "/public/v1/meetings/{id}/cancel", "P"),
    ("POST", "/public/v1/meetings/{id}/confirm", "P"),
    ("GET", "/public/v1/meetings/{id}/calendar.ics", "P"),
    ("POST", "/sms/v1/twilio/inbound", "P"),
    ("POST", "/sms/v1/webhook/inbound", "P"),
    // The widget's endpoints: no account, guarded by origin and visitor token.
    ("GET", "/widget/v1/{widget_id}/config", "P"),
    ("POST", "/widget/v1/{widget_id}/visitors", "P"),
    ("POST", "/widget/v1/{widget_id}/events", "P"),
    ("POST", "/widget/v1/{widget_id}/invitations", "P"),
    ("POST", "/widget/v1/{widget_id}/invitations/{id}", "P"),
    ("POST", "/widget/v1/{widget_id}/conversations", "P"),
    ("GET", "/widget/v1/{widget_id}/conversations/{id}", "P"),
    (
        "GET",
        "/widget/v1/{widget_id}/conversations/{id}/messages",
        "P",
    ),
    (
        "GET",
        "/widget/v1/{widget_id}/conversations/{id}/transcript",
        "P",
    ),
    (
        "POST",
        "/widget/v1/{widget_id}/conversations/{id}/rating",
        "P",
    ),
    ("GET", "/widget/v1/{widget_id}/ws", "P"),
];

#[tokio::test]
async fn every_endpoint_answers_each_role_as_expected() {
    let listed: BTreeSet<_> = EXPECTED
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let served: BTreeSet<_> = ENDPOINTS
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(
        listed, served,
        "the expectation lists exactly the served endpoints"
    );
    for app in apps().await {
        let callers = [
            ('-', app.anonymous()),
            ('g', app.token(Role::Agent).await),
            ('s', app.token(Role::Supervisor).await),
            ('a', app.token(Role::Admin).await),
        ];
        for (method, path, who) in EXPECTED {
            let url = path
                .replace("{id}", UNKNOWN_ID)
                .replace("{widget_id}", UNKNOWN_ID);
            for (role, caller) in &callers {
                let mut req = caller
                    .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
                    .header("origin", "http://shop.example");
                if matches!(*method, "POST" | "PATCH" | "PUT") {
                    // An empty object: access is decided before the body is read,
                    // so an allowed caller gets 4xx-for-content or 2xx, never 401/403.
                    req = req.json(&serde_json::json!({}));
                }
                let status = req.send().await.unwrap().status().as_u16();
                let allowed = *who == "P" || (*role != '-' && (*who == "S" || who.contains(*role)));
                let denial = if allowed {
                    None
                } else if *role == '-' {
                    Some(401)
                } else {
                    Some(403)
                };
                match denial {
                    Some(code) => {
                        assert_eq!(status, code, "{method} {path} as {role} on {}", app.backend)
                    }
                    None => assert!(
                        status != 401 && status != 403 && status < 500,
                        "{method} {path} as {role} on {}: got {status}",
                        app.backend
                    ),
                }
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn the_table_the_router_and_the_openapi_document_agree() {
    let app = crate::support::spawn_sqlite().await;
    let (status, doc) = answer(app.anonymous().get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let description = op["description"].as_str().unwrap_or("");
            assert!(
                description.contains("Who may call"),
                "{method} {path} does not say who may call it"
            );
            if !description.contains("anyone") {
                assert!(
                    op["responses"].get("401").is_some() && op["responses"].get("403").is_some(),
                    "{method} {path}"
                );
            }
            documented.insert((method, path.clone()));
        }
    }
    let table: BTreeSet<_> = ENDPOINTS
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(
        documented, table,
        "every documented operation is in the access table and vice versa"
    );

    // Every routed path answers something other than the 404 fallback for its
    // method, so nothing in the table is a dead entry.
    let admin = app.token(Role::Admin).await;
    for e in ENDPOINTS {
        let path = e
            .path
            .replace("{id}", UNKNOWN_ID)
            .replace("{widget_id}", UNKNOWN_ID);
        let r = admin
            .request(Method::from_bytes(e.method.as_bytes()).unwrap(), &path)
            .header("origin", "http://shop.example")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(
            !(status == 404 && body["detail"] == "page not found") && status != 405,
            "{} {} is not routed",
            e.method,
            e.path
        );
    }
    app.stop().await;
}
