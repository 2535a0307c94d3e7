//! Historical reports over HTTP: figures from real routing, JSON and CSV
//! with the same numbers, the chart, who may read them, and bad input.

use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::routing::{available, queue};
use crate::support::{answer, apps, fields, Caller};

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

async fn report(who: &Caller, query: &str) -> (u16, Value) {
    answer(
        who.get(&format!("/api/v1/reports/work-items?{query}"))
            .await,
    )
    .await
}

/// Parses the CSV download into (header, rows), each row a name → cell map.
fn csv_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_day_of_routing_shows_in_the_report_and_its_csv() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let boss = app.token(Role::Supervisor).await;
        let ana = app.token(Role::Agent).await;
        let q = queue(
            &admin,
            json!({"name": "Ventes <b>", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [boss.agent_id]}),
        )
        .await;
        // One answered and closed, one abandoned while waiting.
        available(&ana).await;
        let first = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": q}),
            )
            .await;
        let first_path = format!("/api/v1/work-items/{}", first["id"].as_str().unwrap());
        let (s, b) = answer(ana.post(&format!("{first_path}/accept"), json!({})).await).await;
        assert_eq!(s, 200, "{b}");
        let second = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": q}),
            )
            .await;
        let second_path = format!("/api/v1/work-items/{}", second["id"].as_str().unwrap());
        let (s, b) = answer(
            admin
                .post(&format!("{second_path}/abandon"), json!({}))
                .await,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = answer(ana.post(&format!("{first_path}/close"), json!({})).await).await;
        assert_eq!(s, 200, "{b}");

        let day = today();
        let query = format!("from={day}&to={day}&by=queue");
        let (s, r) = report(&boss, &query).await;
        assert_eq!(s, 200, "{} {r}", app.backend);
        assert_eq!(
            (r["time_zone"].as_str(), r["service_level_seconds"].as_u64()),
            (Some("UTC"), Some(20))
        );
        let rows = r["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{r}");
        let row = &rows[0];
        assert_eq!(
            (row["key"].as_str(), row["name"].as_str()),
            (Some(q.as_str()), Some("Ventes <b>"))
        );
        assert_eq!(
            [
                &row["offered"],
                &row["answered"],
                &row["abandoned"],
                &row["handled"]
            ],
            [&json!(2), &json!(1), &json!(1), &json!(1)],
            "{row}"
        );
        // Answered at once, abandoned at once: both within the thresholds.
        assert_eq!(
            (
                row["answered_in_threshold"].as_i64(),
                row["short_abandoned"].as_i64()
            ),
            (Some(1), Some(1))
        );
        assert_eq!(row["service_level"], json!(1.0), "1 ÷ (1 + 1 − 1)");
        assert_eq!(row["abandon_rate"], json!(0.5));
        assert!(row["average_handle_seconds"].as_f64().is_some());
        assert_eq!(row["csat_average"], Value::Null);
        assert_eq!(r["total"]["offered"], 2);

        // By agent: only Ana, with her answer and close.
        let (_, by_agent) = report(&boss, &format!("from={day}&to={day}&by=agent")).await;
        let agents = by_agent["rows"].as_array().unwrap();
        assert_eq!(agents.len(), 1, "{by_agent}");
        assert_eq!(agents[0]["key"].as_str(), ana.agent_id.as_deref());
        assert_eq!(
            (
                agents[0]["answered"].as_i64(),
                agents[0]["offered"].as_i64()
            ),
            (Some(1), Some(0))
        );

        // By hour: named in the report zone.
        let (_, by_hour) = report(&boss, &format!("from={day}&to={day}&by=hour")).await;
        let hours = by_hour["rows"].as_array().unwrap();
        assert!(!hours.is_empty() && hours.len() <= 2, "{by_hour}");
        assert!(
            hours[0]["name"].as_str().unwrap().starts_with(&day),
            "{by_hour}"
        );

        // The CSV download carries the same numbers, and a total row.
        let response = boss
            .get(&format!("/api/v1/reports/work-items?{query}&format=csv"))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"work-items-by-queue-"));
        let text = response.text().await.unwrap();
        let lines = csv_rows(&text);
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["name"], "Ventes <b>");
        assert_eq!(lines[1]["key"], "total");
        for (column, value) in row.as_object().unwrap() {
            let expected = match value {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(lines[0][column], expected, "{column} in {text}");
        }

        // The chart: SVG with the queue's name as text (escaped).
        let response = boss
            .get(&format!("/api/v1/reports/work-items/chart?{query}&lang=fr"))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("Présentés"),
            "{svg}"
        );
        assert!(
            svg.contains("Ventes &lt;b&gt;") && !svg.contains("Ventes <b>"),
            "{svg}"
        );

        // Agents may not read reports.
        let (s, _) = report(&ana, &query).await;
        assert_eq!(s, 403);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_report_questions_name_their_fields() {
    for app in apps().await {
        let boss = app.token(Role::Supervisor).await;
        let cases: &[(&str, &[&str])] = &[
            ("from=2026-13-01&to=2026-12-01&by=queue", &["from"]),
            ("from=2026-12-02&to=2026-12-01&by=queue", &["to"]),
            ("from=2025-01-01&to=2026-12-01&by=day", &["to"]),
            ("from=2026-10-01&to=2026-12-01&by=hour", &["to"]),
            ("from=2026-12-01&to=2026-12-01&by=week", &["by"]),
            (
                "from=2026-12-01&to=2026-12-01&by=queue&service_level_seconds=21&short_abandon_seconds=7",
                &["service_level_seconds", "short_abandon_seconds"],
            ),
            ("from=2026-12-01&to=2026-12-01&by=queue&queue_id=%3Cscript%3E", &["queue_id"]),
            ("from=2026-12-01&to=2026-12-01&by=queue&channel=Voice!", &["channel"]),
            ("from=2026-12-01&to=2026-12-01&by=hour&agent_id=abc", &["agent_id"]),
        ];
        for (query, named) in cases {
            let (s, r) = report(&boss, query).await;
            assert_eq!(s, 422, "{query}: {r}");
            let named: Vec<String> = named.iter().map(|s| s.to_string()).collect();
            assert_eq!(fields(&r), named, "{query}: {r}");
        }
        // Unknown parameters, a bad format and a bad chart are refused too.
        for query in [
            "from=2026-12-01&to=2026-12-01&by=queue&secret=1",
            "from=2026-12-01&to=2026-12-01&by=queue&format=xml",
        ] {
            let (s, r) = report(&boss, query).await;
            assert_eq!(s, 422, "{query}: {r}");
        }
        let (s, r) = answer(
            boss.request(
                Method::GET,
                "/api/v1/reports/work-items/chart?from=2026-12-01&to=2026-12-01&by=queue&chart=pie",
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 422, "{r}");
        // A span with nothing in it is an empty report, not an error.
        let (s, r) = report(&boss, "from=2020-01-01&to=2020-12-31&by=day").await;
        assert_eq!(
            (s, r["rows"].as_array().map(Vec::len)),
            (200, Some(0)),
            "{r}"
        );
        assert_eq!(r["total"]["service_level"], Value::Null);
        app.stop().await;
    }
}

/// Reads the waiting line until `done` holds (the sampler writes once a
/// second), or fails after 20 s showing the last answer.
async fn waiting_until(who: &Caller, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (s, b) = answer(who.get(&format!("/api/v1/reports/waiting?{query}")).await).await;
        assert_eq!(s, 200, "{b}");
        if done(&b) {
            return b;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the waiting line never showed what was expected: {b}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The most items waiting at once lately and the number waiting now: the
/// peak of the last two steps (the test may cross into a new step, a new
/// minute with `hours=1`, between two of its checks) and the last step's
/// `last`.
fn now_step(b: &Value) -> (i64, i64) {
    let steps = b["steps"].as_array().unwrap();
    let peak = steps
        .iter()
        .rev()
        .take(2)
        .map(|s| s["peak"].as_i64().unwrap())
        .max()
        .unwrap();
    (peak, steps.last().unwrap()["last"].as_i64().unwrap())
}

#[tokio::test]
async fn waiting_items_over_the_last_hours_follow_the_queue() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let boss = app.token(Role::Supervisor).await;
        let other_boss = app.token(Role::Supervisor).await;
        let ana = app.token(Role::Agent).await;
        let q = queue(
            &admin,
            json!({"name": "Attente", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [boss.agent_id]}),
        )
        .await;
        let elsewhere = queue(
            &admin,
            json!({"name": "Ailleurs", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [other_boss.agent_id]}),
        )
        .await;
        // Nobody available: three items wait in q, one in the other queue.
        let mut ids = Vec::new();
        for queue_id in [&q, &q, &q, &elsewhere] {
            let it = admin
                .create(
                    "/api/v1/work-items",
                    json!({"channel": "chat", "queue_id": queue_id}),
                )
                .await;
            ids.push(it["id"].as_str().unwrap().to_owned());
        }
        let mine = format!("queue_id={q}");
        let b = waiting_until(&boss, &mine, |b| now_step(b) == (3, 3)).await;
        // 8 hours of 5-minute steps by default, labelled in the report zone.
        assert_eq!(b["step_minutes"], 5, "{b}");
        assert_eq!(b["steps"].as_array().unwrap().len(), 96, "{b}");
        assert_eq!(b["time_zone"], "UTC", "{b}");
        let first = &b["steps"][0];
        assert_eq!(first["label"].as_str().unwrap().len(), 5, "{b}");
        // One gives up: the step's peak stays 3, what waits now is 2.
        let (s, b) = answer(
            admin
                .post(&format!("/api/v1/work-items/{}/abandon", ids[0]), json!({}))
                .await,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        // (The current step's last value is the engine's figure when asked;
        // its peak comes from the samples, written once a second.)
        waiting_until(&boss, &mine, |b| now_step(b) == (3, 2)).await;
        // The supervisor's line without a filter is their queue only; the
        // admin's adds every queue (3 + 1 at most, 2 + 1 now).
        let b = waiting_until(&boss, "hours=1", |b| now_step(b).1 == 2).await;
        assert_eq!(b["step_minutes"], 1, "{b}");
        assert_eq!(b["steps"].as_array().unwrap().len(), 60, "{b}");
        waiting_until(&admin, "hours=1", |b| now_step(b) == (4, 3)).await;
        // Another's queue: 403, exactly as reports.
        let (s, b) = answer(
            boss.get(&format!("/api/v1/reports/waiting?queue_id={elsewhere}"))
                .await,
        )
        .await;
        assert_eq!(s, 403, "{b}");
        let (s, _) = answer(ana.get("/api/v1/reports/waiting").await).await;
        assert_eq!(s, 403);
        // The chart: SVG with the line's title, in the asked language.
        let r = boss
            .get(&format!(
                "/api/v1/reports/waiting/chart?queue_id={q}&lang=fr"
            ))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        let svg = r.text().await.unwrap();
        assert!(svg.contains("En attente, dernières heures"), "{svg}");
        // Bad questions name their field.
        for (query, field) in [
            ("hours=0", "hours"),
            ("hours=25", "hours"),
            ("queue_id=nope%20nope", "queue_id"),
            ("queue_id=00000000000000000000000000", "queue_id"),
        ] {
            let (s, b) = answer(admin.get(&format!("/api/v1/reports/waiting?{query}")).await).await;
            assert_eq!(s, 422, "{query}: {b}");
            assert!(fields(&b).contains(&field.to_owned()), "{query}: {b}");
        }
        let (s, b) = answer(admin.get("/api/v1/reports/waiting/chart?lang=de").await).await;
        assert_eq!(s, 422, "{b}");
        let (s, b) = answer(admin.get("/api/v1/reports/waiting?hours=two").await).await;
        assert_eq!(s, 422, "{b}");
    }
}
