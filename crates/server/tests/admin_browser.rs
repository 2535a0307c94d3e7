//! The admin center (`/admin`) in real headless Chromium, in English and in
//! French: an admin signs in at `/` and is taken to `/admin`, creates a
//! skill and an agent with it, a voice queue with operating hours, a
//! holiday and direct-callback overflows (after a refused attempt with its
//! hours the wrong way round), a chat queue, two routing rules that it then
//! reorders by keyboard; a widget with a pre-chat survey field and the
//! proactive switch on, and a proactive rule (after a refused attempt with
//! a regular expression that does not compile). Each refused form shows
//! the message beside its field and saves nothing; everything saved is
//! read back through the API. On the Integrations screen, a webhook is
//! registered and its test event reaches a receiver, signed. Screenshots
//! of each screen are saved under
//! `target/test-artifacts/` (`admin-<lang>-<screen>.png`).

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

use admin::{click, error_beside, invalid_count, last, q, save, screen_ready, screenshot, set};
use chromium::{axe, until};
use support::{Caller, TestApp};

const PASSWORD: &str = "a long admin password";

/// Runs the routing rule tester; answers its verdict once shown.
async fn route_test(c: &Client) -> String {
    click(c, &q("route-test-run"), "test the routing rules").await;
    let v = until(
        c,
        "const v = document.querySelector('[data-testid=route-test-verdict]'); return v ? v.textContent : null;",
        "the routing tester's answer",
    )
    .await;
    v.as_str().unwrap().to_owned()
}

/// Runs the proactive rule tester; answers whether it invites, and its verdict.
async fn proactive_test(c: &Client) -> (String, String) {
    click(c, &q("proactive-test-run"), "test the proactive rules").await;
    let v = until(
        c,
        "const v = document.querySelector('[data-testid=proactive-test-verdict]'); return v ? [v.getAttribute('data-invites'), v.textContent] : null;",
        "the proactive tester's answer",
    )
    .await;
    (
        v[0].as_str().unwrap().to_owned(),
        v[1].as_str().unwrap().to_owned(),
    )
}

async fn scene() -> (TestApp, Caller) {
    let app = support::spawn_sqlite().await;
    let api = app.token(Role::Admin).await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Ada Admin", "email": "ada@admin.test", "roles": ["admin"], "password": PASSWORD}),
    )
    .await;
    (app, api)
}

/// Signs in at `/` as Ada, the admin, and waits to be taken to `/admin`.
async fn sign_in(c: &Client, app: &TestApp, wait: Duration) {
    c.goto(&format!("{}/", app.base)).await.unwrap();
    c.wait()
        .at_most(wait)
        .for_element(Locator::Css("#email"))
        .await
        .unwrap();
    c.find(Locator::Css("#email"))
        .await
        .unwrap()
        .send_keys("ada@admin.test")
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        c,
        "return location.pathname === '/admin';",
        "the admin center",
    )
    .await;
}

