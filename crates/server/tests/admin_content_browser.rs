//! The admin center's Workspace content screen (`/admin#content`) in real
//! headless Chromium, in English and in French: an admin writes an agent
//! script with an instruction step and a send_message macro step (after a
//! refused save with an empty message body, shown beside that field, with
//! nothing saved and the form as typed), adds a third step and moves it up
//! by keyboard, a script rule sending a chat queue's sessions to that
//! script, and a canned response (after a refused code), each read back
//! through the API. Then an agent signs in at `/agent`, accepts a
//! visitor's chat (set up through the widget's API), runs the macro from
//! the script pane, and the visitor's conversation receives its message.
//! Screenshots go to `target/test-artifacts/admin-<lang>-content*.png`.

mod admin;
#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use switchboard_core::access::Role;

use admin::{click, error_beside, invalid_count, last, q, save, screen_ready, screenshot, set};
use chromium::{axe, until};
use support::{answer, Caller, TestApp};

const PASSWORD: &str = "a long admin password";
const AGENT_PASSWORD: &str = "a long agent password";
const ORIGIN: &str = "http://shop.example";

/// The control `testid` of step `i` of the script being edited.
fn step(i: usize, testid: &str) -> String {
    format!("document.querySelector('[data-step=\"{i}\"] [data-testid={testid}]')")
}

async fn value_of(c: &Client, el: &str) -> Value {
    c.execute(&format!("return {el}.value;"), vec![])
        .await
        .unwrap()
}

/// An admin (Ada, signing in with a password), an agent (Ana) serving a chat
/// queue, and a widget feeding that queue whose survey asks the visitor's
/// name and email.
struct Scene {
    app: TestApp,
    api: Caller,
    ana_id: String,
    queue: String,
    widget: String,
}

