//! `switchboard bench summary`: the agent workspace's one-call session
//! summary for a customer with a long history, beside the timeline page it
//! contains and a no-database request, measured in the same run.

use std::time::Instant;

use anyhow::Context;
use serde_json::{json, Value};

use crate::bench::{measure, print_table, seed};

pub async fn run(
    cases: u32,
    activities: u32,
    iterations: u32,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let running = switchboard_server::start(switchboard_server::Config::new(
        "127.0.0.1:0".parse()?,
        url.clone(),
    ))
    .await?;
    let db = running.state.db.clone();
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();

    println!("Seeding one customer with {cases} cases and {activities} activities…");
    let seeded = Instant::now();
    let contact_id = seed(&db, cases, activities).await?;
    println!("seeded in {:.1} s", seeded.elapsed().as_secs_f64());

    // An admin and the agent whose session is summarised.
    let hash = switchboard_server::auth::password::hash("bench-password".into()).await?;
    let mut tokens = Vec::new();
    for (name, email, role) in [
        (
            "Bench admin",
            "admin@bench.test",
            switchboard_core::access::Role::Admin,
        ),
        (
            "Bench agent",
            "agent@bench.test",
            switchboard_core::access::Role::Agent,
        ),
    ] {
        let a = db
            .create_agent(&switchboard_store::agents::AgentRecord {
                name,
                email,
                roles: &[role],
                active: true,
                password_hash: Some(&hash),
            })
            .await?;
        let secret = switchboard_server::auth::secret::new_api_token();
        db.create_token(
            "bench",
            role,
            Some(&a.id),
            &switchboard_server::auth::secret::digest(&secret),
        )
        .await?;
        tokens.push((a.id, secret));
    }
    let (admin, (agent_id, agent)) = (tokens[0].1.clone(), tokens[1].clone());
    let call = |method: reqwest::Method, path: &str, token: &str, body: Option<Value>| {
        let mut r = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await?;
            let status = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            anyhow::ensure!(status.is_success(), "{status}: {v}");
            anyhow::Ok(v)
        }
    };
    use reqwest::Method;
    let queue = call(
        Method::POST,
        "/api/v1/queues",
        &admin,
        Some(json!({"name": "bench chat", "channel": "messaging", "members": [agent_id]})),
    )
    .await?;
    let script = call(Method::POST, "/api/v1/agent-scripts", &admin, Some(json!({"name": "Bench", "steps": [
        {"kind": "instruction", "id": "greet", "title": "Greet", "instruction": "Greet the customer."},
        {"kind": "macro", "id": "case", "title": "Open a case", "action": {"type": "create_case", "title": "Case for {customer.name}"}}
    ]}))).await?;
    call(
        Method::PUT,
        "/api/v1/agent-script-rules",
        &admin,
        Some(json!({"rules": [{"channel": "chat", "script_id": script["id"]}]})),
    )
    .await?;
    let widget = call(
        Method::POST,
        "/api/v1/widgets",
        &admin,
        Some(json!({"name": "bench",
        "allowed_origins": ["http://bench.example"], "routing": {"queue_id": queue["id"]},
        "survey": [{"id": "topic", "type": "text", "label": {"en": "Topic"}}]})),
    )
    .await?;
    call(
        Method::PUT,
        "/api/v1/me/presence",
        &agent,
        Some(json!({"status": "available"})),
    )
    .await?;

    // A visitor with a journey starts a chat; the agent accepts it and
    // links it to the long-history customer and one of their cases.
    let w = widget["id"].as_str().context("widget id")?;
    let visitor = |path: &str, token: Option<&str>, body: Value| {
        let mut r = http
            .post(format!("{base}/widget/v1/{w}/{path}"))
            .header("origin", "http://bench.example")
            .json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { anyhow::Ok(r.send().await?.error_for_status()?.json::<Value>().await?) }
    };
    let reg = visitor("visitors", None, json!({"language": "en"})).await?;
    let vt = reg["token"].as_str().context("visitor token")?.to_owned();
    for i in 0..20 {
        visitor(
            "events",
            Some(&vt),
            json!({"session_id": reg["session_id"], "type": "page",
            "url": format!("https://shop.example/p/{i}"), "title": format!("Page {i}")}),
        )
        .await?;
    }
    let conv = visitor(
        "conversations",
        Some(&vt),
        json!({"session_id": reg["session_id"],
        "survey": {"topic": "Returns"}, "context": {"plan": "gold", "cart": "129.90"}}),
    )
    .await?;
    let conv_id = conv["id"].as_str().context("conversation id")?.to_owned();
    let item = db.conversation(&conv_id).await?.work_item_id;
    call(
        Method::POST,
        &format!("/api/v1/work-items/{item}/accept"),
        &agent,
        None,
    )
    .await?;
    // The coordinator records the acceptance right after; wait for it (bounded).
    for _ in 0..200 {
        if db.conversation(&conv_id).await?.status == "active" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    call(
        Method::PUT,
        &format!("/api/v1/conversations/{conv_id}/contact"),
        &agent,
        Some(json!({"contact_id": contact_id})),
    )
    .await?;
    let case: String =
        sqlx::query_scalar("SELECT id FROM cases WHERE contact_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(contact_id.clone())
            .fetch_one(db.pool())
            .await?;
    call(
        Method::PUT,
        &format!("/api/v1/conversations/{conv_id}/case"),
        &agent,
        Some(json!({"case_id": case})),
    )
    .await?;

    let get = |path: String| {
        let (http, agent) = (http.clone(), agent.clone());
        move || {
            let (http, agent, path) = (http.clone(), agent.clone(), path.clone());
            async move {
                let r = http
                    .get(&path)
                    .bearer_auth(&agent)
                    .send()
                    .await?
                    .error_for_status()?;
                Ok(r.bytes().await?.len())
            }
        }
    };
    let rows = vec![
        measure(
            "baseline: GET /healthz (no database)",
            iterations,
            get(format!("{base}/healthz")),
        )
        .await?,
        measure(
            "GET /contacts/{id}/timeline?limit=20 (bytes)",
            iterations,
            get(format!(
                "{base}/api/v1/contacts/{contact_id}/timeline?limit=20"
            )),
        )
        .await?,
        measure(
            "GET /work-items/{id}/summary (bytes)",
            iterations,
            get(format!("{base}/api/v1/work-items/{item}/summary")),
        )
        .await?,
    ];
    print_table(
        &format!(
            "session summary over HTTP, one customer with {activities} activities and {cases} cases, {iterations} reads each, database {}",
            if url.starts_with("sqlite") { "SQLite (file, WAL)" } else { "PostgreSQL" }
        ),
        &rows,
        0,
    );
    running.shutdown().await?;
    Ok(())
}