async fn journey(language: &str, lang: &str) {
    let (app, api) = scene().await;
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 1600).await.unwrap();
    let wait = Duration::from_secs(15);

    // Sign in at / and be taken to /admin.
    sign_in(&c, &app, wait).await;
    screen_ready(&c, "people").await;
    assert_eq!(
        c.execute("return document.documentElement.lang;", vec![])
            .await
            .unwrap(),
        json!(lang)
    );
    let heading = c
        .execute(
            "return document.querySelector('[data-screen] h1').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        heading,
        json!(if lang == "fr" { "Personnes" } else { "People" })
    );

    // ------------------------------------------------------------ people
    set(&c, &q("skill-name"), "Billing").await;
    save(&c, "skill-add", "add the skill").await;
    until(
        &c,
        "return document.querySelector('[data-screen=people][data-ready] [data-testid=skill]');",
        "the new skill",
    )
    .await;
    let skills = api.ok("/api/v1/skills").await;
    assert_eq!(skills.as_array().unwrap().len(), 1);
    assert_eq!(skills[0]["name"], "Billing");
    let skill = skills[0]["id"].as_str().unwrap().to_owned();

    set(&c, &q("agent-name"), "Nora Novak").await;
    set(&c, &q("agent-email"), "nora@admin.test").await;
    set(&c, &q("agent-password"), "nora's long password").await;
    click(&c, &q("add-skill"), "add a skill row").await;
    set(
        &c,
        &last("agent-skills", "[data-testid=skill-pick]"),
        &skill,
    )
    .await;
    // A proficiency out of range: refused beside it, and no agent saved
    // (the agent and its skills are one request).
    set(
        &c,
        &last("agent-skills", "[data-testid=skill-proficiency]"),
        "11",
    )
    .await;
    click(&c, &q("agent-save"), "save the agent").await;
    assert!(
        !error_beside(&c, &last("agent-skills", "[data-testid=skill-proficiency]"))
            .await
            .is_empty()
    );
    assert!(
        !api.ok("/api/v1/agents?limit=200")
            .await
            .to_string()
            .contains("nora@admin.test"),
        "nothing saved half-way"
    );
    set(
        &c,
        &last("agent-skills", "[data-testid=skill-proficiency]"),
        "7",
    )
    .await;
    save(&c, "agent-save", "save the agent").await;
    until(
        &c,
        "return Array.from(document.querySelectorAll('[data-testid=agent-row]')).some(r => r.textContent.includes('nora@admin.test'));",
        "the agent in the list",
    )
    .await;
    let agents = api.ok("/api/v1/agents?limit=200").await;
    let nora = agents["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "nora@admin.test")
        .expect("the agent was created")
        .clone();
    assert_eq!(nora["name"], "Nora Novak");
    assert_eq!(nora["roles"], json!(["agent"]));
    assert_eq!(nora["active"], true);
    let nora_id = nora["id"].as_str().unwrap().to_owned();
    let routing = api.ok(&format!("/api/v1/agents/{nora_id}/routing")).await;
    assert_eq!(
        routing["skills"],
        json!([{"skill_id": skill, "proficiency": 7}])
    );
    // Her new password works.
    let (s, _) = support::sign_in(
        &app,
        &reqwest::Client::new(),
        "nora@admin.test",
        "nora's long password",
    )
    .await;
    assert_eq!(s, 200);
    axe(&c, "the people screen").await;
    screenshot(&c, &format!("admin-{lang}-people")).await;

    // ------------------------------------------------------------ routing
    // A supervisor to put on the queue (the picker offers only supervisors).
    let sue_id = api
        .create(
            "/api/v1/agents",
            json!({"name": "Sue Supervisor", "email": "sue@admin.test", "roles": ["supervisor"], "password": "sue's long password"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    click(&c, &q("nav-routing"), "the routing section").await;
    screen_ready(&c, "routing").await;
    set(&c, &q("queue-name"), "Phones").await;
    set(&c, &q("queue-channel"), "voice").await;
    // Voice queues may ask callers to rate the call (issue 16).
    set(&c, &q("queue-csat-survey"), "on").await;
    set(&c, &q("queue-has-hours"), "on").await;
    set(&c, &q("queue-tz"), "Europe/Paris").await;
    set(&c, &q("queue-holidays"), "2026-12-25").await;
    click(&c, &q("add-hours"), "add opening hours").await;
    set(
        &c,
        &last("queue-weekly", "[data-testid=hours-day]"),
        "tuesday",
    )
    .await;
    // The wrong way round first: refused beside the field, nothing saved.
    set(
        &c,
        &last("queue-weekly", "[data-testid=hours-from]"),
        "17:00",
    )
    .await;
    set(&c, &last("queue-weekly", "[data-testid=hours-to]"), "09:00").await;
    set(&c, &q("overflow-waiting_time_exceeds"), "direct_callback").await;
    set(&c, &q("overflow-waiting_time_exceeds-seconds"), "300").await;
    set(
        &c,
        &format!("document.querySelector('[data-testid=queue-member][value=\"{nora_id}\"]')"),
        "on",
    )
    .await;
    assert_eq!(
        c.execute(
            &format!("return [!!document.querySelector('[data-testid=queue-supervisor][value=\"{nora_id}\"]'), document.querySelectorAll('[data-testid=queue-supervisor]').length];"),
            vec![]
        )
        .await
        .unwrap(),
        json!([false, 1]),
        "only supervisors are offered"
    );
    set(
        &c,
        &format!("document.querySelector('[data-testid=queue-supervisor][value=\"{sue_id}\"]')"),
        "on",
    )
    .await;
    click(&c, &q("queue-save"), "save the queue").await;
    let msg = error_beside(&c, &last("queue-weekly", "[data-testid=hours-to]")).await;
    if lang == "fr" {
        assert_eq!(msg, "Doit venir après la valeur précédente.");
    } else {
        assert_eq!(msg, "must be after from");
    }
    assert_eq!(
        invalid_count(&c).await,
        json!(1),
        "only that field is marked"
    );
    assert_eq!(api.ok("/api/v1/queues").await, json!([]), "nothing saved");
    // The form is as typed.
    assert_eq!(
        c.execute(&format!("return {}.value;", q("queue-name")), vec![])
            .await
            .unwrap(),
        json!("Phones")
    );
    axe(&c, "the queue form with an error").await;
    screenshot(&c, &format!("admin-{lang}-routing-error")).await;
    set(
        &c,
        &last("queue-weekly", "[data-testid=hours-from]"),
        "09:00",
    )
    .await;
    set(&c, &last("queue-weekly", "[data-testid=hours-to]"), "17:30").await;
    // The week at a glance follows the rows: Tuesday open, Monday closed.
    let week = until(
        &c,
        "const w = document.querySelector('[data-testid=queue-week]');
         const tue = w && w.querySelector('[data-day=tuesday] .week-text');
         const mon = w && w.querySelector('[data-day=monday] .week-text');
         return tue && tue.textContent === '09:00–17:30' ? [mon.textContent, w.querySelectorAll('.week-block').length] : null;",
        "the week view",
    )
    .await;
    let closed = if lang == "fr" { "fermé" } else { "closed" };
    assert_eq!(week, json!([closed, 1]));
    screenshot(&c, &format!("admin-{lang}-routing-week")).await;
    set(&c, &q("overflow-out_of_operating_hours"), "direct_callback").await;
    save(&c, "queue-save", "save the queue again").await;
    until(
        &c,
        "return document.querySelectorAll('[data-screen=routing][data-ready] [data-testid=queue-row]').length === 1;",
        "the queue in the list",
    )
    .await;
    let queues = api.ok("/api/v1/queues").await;
    let phones = &queues[0];
    assert_eq!(phones["name"], "Phones");
    assert_eq!(phones["channel"], "voice");
    assert_eq!(phones["method"], "least_active");
    assert_eq!(
        phones["operating_hours"],
        json!({"time_zone": "Europe/Paris", "weekly": [{"day": "tuesday", "from": "09:00", "to": "17:30"}], "holidays": ["2026-12-25"]})
    );
    assert_eq!(
        phones["overflow"]["out_of_operating_hours"],
        json!({"action": "direct_callback", "queue_id": null})
    );
    assert_eq!(
        phones["overflow"]["waiting_time_exceeds"],
        json!({"seconds": 300, "action": "direct_callback", "queue_id": null})
    );
    assert_eq!(phones["members"], json!([nora_id]));
    assert_eq!(phones["supervisor_ids"], json!([sue_id]));
    assert_eq!(phones["csat_survey"], true);
    let phones_id = phones["id"].as_str().unwrap().to_owned();

    set(&c, &q("queue-name"), "Web chat").await;
    save(&c, "queue-save", "save the chat queue").await;
    until(
        &c,
        "return document.querySelectorAll('[data-screen=routing][data-ready] [data-testid=queue-row]').length === 2;",
        "the chat queue in the list",
    )
    .await;
    let queues = api.ok("/api/v1/queues").await;
    let chat_queue = queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "Web chat")
        .unwrap();
    assert_eq!(chat_queue["channel"], "messaging");
    assert_eq!(chat_queue["operating_hours"], Value::Null);
    assert_eq!(chat_queue["csat_survey"], false);
    let chat_id = chat_queue["id"].as_str().unwrap().to_owned();

    // Two rules, then the second moved up by keyboard, then saved.
    click(&c, &q("add-rule"), "add a rule").await;
    set(
        &c,
        &last("rules", "[data-testid=rule-name]"),
        "Billing chats",
    )
    .await;
    set(&c, &last("rules", "[data-testid=rule-queue]"), &chat_id).await;
    click(
        &c,
        &last("rules", "[data-testid=add-test]"),
        "add a condition",
    )
    .await;
    set(&c, &last("rules", "[data-testid=test-attribute]"), "topic").await;
    set(&c, &last("rules", "[data-testid=test-value]"), "billing").await;
    click(&c, &q("add-rule"), "add a second rule").await;
    set(
        &c,
        &last("rules", "[data-testid=rule-name]"),
        "French callers",
    )
    .await;
    set(&c, &last("rules", "[data-testid=rule-queue]"), &phones_id).await;
    click(
        &c,
        &last("rules", "[data-testid=add-test]"),
        "add a condition",
    )
    .await;
    set(
        &c,
        &last("rules", "[data-testid=test-attribute]"),
        "language",
    )
    .await;
    set(&c, &last("rules", "[data-testid=test-op]"), "in").await;
    set(&c, &last("rules", "[data-testid=test-value]"), "fr, fr-CA").await;
    save(&c, "rules-save", "save the rules").await;
    let rules = api.ok("/api/v1/routing-rules").await;
    let names: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing chats", "French callers"]);
    let up = c
        .find(Locator::Css("[data-rule='1'] [data-testid=rule-up]"))
        .await
        .unwrap();
    up.send_keys("\u{E007}").await.unwrap(); // Enter
    until(
        &c,
        "return document.querySelector('[data-rule=\"0\"] [data-testid=rule-name]').value === 'French callers';",
        "the rule moved up",
    )
    .await;
    // The focus followed the rule (now first: its "move down" button).
    assert_eq!(
        c.execute(
            "const a = document.activeElement; return a.getAttribute('data-testid') + ' ' + a.closest('[data-rule]').getAttribute('data-rule');",
            vec![]
        )
        .await
        .unwrap(),
        json!("rule-down 0")
    );
    // Not saved until asked.
    assert_eq!(
        api.ok("/api/v1/routing-rules").await[0]["name"],
        "Billing chats"
    );
    save(&c, "rules-save", "save the new order").await;
    let rules = api.ok("/api/v1/routing-rules").await;
    assert_eq!(rules[0]["name"], "French callers");
    assert_eq!(rules[0]["queue_id"], phones_id);
    assert_eq!(
        rules[0]["tests"],
        json!([{"op": "in", "attribute": "language", "values": ["fr", "fr-CA"]}])
    );
    assert_eq!(rules[1]["name"], "Billing chats");
    assert_eq!(rules[1]["queue_id"], chat_id);
    assert_eq!(
        rules[1]["tests"],
        json!([{"op": "equals", "attribute": "topic", "value": "billing"}])
    );
    // The rule tester, with the rules as they are in the form: a billing
    // chat goes to Web chat by the second rule; the first fails on the
    // language, whose value it names. Server text stays text.
    set(&c, &q("route-test-channel"), "chat").await;
    set(
        &c,
        &q("route-test-attributes"),
        "topic=billing\nlanguage=de\nnote=<img src=x onerror=alert(1)>",
    )
    .await;
    let verdict = route_test(&c).await;
    assert!(
        verdict.contains("Web chat") && verdict.contains("Billing chats"),
        "{verdict}"
    );
    assert!(
        verdict.contains(if lang == "fr" { "parce que" } else { "because" }),
        "{verdict}"
    );
    let why = c
        .execute(
            "const r = document.querySelector('[data-testid=route-test-result]');
             return [r.getAttribute('aria-live'), r.querySelector('li[data-verdict=fails]').textContent,
                     r.querySelector('li[data-verdict=chosen]').textContent, r.textContent.includes('<img src=x'),
                     !!r.querySelector('img')];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(why[0], "polite");
    assert!(
        why[1].as_str().unwrap().contains("French callers")
            && why[1].as_str().unwrap().contains("“de”"),
        "{why}"
    );
    assert!(why[2].as_str().unwrap().contains("Billing chats"), "{why}");
    assert_eq!(
        (why[3].clone(), why[4].clone()),
        (json!(true), json!(false))
    );
    // A French call goes to Phones by the first rule.
    set(&c, &q("route-test-channel"), "voice").await;
    set(&c, &q("route-test-attributes"), "language=fr-CA").await;
    let verdict = route_test(&c).await;
    assert!(
        verdict.contains("Phones") && verdict.contains("French callers"),
        "{verdict}"
    );
    // A draft: the second rule's value changed but not saved is what is tested.
    set(&c, &last("rules", "[data-testid=test-value]"), "invoices").await;
    set(&c, &q("route-test-channel"), "chat").await;
    set(&c, &q("route-test-attributes"), "topic=invoices").await;
    let verdict = route_test(&c).await;
    assert!(verdict.contains("Billing chats"), "{verdict}");
    assert_eq!(
        api.ok("/api/v1/routing-rules").await[1]["tests"][0]["value"],
        "billing",
        "the tester saves nothing"
    );
    // A refused test: the message beside the rule's field it concerns.
    set(&c, &last("rules", "[data-testid=rule-name]"), " ").await;
    click(
        &c,
        &q("route-test-run"),
        "test the rules with a nameless rule",
    )
    .await;
    error_beside(&c, &last("rules", "[data-testid=rule-name]")).await;
    set(
        &c,
        &last("rules", "[data-testid=rule-name]"),
        "Billing chats",
    )
    .await;
    set(&c, &last("rules", "[data-testid=test-value]"), "billing").await;
    set(&c, &q("route-test-attributes"), "topic=billing").await;
    route_test(&c).await;
    c.execute(
        &format!("{}.scrollIntoView(); return true;", q("route-test")),
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &format!("admin-{lang}-routing-tester")).await;
    // A queue a rule uses cannot be deleted: the API's reason is shown, the
    // queue stays.
    click(
        &c,
        &format!("document.querySelector('[data-testid=queue-row][data-id=\"{phones_id}\"] [data-testid=queue-delete]')"),
        "delete the voice queue",
    )
    .await;
    until(
        &c,
        "return document.querySelector('[data-screen=routing] [data-testid=form-error]').textContent;",
        "the refusal",
    )
    .await;
    assert_eq!(api.ok("/api/v1/queues").await.as_array().unwrap().len(), 2);
    axe(&c, "the routing screen").await;
    screenshot(&c, &format!("admin-{lang}-routing")).await;

    // ------------------------------------------------------------ chat
    click(&c, &q("nav-chat"), "the chat section").await;
    screen_ready(&c, "chat").await;
    set(&c, &q("widget-name"), "Shop").await;
    set(&c, &q("widget-origins"), "https://shop.example").await;
    set(&c, &q("widget-queue"), &chat_id).await;
    click(&c, &q("add-question"), "add a survey question").await;
    set(&c, &last("survey", "[data-testid=question-id]"), "order").await;
    set(
        &c,
        &last("survey", "[data-testid=question-label-en]"),
        "Order number",
    )
    .await;
    set(
        &c,
        &last("survey", "[data-testid=question-label-fr]"),
        "Numéro de commande",
    )
    .await;
    set(&c, &q("widget-proactive"), "on").await;

    // The live preview: the real widget drawn on the page from the form,
    // in the chosen language, following edits before anything is saved.
    // This colour wants black text (WCAG 2); the preview agrees with the
    // server once saved (checked below).
    set(&c, &q("widget-color"), "#e0457b").await;
    set(&c, &q("preview-language"), lang).await;
    click(&c, &q("preview-toggle"), "show the preview").await;
    let label = if lang == "fr" {
        "Numéro de commande"
    } else {
        "Order number"
    };
    let shadow = "document.getElementById('switchboard-widget')?.shadowRoot";
    let drawn = until(
        &c,
        &format!(
            "const r = {shadow}; if (!r) return null;
             const title = r.querySelector('#sb-title'); const form = r.querySelector('[data-testid=survey-form]');
             const launch = r.querySelector('[data-testid=launcher]');
             if (!title || !form || !form.textContent.includes({label:?})) return null;
             return [title.textContent, getComputedStyle(launch).color];"
        ),
        "the preview with the survey question",
    )
    .await;
    assert_eq!(drawn, json!(["Shop", "rgb(0, 0, 0)"]), "{drawn}");
    set(&c, &q("widget-name"), "Shop <i>online</i>").await;
    until(
        &c,
        &format!(
            "return {shadow}?.querySelector('#sb-title')?.textContent === 'Shop <i>online</i>';"
        ),
        "the preview following the name",
    )
    .await;
    // Starting a chat in the preview sends nothing.
    click(
        &c,
        &format!("{shadow}.querySelector('[data-testid=start-chat]')"),
        "start a chat in the preview",
    )
    .await;
    until(
        &c,
        &format!("return {shadow}.querySelector('[data-testid=error]').textContent;"),
        "the preview's notice",
    )
    .await;
    screenshot(&c, &format!("admin-{lang}-widget-preview")).await;
    click(&c, &q("preview-toggle"), "hide the preview").await;
    until(
        &c,
        "return !document.getElementById('switchboard-widget');",
        "the preview gone",
    )
    .await;
    set(&c, &q("widget-name"), "Shop").await;
    save(&c, "widget-save", "save the widget").await;
    until(
        &c,
        &format!("return {}?.value;", q("snippet")),
        "the snippet",
    )
    .await;
    let widgets = api.ok("/api/v1/widgets").await;
    assert_eq!(widgets.as_array().unwrap().len(), 1);
    let w = &widgets[0];
    let widget_id = w["id"].as_str().unwrap().to_owned();
    assert_eq!(w["name"], "Shop");
    assert_eq!(w["allowed_origins"], json!(["https://shop.example"]));
    assert_eq!(w["routing"]["queue_id"], chat_id);
    assert_eq!(w["proactive_enabled"], true);
    assert_eq!(
        w["survey"],
        json!([{"id": "order", "type": "text", "label": {"en": "Order number", "fr": "Numéro de commande"}, "required": false, "choices": []}])
    );
    let snippet = c
        .execute(&format!("return {}.value;", q("snippet")), vec![])
        .await
        .unwrap();
    assert_eq!(snippet, w["embed_snippet"]);
    assert!(snippet.as_str().unwrap().contains(&widget_id));
    let config: Value = app
        .http
        .get(format!("{}/widget/v1/{widget_id}/config", app.base))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&config["color"], &config["text_color"]),
        (&json!("#e0457b"), &json!("#000000")),
        "the server draws the colour as the preview did: {config}"
    );
    assert!(
        api.ok("/api/v1/contacts").await["items"] == json!([]),
        "the preview started nothing"
    );

    // A proactive rule whose regular expression does not compile: refused
    // beside the field, nothing saved, the form as typed.
    click(&c, &q("add-prule"), "add a proactive rule").await;
    set(
        &c,
        &last("proactive-rules", "[data-testid=prule-name]"),
        "Pricing help",
    )
    .await;
    set(
        &c,
        &last("proactive-rules", "[data-testid=prule-match]"),
        "regex",
    )
    .await;
    set(
        &c,
        &last("proactive-rules", "[data-testid=prule-url]"),
        "^https://shop\\.example/(pricing",
    )
    .await;
    set(
        &c,
        &last("proactive-rules", "[data-testid=prule-seconds]"),
        "5",
    )
    .await;
    set(
        &c,
        &last("proactive-rules", "[data-testid=prule-message-en]"),
        "Questions about our prices?",
    )
    .await;
    click(&c, &q("prules-save"), "save the proactive rules").await;
    let msg = error_beside(&c, &last("proactive-rules", "[data-testid=prule-url]")).await;
    if lang == "fr" {
        assert!(msg.contains("expression régulière"), "{msg}");
    } else {
        assert!(
            msg.starts_with("is not a valid regular expression"),
            "{msg}"
        );
    }
    assert_eq!(
        invalid_count(&c).await,
        json!(1),
        "only that field is marked"
    );
    let saved = api
        .ok(&format!("/api/v1/widgets/{widget_id}/proactive-rules"))
        .await;
    assert_eq!(saved, json!({"rules": []}), "nothing saved");
    assert_eq!(
        c.execute(
            &format!(
                "return {}.value;",
                last("proactive-rules", "[data-testid=prule-url]")
            ),
            vec![]
        )
        .await
        .unwrap(),
        json!("^https://shop\\.example/(pricing")
    );
    axe(&c, "the proactive rules with an error").await;
    screenshot(&c, &format!("admin-{lang}-chat-error")).await;

    set(
        &c,
        &last("proactive-rules", "[data-testid=prule-url]"),
        "^https://shop\\.example/pricing",
    )
    .await;
    save(&c, "prules-save", "save the proactive rules again").await;
    until(
        &c,
        "return document.querySelector('[data-screen=chat][data-ready] [data-testid=prule-stats]');",
        "the saved rule with its counts",
    )
    .await;
    let saved = api
        .ok(&format!("/api/v1/widgets/{widget_id}/proactive-rules"))
        .await;
    let rule = &saved["rules"][0];
    assert_eq!(saved["rules"].as_array().unwrap().len(), 1);
    assert_eq!(rule["name"], "Pricing help");
    assert_eq!(rule["enabled"], true);
    assert_eq!(
        rule["location"]["url"],
        json!({"match": "regex", "value": "^https://shop\\.example/pricing"})
    );
    assert_eq!(rule["time_on_page_seconds"], 5);
    assert_eq!(
        rule["messages"],
        json!({"en": "Questions about our prices?"})
    );
    assert_eq!(rule["frequency"], json!({"per": "session"}));
    assert_eq!(
        api.ok(&format!("/api/v1/widgets/{widget_id}")).await["proactive_enabled"],
        true
    );
    // The proactive tester: the pricing page after 6 seconds is invited by
    // the rule (after its 5 seconds); the cart page is not, for its address.
    set(
        &c,
        &q("proactive-test-url"),
        "https://shop.example/pricing?plan=pro",
    )
    .await;
    set(&c, &q("proactive-test-seconds"), "6").await;
    let (invites, verdict) = proactive_test(&c).await;
    assert_eq!(invites, "yes", "{verdict}");
    assert!(
        verdict.contains("Pricing help") && verdict.contains('5'),
        "{verdict}"
    );
    set(&c, &q("proactive-test-url"), "https://shop.example/cart").await;
    let (invites, verdict) = proactive_test(&c).await;
    assert_eq!(invites, "no", "{verdict}");
    let why = c
        .execute(
            "return document.querySelector('[data-testid=proactive-test-rules] li[data-verdict=fails]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    let why = why.as_str().unwrap();
    assert!(why.contains("Pricing help"), "{why}");
    assert!(
        why.contains(if lang == "fr" {
            "pas cette adresse de page"
        } else {
            "not this page address"
        }),
        "{why}"
    );
    // A country of three letters: refused beside its field.
    set(&c, &q("proactive-test-country"), "FRA").await;
    click(&c, &q("proactive-test-run"), "test with a bad country").await;
    error_beside(&c, &q("proactive-test-country")).await;
    set(&c, &q("proactive-test-country"), "").await;
    set(&c, &q("proactive-test-url"), "https://shop.example/pricing").await;
    let (invites, _) = proactive_test(&c).await;
    assert_eq!(invites, "yes");
    c.execute(
        &format!("{}.scrollIntoView(); return true;", q("proactive-test")),
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &format!("admin-{lang}-chat-tester")).await;
    axe(&c, "the chat screen").await;
    screenshot(&c, &format!("admin-{lang}-chat")).await;

    // The audit log lists each of these changes as the signed-in admin's.
    click(&c, &q("nav-audit"), "the audit log link").await;
    screen_ready(&c, "audit").await;
    let actions = |area: &str| {
        format!(
            "return Array.from(document.querySelectorAll('[data-screen=audit][data-ready] [data-testid=audit-row]'))
               .filter(r => r.textContent.includes('Ada Admin')).map(r => r.getAttribute('data-action'))
               .filter(a => {area}).join(',');"
        )
    };
    let seen = until(&c, &actions("true"), "the audit rows").await;
    let seen = seen.as_str().unwrap();
    for action in [
        "skill.create",
        "agent.create",
        "agent_routing.update",
        "queue.create",
        "routing_rules.update",
        "widget.create",
        "proactive_rules.update",
    ] {
        assert!(seen.contains(action), "{action} in the audit log: {seen}");
    }
    let log = api.ok("/api/v1/audit-log?area=routing&limit=200").await;
    let ada = api.ok("/api/v1/agents?limit=200").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "ada@admin.test")
        .unwrap()["id"]
        .clone();
    assert!(log["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "queue.create" && e["agent_id"] == ada && e["via"] == "session"));
    // Filtered to one area, only that area's changes remain.
    set(&c, &q("audit-area"), "chat").await;
    c.execute(
        "document.querySelector('[data-testid=audit-filters] button[type=submit]').click(); return true;",
        vec![],
    )
    .await
    .unwrap();
    until(
        &c,
        "const rows = Array.from(document.querySelectorAll('[data-testid=audit-row]'));
         return rows.length > 0 && rows.every(r => ['widget.create', 'widget.update', 'widget.delete', 'proactive_rules.update'].includes(r.getAttribute('data-action')));",
        "only the chat changes",
    )
    .await;
    axe(&c, "the audit log").await;
    screenshot(&c, &format!("admin-{lang}-audit")).await;

    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_configures_people_routing_and_chat_in_english() {
    journey("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_configures_people_routing_and_chat_in_french() {
    journey("fr-FR", "fr").await;
}

/// A supervisor (here in Spanish) is offered the admin center from the home
/// page, sees every form disabled and the widgets refused, and the API
/// refuses their writes anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_sees_the_admin_center_read_only() {
    let (app, api) = scene().await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Sam Super", "email": "sam@admin.test", "roles": ["supervisor"], "password": PASSWORD}),
    )
    .await;
    api.create("/api/v1/skills", json!({"name": "Billing"}))
        .await;
    api.create(
        "/api/v1/queues",
        json!({"name": "Web chat", "channel": "messaging"}),
    )
    .await;
    api.create(
        "/api/v1/widgets",
        json!({"name": "Shop", "allowed_origins": ["https://shop.example"],
               "auth": {"algorithm": "HS256", "secret": "0123456789abcdef0123456789abcdef", "issuer": "shop"}}),
    )
    .await;
    // The page carries the pages' Content-Security-Policy (no inline code).
    let r = app.anonymous().get("/admin").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some("es-ES")).await;
    c.set_window_size(1280, 1400).await.unwrap();
    c.goto(&format!("{}/", app.base)).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#email"))
        .await
        .unwrap();
    set(&c, "document.querySelector('#email')", "sam@admin.test").await;
    set(&c, "document.querySelector('#password')", PASSWORD).await;
    click(
        &c,
        "document.querySelector('button[type=submit]')",
        "sign in",
    )
    .await;
    // Not taken there: offered a read-only link.
    let link = until(
        &c,
        "const a = document.querySelector('#places a[href=\"/admin\"]'); return a && a.textContent;",
        "the admin center link",
    )
    .await;
    assert_eq!(
        link,
        json!("Abrir el centro de administración (solo lectura)")
    );
    assert_eq!(
        c.execute("return location.pathname;", vec![])
            .await
            .unwrap(),
        json!("/")
    );
    click(
        &c,
        "document.querySelector('#places a[href=\"/admin\"]')",
        "the link",
    )
    .await;
    screen_ready(&c, "people").await;
    assert_eq!(
        c.execute(
            "return [document.documentElement.lang, document.querySelector('[data-screen] h1').textContent,
                     !document.querySelector('[data-testid=read-only]').hidden];",
            vec![]
        )
        .await
        .unwrap(),
        json!(["es", "Personas", true])
    );
    let open = "return Array.from(document.querySelectorAll('[data-screen] form')).filter(f => !f.querySelector(':scope > fieldset[disabled]')).length;";
    assert_eq!(
        c.execute(open, vec![]).await.unwrap(),
        json!(0),
        "every form is disabled"
    );
    assert!(
        c.execute(
            "return document.querySelectorAll('[data-testid=agent-row]').length;",
            vec![]
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
            >= 3,
        "the agents are listed"
    );
    axe(&c, "the people screen, read-only").await;
    screenshot(&c, "admin-es-supervisor-people").await;
    click(&c, &q("nav-routing"), "the routing section").await;
    screen_ready(&c, "routing").await;
    assert_eq!(c.execute(open, vec![]).await.unwrap(), json!(0));
    assert_eq!(
        c.execute(
            &format!("return [{}.disabled, {}.disabled, document.querySelectorAll('[data-testid=queue-row]').length];", q("add-rule"), q("rules-save")),
            vec![]
        )
        .await
        .unwrap(),
        json!([true, true, 1])
    );
    click(&c, &q("nav-chat"), "the chat section").await;
    screen_ready(&c, "chat").await;
    // Widgets read-only: the form and the rules disabled, nothing to save.
    until(
        &c,
        &format!(
            "const f = {}; return f && f.querySelector('fieldset').disabled && {}.matches(':disabled');",
            q("widget-form"),
            q("widget-save")
        ),
        "the widget form, read-only",
    )
    .await;
    let page = c
        .execute(
            "return [document.querySelectorAll('[data-testid=widget-row]').length, document.body.innerHTML];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(page[0], 1, "the widget listed");
    assert!(
        !page[1].as_str().unwrap().contains("0123456789abcdef"),
        "no host-site secret on the page"
    );
    let refused = c
        .execute_async(
            "const done = arguments[0];
             fetch('/api/v1/session').then(r => r.json()).then(s =>
               fetch('/api/v1/widgets', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token},
                 body: JSON.stringify({name: 'Sneaky', allowed_origins: ['https://x.example']})})).then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(refused, json!(403));
    axe(&c, "the chat screen, read-only").await;
    screenshot(&c, "admin-es-supervisor-chat").await;
    // The API refuses a supervisor's write whatever the page shows.
    let status = c
        .execute_async(
            "const done = arguments[0];
             fetch('/api/v1/session').then(r => r.json()).then(s =>
               fetch('/api/v1/skills', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token},
                 body: JSON.stringify({name: 'Sneaky'})})).then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));
    assert_eq!(api.ok("/api/v1/skills").await.as_array().unwrap().len(), 1);
    c.close().await.unwrap();
    app.stop().await;
}

