//! The OpenAPI document says what the server does (the promises Schemathesis
//! checks in tests/schemathesis; these are the shared ones, tested here).

use reqwest::Method;
use serde_json::Value;
use switchboard_core::access::Role;

use crate::support::apps;

/// A probe's TRACE (or PUT where only GET exists) is 405 naming the methods
/// the path has, not a 403 that reads like an access rule.
#[tokio::test]
async fn an_unknown_method_on_a_known_path_is_405_with_allow() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        for (method, path) in [
            (Method::TRACE, "/api/v1/contacts"),
            (Method::PUT, "/api/v1/contacts"),
            (Method::TRACE, "/api/v1/conversations"),
            (Method::POST, "/api/v1/contacts/x"),
        ] {
            for caller in [admin.clone(), app.anonymous()] {
                let r = caller.request(method.clone(), path).send().await.unwrap();
                assert_eq!(r.status(), 405, "{method} {path}");
                assert_eq!(
                    r.headers()["content-type"],
                    "application/problem+json",
                    "{method} {path}"
                );
                let allow = r.headers()["allow"].to_str().unwrap().to_owned();
                assert!(allow.contains("GET"), "{method} {path}: {allow}");
                assert!(!allow.contains(method.as_str()), "{method} {path}: {allow}");
            }
        }
        app.stop().await;
    }
}

/// Every error answer is declared problem+json (the server answers nothing
/// else), and every path parameter is declared.
#[tokio::test]
async fn the_document_declares_problem_json_and_every_path_parameter() {
    for app in apps().await {
        let doc = app.anonymous().ok("/api/v1/openapi.json").await;
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                    continue;
                };
                for (status, response) in responses {
                    if !status.starts_with('4') && !status.starts_with('5') {
                        continue;
                    }
                    if let Some(content) = response.get("content").and_then(Value::as_object) {
                        assert!(
                            content.keys().all(|k| k == "application/problem+json"),
                            "{method} {path} {status}: {:?}",
                            content.keys()
                        );
                        checked += 1;
                    }
                }
                let declared: Vec<&str> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "path")
                            .filter_map(|p| p["name"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                for part in path.split('/') {
                    if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                        assert!(
                            declared.contains(&name),
                            "{method} {path}: {name} undeclared"
                        );
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} error answers seen");
        app.stop().await;
    }
}
