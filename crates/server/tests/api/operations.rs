use switchboard_core::access::Role;

use crate::support::apps;

#[tokio::test]
async fn health_readiness_metrics_and_the_home_page() {
    for app in apps().await {
        let anon = app.anonymous();
        assert_eq!(anon.ok("/healthz").await["status"], "ok");
        assert_eq!(anon.ok("/readyz").await["status"], "ok");
        let agent = app.token(Role::Agent).await;
        agent.get("/api/v1/contacts").await;
        agent.get("/api/v1/contacts/x").await;
        // The figures are the business's own: not for anonymous callers.
        assert_eq!(anon.get("/metrics").await.status(), 401);
        assert_eq!(agent.get("/metrics").await.status(), 403);
        let supervisor = app.token(Role::Supervisor).await;
        let metrics = supervisor.get("/metrics").await.text().await.unwrap();
        assert!(
            metrics.contains(r#"switchboard_http_requests_total{method="GET",route="/api/v1/contacts/{id}",status="404"} 1"#),
            "{metrics}"
        );
        assert!(metrics.contains("switchboard_http_request_duration_seconds_bucket"));
        let home = anon.get("/").await;
        assert_eq!(home.headers()["content-type"], "text/html; charset=utf-8");
        assert!(home.text().await.unwrap().contains("Sign in"));
        app.stop().await;
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = crate::support::spawn_sqlite().await;
    app.db().close().await;
    let r = app.anonymous().get("/readyz").await;
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["status"],
        "database unreachable"
    );
}

/// `serve --demo` loads its data after the listener opens: until it says
/// setup is over, a client waiting for readiness is told to wait.
#[tokio::test]
async fn readiness_waits_for_setup_to_finish() {
    let app = crate::support::spawn_sqlite_with(&|c| c.hold_readiness = true).await;
    let r = app.anonymous().get("/readyz").await;
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["status"],
        "starting"
    );
    // Liveness is not readiness: the process answers all along.
    assert_eq!(app.anonymous().ok("/healthz").await["status"], "ok");
    app.running.state.mark_ready();
    assert_eq!(app.anonymous().ok("/readyz").await["status"], "ok");
    app.stop().await;
}

/// A person's browser asking for an address that does not exist gets a
/// page in its language; API clients keep problem+json.
#[tokio::test]
async fn unknown_addresses_answer_browsers_with_a_page() {
    let app = crate::support::spawn_sqlite().await;
    let http = reqwest::Client::new();
    // (/admin is the admin center now; an address under it that is not a
    // page is still unknown.)
    for path in ["/admin/nowhere", "/supervisor/nowhere", "/nowhere/at/all"] {
        let r = http
            .get(format!("{}{path}", app.base))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .header("accept-language", "es-ES,es;q=0.9")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        let page = r.text().await.unwrap();
        assert!(page.contains("<html lang=\"es\">"), "{page}");
        assert!(page.contains("Página no encontrada"), "{page}");
        let r = http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    // Under the API, even a browser gets problem+json.
    let r = http
        .get(format!("{}/api/v1/nowhere", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let icon = http
        .get(format!("{}/favicon.ico", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    app.stop().await;
}

/// Pages run only our own code and cannot be framed; no answer is sniffed
/// into something else.
#[tokio::test]
async fn pages_carry_a_content_security_policy_and_answers_nosniff() {
    let app = crate::support::spawn_sqlite().await;
    let anon = app.anonymous();
    for page in ["/", "/agent", "/book"] {
        let r = anon.get(page).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in [
            "script-src 'self';",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{page}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{page}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{page}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{page}");
    }
    let r = anon.get("/api/v1/openapi.json").await;
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers().get("content-security-policy").is_none());
    // The cancel page keeps its own referrer policy (its address holds a secret).
    let r = anon.get("/meetings/x/cancel").await;
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    app.stop().await;
}
