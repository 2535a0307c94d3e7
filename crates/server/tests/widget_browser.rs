//! The chat widget in real headless Chromium, embedded in a page served from
//! another local origin and in the server's own sample shop (`/demo/shop`,
//! the URL `serve --demo` prints, where the browser sends no `Origin` on
//! GETs): journey, a proactive invitation that is accepted (and one that
//! closes itself after a minute), the conversation reaching an agent's
//! socket with survey answers, journey and context variables, messages both
//! ways, a reload that resumes without loss, and an unlisted origin refused.
//! axe-core checks every state the widget shows.

#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use switchboard_core::access::Role;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use support::{answer, Caller, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Scene {
    app: TestApp,
    admin: Caller,
    agent: Caller,
    widget: String,
    rule: String,
    /// The shop's address up to its query's last `&` or `?`: add `page=N`.
    pages: String,
    /// The same page on an origin the widget does not list.
    unlisted: String,
    ws: Socket,
}

/// Where the shop page is served from.
#[derive(Clone, Copy, PartialEq)]
enum Host {
    /// A second server (another origin) embeds the script from Switchboard.
    OtherOrigin,
    /// Switchboard's own `/demo/shop` (same origin as the widget's endpoints).
    SameOrigin,
}

async fn agent_socket(app: &TestApp, who: &Caller) -> Socket {
    let mut req = format!("ws://{}/api/v1/ws", app.running.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", who.token.as_deref().unwrap())
            .parse()
            .unwrap(),
    );
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

async fn next(ws: &mut Socket, want: impl Fn(&Value) -> bool) -> Value {
    let read = async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if want(&v) {
                    return v;
                }
            }
        }
        panic!("socket closed")
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("the expected message arrived")
}

