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
        let metrics = anon.get("/metrics").await.text().await.unwrap();
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