/// A branch, a topic, one advisor around the clock and a customer, made
/// through the API; returns a booking body for a start `hours` ahead.
async fn scheduling(app: &TestApp, api: &Caller) -> impl Fn(i64) -> Value {
    let branch = api
        .create(
            "/api/v1/branches",
            json!({"name": "Lyon", "address": "2 place Bellecour", "time_zone": "Europe/Paris"}),
        )
        .await["id"]
        .clone();
    let topic = api
        .create(
            "/api/v1/topics",
            json!({"name": "Home loans", "description": "Rates", "duration_minutes": 30,
                   "meeting_types": ["in_person"]}),
        )
        .await["id"]
        .clone();
    let advisor = app.token(Role::Agent).await.agent_id.unwrap();
    let r = api
        .request(reqwest::Method::PUT, &format!("/api/v1/advisors/{advisor}"))
        .json(&json!({"time_zone": "UTC", "hours": support::around_the_clock(), "branch_ids": [branch]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let contact = api
        .create(
            "/api/v1/contacts",
            json!({"first_name": "Zoé", "email": "zoe@example.com"}),
        )
        .await["id"]
        .clone();
    move |hours| {
        let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours);
        let start = jiff::Timestamp::from_second(t.as_second() - t.as_second() % 3600).unwrap();
        json!({"contact_id": contact, "topic_id": topic, "meeting_type": "in_person",
               "branch_id": branch, "start": start.to_string()})
    }
}

/// Communications in the admin center: the admin switches messages on,
/// edits the confirmation email with a preview for a real meeting (after a
/// refused draft naming an unknown placeholder, shown beside the text),
/// and the next booking's confirmation in the outbox uses the edited
/// template.
async fn communications(language: &str, lang: &str) {
    let (app, api) = scene().await;
    let booking = scheduling(&app, &api).await;
    let first = api.create("/api/v1/meetings", booking(30)).await;
    let first = first["meeting"]["id"]
        .as_str()
        .or(first["id"].as_str())
        .unwrap()
        .to_owned();
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 1800).await.unwrap();
    sign_in(&c, &app, Duration::from_secs(15)).await;
    click(&c, &q("nav-communications"), "the communications link").await;
    screen_ready(&c, "communications").await;

    // Switch messages on.
    set(&c, &q("comms-enabled"), "on").await;
    save(&c, "comms-save", "save the communication settings").await;
    assert_eq!(
        api.ok("/api/v1/communications/settings").await["enabled"],
        true
    );

    // A draft with an unknown placeholder: refused beside the text, kept as typed.
    set(&c, &q("tpl-subject"), "Your visit: {topic}").await;
    set(
        &c,
        &q("tpl-body"),
        "Hello {customer_name}, see you {date} {nope}.",
    )
    .await;
    click(&c, &q("tpl-save"), "save the template").await;
    let message = error_beside(&c, &q("tpl-body")).await;
    assert!(!message.is_empty());
    let stored = |templates: Value| {
        templates
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["kind"] == "confirmation" && t["channel"] == "email" && t["language"] == "en"
            })
            .unwrap()
            .clone()
    };
    assert_eq!(
        stored(api.ok("/api/v1/communications/templates").await)["customized"],
        false,
        "nothing saved"
    );

    // Fixed, previewed for the first meeting, saved.
    set(
        &c,
        &q("tpl-body"),
        "Hello {customer_name}, your edited confirmation for {date} at {time}.",
    )
    .await;
    set(&c, &q("tpl-meeting"), &first).await;
    click(&c, &q("tpl-preview-button"), "the preview button").await;
    let text = until(
        &c,
        "const p = document.querySelector('[data-testid=tpl-preview-text]'); return p && p.textContent;",
        "the preview",
    )
    .await;
    assert!(
        text.as_str()
            .unwrap()
            .starts_with("Hello Zoé, your edited confirmation for "),
        "{text}"
    );
    axe(&c, "the template preview").await;
    screenshot(&c, &format!("admin-{lang}-communications-preview")).await;
    save(&c, "tpl-save", "save the template").await;
    let t = stored(api.ok("/api/v1/communications/templates").await);
    assert_eq!(t["customized"], true);
    assert_eq!(t["subject"], "Your visit: {topic}");

    // The next booking's confirmation uses it.
    let second = api.create("/api/v1/meetings", booking(54)).await;
    let second = second["meeting"]["id"]
        .as_str()
        .or(second["id"].as_str())
        .unwrap()
        .to_owned();
    let mut sent = Value::Null;
    for _ in 0..100 {
        let page = api
            .ok(&format!(
                "/api/v1/communications/outbox?meeting_id={second}"
            ))
            .await;
        if let Some(m) = page["items"].as_array().unwrap().iter().find(|m| {
            m["kind"] == "confirmation" && m["channel"] == "email" && m["subject"].is_string()
        }) {
            sent = m.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent["subject"], "Your visit: Home loans", "{sent}");
    assert!(sent["body"]
        .as_str()
        .unwrap()
        .starts_with("Hello Zoé, your edited confirmation for "));
    // And the outbox on the screen lists it.
    click(&c, &q("nav-people"), "the people link").await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-communications"), "the communications link").await;
    screen_ready(&c, "communications").await;
    until(
        &c,
        "return Array.from(document.querySelectorAll('[data-testid=outbox-row]'))
           .some(r => r.getAttribute('data-kind') === 'confirmation' && r.textContent.includes('Your visit: Home loans'));",
        "the confirmation in the outbox",
    )
    .await;
    axe(&c, "the communications screen").await;
    screenshot(&c, &format!("admin-{lang}-communications")).await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_the_confirmation_and_the_next_booking_uses_it_in_english() {
    communications("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_the_confirmation_and_the_next_booking_uses_it_in_french() {
    communications("fr-FR", "fr").await;
}

/// Integrations: an admin makes an API token for a system, is refused
/// beside the agent it acts as (who lacks the role), gets the secret once,
/// the secret works, and revoking it stops it at once.
async fn integrations(language: &str, lang: &str) {
    let (app, api) = scene().await;
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 1400).await.unwrap();
    sign_in(&c, &app, Duration::from_secs(15)).await;
    click(&c, &q("nav-integrations"), "the integrations link").await;
    screen_ready(&c, "integrations").await;
    let before = api.ok("/api/v1/tokens").await.as_array().unwrap().len();

    // Acting as Ada (an admin only) with the agent role: refused beside it.
    set(&c, &q("token-name"), "CRM sync").await;
    let ada = "Array.from(document.querySelectorAll('[data-testid=token-form] select'))[1]";
    until(
        &c,
        &format!(
            "const s = {ada}; const o = Array.from(s.options).find(o => o.text === 'Ada Admin');
             if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change')); return true;"
        ),
        "Ada in the agents",
    )
    .await;
    click(&c, &q("token-create"), "create the token").await;
    assert!(!error_beside(&c, ada).await.is_empty());
    assert_eq!(
        api.ok("/api/v1/tokens").await.as_array().unwrap().len(),
        before,
        "nothing made"
    );

    // As an admin token: made, its secret shown once, and it works.
    c.execute(
        "const s = document.querySelector('[data-testid=token-form] select'); s.value = 'admin'; s.dispatchEvent(new Event('change')); return true;",
        vec![],
    )
    .await
    .unwrap();
    click(&c, &q("token-create"), "create the token").await;
    let secret = until(
        &c,
        "const s = document.querySelector('[data-testid=token-secret]'); return s && s.value;",
        "the secret",
    )
    .await;
    let secret = secret.as_str().unwrap().to_owned();
    let as_token = |secret: &str| {
        app.http
            .get(format!("{}/api/v1/session", app.base))
            .bearer_auth(secret)
            .send()
    };
    assert_eq!(as_token(&secret).await.unwrap().status(), 200);
    let tokens = api.ok("/api/v1/tokens").await;
    let made = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "CRM sync")
        .unwrap()
        .clone();
    assert_eq!(made["role"], "admin");
    assert!(
        !tokens.to_string().contains(&secret),
        "the list never shows a secret"
    );
    until(
        &c,
        "return document.querySelectorAll('[data-testid=token-row]').length > 0;",
        "the token in the list",
    )
    .await;
    axe(&c, "the integrations screen with a new secret").await;
    screenshot(&c, &format!("admin-{lang}-integrations")).await;

    // Revoked: it stops working at once.
    c.execute("window.confirm = () => true; return true;", vec![])
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap();
    click(
        &c,
        &format!("document.querySelector('[data-testid=token-row][data-id=\"{id}\"] [data-testid=token-revoke]')"),
        "the revoke button",
    )
    .await;
    until(
        &c,
        &format!("const r = document.querySelector('[data-screen=integrations][data-ready] [data-testid=token-row][data-id=\"{id}\"]'); return r && !r.querySelector('[data-testid=token-revoke]');"),
        "the token revoked",
    )
    .await;
    assert_eq!(as_token(&secret).await.unwrap().status(), 401);
    let log = api.ok("/api/v1/audit-log?area=integrations").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_id"] == id)
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["token.revoke", "token.create"]);

    webhooks(&c, &api, lang).await;

    // Contacts from a CSV file: a bad row refuses the whole file and is
    // listed by its line; the fixed file imports, its odd column mapped.
    let contacts = || async {
        api.ok("/api/v1/contacts?limit=200").await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = contacts().await;
    let dir = tempfile::tempdir().unwrap();
    let upload = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bad = upload(
        "bad.csv",
        "First name,E-mail address\nAnn,ann@example.com\nBob,not-an-email\n",
    );
    let input = c
        .find(Locator::Css("[data-testid=import-file]"))
        .await
        .unwrap();
    input.send_keys(&bad).await.unwrap();
    let header = "document.querySelector('[data-header=\"E-mail address\"]')";
    until(&c, &format!("return !!{header};"), "the file's columns").await;
    set(&c, header, "email").await;
    click(&c, &q("import-submit"), "the import button").await;
    let listed = until(
        &c,
        "const t = document.querySelector('[data-testid=import-bad] tbody'); return t && t.textContent;",
        "the bad rows",
    )
    .await;
    assert!(listed.as_str().unwrap().starts_with("3email"), "{listed}");
    assert_eq!(contacts().await, before, "nothing imported");
    let good = upload(
        "good.csv",
        "First name,E-mail address\nAnn,ann@example.com\nBob,bob@example.com\n",
    );
    input.clear().await.unwrap();
    input.send_keys(&good).await.unwrap();
    set(&c, header, "email").await;
    click(&c, &q("import-submit"), "the import button").await;
    until(
        &c,
        "const r = document.querySelector('[data-testid=import-result] .ok'); return r && r.textContent;",
        "the import's result",
    )
    .await;
    assert_eq!(contacts().await, before + 2);
    let bob = api.ok("/api/v1/contacts?q=bob").await;
    assert_eq!(bob["items"][0]["email"], "bob@example.com");
    axe(&c, "the import").await;
    screenshot(&c, &format!("admin-{lang}-import")).await;
    c.close().await.unwrap();
    app.stop().await;
}

