//! The supervisors' live dashboard (`/supervisor`) in real headless
//! Chromium, in English and in Spanish. A supervisor signs in at `/`,
//! follows the home page's link to the dashboard and watches it move
//! without reloading: chats arrive and the waiting figure rises; an agent
//! becomes available, accepts one (it shows under the agent, its age
//! ticking) while the other is abandoned by its customer, and today's
//! answered and abandoned counts follow. The supervisor
//! then tries to give a waiting chat to an offline agent (refused, said
//! beside the row), gives it to an agent who is away, moves another to a
//! second queue and force-closes it after confirming. A third queue Sam
//! does not supervise, and its waiting chat, never show. The socket is dropped and the page reloads
//! its state by itself. The audit log names the supervisor for the
//! assignment and the close. An agent who opens the page is told it is
//! not for them. Each state is checked with axe-core; screenshots are
//! saved under `target/test-artifacts/` (`supervisor-<lang>-<state>.png`).

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

use admin::{click, screenshot, set};
use chromium::{axe, until};
use support::{answer, Caller, TestApp};

const PASSWORD: &str = "a long supervisor password";
/// The WebDriver key Enter.
const ENTER: &str = "\u{E007}";

/// The element for the work item row of `id`, as a JS expression.
fn row(id: &str) -> String {
    format!("document.querySelector('[data-testid=item-row][data-id=\"{id}\"]')")
}

/// Waits until the JS expression `expr` equals `want`.
async fn until_eq(c: &Client, expr: &str, want: Value, what: &str) {
    let script = format!(
        "try {{ return JSON.stringify({expr}) === {want}; }} catch (e) {{ return false; }}",
        want = serde_json::to_string(&want.to_string()).unwrap()
    );
    until(c, &script, what).await;
}

/// The figure `testid` of the queue row `queue` (its text).
fn figure(queue: &str, testid: &str) -> String {
    format!("document.querySelector('[data-testid=queue-row][data-id=\"{queue}\"] [data-testid={testid}]').textContent")
}

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

