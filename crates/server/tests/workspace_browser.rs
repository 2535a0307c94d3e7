//! The agent workspace in real headless Chromium, with a visitor's widget
//! in a second Chromium on another origin: sign in, go available, the chat
//! arrives as a notification, accept, the summary shows every section with
//! the right data, a quick note, a timeline filter, a macro that creates a
//! case, a script step and a sub-script, messages both ways, and the end of
//! the session. A screenshot of the summary is saved under
//! `target/test-artifacts/`.

#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;
use switchboard_core::access::Role;

use support::answer;

use chromium::until;

/// axe-core on the page once its animations (an offer sliding in) have
/// finished: a half-faded element is not what a person reads.
async fn axe(c: &fantoccini::Client, state: &str) {
    until(
        c,
        "return document.getAnimations().every(a => a.playState !== 'running');",
        "animations to finish",
    )
    .await;
    chromium::axe(c, state).await;
}

/// `document.querySelector` for a test id (and optional extra selector).
fn q(testid: &str) -> String {
    format!("document.querySelector('[data-testid={testid}]')")
}

async fn click(c: &fantoccini::Client, selector: &str, what: &str) {
    until(
        c,
        &format!("const e = {selector}; if (e) {{ e.click(); return true; }} return false;"),
        what,
    )
    .await;
}

async fn type_into(c: &fantoccini::Client, selector: &str, text: &str) {
    let script = format!(
        "const e = {selector}; if (!e) return false; e.focus(); e.value = {};
         e.dispatchEvent(new Event('input', {{bubbles: true}})); return true;",
        serde_json::to_string(text).unwrap()
    );
    until(c, &script, "an input").await;
}