/// Outbound webhooks on the Integrations screen: a bad address and no
/// event are refused beside their fields, nothing registered; then a
/// webhook to a receiver started here, its secret shown once; "send a test
/// event" reaches the receiver signed with that secret, and the deliveries
/// list shows it delivered.
async fn webhooks(c: &Client, api: &Caller, lang: &str) {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use hmac::Mac;
    type Got = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>;
    let got: Got = Default::default();
    let keep = got.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let keep = keep.clone();
            async move { keep.lock().unwrap().push((headers, body)) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    set(c, &q("webhook-url"), "ftp://files.example/in").await;
    click(c, &q("webhook-save"), "register the webhook").await;
    assert!(!error_beside(c, &q("webhook-url")).await.is_empty());
    assert!(!error_beside(c, &q("webhook-event-conversation_started"))
        .await
        .is_empty());
    assert_eq!(
        api.ok("/api/v1/webhooks").await,
        json!([]),
        "nothing registered"
    );

    set(c, &q("webhook-url"), &url).await;
    set(c, &q("webhook-description"), "CRM <b>sync</b>").await;
    set(c, &q("webhook-event-case_created"), "on").await;
    set(c, &q("webhook-event-conversation_ended"), "on").await;
    click(c, &q("webhook-save"), "register the webhook").await;
    let secret = until(
        c,
        "const s = document.querySelector('[data-testid=webhook-secret]'); return s && s.value;",
        "the webhook's secret",
    )
    .await;
    let secret = secret.as_str().unwrap().to_owned();
    let hooks = api.ok("/api/v1/webhooks").await;
    assert_eq!(hooks[0]["url"], url.as_str());
    assert_eq!(hooks[0]["description"], "CRM <b>sync</b>");
    assert_eq!(
        hooks[0]["events"],
        json!(["conversation.ended", "case.created"])
    );
    assert!(!hooks.to_string().contains(&secret));
    screenshot(c, &format!("admin-{lang}-webhook-secret")).await;

    click(c, &q("webhook-test"), "send a test event").await;
    let mut waited = 0;
    while got.lock().unwrap().is_empty() {
        assert!(waited < 200, "the test event never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let (headers, body) = got.lock().unwrap()[0].clone();
    let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_owned();
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", h("webhook-id"), h("webhook-timestamp"), body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(
        h("webhook-signature"),
        expected,
        "signed with the secret shown"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["type"],
        "webhook.test"
    );
    until(
        c,
        "const b = document.querySelector('[data-testid=webhook-refresh]'); if (b) b.click();
         return !!document.querySelector('[data-testid=delivery-row][data-state=delivered]');",
        "the delivery shown delivered",
    )
    .await;
    axe(c, "the webhooks with a delivery").await;
    screenshot(c, &format!("admin-{lang}-webhooks")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_and_revokes_an_api_token_in_english() {
    integrations("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_makes_and_revokes_an_api_token_in_french() {
    integrations("fr-FR", "fr").await;
}