async fn scene() -> Scene {
    let app = support::spawn_sqlite().await;
    let api = app.token(Role::Admin).await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Ada Admin", "email": "ada@admin.test", "roles": ["admin"], "password": PASSWORD}),
    )
    .await;
    let ana = api
        .create(
            "/api/v1/agents",
            json!({"name": "Ana Agent", "email": "ana@agent.test", "roles": ["agent"], "password": AGENT_PASSWORD}),
        )
        .await;
    let ana_id = ana["id"].as_str().unwrap().to_owned();
    // A voice queue too, so the rule has to name the right one.
    api.create(
        "/api/v1/queues",
        json!({"name": "Phones", "channel": "voice", "members": []}),
    )
    .await;
    let queue = api
        .create(
            "/api/v1/queues",
            json!({"name": "Web chat", "channel": "messaging", "members": [ana_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let widget = api
        .create(
            "/api/v1/widgets",
            json!({"name": "Shop", "allowed_origins": [ORIGIN],
                "routing": {"queue_id": queue},
                "survey": [
                    {"id": "name", "type": "text", "label": {"en": "Your name"}, "required": true},
                    {"id": "email", "type": "email", "label": {"en": "Email"}, "required": true}]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Scene {
        app,
        api,
        ana_id,
        queue,
        widget,
    }
}

/// Signs in at `/` as Ada, the admin, and waits to be taken to `/admin`.
async fn sign_in(c: &Client, app: &TestApp) {
    c.goto(&format!("{}/", app.base)).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
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

/// A visitor's requests to the widget API, from the shop's origin.
struct Visitor {
    base: String,
    widget: String,
    http: reqwest::Client,
    token: Option<String>,
    session_id: Option<String>,
}

impl Visitor {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut r = self
            .http
            .post(format!("{}/widget/v1/{}/{}", self.base, self.widget, path))
            .header("origin", ORIGIN)
            .json(&body);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        answer(r.send().await.unwrap()).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/widget/v1/{}/{}", self.base, self.widget, path))
            .header("origin", ORIGIN)
            .bearer_auth(self.token.as_deref().unwrap());
        answer(r.send().await.unwrap()).await
    }
}

async fn journey(language: &str, lang: &str) {
    let Scene {
        app,
        api,
        ana_id,
        queue,
        widget,
    } = scene().await;
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 1800).await.unwrap();

    sign_in(&c, &app).await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-content"), "the workspace content section").await;
    screen_ready(&c, "content").await;
    let heading = c
        .execute(
            "return document.querySelector('[data-screen] h1').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        heading,
        json!(if lang == "fr" {
            "Contenus de l’espace de travail"
        } else {
            "Workspace content"
        })
    );
    axe(&c, "the empty workspace content screen").await;

    // ------------------------------------------------------------ a script
    set(&c, &q("script-name"), "Web chat help").await;
    click(&c, &q("add-step"), "add a step").await;
    // A new step is an instruction, its kind focused, with an id of its own.
    assert_eq!(
        c.execute(
            "return document.activeElement.getAttribute('data-testid');",
            vec![]
        )
        .await
        .unwrap(),
        json!("step-kind")
    );
    assert_eq!(value_of(&c, &step(0, "step-id")).await, json!("step-1"));
    set(&c, &step(0, "step-id"), "greet").await;
    set(&c, &step(0, "step-title"), "Greet the customer").await;
    set(
        &c,
        &step(0, "step-instruction"),
        "Greet {customer.name} by name.",
    )
    .await;
    click(&c, &q("add-step"), "add a second step").await;
    set(&c, &step(1, "step-kind"), "macro").await;
    set(&c, &step(1, "step-id"), "hello").await;
    set(&c, &step(1, "step-title"), "Say hello").await;
    // The macro's action defaults to sending a message; its body is left
    // empty: refused beside that field, nothing saved, the form as typed.
    assert_eq!(
        value_of(&c, &step(1, "step-action")).await,
        json!("send_message")
    );
    click(&c, &q("script-save"), "save the script").await;
    let msg = error_beside(&c, &step(1, "step-body")).await;
    if lang == "fr" {
        assert_eq!(msg, "Cette valeur n’est pas valide.");
    } else {
        assert_eq!(msg, "1 to 4000 characters");
    }
    assert_eq!(
        invalid_count(&c).await,
        json!(1),
        "only that field is marked"
    );
    assert_eq!(
        api.ok("/api/v1/agent-scripts").await,
        json!([]),
        "nothing saved"
    );
    assert_eq!(
        value_of(&c, &q("script-name")).await,
        json!("Web chat help")
    );
    assert_eq!(
        value_of(&c, &step(0, "step-instruction")).await,
        json!("Greet {customer.name} by name.")
    );
    assert_eq!(
        value_of(&c, &step(1, "step-title")).await,
        json!("Say hello")
    );
    axe(&c, "the script form with an error").await;
    screenshot(&c, &format!("admin-{lang}-content-error")).await;

    set(
        &c,
        &step(1, "step-body"),
        "Hello {customer.name}, {agent.name} here.",
    )
    .await;
    // A third step, moved above the macro by keyboard.
    click(&c, &q("add-step"), "add a third step").await;
    set(&c, &step(2, "step-id"), "order").await;
    set(&c, &step(2, "step-title"), "Find the order").await;
    set(
        &c,
        &step(2, "step-instruction"),
        "Ask for the order number.",
    )
    .await;
    c.find(Locator::Css("[data-step='2'] [data-testid=step-up]"))
        .await
        .unwrap()
        .send_keys("\u{E007}") // Enter
        .await
        .unwrap();
    until(
        &c,
        &format!("return {}.value === 'order';", step(1, "step-id")),
        "the step moved up",
    )
    .await;
    // The focus followed the step; what was typed moved with it.
    assert_eq!(
        c.execute(
            "const a = document.activeElement; return a.getAttribute('data-testid') + ' ' + a.closest('[data-step]').getAttribute('data-step');",
            vec![]
        )
        .await
        .unwrap(),
        json!("step-up 1")
    );
    assert_eq!(
        value_of(&c, &step(2, "step-body")).await,
        json!("Hello {customer.name}, {agent.name} here.")
    );
    save(&c, "script-save", "save the script again").await;
    until(
        &c,
        "return document.querySelectorAll('[data-screen=content][data-ready] [data-testid=script-row]').length === 1;",
        "the script in the list",
    )
    .await;
    let scripts = api.ok("/api/v1/agent-scripts").await;
    assert_eq!(scripts.as_array().unwrap().len(), 1);
    let script = &scripts[0];
    assert_eq!(script["name"], "Web chat help");
    assert_eq!(
        script["steps"],
        json!([
            {"kind": "instruction", "id": "greet", "title": "Greet the customer", "instruction": "Greet {customer.name} by name."},
            {"kind": "instruction", "id": "order", "title": "Find the order", "instruction": "Ask for the order number."},
            {"kind": "macro", "id": "hello", "title": "Say hello",
             "action": {"type": "send_message", "body": "Hello {customer.name}, {agent.name} here."}}
        ])
    );
    let script_id = script["id"].as_str().unwrap().to_owned();
    // The saved script stays open for editing.
    assert_eq!(
        value_of(&c, &step(2, "step-body")).await,
        json!("Hello {customer.name}, {agent.name} here.")
    );

    // ------------------------------------------------------------ a rule
    click(&c, &q("add-srule"), "add a script rule").await;
    set(
        &c,
        &last("script-rules", "[data-testid=srule-scope]"),
        &format!("q:{queue}"),
    )
    .await;
    set(
        &c,
        &last("script-rules", "[data-testid=srule-script]"),
        &script_id,
    )
    .await;
    save(&c, "srules-save", "save the script rules").await;
    assert_eq!(
        api.ok("/api/v1/agent-script-rules").await,
        json!({"rules": [{"queue_id": queue, "channel": null, "script_id": script_id}]})
    );
    // A second rule (every chat), moved first by keyboard, then saved.
    click(&c, &q("add-srule"), "add a second script rule").await;
    set(
        &c,
        &last("script-rules", "[data-testid=srule-scope]"),
        "c:chat",
    )
    .await;
    c.find(Locator::Css("[data-srule='1'] [data-testid=srule-up]"))
        .await
        .unwrap()
        .send_keys("\u{E007}") // Enter
        .await
        .unwrap();
    until(
        &c,
        "return document.querySelector('[data-srule=\"0\"] [data-testid=srule-scope]').value === 'c:chat';",
        "the rule moved up",
    )
    .await;
    assert_eq!(
        c.execute(
            "const a = document.activeElement; return a.getAttribute('data-testid') + ' ' + a.closest('[data-srule]').getAttribute('data-srule');",
            vec![]
        )
        .await
        .unwrap(),
        json!("srule-down 0")
    );
    assert_eq!(
        api.ok("/api/v1/agent-script-rules").await["rules"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "not saved until asked"
    );
    save(&c, "srules-save", "save the new order").await;
    assert_eq!(
        api.ok("/api/v1/agent-script-rules").await,
        json!({"rules": [
            {"queue_id": null, "channel": "chat", "script_id": script_id},
            {"queue_id": queue, "channel": null, "script_id": script_id}]})
    );
    // A script a rule chooses cannot be deleted: the API's reason is shown,
    // the script stays.
    click(&c, &q("script-delete"), "delete the script").await;
    until(
        &c,
        "return document.querySelector('[data-screen=content] [data-testid=form-error]').textContent;",
        "the refusal",
    )
    .await;
    assert_eq!(
        api.ok("/api/v1/agent-scripts")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Editing the script (PUT): a fourth step, a macro opening a web
    // address, first with an address that is not http(s).
    click(&c, &q("add-step"), "add a fourth step").await;
    set(&c, &step(3, "step-kind"), "macro").await;
    set(&c, &step(3, "step-action"), "open_url").await;
    set(&c, &step(3, "step-id"), "kb").await;
    set(&c, &step(3, "step-title"), "Search the knowledge base").await;
    set(&c, &step(3, "step-url"), "ftp://kb.example/{survey.topic}").await;
    click(&c, &q("script-save"), "save the edited script").await;
    let msg = error_beside(&c, &step(3, "step-url")).await;
    if lang == "fr" {
        assert_eq!(msg, "Cette valeur n’est pas valide.");
    } else {
        assert_eq!(msg, "must start with https:// or http://");
    }
    assert_eq!(invalid_count(&c).await, json!(1));
    assert_eq!(
        api.ok(&format!("/api/v1/agent-scripts/{script_id}")).await["steps"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "nothing saved"
    );
    set(
        &c,
        &step(3, "step-url"),
        "https://kb.example/search?q={customer.name}",
    )
    .await;
    save(&c, "script-save", "save the edited script again").await;
    let edited = api.ok(&format!("/api/v1/agent-scripts/{script_id}")).await;
    assert_eq!(
        edited["steps"][3],
        json!({"kind": "macro", "id": "kb", "title": "Search the knowledge base",
            "action": {"type": "open_url", "url": "https://kb.example/search?q={customer.name}"}})
    );
    assert_eq!(
        api.ok("/api/v1/agent-scripts")
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "edited, not created"
    );

    // A sub-script the store no longer knows (deleted while the form was
    // open): refused beside that step's choice, nothing saved.
    let old = api
        .create(
            "/api/v1/agent-scripts",
            json!({"name": "Old returns", "steps": [
                {"kind": "instruction", "id": "label", "title": "Send the label", "instruction": "Email the return label."}]}),
        )
        .await;
    let old_id = old["id"].as_str().unwrap().to_owned();
    click(&c, &q("script-new"), "a new script").await;
    until(
        &c,
        "return document.querySelectorAll('[data-screen=content][data-ready] [data-testid=script-row]').length === 2;",
        "both scripts in the list",
    )
    .await;
    set(&c, &q("script-name"), "Returns").await;
    click(&c, &q("add-step"), "add a step").await;
    set(&c, &step(0, "step-kind"), "subscript").await;
    set(&c, &step(0, "step-title"), "Returns").await;
    set(&c, &step(0, "step-script"), &old_id).await;
    let (s, _) = answer(api.delete(&format!("/api/v1/agent-scripts/{old_id}")).await).await;
    assert_eq!(s, 204);
    click(&c, &q("script-save"), "save the script with a sub-script").await;
    let msg = error_beside(&c, &step(0, "step-script")).await;
    if lang == "fr" {
        assert_eq!(msg, "Aucun élément ne porte cet identifiant.");
    } else {
        assert_eq!(msg, format!("no other script has the id {old_id}"));
    }
    assert_eq!(invalid_count(&c).await, json!(1));
    let scripts = api.ok("/api/v1/agent-scripts").await;
    assert_eq!(scripts.as_array().unwrap().len(), 1, "nothing saved");
    assert_eq!(scripts[0]["id"], script_id);
    assert_eq!(value_of(&c, &q("script-name")).await, json!("Returns"));
    click(&c, &q("script-new"), "leave it").await;
    until(
        &c,
        "return document.querySelectorAll('[data-screen=content][data-ready] [data-testid=script-row]').length === 1;",
        "the one script in the list",
    )
    .await;

    // ------------------------------------------------------------ canned responses
    set(&c, &q("canned-code"), "Thanks!").await;
    set(&c, &q("canned-title"), "Thanks for waiting").await;
    set(
        &c,
        &q("canned-body"),
        "Thank you for waiting.\nI am with you now.",
    )
    .await;
    click(&c, &q("canned-save"), "add the canned response").await;
    let msg = error_beside(&c, &q("canned-code")).await;
    if lang == "fr" {
        assert_eq!(msg, "Cette valeur n’est pas valide.");
    } else {
        assert_eq!(msg, "1 to 30 of a-z, 0-9, _ and -");
    }
    assert_eq!(invalid_count(&c).await, json!(1));
    assert_eq!(api.ok("/api/v1/canned-responses").await, json!([]));
    set(&c, &q("canned-code"), "thanks").await;
    save(&c, "canned-save", "add the canned response again").await;
    until(
        &c,
        "return document.querySelectorAll('[data-screen=content][data-ready] [data-testid=canned-row]').length === 1;",
        "the canned response in the list",
    )
    .await;
    let canned = api.ok("/api/v1/canned-responses").await;
    assert_eq!(canned.as_array().unwrap().len(), 1);
    assert_eq!(canned[0]["code"], "thanks");
    assert_eq!(canned[0]["title"], "Thanks for waiting");
    assert_eq!(
        canned[0]["body"],
        "Thank you for waiting.\nI am with you now."
    );
    // Edited in place: the form takes the response, saves it back.
    click(&c, &q("canned-edit"), "edit the canned response").await;
    until(
        &c,
        &format!("return {}.value === 'thanks';", q("canned-code")),
        "the response in the form",
    )
    .await;
    set(&c, &q("canned-title"), "Thanks for your patience").await;
    save(&c, "canned-save", "save the canned response").await;
    until(
        &c,
        "const r = document.querySelector('[data-screen=content][data-ready] [data-testid=canned-row]'); return r && r.textContent.includes('patience');",
        "the edited response in the list",
    )
    .await;
    let canned = api.ok("/api/v1/canned-responses").await;
    assert_eq!(
        (canned.as_array().unwrap().len(), &canned[0]["title"]),
        (1, &json!("Thanks for your patience"))
    );
    axe(&c, "the workspace content screen").await;
    screenshot(&c, &format!("admin-{lang}-content")).await;
    c.close().await.unwrap();

    // ------------------------------------------------------------ the agent runs the macro
    let profile = tempfile::tempdir().unwrap();
    let agent = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    agent.set_window_size(1440, 1000).await.unwrap();
    agent.goto(&format!("{}/agent", app.base)).await.unwrap();
    set(&agent, &q("email"), "ana@agent.test").await;
    set(&agent, &q("password"), AGENT_PASSWORD).await;
    click(&agent, &q("signin-submit"), "sign in").await;
    until(
        &agent,
        &format!(
            "return {}?.getAttribute('data-state') === 'online';",
            q("connection")
        ),
        "the live connection",
    )
    .await;
    set(&agent, &q("presence"), "available").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.running.state.engine.presence(&ana_id).await.unwrap()
        != switchboard_core::routing::Presence::Available
    {
        assert!(Instant::now() < deadline, "presence was not set");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A visitor starts a chat on the shop.
    let mut v = Visitor {
        base: app.base.clone(),
        widget,
        http: reqwest::Client::new(),
        token: None,
        session_id: None,
    };
    let (s, r) = v.post("visitors", json!({"language": lang})).await;
    assert_eq!(s, 200, "{r}");
    v.token = r["token"].as_str().map(str::to_owned);
    v.session_id = r["session_id"].as_str().map(str::to_owned);
    let (s, r) = v
        .post(
            "conversations",
            json!({"session_id": v.session_id,
                "survey": {"name": "Zoé Durand", "email": "zoe@example.com"}}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let conversation = r["id"].as_str().unwrap().to_owned();

    // The agent accepts; the session's script is the one the rule chose.
    click(&agent, &q("toast-accept"), "accept the chat").await;
    until(
        &agent,
        "return document.querySelector('[data-testid=script-step][data-step=hello] [data-testid=step-run]');",
        "the script's macro step",
    )
    .await;
    let steps = agent
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=script-step]')).map(s => s.getAttribute('data-step'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(steps, json!(["greet", "order", "hello", "kb"]));
    click(
        &agent,
        "document.querySelector('[data-testid=script-step][data-step=hello] [data-testid=step-run]')",
        "run the macro",
    )
    .await;
    // The visitor's conversation receives the macro's message.
    let want = "Hello Zoé Durand, Ana Agent here.";
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (s, r) = v
            .get(&format!("conversations/{conversation}/messages"))
            .await;
        assert_eq!(s, 200, "{r}");
        let bodies: Vec<&str> = r["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["sender"] == "agent")
            .filter_map(|m| m["body"].as_str())
            .collect();
        if bodies.contains(&want) {
            assert_eq!(bodies, [want], "sent once");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the macro's message never reached the visitor: {r}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And the workspace shows the step done and the message in the chat.
    until(
        &agent,
        "return document.querySelector('[data-testid=script-step][data-step=hello]')?.getAttribute('data-done') === 'true';",
        "the macro step done",
    )
    .await;
    until(
        &agent,
        &format!(
            "return Array.from(document.querySelectorAll('[data-testid=message]')).some(m => m.textContent.includes({}));",
            serde_json::to_string(want).unwrap()
        ),
        "the macro's message in the agent's conversation",
    )
    .await;
    screenshot(&agent, &format!("admin-{lang}-content-agent-macro")).await;
    agent.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_writes_a_script_with_a_macro_that_an_agent_runs_in_english() {
    journey("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_writes_a_script_with_a_macro_that_an_agent_runs_in_french() {
    journey("fr-FR", "fr").await;
}

/// A supervisor (here in Spanish) sees the scripts, rules and canned
/// responses, every form and button that writes disabled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_sees_workspace_content_read_only() {
    let Scene {
        app, api, queue, ..
    } = scene().await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Sam Super", "email": "sam@admin.test", "roles": ["supervisor"], "password": PASSWORD}),
    )
    .await;
    let script = api
        .create(
            "/api/v1/agent-scripts",
            json!({"name": "Web chat help", "steps": [
                {"kind": "instruction", "id": "greet", "title": "Greet", "instruction": "Greet them."},
                {"kind": "macro", "id": "case", "title": "Open a case",
                 "action": {"type": "create_case", "title": "Chat with {customer.name}", "priority": "high"}}]}),
        )
        .await;
    let (s, b) = answer(
        api.request(reqwest::Method::PUT, "/api/v1/agent-script-rules")
            .json(&json!({"rules": [{"queue_id": queue, "script_id": script["id"]}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    api.create(
        "/api/v1/canned-responses",
        json!({"code": "hello", "title": "Greeting", "body": "Hello! How can I help?"}),
    )
    .await;

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some("es-ES")).await;
    c.set_window_size(1280, 1400).await.unwrap();
    c.goto(&format!("{}/", app.base)).await.unwrap();
    set(&c, "document.querySelector('#email')", "sam@admin.test").await;
    set(&c, "document.querySelector('#password')", PASSWORD).await;
    click(
        &c,
        "document.querySelector('button[type=submit]')",
        "sign in",
    )
    .await;
    click(
        &c,
        "document.querySelector('#places a[href=\"/admin\"]')",
        "the admin center link",
    )
    .await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-content"), "the workspace content section").await;
    screen_ready(&c, "content").await;
    click(&c, &q("script-edit"), "view the script").await;
    until(
        &c,
        &format!("return {}?.value === 'Open a case';", step(1, "step-title")),
        "the script's steps",
    )
    .await;
    assert_eq!(
        c.execute(
            "return [document.querySelector('[data-screen] h1').textContent,
                     document.querySelector('[data-testid=script-edit]').textContent,
                     document.querySelectorAll('[data-testid=srule]').length,
                     document.querySelector('[data-testid=canned-row]').textContent];",
            vec![]
        )
        .await
        .unwrap(),
        json!([
            "Contenido del espacio de trabajo",
            "Ver",
            1,
            "/helloGreetingHello! How can I help?Editar Eliminar"
        ])
    );
    assert_eq!(
        value_of(&c, &step(1, "step-case-priority")).await,
        json!("high")
    );
    let open = "return Array.from(document.querySelectorAll('[data-screen] form')).filter(f => !f.querySelector(':scope > fieldset[disabled]')).length;";
    assert_eq!(
        c.execute(open, vec![]).await.unwrap(),
        json!(0),
        "every form is disabled"
    );
    for testid in [
        "script-delete",
        "add-step",
        "script-save",
        "add-srule",
        "srules-save",
        "canned-delete",
        "canned-save",
    ] {
        assert_eq!(
            c.execute(
                &format!("return Array.from(document.querySelectorAll('[data-testid={testid}]')).every(b => b.matches(':disabled'));"),
                vec![]
            )
            .await
            .unwrap(),
            json!(true),
            "{testid} is disabled"
        );
    }
    axe(&c, "workspace content, read-only").await;
    screenshot(&c, "admin-es-content-read-only").await;
}