fn widget(body: &str) -> String {
    format!(
        "const host = document.getElementById('switchboard-widget'); const root = host && host.shadowRoot;
         if (!root) return null; {body}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_a_chat_from_notification_to_wrap_up() {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    // An advisor working around the clock and an online topic, for booking
    // a meeting from the summary.
    let advisor = app.token(Role::Agent).await;
    let hours = support::around_the_clock();
    let r = admin
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/advisors/{}", advisor.agent_id.as_ref().unwrap()),
        )
        .json(&json!({"time_zone": "UTC", "hours": hours}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let topic = admin
        .create(
            "/api/v1/topics",
            json!({"name": "Returns advice", "duration_minutes": 30, "meeting_types": ["online"]}),
        )
        .await;
    let hostile = "Zoé <img src=x onerror=\"document.title='pwned'\">";
    let ana = admin
        .create(
            "/api/v1/agents",
            json!({"name": "Ana Costa", "email": "ana@workspace.test", "roles": ["agent"], "password": "a long workspace password"}),
        )
        .await;
    // Two minutes of wrap-up after each chat, ended by the agent.
    let profile = admin
        .create(
            "/api/v1/capacity-profiles",
            json!({"name": "Chat with wrap-up", "chat_units": 3, "wrap_up_seconds": 120}),
        )
        .await;
    let (s, b) = answer(
        admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/agents/{}/routing", ana["id"].as_str().unwrap()),
            )
            .json(&json!({"capacity_profile_id": profile["id"], "skills": []}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Ana advises too: she marks her own meeting as a no-show below.
    let r = admin
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/advisors/{}", ana["id"].as_str().unwrap()),
        )
        .json(&json!({"time_zone": "UTC", "hours": hours}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Web chat", "channel": "messaging", "members": [ana["id"]]}),
        )
        .await;
    let returns = admin
        .create("/api/v1/agent-scripts", json!({"name": "Returns", "steps": [
            {"kind": "instruction", "id": "order", "title": "Find the order", "instruction": "Ask for the order number."}]}))
        .await;
    let script = admin
        .create("/api/v1/agent-scripts", json!({"name": "Web chat", "steps": [
            {"kind": "instruction", "id": "greet", "title": "Greet the customer", "instruction": "Greet them by name."},
            {"kind": "macro", "id": "case", "title": "Open a case",
             "action": {"type": "create_case", "title": "Return: {survey.topic} ({context.plan})"}},
            {"kind": "macro", "id": "hello", "title": "Say hello",
             "action": {"type": "send_message", "body": "Hello from the script"}},
            {"kind": "subscript", "id": "returns", "title": "Returns", "script_id": returns["id"]}]}))
        .await;
    let (s, b) = answer(
        admin
            .request(reqwest::Method::PUT, "/api/v1/agent-script-rules")
            .json(&json!({"rules": [{"channel": "chat", "script_id": script["id"]}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    admin
        .create(
            "/api/v1/canned-responses",
            json!({"code": "hello", "title": "Greeting", "body": "Hello! How can I help?"}),
        )
        .await;
    let w = admin
        .create(
            "/api/v1/widgets",
            json!({"name": "Shop", "allowed_origins": ["http://127.0.0.1:1"],
            "routing": {"queue_id": queue["id"]}}),
        )
        .await;
    let wid = w["id"].as_str().unwrap().to_owned();
    let port = chromium::host_site(&app.base, &wid).await;
    let (s, b) = answer(
        admin
            .request(reqwest::Method::PUT, &format!("/api/v1/widgets/{wid}"))
            .json(&json!({"name": "Shop", "allowed_origins": [format!("http://127.0.0.1:{port}")],
                "routing": {"queue_id": queue["id"]},
                "survey": [
                    {"id": "name", "type": "text", "label": {"en": "Your name"}, "required": true},
                    {"id": "email", "type": "email", "label": {"en": "Email"}, "required": true},
                    {"id": "topic", "type": "choice", "label": {"en": "Topic"}, "choices": ["Orders", "Returns"]}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    let driver = chromium::driver().await;
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let agent = chromium::browser(&driver, p1.path()).await;
    agent.set_window_size(1440, 1000).await.unwrap();

    // Sign in and go available.
    agent
        .goto(&format!("{}/agent?lang=en", app.base))
        .await
        .unwrap();
    agent
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("[data-testid=email]"))
        .await
        .unwrap();
    axe(&agent, "the workspace, signed out").await;
    agent
        .find(Locator::Css("[data-testid=email]"))
        .await
        .unwrap()
        .send_keys("ana@workspace.test")
        .await
        .unwrap();
    agent
        .find(Locator::Css("[data-testid=password]"))
        .await
        .unwrap()
        .send_keys("a long workspace password")
        .await
        .unwrap();
    agent
        .find(Locator::Css("[data-testid=signin-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &agent,
        &format!("return {}.textContent;", q("agent-name")),
        "the agent's name",
    )
    .await;
    until(
        &agent,
        &format!(
            "return {}.getAttribute('data-state') === 'online';",
            q("connection")
        ),
        "the live connection",
    )
    .await;
    // Signing in leaves the focus on the presence, not on <body>.
    assert_eq!(
        agent
            .execute(
                "return document.activeElement && document.activeElement.getAttribute('data-testid');",
                vec![]
            )
            .await
            .unwrap(),
        json!("presence")
    );
    axe(&agent, "the workspace, signed in").await;
    agent
        .execute(
            &format!("const p = {}; p.value = 'available'; p.dispatchEvent(new Event('change', {{bubbles: true}})); return true;", q("presence")),
            vec![],
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let engine_presence = app
            .running
            .state
            .engine
            .presence(ana["id"].as_str().unwrap())
            .await
            .unwrap();
        if engine_presence == switchboard_core::routing::Presence::Available {
            break;
        }
        assert!(Instant::now() < deadline, "presence was not set");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A visitor browses the shop and starts a chat from the widget.
    let visitor = chromium::browser(&driver, p2.path()).await;
    // Each visit is recorded before the next page loads (a navigation may
    // cancel a request still in flight).
    let pages_recorded = |n: i64| {
        let db = app.db().clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let count: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM journey_events WHERE kind = 'page'")
                        .fetch_one(db.pool())
                        .await
                        .unwrap();
                if count >= n {
                    return;
                }
                assert!(Instant::now() < deadline, "page visit {n} was not recorded");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    visitor
        .goto(&format!("http://127.0.0.1:{port}/?page=1"))
        .await
        .unwrap();
    pages_recorded(1).await;
    visitor
        .goto(&format!("http://127.0.0.1:{port}/?page=2"))
        .await
        .unwrap();
    pages_recorded(2).await;
    until(&visitor, &widget("const l = root.querySelector('[data-testid=launcher]'); if (l) { l.click(); return true; } return false;"), "the launcher").await;
    until(
        &visitor,
        &widget("return root.querySelector('[data-testid=survey-form]') !== null;"),
        "the survey",
    )
    .await;
    visitor
        .execute(
            &widget(&format!(
                "const set = (id, v) => {{ const i = root.querySelector('[data-testid=question-' + id + ']');
                    i.value = v; i.dispatchEvent(new Event('input', {{bubbles: true}})); i.dispatchEvent(new Event('change', {{bubbles: true}})); }};
                 set('name', {}); set('email', 'zoe@example.com'); set('topic', 'Returns');
                 root.querySelector('[data-testid=start-chat]').click(); return true;",
                serde_json::to_string(hostile).unwrap()
            )),
            vec![],
        )
        .await
        .unwrap();

    // The notification, then accept.
    let name = until(
        &agent,
        &format!("const t = {}; return t && t.textContent;", q("toast")),
        "the notification",
    )
    .await;
    assert!(name.as_str().unwrap().contains("Zoé <img"), "{name}");
    assert!(
        name.as_str().unwrap().contains("Web chat"),
        "the queue: {name}"
    );
    axe(&agent, "an offer shown").await;
    click(&agent, &q("toast-accept"), "accept").await;
    until(
        &agent,
        &format!("return {} !== null;", q("section-customer")),
        "the summary",
    )
    .await;

    // Every section, with the right data.
    let customer = until(
        &agent,
        &format!(
            "const e = {}; return e && e.textContent;",
            q("customer-name")
        ),
        "the customer's name",
    )
    .await;
    assert!(
        customer.as_str().unwrap().contains("Zoé <img"),
        "{customer}"
    );
    let survey = until(
        &agent,
        "const a = Array.from(document.querySelectorAll('[data-testid=survey-answer]')).map(e => e.textContent).join('|'); return a.includes('Returns') && a;",
        "the survey answers",
    )
    .await;
    assert!(
        survey.as_str().unwrap().contains("zoe@example.com"),
        "{survey}"
    );
    click(&agent, &q("tab-journey"), "the self-service tab").await;
    let journey = until(&agent, "return Array.from(document.querySelectorAll('[data-testid=journey-item]')).map(e => e.textContent).join('|');", "the journey").await;
    let visits: Vec<&str> = journey.as_str().unwrap().split('|').collect();
    assert_eq!(visits.len(), 2, "two pages visited: {journey}");
    assert!(
        visits.iter().all(|v| v.contains("Northwind Outfitters")),
        "{journey}"
    );
    click(&agent, &q("tab-visitor"), "the visitor tab").await;
    let browser = until(&agent, "const e = document.querySelector('[data-testid=visitor-detail][data-key=browser]'); return e && e.textContent;", "visitor details").await;
    assert!(browser.as_str().unwrap().contains("Chrome"), "{browser}");
    click(&agent, &q("tab-context"), "the additional details tab").await;
    let plan = until(&agent, "const e = document.querySelector('[data-testid=context-item][data-key=plan]'); return e && e.textContent;", "context variables").await;
    assert!(plan.as_str().unwrap().contains("gold"), "{plan}");
    for section in ["section-timeline", "script", "messages"] {
        until(&agent, &format!("return {} !== null;", q(section)), section).await;
    }
    axe(&agent, "a chat open beside its summary and script").await;
    for section in [
        "section-conversation",
        "section-case",
        "section-recent-cases",
        "section-meetings",
        "section-timeline",
        "script",
    ] {
        until(&agent, &format!("return {} !== null;", q(section)), section).await;
    }

    // A quick note appears in the timeline at once.
    type_into(&agent, &q("note-input"), "Customer wants to return boots").await;
    click(&agent, &q("note-submit"), "add the note").await;
    until(
        &agent,
        "return Array.from(document.querySelectorAll('[data-testid=timeline-item]')).some(e => e.textContent.includes('Customer wants to return boots'));",
        "the note in the timeline",
    )
    .await;
    // Script: mark a step done, run the macro that opens a case, open the sub-script.
    click(&agent, "document.querySelector('[data-testid=script-step][data-step=greet] [data-testid=step-done]')", "mark greet done").await;
    until(&agent, "const s = document.querySelector('[data-testid=script-step][data-step=greet]'); return s && s.getAttribute('data-done') === 'true';", "the done step").await;
    click(&agent, "document.querySelector('[data-testid=script-step][data-step=case] [data-testid=step-run]')", "run the macro").await;
    let case = until(
        &agent,
        &format!("const e = {}; return e && e.textContent;", q("case-title")),
        "the new case",
    )
    .await;
    assert_eq!(case.as_str().unwrap().trim(), "Return: Returns (gold)");
    // A macro that only sends a message: its note shows in the timeline
    // at once, without touching a filter.
    click(&agent, "document.querySelector('[data-testid=script-step][data-step=hello] [data-testid=step-run]')", "run the message macro").await;
    until(
        &agent,
        "return Array.from(document.querySelectorAll('[data-testid=timeline-item]')).some(e => e.textContent.includes('Macro: Say hello'));",
        "the message macro's note in the timeline",
    )
    .await;
    until(
        &agent,
        "return Array.from(document.querySelectorAll('[data-testid=timeline-item]')).some(e => e.textContent.includes('Macro: Open a case'));",
        "the case macro's note still there",
    )
    .await;
    axe(&agent, "the script after two macros").await;
    // Screenshot of the full summary (a test artifact).
    let png = agent.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("workspace-summary.png"), &png).unwrap();
    assert!(png.len() > 10_000, "a real screenshot");
    // Filtering by the case: its entries, not the customer's note.
    click(
        &agent,
        "document.querySelector('[data-testid=timeline-filter][data-scope=case]')",
        "the case filter",
    )
    .await;
    until(
        &agent,
        "const f = document.querySelector('[data-testid=timeline-filter][data-scope=case]');
         return (f.getAttribute('aria-pressed') === 'true' || f.classList.contains('active') || f.getAttribute('aria-selected') === 'true')
           && !Array.from(document.querySelectorAll('[data-testid=timeline-item]')).some(e => e.textContent.includes('Customer wants to return boots'))
           && Array.from(document.querySelectorAll('[data-testid=timeline-item]')).some(e => e.textContent.includes('Macro: Open a case'));",
        "the filtered timeline",
    )
    .await;
    axe(&agent, "the timeline filtered by case").await;
    click(
        &agent,
        "document.querySelector('[data-testid=timeline-filter][data-scope=all]')",
        "the all filter",
    )
    .await;

    // Book a meeting for the customer from the summary, then cancel it as
    // staff (no notice to the customer).
    click(&agent, &q("meeting-book-open"), "book a meeting").await;
    until(
        &agent,
        &format!("return {} !== null;", q("meeting-topic")),
        "the booking form",
    )
    .await;
    agent
        .execute(
            "const d = document.querySelector('[data-testid=meeting-date]');
             const t = new Date(Date.now() + 86400000);
             d.value = [t.getFullYear(), String(t.getMonth() + 1).padStart(2, '0'), String(t.getDate()).padStart(2, '0')].join('-');",
            vec![],
        )
        .await
        .unwrap();
    click(&agent, &q("meeting-find"), "find times").await;
    click(&agent, &q("meeting-slot"), "the first free time").await;
    type_into(&agent, &q("meeting-notes"), "Bring the boots").await;
    agent
        .execute(
            "document.querySelector('[data-testid=section-meetings]').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    let png = agent.screenshot().await.unwrap();
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/test-artifacts/workspace-meeting.png"),
        &png,
    )
    .unwrap();
    axe(&agent, "the meeting booking form").await;
    click(
        &agent,
        "document.querySelector('[data-testid=meeting-book]:not(:disabled)')",
        "book",
    )
    .await;
    let meeting = until(
        &agent,
        "const e = document.querySelector('[data-testid=meeting][data-state=scheduled]'); return e && e.getAttribute('data-meeting');",
        "the booked meeting in the summary",
    )
    .await;
    let meeting = admin
        .ok(&format!("/api/v1/meetings/{}", meeting.as_str().unwrap()))
        .await;
    assert_eq!(meeting["booked_by"], "Ana Costa");
    assert_eq!(meeting["customer_notes"], "Bring the boots");
    assert_eq!(meeting["topic"]["name"], "Returns advice");
    // A meeting of Ana's with this customer that has started: booked three
    // days ahead through the API, then its time moved to two hours ago (a
    // meeting cannot be booked in the past). The list shows it once the
    // cancellation below refreshes it.
    let ahead = jiff::Timestamp::now().as_second() / 3600 * 3600 + 72 * 3600;
    let missed = admin
        .create(
            "/api/v1/meetings",
            json!({"contact_id": meeting["contact_id"], "topic_id": topic["id"], "meeting_type": "online",
                   "start": jiff::Timestamp::from_second(ahead).unwrap().to_string(),
                   "advisor_ids": [ana["id"]]}),
        )
        .await;
    let missed_id = missed["id"].as_str().unwrap().to_owned();
    let ago = |mins: i64| {
        switchboard_core::time::format(
            jiff::Timestamp::now() - jiff::SignedDuration::from_mins(mins),
        )
    };
    for (table, key) in [("meetings", "id"), ("meeting_advisors", "meeting_id")] {
        sqlx::query(&format!(
            "UPDATE {table} SET starts_at = $1, ends_at = $2 WHERE {key} = $3"
        ))
        .bind(ago(120))
        .bind(ago(90))
        .bind(missed_id.clone())
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    click(&agent, &q("meeting-cancel"), "cancel the meeting").await;
    until(
        &agent,
        "return document.querySelector('[data-testid=meeting][data-state=cancelled]') !== null;",
        "the cancelled meeting",
    )
    .await;
    let meeting = admin
        .ok(&format!(
            "/api/v1/meetings/{}",
            meeting["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (&meeting["state"], &meeting["cancel_path"]),
        (&json!("cancelled"), &json!("staff"))
    );
    // Ana marks her missed meeting as a no-show, and undoes it.
    let row =
        format!("document.querySelector('[data-testid=meeting][data-meeting=\"{missed_id}\"]')");
    click(
        &agent,
        &format!("{row}?.querySelector('[data-testid=meeting-no-show]')"),
        "mark as no-show",
    )
    .await;
    let text = until(
        &agent,
        &format!("const e = {row}; return e && e.getAttribute('data-state') === 'no_show' ? e.textContent : null;"),
        "the meeting shown as a no-show",
    )
    .await;
    assert!(text.as_str().unwrap().contains("No-show"), "{text}");
    assert!(text.as_str().unwrap().contains("Undo no-show"), "{text}");
    let marked = admin.ok(&format!("/api/v1/meetings/{missed_id}")).await;
    assert_eq!(marked["no_show_by"], ana["id"], "{marked}");
    axe(&agent, "a meeting marked as a no-show").await;
    click(
        &agent,
        &format!("{row}?.querySelector('[data-testid=meeting-undo-no-show]')"),
        "undo the no-show",
    )
    .await;
    until(
        &agent,
        &format!("const e = {row}; return e && e.getAttribute('data-state') === 'completed' && e.querySelector('[data-testid=meeting-no-show]') !== null;"),
        "the meeting completed again",
    )
    .await;

    click(&agent, "document.querySelector('[data-testid=script-step][data-step=returns] [data-testid=step-open]')", "open the sub-script").await;
    until(
        &agent,
        "return document.querySelector('[data-testid=script-step][data-step=order]') !== null;",
        "the sub-script's steps",
    )
    .await;
    axe(&agent, "a sub-script").await;
    click(&agent, &q("script-back"), "back to the script").await;
    until(
        &agent,
        "return document.querySelector('[data-testid=script-step][data-step=greet]') !== null;",
        "the main script",
    )
    .await;

    // Messages both ways; a canned response; hostile text stays text.
    type_into(&agent, &q("composer"), "Hi! Which order is it?").await;
    click(&agent, &q("send"), "send").await;
    until(
        &visitor,
        &widget("return Array.from(root.querySelectorAll('[data-testid=message]')).some(m => m.textContent === 'Hi! Which order is it?');"),
        "the agent's message in the widget",
    )
    .await;
    visitor
        .execute(
            &widget(
                "const i = root.querySelector('[data-testid=composer]'); i.value = 'Order 42 <script>alert(1)</script>';
                 i.dispatchEvent(new Event('input', {bubbles: true}));
                 root.querySelector('[data-testid=send]').click(); return true;",
            ),
            vec![],
        )
        .await
        .unwrap();
    until(
        &agent,
        "return Array.from(document.querySelectorAll('[data-testid=message][data-sender=visitor]')).some(m => m.textContent === 'Order 42 <script>alert(1)</script>');",
        "the visitor's message in the workspace",
    )
    .await;
    click(&agent, &q("canned-button"), "canned responses").await;
    until(
        &agent,
        &format!("return {} !== null;", q("canned-item")),
        "the canned responses",
    )
    .await;
    axe(&agent, "the canned responses open").await;
    click(&agent, &q("canned-item"), "a canned response").await;
    let composer = until(
        &agent,
        &format!("return {}.value;", q("composer")),
        "the canned text",
    )
    .await;
    assert!(
        composer
            .as_str()
            .unwrap()
            .contains("Hello! How can I help?"),
        "{composer}"
    );
    assert_eq!(
        agent
            .execute(
                "return document.querySelectorAll('main img').length;",
                vec![]
            )
            .await
            .unwrap(),
        json!(0)
    );
    assert_ne!(agent.title().await.unwrap(), "pwned");

    // End the chat, then wrap up: the session closes.
    click(&agent, &q("end-chat"), "end the chat").await;
    until(
        &visitor,
        &widget("return host.getAttribute('data-state') === 'ended';"),
        "the visitor told",
    )
    .await;
    // The chat's transcript tops the timeline (newest first) at once.
    let first = until(
        &agent,
        "const e = document.querySelector('[data-testid=timeline-item]');
         return e && e.getAttribute('data-kind') === 'conversation' && e.textContent;",
        "the transcript on top of the timeline",
    )
    .await;
    assert!(
        first.as_str().unwrap().contains("Hi! Which order is it?"),
        "{first}"
    );
    axe(&agent, "a chat ended, in wrap-up").await;
    click(&agent, &q("wrap-up"), "wrap-up done").await;
    until(
        &agent,
        &format!("return {} === null;", q("session-tab")),
        "the session closed",
    )
    .await;
    axe(&agent, "no open session").await;
    let contact = app
        .db()
        .conversation_by_work_item(
            &app.db()
                .open_conversations()
                .await
                .unwrap()
                .first()
                .map(|c| c.work_item_id.clone())
                .unwrap_or_default(),
        )
        .await
        .unwrap();
    assert!(contact.is_none(), "no conversation left open");

    agent.close().await.unwrap();
    visitor.close().await.unwrap();
    app.stop().await;
}

/// Opens /agent, signs in and goes available (checked in the engine).
async fn sign_in_available(
    app: &support::TestApp,
    c: &fantoccini::Client,
    email: &str,
    agent_id: &str,
) {
    c.goto(&format!("{}/agent?lang=en", app.base))
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("[data-testid=email]"))
        .await
        .unwrap();
    type_into(c, &q("email"), email).await;
    type_into(c, &q("password"), "a long workspace password").await;
    click(c, &q("signin-submit"), "sign in").await;
    until(
        c,
        &format!(
            "return {}.getAttribute('data-state') === 'online';",
            q("connection")
        ),
        "the live connection",
    )
    .await;
    c.execute(
        &format!("const p = {}; p.value = 'available'; p.dispatchEvent(new Event('change', {{bubbles: true}})); return true;", q("presence")),
        vec![],
    )
    .await
    .unwrap();
    // Available, or already busy with the work that was waiting.
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.running.state.engine.presence(agent_id).await.unwrap()
        == switchboard_core::routing::Presence::Offline
    {
        assert!(Instant::now() < deadline, "presence was not set");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An agent with a password, a capacity profile and a voice queue of their own.
async fn voice_agent(
    admin: &support::Caller,
    email: &str,
    wrap_up_seconds: u32,
) -> (String, String) {
    let agent = admin
        .create(
            "/api/v1/agents",
            json!({"name": "Vera Voss", "email": email, "roles": ["agent"], "password": "a long workspace password"}),
        )
        .await;
    let id = agent["id"].as_str().unwrap().to_owned();
    let profile = admin
        .create(
            "/api/v1/capacity-profiles",
            json!({"name": format!("Phones {email}"), "chat_units": 1, "voice_units": 1,
                   "voice_blocks_others": true, "wrap_up_seconds": wrap_up_seconds}),
        )
        .await;
    let (s, b) = answer(
        admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/agents/{id}/routing"),
            )
            .json(&json!({"capacity_profile_id": profile["id"], "skills": []}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Phones", "channel": "voice", "members": [id]}),
        )
        .await;
    (id, queue["id"].as_str().unwrap().to_owned())
}

/// The walk: after a call, "Wrap-up done" kept the agent busy for the
/// whole wrap-up (30 s in the demo) while a caller waited. With ten
/// minutes of wrap-up configured, the next call must still be offered as
/// soon as the agent says they are done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrap_up_done_after_a_call_offers_the_next_waiting_call_at_once() {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let (vera, queue) = voice_agent(&admin, "vera@workspace.test", 600).await;
    let mut items = Vec::new();
    // Two calls waiting, made on the engine as the voice channel makes
    // them: the caller's number is an attribute only Switchboard may write
    // (the API refuses it, issue 13).
    for caller in ["+33612345001", "+33612345002"] {
        let it = app
            .running
            .state
            .engine
            .create(switchboard_server::routing::engine::NewWorkItem {
                channel: "voice".into(),
                kind: "normal".into(),
                contact_id: None,
                attributes: std::collections::BTreeMap::from([(
                    "caller".to_owned(),
                    caller.to_owned(),
                )]),
                queue_id: Some(queue.clone()),
                skills: None,
                skill_match: None,
                priority: None,
            })
            .await
            .unwrap();
        items.push(it.id);
    }

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let agent = chromium::browser(&driver, profile.path()).await;
    agent.set_window_size(1440, 1000).await.unwrap();
    sign_in_available(&app, &agent, "vera@workspace.test", &vera).await;

    // The first call is offered (the caller's number names it), accepted.
    let toast = until(
        &agent,
        &format!(
            "const t = document.querySelector('[data-testid=toast][data-work-item=\"{}\"]'); return t && t.textContent;",
            items[0]
        ),
        "the first call's offer",
    )
    .await;
    assert!(toast.as_str().unwrap().contains("+33612345001"), "{toast}");
    axe(&agent, "a call offered").await;
    click(&agent, &q("toast-accept"), "accept").await;
    let number = until(
        &agent,
        "const e = document.querySelector('[data-testid=call-number]'); return e && e.textContent;",
        "the call panel",
    )
    .await;
    assert_eq!(number, json!("+33612345001"));
    // Accepting focuses the call, not "Wrap-up done" (a stray key would
    // end a live call).
    until(
        &agent,
        "return document.activeElement && document.activeElement.getAttribute('data-testid') === 'call-panel';",
        "the focus on the call",
    )
    .await;
    let tab = until(
        &agent,
        &format!("const e = {}; return e && e.textContent;", q("session-tab")),
        "the session tab",
    )
    .await;
    assert!(tab.as_str().unwrap().contains("+33612345001"), "{tab}");
    axe(&agent, "a call session").await;
    assert_eq!(
        admin.ok(&format!("/api/v1/work-items/{}", items[1])).await["status"],
        "queued",
        "one call at a time"
    );

    // Done: the session closes and the waiting call is offered now, not
    // when the ten minutes of wrap-up would have run out.
    click(&agent, &q("wrap-up"), "wrap-up done").await;
    until(
        &agent,
        &format!(
            "return document.querySelector('[data-testid=toast][data-work-item=\"{}\"]') !== null
               && document.querySelector('[data-testid=session-tab]') === null;",
            items[1]
        ),
        "the next call offered at once",
    )
    .await;
    assert_eq!(
        admin.ok(&format!("/api/v1/work-items/{}", items[0])).await["status"],
        "closed"
    );
    axe(&agent, "the next call offered after wrap-up").await;
    agent.close().await.unwrap();
    app.stop().await;
}

// ------------------------------------------------------------ real calls
// SIPp (Debian's sip-tester) plays the caller and the agent's softphone,
// as in tests/api/voice.rs.

fn sipp_scenario(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

use support::free_port;

fn sipp(
    app: &support::TestApp,
    scenario: &std::path::Path,
    port: u16,
    args: &[&str],
) -> tokio::process::Child {
    let sip = app.running.state.voice.as_ref().expect("voice on").sip.addr;
    let mut cmd = tokio::process::Command::new("sipp");
    cmd.arg(sip.to_string())
        .arg("-sf")
        .arg(scenario)
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-m", "1", "-nostdin"])
        .args(["-p", &port.to_string(), "-mp", &free_port().to_string()])
        .args(["-timeout", "120s", "-timeout_error"])
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn().expect("sipp runs (Debian package sip-tester)")
}

async fn sipp_succeeded(child: tokio::process::Child, what: &str) {
    let out = tokio::time::timeout(Duration::from_secs(150), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{what}: sipp did not finish"))
        .unwrap();
    assert!(
        out.status.success(),
        "{what}: sipp failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The walk: a call showed "This work item has no chat", nothing about the
/// call, and its unknown caller could not be linked. Now the session shows
/// the number, the state, a running timer, then how the call ended; the
/// agent creates the caller's contact from the number, or links another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_shows_its_state_timer_and_end_and_its_unknown_caller_gets_a_contact() {
    let prompts = tempfile::tempdir().unwrap();
    let cache = prompts.path().to_path_buf();
    let app = support::spawn_sqlite_with(&move |c: &mut switchboard_server::Config| {
        c.voice.sip_listen = Some("127.0.0.1:0".parse().unwrap());
        c.voice.trunks = vec!["127.0.0.1".parse().unwrap()];
        c.voice.prompt_cache = cache.clone();
        c.voice.ring_timeout = Duration::from_secs(15);
    })
    .await;
    let admin = app.token(Role::Admin).await;
    let (vera, queue) = voice_agent(&admin, "vera@calls.test", 600).await;
    app.running
        .state
        .voice
        .as_ref()
        .unwrap()
        .set_inbound_queue(Some(queue));
    let existing = admin
        .create(
            "/api/v1/contacts",
            json!({"first_name": "Marc", "last_name": "Petit", "email": "marc@example.com"}),
        )
        .await;
    let sip_user = format!("vera{}", free_port());
    let (s, b) = answer(
        admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/agents/{vera}/sip-account"),
            )
            .json(&json!({"username": sip_user, "password": "correct-horse-battery"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Vera's softphone listens and registers.
    let phone_port = free_port();
    let phone = sipp(&app, &sipp_scenario("phone.xml"), phone_port, &[]);
    let register = std::fs::read_to_string(sipp_scenario("register.xml"))
        .unwrap()
        .replace("{user}", &sip_user)
        .replace("{password}", "correct-horse-battery")
        .replace("{contact_port}", &phone_port.to_string())
        .replace("{expect}", "200");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("register.xml"), register).unwrap();
    sipp_succeeded(
        sipp(&app, &dir.path().join("register.xml"), free_port(), &[]),
        "REGISTER",
    )
    .await;

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let agent = chromium::browser(&driver, profile.path()).await;
    agent.set_window_size(1440, 1000).await.unwrap();
    sign_in_available(&app, &agent, "vera@calls.test", &vera).await;

    // An unknown number calls and talks for 12 s after being answered.
    let caller = sipp(
        &app,
        &sipp_scenario("caller.xml"),
        free_port(),
        &[
            "-key",
            "caller",
            "+33698765432",
            "-s",
            "support",
            "-d",
            "12000",
        ],
    );
    let toast = until(
        &agent,
        &format!("const t = {}; return t && t.textContent;", q("toast")),
        "the call's offer",
    )
    .await;
    assert!(toast.as_str().unwrap().contains("+33698765432"), "{toast}");
    click(&agent, &q("toast-accept"), "accept").await;

    // Connected: the number, the state and a running timer.
    until(
        &agent,
        "const p = document.querySelector('[data-testid=call-panel]');
         const t = document.querySelector('[data-testid=call-timer]');
         return p && p.getAttribute('data-state') === 'connected' && t && /^\\d+:\\d\\d$/.test(t.textContent);",
        "the connected call with its timer",
    )
    .await;
    let panel = until(
        &agent,
        &format!("const e = {}; return e && e.textContent;", q("call-panel")),
        "the call panel",
    )
    .await;
    let panel = panel.as_str().unwrap();
    assert!(panel.contains("+33698765432"), "{panel}");
    assert!(
        panel.contains("Inbound call") && panel.contains("Connected"),
        "{panel}"
    );
    let name = until(
        &agent,
        &format!(
            "const e = {}; return e && e.textContent;",
            q("customer-name")
        ),
        "the customer's name",
    )
    .await;
    assert_eq!(name, json!("Unknown caller"));
    axe(&agent, "a connected call").await;
    let png = agent.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("workspace-call-connected.png"), &png).unwrap();

    // The caller hangs up: how long and who, for as long as the tab is open.
    let ended = until(
        &agent,
        &format!("const e = {}; return e && e.textContent;", q("call-ended")),
        "the end of the call",
    )
    .await;
    let ended = ended.as_str().unwrap();
    assert!(
        ended.starts_with("Call ended · 0:") && ended.ends_with("· the customer hung up"),
        "{ended}"
    );
    sipp_succeeded(caller, "caller").await;
    sipp_succeeded(phone, "agent's phone").await;
    axe(&agent, "an ended call").await;
    let png = agent.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("workspace-call-ended.png"), &png).unwrap();

    // Create contact: the number is already there.
    click(&agent, &q("create-contact"), "create contact").await;
    let number = until(
        &agent,
        &format!(
            "const e = {}; return e && e.value;",
            q("contact-create-phone")
        ),
        "the prefilled number",
    )
    .await;
    assert_eq!(number, json!("+33698765432"));
    axe(&agent, "the create contact form").await;
    type_into(&agent, &q("contact-create-first"), "Inès").await;
    type_into(&agent, &q("contact-create-last"), "Moreau").await;
    click(&agent, &q("contact-create-submit"), "create").await;
    until(
        &agent,
        &format!(
            "const e = {}; return e && e.textContent === 'Inès Moreau';",
            q("customer-name")
        ),
        "the new contact in the summary",
    )
    .await;
    let item = agent
        .execute(
            "return document.querySelector('[data-testid=session]').getAttribute('data-work-item');",
            vec![],
        )
        .await
        .unwrap();
    let item = item.as_str().unwrap();
    let call = admin.ok(&format!("/api/v1/work-items/{item}/call")).await;
    let contact = admin
        .ok(&format!(
            "/api/v1/contacts/{}",
            call["contact_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (&contact["first_name"], &contact["phone"]),
        (&json!("Inès"), &json!("+33698765432"))
    );
    axe(&agent, "a call linked to a new contact").await;

    // Change contact: search and link an existing one instead.
    click(&agent, &q("change-contact"), "change contact").await;
    type_into(&agent, &q("contact-search"), "Petit").await;
    click(
        &agent,
        "document.querySelector('[data-testid=contact-form] button[type=submit]')",
        "search",
    )
    .await;
    click(
        &agent,
        &format!(
            "document.querySelector('[data-testid=contact-result][data-contact=\"{}\"] [data-testid=contact-link]')",
            existing["id"].as_str().unwrap()
        ),
        "link Marc",
    )
    .await;
    until(
        &agent,
        &format!(
            "const e = {}; return e && e.textContent === 'Marc Petit';",
            q("customer-name")
        ),
        "the linked contact in the summary",
    )
    .await;
    assert_eq!(
        admin.ok(&format!("/api/v1/work-items/{item}/call")).await["contact_id"],
        existing["id"]
    );
    axe(&agent, "a call linked to an existing contact").await;
    click(&agent, &q("wrap-up"), "wrap-up done").await;
    until(
        &agent,
        &format!("return {} === null;", q("session-tab")),
        "the session closed",
    )
    .await;
    agent.close().await.unwrap();
    app.stop().await;
}