async fn presence(who: &Caller, status: &str) {
    let (s, b) = answer(
        who.request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({ "status": status }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

async fn journey(language: &str, lang: &str) {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let sam = admin
        .create(
            "/api/v1/agents",
            json!({"name": "Sam Supervisor", "email": "sam@super.test", "roles": ["supervisor"], "password": PASSWORD}),
        )
        .await;
    let sam_id = sam["id"].as_str().unwrap().to_owned();
    admin
        .create(
            "/api/v1/agents",
            json!({"name": "Nico Agent", "email": "nico@super.test", "roles": ["agent"], "password": PASSWORD}),
        )
        .await;
    let mut people = Vec::new();
    for name in ["Ana Alves", "Bruno Bianchi", "Carla Costa"] {
        let who = app.token(Role::Agent).await;
        let (s, b) = answer(
            admin
                .patch(
                    &format!("/api/v1/agents/{}", who.agent_id.as_deref().unwrap()),
                    json!({ "name": name }),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        people.push(who);
    }
    let (ana, bruno, carla) = (&people[0], &people[1], &people[2]);
    let q = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Web chat", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [sam_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let billing = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Billing chat", "channel": "messaging", "supervisor_ids": [sam_id]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A queue Sam does not supervise: its work never shows on his page.
    let elsewhere = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Elsewhere chat", "channel": "messaging"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chat = |first: &'static str, last: &'static str| {
        let admin = admin.clone();
        let q = q.clone();
        async move {
            let contact = admin
                .create(
                    "/api/v1/contacts",
                    json!({"first_name": first, "last_name": last}),
                )
                .await;
            admin
                .create(
                    "/api/v1/work-items",
                    json!({"channel": "chat", "queue_id": q, "contact_id": contact["id"]}),
                )
                .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 1400).await.unwrap();

    // The home page offers the dashboard to a supervisor.
    sign_in(&c, &app, "sam@super.test").await;
    let link = until(
        &c,
        "const a = document.querySelector('#places a[href=\"/supervisor\"]'); return a && a.textContent;",
        "the dashboard's link",
    )
    .await;
    assert_eq!(
        link,
        json!(if lang == "es" {
            "Abrir el panel en directo (supervisión)"
        } else {
            "Open the live dashboard (supervision)"
        })
    );
    click(
        &c,
        "document.querySelector('#places a[href=\"/supervisor\"]')",
        "the link",
    )
    .await;
    until(
        &c,
        "return !!document.querySelector('[data-screen=supervisor][data-ready]');",
        "the dashboard",
    )
    .await;
    until_eq(
        &c,
        "document.querySelector('[data-testid=conn]').getAttribute('data-state')",
        json!("live"),
        "the live socket",
    )
    .await;
    assert_eq!(
        c.execute(
            "return [document.documentElement.lang, document.querySelector('[data-testid=title]').textContent];",
            vec![]
        )
        .await
        .unwrap(),
        json!([
            lang,
            if lang == "es" { "Panel en directo" } else { "Live dashboard" }
        ])
    );
    until_eq(&c, &figure(&q, "waiting"), json!("0"), "no one waiting").await;
    until_eq(&c, &figure(&q, "agents-offline"), json!("1"), "Ana offline").await;
    until_eq(
        &c,
        &figure(&q, "answered-today"),
        json!("0"),
        "nothing answered yet",
    )
    .await;
    axe(&c, "the empty dashboard").await;

    // Two chats arrive: the waiting figure moves without a reload.
    c.execute("window.sbNotReloaded = true; return true;", vec![])
        .await
        .unwrap();
    let hidden = admin
        .create(
            "/api/v1/work-items",
            json!({"channel": "chat", "queue_id": elsewhere}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lucia = chat("Lucía", "García").await;
    until_eq(&c, &figure(&q, "waiting"), json!("1"), "one waiting").await;
    let marc = chat("Marc", "Dubois").await;
    until_eq(&c, &figure(&q, "waiting"), json!("2"), "two waiting").await;
    // The other queue's chat came before them on the socket: not shown, nor
    // its queue; the page says it shows Sam's queues.
    assert_eq!(
        c.execute(
            &format!(
                "return [document.querySelectorAll('[data-testid=queue-row]').length, \
                 !!document.querySelector('[data-testid=queue-row][data-id=\"{elsewhere}\"]'), !!{}, \
                 document.querySelector('[data-testid=queues-scope]').textContent.length > 0];",
                row(&hidden)
            ),
            vec![]
        )
        .await
        .unwrap(),
        json!([2, false, false, true])
    );
    until_eq(
        &c,
        &format!(
            "{}.querySelector('[data-testid=item-customer]').textContent",
            row(&marc)
        ),
        json!("Marc Dubois"),
        "Marc's chat listed with his name",
    )
    .await;
    axe(&c, "two chats waiting").await;
    screenshot(&c, &format!("supervisor-{lang}-waiting")).await;

    // Ana becomes available: both chats are offered to her; she accepts
    // Lucía's, and Marc leaves before she answers.
    presence(ana, "available").await;
    until_eq(&c, &figure(&q, "waiting"), json!("0"), "both offered").await;
    until_eq(
        &c,
        &figure(&q, "agents-available"),
        json!("1"),
        "Ana available",
    )
    .await;
    until_eq(
        &c,
        &format!("{}.getAttribute('data-status')", row(&lucia)),
        json!("offered"),
        "Lucía's chat offered",
    )
    .await;
    let (s, b) = answer(
        ana.post(&format!("/api/v1/work-items/{lucia}/accept"), json!({}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = answer(
        admin
            .post(&format!("/api/v1/work-items/{marc}/abandon"), json!({}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    until(&c, &format!("return !{};", row(&marc)), "Marc's chat gone").await;
    // Today's counts follow (the reports API, read again on each event).
    until_eq(
        &c,
        &figure(&q, "answered-today"),
        json!("1"),
        "one answered today",
    )
    .await;
    until_eq(
        &c,
        &figure(&q, "abandoned-today"),
        json!("1"),
        "one abandoned today",
    )
    .await;
    // 1 answered within 20 s ÷ (1 answered + 1 abandoned − 1 short abandon).
    until(
        &c,
        &format!(
            "return {}.includes('100');",
            figure(&q, "service-level-today")
        ),
        "today's service level",
    )
    .await;
    // Today's trend, hour by hour, drawn by the server in the page's language.
    let legend = if lang == "es" { "Ofrecidos" } else { "Offered" };
    until(
        &c,
        &format!(
            "const i = document.querySelector('[data-testid=trend-volume]');
             return !!i && i.src.startsWith('data:image/svg+xml') && i.complete && i.naturalWidth > 0
               && decodeURIComponent(i.src).includes('{legend}');"
        ),
        "today's trend chart",
    )
    .await;
    let ana_row = format!(
        "document.querySelector('[data-testid=agent-row][data-id=\"{}\"]')",
        ana.agent_id.as_deref().unwrap()
    );
    until_eq(
        &c,
        &format!("Array.from({ana_row}.querySelectorAll('[data-testid=held-item]')).map(e => e.getAttribute('data-id'))"),
        json!([lucia]),
        "Lucía's chat under Ana",
    )
    .await;
    // Its age ticks in the page.
    let age = format!("{ana_row}.querySelector('[data-testid=held-age]').textContent");
    let first = c.execute(&format!("return {age};"), vec![]).await.unwrap();
    until(&c, &format!("return {age} !== {first};"), "the age ticking").await;

    // Ana steps away: two more chats wait. Bruno is away, Carla offline.
    presence(ana, "away").await;
    presence(bruno, "away").await;
    let chen = chat("Chen", "Wei").await;
    let olga = chat("Olga", "Ivanova").await;
    until_eq(&c, &figure(&q, "waiting"), json!("2"), "two waiting again").await;
    // The line of waiting items over the last hours follows, without a
    // reload: its table's value now (Sam's queues: two in Web chat, none
    // in Billing chat), and the chart in the page's language.
    until_eq(
        &c,
        "document.querySelector('[data-testid=waiting-rows]').getAttribute('data-now')",
        json!("2"),
        "two waiting on the line of the last hours",
    )
    .await;
    let title = if lang == "es" {
        "En espera, últimas horas"
    } else {
        "Waiting, last hours"
    };
    until(
        &c,
        &format!(
            "const i = document.querySelector('[data-testid=trend-waiting]');
             return !!i && i.complete && i.naturalWidth > 0 && decodeURIComponent(i.src).includes('{title}');"
        ),
        "the chart of waiting items",
    )
    .await;
    c.execute(
        "document.querySelector('[data-testid=trend-waiting]').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &format!("supervisor-{lang}-waiting-chart")).await;
    until(&c, &format!("return !!{};", row(&olga)), "Olga's chat").await;

    // Giving Chen's chat to Carla, who is offline, is refused beside the row.
    let carla_id = carla.agent_id.clone().unwrap();
    let bruno_id = bruno.agent_id.clone().unwrap();
    set(
        &c,
        &format!("{}.querySelector('[data-testid=assign-agent]')", row(&chen)),
        &carla_id,
    )
    .await;
    click(
        &c,
        &format!("{}.querySelector('[data-testid=assign]')", row(&chen)),
        "assign to Carla",
    )
    .await;
    let refused = until(
        &c,
        &format!(
            "return {}.querySelector('[data-testid=item-error]').textContent;",
            row(&chen)
        ),
        "the refusal",
    )
    .await;
    assert_eq!(
        refused,
        json!(if lang == "es" {
            "Carla Costa está desconectado: solo un agente conectado puede recibir trabajo."
        } else {
            "Carla Costa is offline: only an agent who is signed in can take work."
        })
    );
    axe(&c, "a refused assignment").await;
    screenshot(&c, &format!("supervisor-{lang}-refused")).await;

    // To Bruno, with the keyboard: type his name in the agent list, then
    // Enter on the button. Assigned, the figure drops.
    let css = |id: &str, testid: &str| {
        Locator::Css(Box::leak(
            format!("[data-testid=item-row][data-id=\"{id}\"] [data-testid={testid}]")
                .into_boxed_str(),
        ))
    };
    c.find(css(&chen, "assign-agent"))
        .await
        .unwrap()
        .send_keys("Bruno")
        .await
        .unwrap();
    until_eq(
        &c,
        &format!(
            "{}.querySelector('[data-testid=assign-agent]').value",
            row(&chen)
        ),
        json!(bruno_id),
        "Bruno chosen by typing",
    )
    .await;
    c.find(css(&chen, "assign"))
        .await
        .unwrap()
        .send_keys(ENTER)
        .await
        .unwrap();
    until_eq(
        &c,
        &format!("[{r}.getAttribute('data-status'), {r}.querySelector('[data-testid=item-agent]').textContent]", r = row(&chen)),
        json!(["assigned", "Bruno Bianchi"]),
        "Chen's chat with Bruno",
    )
    .await;
    until_eq(&c, &figure(&q, "waiting"), json!("1"), "one waiting").await;
    until_eq(
        &c,
        &figure(&q, "answered-today"),
        json!("2"),
        "two answered today",
    )
    .await;
    let view = admin.ok(&format!("/api/v1/work-items/{chen}")).await;
    assert_eq!(view["agent_id"], json!(bruno_id));

    // Olga's chat moves to the billing queue: the row and both queues follow.
    set(
        &c,
        &format!(
            "{}.querySelector('[data-testid=transfer-queue]')",
            row(&olga)
        ),
        &billing,
    )
    .await;
    click(
        &c,
        &format!("{}.querySelector('[data-testid=transfer]')", row(&olga)),
        "transfer",
    )
    .await;
    until_eq(
        &c,
        &format!(
            "{}.querySelector('[data-testid=item-queue]').textContent",
            row(&olga)
        ),
        json!("Billing chat"),
        "Olga's chat in the billing queue",
    )
    .await;
    until_eq(
        &c,
        &figure(&q, "waiting"),
        json!("0"),
        "none waiting in web chat",
    )
    .await;
    until_eq(
        &c,
        &figure(&billing, "waiting"),
        json!("1"),
        "one waiting in billing",
    )
    .await;

    // Force-close Olga's chat with the keyboard, after confirming: Enter
    // on the button moves the focus to the confirmation.
    c.find(css(&olga, "force-close"))
        .await
        .unwrap()
        .send_keys(ENTER)
        .await
        .unwrap();
    until(
        &c,
        &format!(
            "return document.activeElement === {}.querySelector('[data-testid=confirm-close]');",
            row(&olga)
        ),
        "the confirmation focused",
    )
    .await;
    axe(&c, "the close confirmation").await;
    screenshot(&c, &format!("supervisor-{lang}-confirm")).await;
    c.active_element()
        .await
        .unwrap()
        .send_keys(ENTER)
        .await
        .unwrap();
    until(&c, &format!("return !{};", row(&olga)), "Olga's chat gone").await;
    until_eq(
        &c,
        &figure(&billing, "waiting"),
        json!("0"),
        "no one waiting",
    )
    .await;
    assert_eq!(
        admin.ok(&format!("/api/v1/work-items/{olga}")).await["status"],
        "closed"
    );
    assert_eq!(
        c.execute("return window.sbNotReloaded === true;", vec![])
            .await
            .unwrap(),
        json!(true),
        "everything moved without a reload"
    );
    let status = c
        .execute(
            "return document.querySelector('[data-testid=status]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        status.as_str().unwrap().contains("Olga Ivanova"),
        "{status}"
    );
    axe(&c, "the dashboard after the actions").await;
    screenshot(&c, &format!("supervisor-{lang}-live")).await;

    // The socket drops: the page reconnects and reloads what it missed.
    c.execute("window.sbSupervisorSocket.drop(); return true;", vec![])
        .await
        .unwrap();
    let late = chat("Ivo", "Late").await;
    until(
        &c,
        &format!("return !!{};", row(&late)),
        "the chat that came while reconnecting",
    )
    .await;
    until_eq(&c, &figure(&q, "waiting"), json!("1"), "one waiting").await;
    until_eq(
        &c,
        "document.querySelector('[data-testid=conn]').getAttribute('data-state')",
        json!("live"),
        "live again",
    )
    .await;

    // The audit log names the supervisor for both actions.
    let log = admin.ok("/api/v1/audit-log?area=work_items").await;
    let rows = log["items"].as_array().unwrap();
    for (action, item) in [
        ("work_item.assign", &chen),
        ("work_item.transfer", &olga),
        ("work_item.close", &olga),
    ] {
        let r = rows
            .iter()
            .find(|r| r["action"] == action && r["target_id"] == json!(item))
            .unwrap_or_else(|| panic!("{action} in {log}"));
        assert_eq!(r["agent_id"], json!(sam_id));
        assert_eq!(r["actor_name"], "Sam Supervisor");
        assert_eq!(r["area"], "work_items");
    }
    let _ = carla;

    // An agent who opens the page is told it is not for them.
    c.goto(&format!("{}/", app.base)).await.unwrap();
    click(&c, "document.querySelector('#signout')", "sign out").await;
    sign_in(&c, &app, "nico@super.test").await;
    assert_eq!(
        c.execute(
            "return !!document.querySelector('#places a[href=\"/supervisor\"]');",
            vec![]
        )
        .await
        .unwrap(),
        json!(false),
        "no link for an agent"
    );
    c.goto(&format!("{}/supervisor", app.base)).await.unwrap();
    let said = until(
        &c,
        "const s = document.querySelector('[data-testid=signed-out]'); return s && !s.hidden && s.querySelector('h1').textContent;",
        "the not-allowed state",
    )
    .await;
    assert_eq!(
        said,
        json!(if lang == "es" {
            "Solo los supervisores y los administradores pueden abrir el panel en directo."
        } else {
            "Only supervisors and admins can open the live dashboard."
        })
    );
    axe(&c, "the not-allowed state").await;
    screenshot(&c, &format!("supervisor-{lang}-not-allowed")).await;

    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_supervisor_watches_and_steers_live_work_in_english() {
    journey("en-US", "en").await;
}

#[tokio::test]
async fn a_supervisor_watches_and_steers_live_work_in_spanish() {
    journey("es-ES", "es").await;
}
