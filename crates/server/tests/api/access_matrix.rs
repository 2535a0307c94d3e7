//! The role × endpoint matrix: every endpoint, every kind of caller.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;
use switchboard_core::access::Role;
use switchboard_server::auth::endpoints::{Who, ENDPOINTS};

use crate::support::{answer, apps};

const UNKNOWN_ID: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn every_endpoint_answers_each_role_as_the_table_says() {
    for app in apps().await {
        let callers = [
            (None, app.anonymous()),
            (Some(Role::Agent), app.token(Role::Agent).await),
            (Some(Role::Supervisor), app.token(Role::Supervisor).await),
            (Some(Role::Admin), app.token(Role::Admin).await),
        ];
        let mut checked = 0;
        for e in ENDPOINTS {
            let path = e.path.replace("{id}", UNKNOWN_ID);
            for (role, caller) in &callers {
                let mut req =
                    caller.request(Method::from_bytes(e.method.as_bytes()).unwrap(), &path);
                if matches!(e.method, "POST" | "PATCH") {
                    // An empty object: access is decided before the body is read,
                    // so an allowed caller gets 4xx-for-content or 2xx, never 401/403.
                    req = req.json(&serde_json::json!({}));
                }
                let status = req.send().await.unwrap().status().as_u16();
                let expected_denial = match (e.who, role) {
                    (Who::Public, _) => None,
                    (_, None) => Some(401),
                    (Who::SignedIn, Some(_)) => None,
                    (Who::Needs(p), Some(r)) => (!p.allows(&[*r])).then_some(403),
                };
                match expected_denial {
                    Some(code) => assert_eq!(
                        status, code,
                        "{} {} as {role:?} on {}",
                        e.method, e.path, app.backend
                    ),
                    None => assert!(
                        status != 401 && status != 403 && status < 500,
                        "{} {} as {role:?} on {}: got {status}",
                        e.method,
                        e.path,
                        app.backend
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, ENDPOINTS.len() * 4);
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
        let path = e.path.replace("{id}", UNKNOWN_ID);
        let r = admin
            .request(Method::from_bytes(e.method.as_bytes()).unwrap(), &path)
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
