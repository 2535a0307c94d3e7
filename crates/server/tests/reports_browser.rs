//! Historical reports (`/supervisor/reports`) in real headless Chromium, in
//! English and in Spanish: a supervisor reads the day's report after real
//! routing (one chat answered and closed, one abandoned), sees the figures
//! in the table and the server's charts, regroups by agent, is told beside
//! the field when the days are reversed, and downloads the CSV, whose
//! numbers equal the API's. Screenshots go to
//! `target/test-artifacts/reports-<lang>*.png`.

#[allow(dead_code)]
mod admin;
#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use switchboard_core::access::Role;

use admin::{click, error_beside, q, screenshot, set};
use chromium::{axe, until};
use support::{answer, TestApp};

const PASSWORD: &str = "a long supervisor password";

async fn sign_in(c: &Client, app: &TestApp, email: &str) {
    c.goto(&format!("{}/", app.base)).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#email"))
        .await
        .unwrap();
    set(c, "document.querySelector('#email')", email).await;
    set(c, "document.querySelector('#password')", PASSWORD).await;
    click(
        c,
        "document.querySelector('button[type=submit]')",
        "sign in",
    )
    .await;
    until(
        c,
        "return !document.querySelector('#me').hidden;",
        "signed in",
    )
    .await;
}

/// The table's cells of the row whose header is `name`.
async fn row(c: &Client, name: &str) -> Vec<String> {
    let v = until(
        c,
        &format!(
            "const r = [...document.querySelectorAll('[data-testid=report-table] tbody tr')]
               .find((tr) => tr.querySelector('th').textContent === {name:?});
             return r ? [...r.querySelectorAll('td')].map((td) => td.textContent) : null;"
        ),
        &format!("the row of {name}"),
    )
    .await;
    serde_json::from_value(v).unwrap()
}