async fn say(ws: &mut Socket, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

async fn scene(host: Host) -> Scene {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let agent = app.token(Role::Agent).await;
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "web chat", "channel": "messaging", "members": [agent.agent_id]}),
        )
        .await;
    // The host site's port is known only once it listens; the widget's
    // allow-list is written after.
    let widget = admin
        .create(
            "/api/v1/widgets",
            json!({"name": "Northwind", "allowed_origins": ["http://127.0.0.1:1"],
                "routing": {"queue_id": queue["id"]}}),
        )
        .await;
    let id = widget["id"].as_str().unwrap().to_owned();
    let (origin, pages, unlisted) = match host {
        Host::OtherOrigin => {
            let port = chromium::host_site(&app.base, &id).await;
            (
                format!("http://127.0.0.1:{port}"),
                format!("http://127.0.0.1:{port}/?"),
                format!("http://localhost:{port}/?page=1"),
            )
        }
        Host::SameOrigin => {
            let port = app.running.addr.port();
            (
                app.base.clone(),
                format!("{}/demo/shop?widget={id}&", app.base),
                format!("http://localhost:{port}/demo/shop?widget={id}&page=1"),
            )
        }
    };
    let (s, b) = answer(
        admin
            .request(reqwest::Method::PUT, &format!("/api/v1/widgets/{id}"))
            .json(&json!({
                "name": "Northwind",
                "allowed_origins": [origin],
                "routing": {"queue_id": queue["id"]},
                "color": "#2f9e44",
                "survey": [
                    {"id": "name", "type": "text", "label": {"en": "Your name"}, "required": true},
                    {"id": "email", "type": "email", "label": {"en": "Email"}, "required": true}
                ],
                "proactive_enabled": true
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, rules) = answer(
        admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/widgets/{id}/proactive-rules"),
            )
            .json(&json!({"rules": [{
                "name": "Rain jackets",
                "time_on_page_seconds": 2,
                "pages_in_session": 2,
                "location": {"url": {"match": "wildcard", "value": "http://127.0.0.1:*page=2*"}},
                "messages": {"en": "Need a hand with rain jackets?"}
            }]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{rules}");
    let rule = rules["rules"][0]["id"].as_str().unwrap().to_owned();
    let mut ws = agent_socket(&app, &agent).await;
    next(&mut ws, |m| m["type"] == "ready").await;
    let (s, _) = answer(
        agent
            .request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({"status": "available"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    Scene {
        app,
        admin,
        agent,
        widget: id,
        rule,
        pages,
        unlisted,
        ws,
    }
}

/// Runs `body` against the widget's shadow root (`root`) and returns its value.
async fn in_widget(c: &fantoccini::Client, body: &str) -> Value {
    let script = format!(
        "const host = document.getElementById('switchboard-widget');
         const root = host && host.shadowRoot;
         if (!root) return null;
         {body}"
    );
    c.execute(&script, vec![]).await.unwrap()
}

/// Polls until `body` returns a truthy value (bounded, so a broken widget
/// fails the test instead of hanging it).
async fn until(c: &fantoccini::Client, body: &str, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = in_widget(c, body).await;
        if !(v.is_null() || v == json!(false)) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn state(c: &fantoccini::Client) -> Value {
    in_widget(c, "return host.getAttribute('data-state');").await
}

/// Browses page 1 then page 2 and waits for the invitation.
async fn browse_until_invited(c: &fantoccini::Client, pages: &str, db: &switchboard_store::Db) {
    c.goto(&format!("{pages}page=1")).await.unwrap();
    until(
        c,
        "return root.querySelector('[data-testid=launcher]') !== null;",
        "the launcher",
    )
    .await;
    chromium::axe(c, "the page with the widget closed").await;
    // The visit is recorded before the next page loads (a navigation may
    // cancel a request still in flight).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pages: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM journey_events WHERE kind = 'page'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        if pages >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first visit was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.goto(&format!("{pages}page=2")).await.unwrap();
    let message = until(
        c,
        "const m = root.querySelector('[data-testid=invitation-message]'); return m && m.textContent;",
        "the invitation",
    )
    .await;
    assert_eq!(message, "Need a hand with rain jackets?");
}

/// The texts of the messages shown, as a JavaScript expression.
const TEXTS: &str =
    "Array.from(root.querySelectorAll('[data-testid=message]')).map(m => m.textContent)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_accepts_an_invitation_chats_and_resumes_after_a_reload() {
    walk(scene(Host::OtherOrigin).await).await;
}

/// The printed demo URL: the shop page is Switchboard's own, so the
/// widget's GETs carry no `Origin` header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_works_on_the_servers_own_demo_shop_page() {
    walk(scene(Host::SameOrigin).await).await;
}

async fn walk(mut s: Scene) {
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;

    browse_until_invited(&c, &s.pages, s.app.db()).await;
    chromium::axe(&c, "invitation shown").await;
    let shown = c
        .execute("return window.widgetEvents.map(e => e.event);", vec![])
        .await
        .unwrap();
    assert!(
        shown
            .as_array()
            .unwrap()
            .contains(&json!("invitation_shown")),
        "{shown}"
    );

    // Accept, answer the survey (a hostile name stays text), start.
    in_widget(
        &c,
        "root.querySelector('[data-testid=invitation-accept]').click();",
    )
    .await;
    until(
        &c,
        "return root.querySelector('[data-testid=survey-form]') !== null;",
        "the survey",
    )
    .await;
    chromium::axe(&c, "the panel open on the survey").await;
    // The brand colour #2f9e44 takes black text (white would give 3.4:1).
    assert_eq!(
        in_widget(
            &c,
            "return getComputedStyle(root.querySelector('[data-testid=start-chat]')).color;"
        )
        .await,
        "rgb(0, 0, 0)"
    );
    let hostile = "Zoé <img src=x onerror=\"document.title='pwned'\">";
    in_widget(
        &c,
        &format!(
            "const set = (id, v) => {{ const i = root.querySelector('[data-testid=question-' + id + ']');
                i.value = v; i.dispatchEvent(new Event('input', {{bubbles: true}})); }};
             set('name', {}); set('email', 'zoe@example.com');
             root.querySelector('[data-testid=start-chat]').click();",
            serde_json::to_string(hostile).unwrap()
        ),
    )
    .await;

    // The agent's offer: survey answers, journey, context variables, proactive.
    let offer = next(&mut s.ws, |m| m["type"] == "offered").await;
    until(
        &c,
        "return host.getAttribute('data-state') === 'waiting';",
        "the waiting chat",
    )
    .await;
    chromium::axe(&c, "the chat waiting for an agent").await;
    let conv = offer["conversation"].clone();
    assert_eq!(offer["kind"], "proactive", "{offer}");
    let answers: Vec<(&str, &str)> = conv["survey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["id"].as_str().unwrap(), q["answer"].as_str().unwrap()))
        .collect();
    assert!(
        answers.contains(&("name", hostile)) && answers.contains(&("email", "zoe@example.com")),
        "{answers:?}"
    );
    assert_eq!(conv["context"]["cart_value"], "129.90");
    assert_eq!(conv["context"]["plan"], "gold");
    assert_eq!(conv["proactive_rule"]["name"], "Rain jackets");
    let pages: Vec<&str> = conv["journey"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "page")
        .map(|j| j["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        pages,
        [format!("{}page=2", s.pages), format!("{}page=1", s.pages)],
        "two pages, newest first"
    );
    assert_eq!(conv["visitor"]["browser"], "Chrome");
    let conv_id = conv["id"].as_str().unwrap().to_owned();

    say(
        &mut s.ws,
        json!({"type": "accept", "work_item_id": offer["work_item_id"]}),
    )
    .await;
    until(
        &c,
        "return host.getAttribute('data-state') === 'active';",
        "the active chat",
    )
    .await;

    // Visitor → agent.
    in_widget(
        &c,
        "const i = root.querySelector('[data-testid=composer]'); i.value = 'Hello from the page';
         i.dispatchEvent(new Event('input', {bubbles: true}));
         root.querySelector('[data-testid=send]').click();",
    )
    .await;
    let got = next(&mut s.ws, |m| {
        m["type"] == "chat_message" && m["sender"] == "visitor"
    })
    .await;
    assert_eq!(got["body"], "Hello from the page");
    assert_eq!(got["conversation_id"], json!(conv_id));

    // Agent → visitor, hostile text shown as text.
    let reply = "Hi! <img src=x onerror=\"document.title='pwned'\"> Which size?";
    say(
        &mut s.ws,
        json!({"type": "send_message", "conversation_id": conv_id, "body": reply}),
    )
    .await;
    until(
        &c,
        &format!(
            "return {TEXTS}.includes({});",
            serde_json::to_string(reply).unwrap()
        ),
        "the agent's reply",
    )
    .await;
    assert_eq!(
        in_widget(&c, "return root.querySelectorAll('img').length;").await,
        json!(0)
    );
    assert_ne!(c.title().await.unwrap(), "pwned");
    chromium::axe(&c, "the chat with an agent").await;

    // Reload while the agent writes: nothing lost, nothing twice, in order.
    let before = in_widget(&c, &format!("return {TEXTS};")).await;
    c.refresh().await.unwrap();
    say(&mut s.ws, json!({"type": "send_message", "conversation_id": conv_id, "body": "Sent while you were reloading"})).await;
    let after = until(
        &c,
        &format!("const t = {TEXTS}; return t.includes('Sent while you were reloading') && t;"),
        "the resumed conversation",
    )
    .await;
    let mut expected: Vec<Value> = before.as_array().unwrap().clone();
    expected.push(json!("Sent while you were reloading"));
    assert_eq!(
        after.as_array().unwrap(),
        &expected,
        "every message once, in order"
    );
    assert_eq!(state(&c).await, "active");
    let stored = s
        .agent
        .ok(&format!("/api/v1/conversations/{conv_id}/messages"))
        .await;
    let stored: Vec<Value> = stored["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].clone())
        .collect();
    assert_eq!(stored, expected, "the widget shows what is stored");

    // The visitor ends the chat; the agent is told.
    in_widget(&c, "root.querySelector('[data-testid=end-chat]').click();").await;
    let ended = next(&mut s.ws, |m| m["type"] == "conversation_ended").await;
    assert_eq!(ended["by"], "visitor");
    until(
        &c,
        "return host.getAttribute('data-state') === 'ended';",
        "the ended view",
    )
    .await;
    chromium::axe(&c, "the ended chat").await;

    // The visitor downloads the transcript: the blob the widget saves holds
    // the conversation, names and messages.
    c.execute(
        "window.savedBlobs = [];
         const make = URL.createObjectURL.bind(URL);
         URL.createObjectURL = b => { window.savedBlobs.push(b); return make(b); };",
        vec![],
    )
    .await
    .unwrap();
    in_widget(
        &c,
        "root.querySelector('[data-testid=download-transcript]').click();",
    )
    .await;
    chromium::until(&c, "return window.savedBlobs.length > 0;", "the transcript").await;
    let text = c
        .execute_async(
            "const done = arguments[0]; window.savedBlobs[0].text().then(done);",
            vec![],
        )
        .await
        .unwrap();
    let text = text.as_str().unwrap();
    assert!(text.starts_with("Chat with Northwind\n"), "{text}");
    assert!(text.contains("] You: Hello from the page\n"), "{text}");
    assert!(text.contains(&format!(": {reply}\n")), "{text}");
    assert!(text.contains("Sent while you were reloading"), "{text}");
    let stats = s
        .admin
        .ok(&format!(
            "/api/v1/widgets/{}/proactive-rules/stats",
            s.widget
        ))
        .await;
    assert_eq!(
        (stats[0]["shown"].as_i64(), stats[0]["accepted"].as_i64()),
        (Some(1), Some(1))
    );

    // The same page from an origin the widget does not list is refused.
    c.goto(&s.unlisted).await.unwrap();
    let refused = c
        .execute_async(
            &format!(
                "const done = arguments[0];
                 fetch('{}/widget/v1/{}/config').then(r => done('answered ' + r.status)).catch(() => done('refused'));",
                s.app.base, s.widget
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(refused, "refused");
    // The script itself loaded (it is public) and still mounted nothing.
    let deadline = Instant::now() + Duration::from_secs(15);
    while c
        .execute(
            "return typeof (window.Switchboard || {}).open === 'function';",
            vec![],
        )
        .await
        .unwrap()
        != json!(true)
    {
        assert!(Instant::now() < deadline, "the widget script did not load");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // null: nothing mounted; false: mounted without a launcher. Either is a refusal.
    assert_ne!(
        in_widget(
            &c,
            "return root.querySelector('[data-testid=launcher]') !== null;"
        )
        .await,
        json!(true),
        "no widget on an unlisted origin"
    );
    c.close().await.unwrap();
    s.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_invitation_closes_itself_after_one_minute() {
    let s = scene(Host::OtherOrigin).await;
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
    browse_until_invited(&c, &s.pages, s.app.db()).await;
    let shown_at = Instant::now();
    assert_eq!(state(&c).await, "invited");
    // Still there well before the minute…
    tokio::time::sleep(Duration::from_secs(50)).await;
    assert_eq!(
        in_widget(
            &c,
            "return root.querySelector('[data-testid=invitation]') !== null;"
        )
        .await,
        json!(true),
        "still shown after 50 s"
    );
    // …gone once it has passed.
    until(
        &c,
        "return root.querySelector('[data-testid=invitation]') === null;",
        "the invitation to close itself",
    )
    .await;
    let open_for = shown_at.elapsed();
    assert!(
        open_for >= Duration::from_secs(55),
        "closed after {open_for:?}"
    );
    // The widget reported it as expired.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let stats = s
            .admin
            .ok(&format!(
                "/api/v1/widgets/{}/proactive-rules/stats",
                s.widget
            ))
            .await;
        if stats[0]["expired"] == 1 {
            assert_eq!(stats[0]["rule_id"], json!(s.rule));
            assert_eq!(
                (stats[0]["shown"].as_i64(), stats[0]["accepted"].as_i64()),
                (Some(1), Some(0))
            );
            break;
        }
        assert!(Instant::now() < deadline, "expired not recorded: {stats}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(state(&c).await, "idle");
    chromium::axe(&c, "the page after the invitation closed itself").await;
    c.close().await.unwrap();
    s.app.stop().await;
}

/// A browser set to French: the widget's own texts, the survey's labels
/// and choices and the widget's name are French; a bad answer is explained
/// in French; the answer recorded is the choice's value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_browser_gets_the_widget_survey_and_choices_in_french() {
    let mut s = scene(Host::SameOrigin).await;
    let current = s.admin.ok(&format!("/api/v1/widgets/{}", s.widget)).await;
    let (st, b) = answer(
        s.admin
            .request(reqwest::Method::PUT, &format!("/api/v1/widgets/{}", s.widget))
            .json(&json!({
                "name": "Northwind",
                "name_translations": {"fr": "Boutique Northwind", "es": "Tienda Northwind"},
                "allowed_origins": [s.app.base],
                "routing": current["routing"],
                "color": "#2f9e44",
                "survey": [
                    {"id": "email", "type": "email", "required": true,
                     "label": {"en": "Email", "fr": "Adresse e-mail", "es": "Correo electrónico"}},
                    {"id": "topic", "type": "choice", "required": true,
                     "label": {"en": "Topic", "fr": "Sujet", "es": "Tema"},
                     "choices": [
                        {"value": "Orders", "translations": {"fr": "Commandes", "es": "Pedidos"}},
                        {"value": "Returns", "translations": {"fr": "Retours", "es": "Devoluciones"}}
                     ]}
                ]
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some("fr-FR")).await;
    c.goto(&format!("{}page=1", s.pages)).await.unwrap();
    let launcher = until(
        &c,
        "const l = root.querySelector('[data-testid=launcher]'); return l && l.textContent;",
        "the launcher",
    )
    .await;
    assert_eq!(launcher, "Discuter avec nous");
    chromium::axe(&c, "the French page with the widget closed").await;
    in_widget(&c, "root.querySelector('[data-testid=launcher]').click();").await;
    until(
        &c,
        "return root.querySelector('[data-testid=survey-form]') !== null;",
        "the survey",
    )
    .await;
    let seen = in_widget(
        &c,
        "return {
           lang: root.querySelector('.w').getAttribute('lang'),
           title: root.getElementById('sb-title').textContent,
           labels: Array.from(root.querySelectorAll('label')).map(l => l.textContent),
           options: Array.from(root.querySelectorAll('[data-testid=question-topic] option')).map(o => o.textContent),
           values: Array.from(root.querySelectorAll('[data-testid=question-topic] option')).map(o => o.value),
           start: root.querySelector('[data-testid=start-chat]').textContent,
         };",
    )
    .await;
    assert_eq!(
        seen,
        json!({
            "lang": "fr",
            "title": "Boutique Northwind",
            "labels": ["Adresse e-mail *", "Sujet *"],
            "options": ["Choisir…", "Commandes", "Retours"],
            "values": ["", "Orders", "Returns"],
            "start": "Démarrer la discussion"
        })
    );
    chromium::axe(&c, "the French survey").await;
    // A bad email, explained in French (the server's check, named by its code).
    in_widget(
        &c,
        "root.querySelector('[data-testid=question-email]').value = 'pas une adresse';
         root.querySelector('[data-testid=question-topic]').value = 'Orders';
         root.querySelector('[data-testid=start-chat]').click();",
    )
    .await;
    let error = until(
        &c,
        "const e = root.querySelector('[data-testid=survey-error-email]'); return e && e.textContent;",
        "the email's error",
    )
    .await;
    assert_eq!(error, "Saisissez une adresse e-mail valide.");
    chromium::axe(&c, "the French survey with an error").await;
    in_widget(
        &c,
        "root.querySelector('[data-testid=question-email]').value = 'zoe@example.com';
         root.querySelector('[data-testid=start-chat]').click();",
    )
    .await;
    let offer = next(&mut s.ws, |m| m["type"] == "offered").await;
    let topic = offer["conversation"]["survey"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "topic")
        .cloned()
        .unwrap();
    assert_eq!(topic["answer"], "Orders", "the value is recorded");
    let waiting = until(
        &c,
        "const w = root.querySelector('[data-testid=waiting]'); return w && w.textContent;",
        "the waiting line",
    )
    .await;
    assert!(
        waiting.as_str().unwrap().starts_with("En attente")
            || waiting.as_str().unwrap().starts_with("Vous êtes"),
        "{waiting}"
    );
    chromium::axe(&c, "the French chat waiting").await;
    c.close().await.unwrap();
    s.app.stop().await;
}

/// A customer's page with a strict Content-Security-Policy (no inline
/// styles, scripts and connections only from itself and Switchboard): the
/// widget is styled all the same (its style sheet is constructed, not
/// inline markup) and works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_is_styled_on_a_page_that_forbids_inline_styles() {
    let s = scene(Host::OtherOrigin).await;
    let page = include_str!("../web/widget-demo.html")
        .replace(
            "src=\"/widget.js\"",
            &format!("src=\"{}/widget.js\"", s.app.base),
        )
        .replace("__WIDGET_ID__", &s.widget);
    let policy = format!(
        "default-src 'self'; script-src 'self' 'unsafe-inline' {0}; style-src 'self'; connect-src 'self' {0} {1}",
        s.app.base,
        s.app.base.replace("http://", "ws://")
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            let policy = policy.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_SECURITY_POLICY, policy)],
                    axum::response::Html(page),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // The widget allows this origin.
    let current = s.admin.ok(&format!("/api/v1/widgets/{}", s.widget)).await;
    let mut body = current.clone();
    for k in [
        "id",
        "auth_secret_set",
        "embed_snippet",
        "warnings",
        "created_at",
        "updated_at",
    ] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["allowed_origins"] = json!([format!("http://127.0.0.1:{port}")]);
    let (st, b) = answer(
        s.admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/widgets/{}", s.widget),
            )
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{b}");

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
    c.goto(&format!("http://127.0.0.1:{port}/?page=1"))
        .await
        .unwrap();
    until(
        &c,
        "return root.querySelector('[data-testid=launcher]') !== null;",
        "the launcher",
    )
    .await;
    let look = in_widget(
        &c,
        "const l = getComputedStyle(root.querySelector('[data-testid=launcher]'));
         return [l.backgroundColor, l.color, l.borderTopLeftRadius, getComputedStyle(root.querySelector('.w')).position];",
    )
    .await;
    assert_eq!(
        look,
        json!(["rgb(47, 158, 68)", "rgb(0, 0, 0)", "24px", "fixed"]),
        "styled in the brand colour, fixed in the corner"
    );
    chromium::axe(&c, "a strict host page with the widget closed").await;
    in_widget(&c, "root.querySelector('[data-testid=launcher]').click();").await;
    until(
        &c,
        "return root.querySelector('[data-testid=survey-form]') !== null;",
        "the survey",
    )
    .await;
    chromium::axe(&c, "a strict host page with the panel open").await;
    c.close().await.unwrap();
    s.app.stop().await;
}

/// The widget's Spanish addresses the visitor as "usted", the product-wide
/// register for customer-facing Spanish (it mixed in "tú" forms before).
#[test]
fn the_widgets_spanish_uses_usted() {
    // The widget's Spanish texts (web/i18n; /widget.js is assembled from them).
    let es = include_str!("../web/i18n/widget.es.js");
    for tu in [
        "Chatea ",
        "Eres ",
        "Inténtalo",
        "Escribe ",
        "Elige",
        "Tu ",
        " tu ",
        "Estás",
    ] {
        assert!(!es.contains(tu), "{tu:?} in the widget's Spanish");
    }
    for usted in [
        "Chatee con nosotros",
        "Usted es",
        "Inténtelo",
        "Escriba su mensaje",
        "Elija",
        "Su mensaje",
        "Está enviando",
    ] {
        assert!(
            es.contains(usted),
            "{usted:?} missing from the widget's Spanish"
        );
    }
}

/// A visitor rates the chat once the agent has ended it (the widget asks
/// when its settings say so): a rating is required before sending, the
/// comment is kept as text, and the rating lands on the conversation and
/// the contact's timeline; the widget then thanks and asks no more.
async fn rating(language: &str, lang: &str) {
    let mut s = scene(Host::OtherOrigin).await;
    let read = s.admin.ok(&format!("/api/v1/widgets/{}", s.widget)).await;
    // The settings as PUT takes them back, with ratings switched on.
    let mut current = json!({"csat_enabled": true});
    for k in [
        "name",
        "allowed_origins",
        "color",
        "routing",
        "survey",
        "proactive_enabled",
    ] {
        current[k] = read[k].clone();
    }
    let (st, b) = answer(
        s.admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/widgets/{}", s.widget),
            )
            .json(&current)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.goto(&format!("{}page=1", s.pages)).await.unwrap();
    until(
        &c,
        "return root.querySelector('[data-testid=launcher]') !== null;",
        "the launcher",
    )
    .await;
    in_widget(&c, "root.querySelector('[data-testid=launcher]').click();").await;
    until(
        &c,
        "return root.querySelector('[data-testid=survey-form]') !== null;",
        "the survey",
    )
    .await;
    in_widget(
        &c,
        "root.querySelector('[data-testid=question-name]').value = 'Zoé';
         root.querySelector('[data-testid=question-email]').value = 'zoe@example.com';
         root.querySelector('[data-testid=start-chat]').click();",
    )
    .await;
    let offer = next(&mut s.ws, |m| m["type"] == "offered").await;
    let conv = offer["conversation"]["id"].as_str().unwrap().to_owned();
    say(
        &mut s.ws,
        json!({"type": "accept", "work_item_id": offer["work_item_id"]}),
    )
    .await;
    next(&mut s.ws, |m| m["type"] == "assigned").await;
    let (st, b) = answer(
        s.agent
            .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
            .await,
    )
    .await;
    assert!(st < 300, "{st} {b}");

    let legend = until(
        &c,
        "const f = root.querySelector('[data-testid=rating-form]'); return f && f.querySelector('legend').textContent;",
        "the rating form",
    )
    .await;
    let (question, choose, thanks) = if lang == "fr" {
        (
            "Comment s’est passée votre discussion ?",
            "Choisissez une note de 1 à 5.",
            "Merci pour votre note.",
        )
    } else {
        (
            "How was your chat?",
            "Choose a rating from 1 to 5.",
            "Thank you for your rating.",
        )
    };
    assert_eq!(legend, question);
    chromium::axe(&c, "the rating form").await;
    in_widget(
        &c,
        "root.querySelector('[data-testid=rating-send]').click();",
    )
    .await;
    let error = until(
        &c,
        "const e = root.querySelector('[data-testid=error]'); return e && e.textContent;",
        "the missing rating's error",
    )
    .await;
    assert_eq!(error, choose);
    in_widget(
        &c,
        "root.querySelector('[data-testid=rating-4]').click();
         root.querySelector('[data-testid=rating-comment]').value = 'Quick <b>help</b>';
         root.querySelector('[data-testid=rating-send]').click();",
    )
    .await;
    let said = until(
        &c,
        "const t = root.querySelector('[data-testid=rating-thanks]'); return t && t.textContent;",
        "the thanks",
    )
    .await;
    assert_eq!(said, thanks);
    assert_eq!(
        in_widget(
            &c,
            "return root.querySelector('[data-testid=rating-form]') === null;"
        )
        .await,
        json!(true),
        "asked once"
    );
    let png = c.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("widget-{lang}-rated.png")), &png).unwrap();

    let detail = s.admin.ok(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(detail["csat"]["score"], 4, "{detail}");
    assert_eq!(detail["csat"]["comment"], "Quick <b>help</b>", "{detail}");
    let contact = detail["contact_id"]
        .as_str()
        .expect("a contact from the survey");
    let timeline = s
        .admin
        .ok(&format!("/api/v1/contacts/{contact}/timeline"))
        .await;
    assert!(
        timeline.to_string().contains("Rated the chat 4/5"),
        "{timeline}"
    );

    // And in the report: a supervisor (here an admin, who reads every
    // queue) signs in in the same browser and finds the rating in the
    // report's satisfaction column, as printed (it opens on the last seven
    // days).
    let password = "a long admin password for reports";
    s.admin
        .create(
            "/api/v1/agents",
            json!({"name": "Rita Reports", "email": "rita@reports.test", "roles": ["admin"],
                   "password": password}),
        )
        .await;
    c.goto(&format!("{}/", s.app.base)).await.unwrap();
    chromium::until(
        &c,
        "return !!document.querySelector('#email');",
        "the sign-in form",
    )
    .await;
    c.execute(
        "document.querySelector('#email').value = arguments[0];
         document.querySelector('#password').value = arguments[1];
         document.querySelector('button[type=submit]').click(); return true;",
        vec![json!("rita@reports.test"), json!(password)],
    )
    .await
    .unwrap();
    // An admin who signs in goes on to the admin center.
    chromium::until(
        &c,
        "return location.pathname === '/admin';",
        "signed in, in the admin center",
    )
    .await;
    c.goto(&format!("{}/supervisor/reports?by=channel", s.app.base))
        .await
        .unwrap();
    let csat = chromium::until(
        &c,
        "const r = document.querySelector('[data-testid=report-total]');
         const cells = r ? [...r.querySelectorAll('td')] : [];
         return cells.length ? cells[cells.length - 1].textContent : null;",
        "the report's satisfaction",
    )
    .await;
    assert_eq!(csat, json!("4 (1)"), "one rating of 4");
    c.execute(
        "const r = document.querySelector('[data-testid=report-total]');
         r.scrollIntoView({block: 'center'});
         const t = r.closest('.table-scroll'); if (t) t.scrollLeft = t.scrollWidth;
         return true;",
        vec![],
    )
    .await
    .unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(
        dir.join(format!("widget-{lang}-rating-in-report.png")),
        &png,
    )
    .unwrap();
    c.close().await.unwrap();
    s.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_rates_the_chat_when_it_ends_in_english() {
    rating("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_rates_the_chat_when_it_ends_in_french() {
    rating("fr-FR", "fr").await;
}
