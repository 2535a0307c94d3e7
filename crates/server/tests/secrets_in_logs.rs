//! Passwords, tokens and CSRF tokens never appear in the log, at any level.

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::{Arc, Mutex};

use reqwest::Client;
use serde_json::json;
use support::{sign_in, spawn_sqlite};
use switchboard_core::access::Role;

/// A `MakeWriter` that keeps everything logged in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

// This test has its own binary, so the global subscriber sees every thread
// (request tasks and the password-hashing pool alike) and no other test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_and_tokens_never_reach_the_log() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let app = spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let password = "a-very-distinctive-password-4711";
    admin
        .create("/api/v1/agents", json!({"name": "Log Test", "email": "log@example.com", "roles": ["agent"], "password": password}))
        .await;
    let http = Client::builder().cookie_store(true).build().unwrap();
    let (s, session) = sign_in(&app, &http, "log@example.com", password).await;
    assert_eq!(s, 200);
    sign_in(
        &app,
        &Client::new(),
        "log@example.com",
        "wrong-but-distinctive-0815",
    )
    .await;
    let created = admin
        .create("/api/v1/tokens", json!({"name": "t", "role": "agent"}))
        .await;
    let secret = created["secret"].as_str().unwrap();
    let caller = support::Caller {
        token: Some(secret.to_owned()),
        agent_id: None,
        ..admin.clone()
    };
    caller.get("/api/v1/contacts").await;
    caller.get("/api/v1/contacts?cursor=AAAA").await;
    // A cookie-authenticated write with a session whose cookie we hold, so
    // the Cookie header passes through the server too.
    let (cookie, cookie_csrf) = raw_session(&app, password).await;
    let r = Client::new()
        .post(format!("{}/api/v1/contacts", app.base))
        .header("cookie", format!("sb_session={cookie}"))
        .header("x-csrf-token", &cookie_csrf)
        .json(&json!({"last_name": "Cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // A real internal error (the database is gone), whose cause is logged.
    app.db().close().await;
    let r = caller.get("/api/v1/contacts").await;
    assert_eq!(r.status(), 500);
    app.stop().await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("/api/v1/session"),
        "the capture works: {}",
        &text[..text.len().min(500)]
    );
    for secret in [
        password,
        "wrong-but-distinctive-0815",
        secret,
        admin.token.as_deref().unwrap(),
        session["csrf_token"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "a secret appeared in the log");
    }
}

/// Signs in and returns the raw session cookie value and its CSRF token.
async fn raw_session(app: &support::TestApp, password: &str) -> (String, String) {
    let r = Client::new()
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"email": "log@example.com", "password": password}))
        .send()
        .await
        .unwrap();
    let header = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = header
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sb_session=")
        .to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}