async fn reports(language: &str, lang: &str) {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let es = lang == "es";
    let sara = admin
        .create(
            "/api/v1/agents",
            json!({"name": "Sara Supervisora", "email": "sara@sup.test", "roles": ["supervisor"], "password": PASSWORD}),
        )
        .await;
    let ana = app.token(Role::Agent).await;
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Ventas <i>", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [sara["id"]]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = answer(
        ana.request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({"status": "available"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let first = admin
        .create(
            "/api/v1/work-items",
            json!({"channel": "chat", "queue_id": queue}),
        )
        .await;
    let first = format!("/api/v1/work-items/{}", first["id"].as_str().unwrap());
    assert_eq!(
        answer(ana.post(&format!("{first}/accept"), json!({})).await)
            .await
            .0,
        200
    );
    let second = admin
        .create(
            "/api/v1/work-items",
            json!({"channel": "chat", "queue_id": queue}),
        )
        .await;
    let second = format!("/api/v1/work-items/{}", second["id"].as_str().unwrap());
    assert_eq!(
        answer(admin.post(&format!("{second}/abandon"), json!({})).await)
            .await
            .0,
        200
    );
    assert_eq!(
        answer(ana.post(&format!("{first}/close"), json!({})).await)
            .await
            .0,
        200
    );

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 1800).await.unwrap();
    sign_in(&c, &app, "sara@sup.test").await;
    c.goto(&format!("{}/supervisor/reports", app.base))
        .await
        .unwrap();

    // The day's report by queue: the table and both charts.
    let cells = row(&c, "Ventas <i>").await;
    // Offered, answered, abandoned, of which short.
    assert_eq!(cells[..4], ["2", "1", "1", "1"], "{cells:?}");
    let heading = c
        .execute(
            "return document.querySelector('#screen h1').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        heading,
        json!(if es {
            "Informes históricos"
        } else {
            "Historical reports"
        })
    );
    for chart in ["chart-volume", "chart-service_level"] {
        until(
            &c,
            &format!(
                "const i = {}; return i && i.complete && i.naturalWidth > 0;",
                q(chart)
            ),
            chart,
        )
        .await;
    }
    let alt = c
        .execute(&format!("return {}.alt;", q("chart-volume")), vec![])
        .await
        .unwrap();
    assert!(
        alt.as_str()
            .unwrap()
            .contains(if es { "tabla" } else { "table" }),
        "{alt}"
    );
    // The other channels' table below: nothing booked or sent in this test.
    let other = until(
        &c,
        "const r = document.querySelector('[data-testid=activity-total]');
         return r ? [...r.querySelectorAll('td')].map((td) => td.textContent) : null;",
        "the other channels' table",
    )
    .await;
    assert_eq!(other[1], json!("0 / 0 / 0 / 0"), "{other}");
    axe(&c, "reports by queue").await;
    screenshot(&c, &format!("reports-{lang}-by-queue")).await;

    // The CSV the page offers has the API's numbers.
    let csv = c
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 fetch({}.href).then((r) => r.text()).then(done, (e) => done('failed ' + e));",
                q("report-csv")
            ),
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap().to_owned();
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    // An admin reads every queue: the same numbers Sara, who supervises
    // the queue, downloaded.
    let api = app.token(Role::Admin).await;
    let json = api
        .ok(&format!(
            "/api/v1/reports/work-items?from={day}&to={day}&by=queue"
        ))
        .await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let first_row: Vec<String> = reader
        .records()
        .next()
        .expect("a row")
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let api_row = &json["rows"][0];
    for (column, cell) in header.iter().zip(&first_row) {
        let expected = match &api_row[column] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(cell, &expected, "{column}: {csv}");
    }
    assert_eq!(api_row["offered"], 2);

    // By agent: Ana's answer and close.
    c.execute(
        &format!(
            "const s = {}; s.value = 'agent'; return true;",
            q("report-by")
        ),
        vec![],
    )
    .await
    .unwrap();
    click(&c, &q("report-show"), "show").await;
    let ana_name = api
        .ok(&format!(
            "/api/v1/agents/{}",
            ana.agent_id.as_deref().unwrap()
        ))
        .await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let cells = row(&c, &ana_name).await;
    assert_eq!(cells[..3], ["0", "1", "0"], "{cells:?}");

    // Reversed days: said beside "to", the last report left as it was.
    set(&c, &q("report-from"), "2026-12-05").await;
    set(&c, &q("report-to"), "2026-12-01").await;
    click(&c, &q("report-show"), "show").await;
    let m = error_beside(&c, &q("report-to")).await;
    assert!(!m.is_empty());
    screenshot(&c, &format!("reports-{lang}-reversed-days")).await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_reads_the_days_report_in_english() {
    reports("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_reads_the_days_report_in_spanish() {
    reports("es-ES", "es").await;
}

/// The staffing planner (`/supervisor/planner`) in Chromium: the day's
/// traffic measured and shown per hour, a plan with nobody on duty at the
/// busy hour, the outcome with its charts and table, the needed staffing
/// put into the plan and run again, and a bad figure refused beside its
/// field. Screenshots: `target/test-artifacts/planner-<lang>*.png`.
async fn planner(language: &str, lang: &str) {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let sara = admin
        .create(
            "/api/v1/agents",
            json!({"name": "Sara Supervisora", "email": "sara@sup.test", "roles": ["supervisor"], "password": PASSWORD}),
        )
        .await;
    let ana = app.token(Role::Agent).await;
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Ventas <i>", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [sara["id"]]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = answer(
        ana.request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({"status": "available"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    for _ in 0..4 {
        let item = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": queue}),
            )
            .await;
        let path = format!("/api/v1/work-items/{}", item["id"].as_str().unwrap());
        assert_eq!(
            answer(ana.post(&format!("{path}/accept"), json!({})).await)
                .await
                .0,
            200
        );
        assert_eq!(
            answer(ana.post(&format!("{path}/close"), json!({})).await)
                .await
                .0,
            200
        );
    }
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 2400).await.unwrap();
    sign_in(&c, &app, "sara@sup.test").await;
    c.goto(&format!(
        "{}/supervisor/planner?queue_id={queue}&from={day}&to={day}",
        app.base
    ))
    .await
    .unwrap();
    // The measured day: four chats, all in the hours of this test.
    let seen = until(
        &c,
        "const t = document.querySelector('[data-testid=plan-table]');
         if (!t) return null;
         return [...t.querySelectorAll('tbody tr')].map((tr) => Number(tr.querySelectorAll('input')[1].value));",
        "the measured plan",
    )
    .await;
    let arrivals: Vec<f64> = serde_json::from_value(seen).unwrap();
    assert_eq!(arrivals.len(), 24);
    assert_eq!(arrivals.iter().sum::<f64>(), 4.0, "{arrivals:?}");
    let heading = c
        .execute(
            "return document.querySelector('#screen h1').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let fr = lang == "fr";
    assert_eq!(
        heading,
        json!(if fr {
            "Planification des effectifs"
        } else {
            "Staffing planner"
        })
    );

    // 40 chats an hour at 10:00 with nobody on duty from 9:00 to 11:00.
    set(&c, "document.querySelectorAll('[data-testid=plan-table] tbody tr')[10].querySelectorAll('input')[1]", "40").await;
    set(&c, "document.querySelectorAll('[data-testid=plan-table] tbody tr')[10].querySelectorAll('input')[2]", "300").await;
    c.execute(
        "const [from, to] = document.querySelectorAll('fieldset select'); from.value = '9'; to.value = '11'; return true;",
        vec![],
    )
    .await
    .unwrap();
    set(&c, "document.querySelector('fieldset input')", "0").await;
    click(&c, &q("fill"), "set the agents").await;
    let staffed = c
        .execute(&format!("return {}.value;", q("staffed-10")), vec![])
        .await
        .unwrap();
    assert_eq!(staffed, json!("0"));
    click(&c, &q("run"), "run the plan").await;
    let needed = until(
        &c,
        &format!(
            "const n = {}; return n && /^[0-9]+$/.test(n.textContent) ? Number(n.textContent) : null;",
            q("needed-10")
        ),
        "the agents needed at 10:00",
    )
    .await;
    let needed = needed.as_u64().unwrap();
    // 40 an hour × 5 min: 3.3 chats at once, three per agent.
    assert!((2..=4).contains(&needed), "{needed}");
    for chart in ["chart-agents", "chart-sl"] {
        until(
            &c,
            &format!(
                "const i = {}; return i && i.complete && i.naturalWidth > 0;",
                q(chart)
            ),
            chart,
        )
        .await;
    }
    let sl_at_10 = c
        .execute(
            "return document.querySelector('[data-testid=outcome-table] tr[data-hour=\"10\"]').querySelectorAll('td')[1].textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        sl_at_10.as_str().unwrap().starts_with('0') || sl_at_10.as_str().unwrap().starts_with('1'),
        "nobody on duty: almost nobody answered in time ({sl_at_10})"
    );
    axe(&c, "planner outcome").await;
    screenshot(&c, &format!("planner-{lang}-outcome")).await;

    // The needed staffing goes into the plan, and the plan runs again.
    click(&c, &q("use-needed"), "use the needed staffing").await;
    until(
        &c,
        &format!(
            "return {}.value === '{needed}' && !document.querySelector('[data-testid=running]') && !!{};",
            q("staffed-10"),
            q("needed-10")
        ),
        "the plan with the needed staffing",
    )
    .await;
    let sl_now = until(
        &c,
        "const r = document.querySelector('[data-testid=outcome-table] tr[data-hour=\"10\"]');
         return r ? r.querySelectorAll('td')[1].textContent : null;",
        "the new service level",
    )
    .await;
    let percent: f64 = sl_now
        .as_str()
        .unwrap()
        .chars()
        .filter(|ch| ch.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap();
    assert!(percent >= 80.0, "{sl_now}");
    screenshot(&c, &format!("planner-{lang}-needed")).await;

    // A negative arrival rate is refused beside its field.
    set(&c, "document.querySelectorAll('[data-testid=plan-table] tbody tr')[4].querySelectorAll('input')[1]", "-3").await;
    click(&c, &q("run"), "run the plan").await;
    let m = error_beside(
        &c,
        "document.querySelectorAll('[data-testid=plan-table] tbody tr')[4].querySelectorAll('input')[1]",
    )
    .await;
    assert_eq!(
        m,
        if fr {
            "Hors limites."
        } else {
            "must be between 0 and 2000"
        }
    );
    screenshot(&c, &format!("planner-{lang}-refused")).await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_plans_staffing_in_english() {
    planner("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_supervisor_plans_staffing_in_french() {
    planner("fr-FR", "fr").await;
}
