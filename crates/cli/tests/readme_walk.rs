//! The README walk: what a newcomer does on the first day, as a test.
//!
//! It reads the README's first command, runs the binary with exactly those
//! arguments (in a fresh directory, so `./data` is new; the default ports
//! are moved only when something else holds them), reads the URLs and
//! passwords it prints, and follows them in real Chromium as a person
//! would: the home page and sign-in, the printed demo shop on the server's
//! own origin with its invitation and chat, the agent workspace answering
//! it, the booking page and the cancel link, every other printed URL, and
//! the same pages in a French browser. Nothing is set up through a side
//! door: no token, no API call the README does not show, no database
//! access. axe-core checks every page state on the way.

#[path = "../../server/tests/chromium/mod.rs"]
mod chromium;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// The arguments of the README's first command (`cargo run --release --
/// ARGS`), read from the README itself so that the walk follows it when it
/// changes.
fn readme_first_command() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .expect("the README starts with a sh block");
    let first = block.lines().next().expect("a first command");
    let command = first.split('#').next().unwrap().trim();
    let args = command
        .strip_prefix("cargo run --release -- ")
        .unwrap_or_else(|| panic!("the first command runs the binary: {command}"));
    args.split_whitespace().map(str::to_owned).collect()
}

/// What the server printed: URLs by label, and the demo's sign-ins.
struct Printed {
    lines: Vec<String>,
    urls: HashMap<String, String>,
    /// email → password, from the "Demo data loaded" table.
    passwords: HashMap<String, String>,
}

struct Server {
    child: Child,
    printed: Printed,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tcp_port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn udp_port_free(port: u16) -> bool {
    std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok()
}

#[allow(clippy::zombie_processes)] // the Server's Drop reaps it
fn start(args: &[String]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(dir.path());
    // The README's defaults (8080, SIP on 5060), unless this machine is
    // already using them (another test, a developer's own server).
    if !tcp_port_free(8080) {
        cmd.args(["--listen", "127.0.0.1:0"]);
    }
    if !udp_port_free(5060) {
        cmd.args(["--sip-listen", "127.0.0.1:0"]);
    }
    for (k, _) in std::env::vars() {
        if k.starts_with("SWITCHBOARD_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server printed its URLs");
        lines.push(line.clone());
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let mut urls = HashMap::new();
    let mut passwords = HashMap::new();
    for line in &lines {
        if let Some((label, rest)) = line.trim().split_once(": ") {
            if let Some(url) = rest.split_whitespace().next() {
                if url.starts_with("http://") || url.starts_with("sip:") {
                    urls.insert(label.trim().to_owned(), url.to_owned());
                }
            }
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 3 && words[0].ends_with("@demo.switchboard.test") {
            passwords.insert(words[0].to_owned(), words[1].to_owned());
        }
    }
    Server {
        child,
        printed: Printed {
            lines,
            urls,
            passwords,
        },
        _dir: dir,
    }
}

impl Printed {
    fn url(&self, label: &str) -> &str {
        self.urls
            .get(label)
            .unwrap_or_else(|| panic!("the server printed \"{label}\": {:#?}", self.lines))
    }

    fn password(&self, email: &str) -> &str {
        self.passwords
            .get(email)
            .unwrap_or_else(|| panic!("the server printed {email}'s password: {:#?}", self.lines))
    }
}

async fn until(c: &Client, script: &str, what: &str) -> Value {
    chromium::until(c, script, what).await
}

/// A real click on the first element matching `css`, once it is there.
async fn click(c: &Client, css: &str) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} appears: {e}"));
    e.click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Types into the field matching `css` as a person does, key by key.
async fn type_in(c: &Client, css: &str, text: &str) {
    let e = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} appears: {e}"));
    e.clear().await.ok();
    e.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

fn in_widget(body: &str) -> String {
    format!(
        "const host = document.getElementById('switchboard-widget');
         const root = host && host.shadowRoot; if (!root) return null; {body}"
    )
}

fn visible(css: &str) -> String {
    format!(
        "const e = document.querySelector({}); return !!e && e.offsetParent !== null && e.textContent;",
        serde_json::to_string(css).unwrap()
    )
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("readme-walk");
    std::fs::create_dir_all(&dir).unwrap();
    if let Ok(png) = c.screenshot().await {
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_follows_the_readme() {
    let args = readme_first_command();
    assert_eq!(args, ["serve", "--demo"], "the README's first command");
    let server = start(&args);
    let p = &server.printed;
    let home = p.url("Home and sign-in").to_owned();
    let base = home.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();

    // A client that waits for readiness finds the demo's data there.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = http.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "/readyz never said ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let topics: Value = http
        .get(format!("{base}/public/v1/scheduling/properties"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        topics["topics"].as_array().is_some_and(|t| !t.is_empty()),
        "ready means the demo's topics are there: {topics}"
    );

    let driver = chromium::driver().await;
    let profiles: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();

    // --- The home page: sign in with the admin's printed password. ---------
    let admin = chromium::browser(&driver, profiles[0].path()).await;
    admin.goto(&home).await.unwrap();
    until(&admin, &visible("#signin"), "the sign-in form").await;
    chromium::axe(&admin, "home, signed out").await;
    type_in(&admin, "#email", "admin@demo.switchboard.test").await;
    type_in(
        &admin,
        "#password",
        p.password("admin@demo.switchboard.test"),
    )
    .await;
    click(&admin, "#form button[type=submit]").await;
    // An admin lands on the printed admin center.
    until(
        &admin,
        "return location.pathname === '/admin' && !!document.querySelector('[data-screen=people][data-ready]');",
        "the admin center after signing in",
    )
    .await;
    let admin_center = p.url("Admin center");
    assert_eq!(admin_center, format!("{base}/admin"));
    let who = until(
        &admin,
        "return document.querySelector('[data-testid=who]').textContent;",
        "signed in",
    )
    .await;
    assert!(who.as_str().unwrap().contains("Alex Morgan"), "{who}");
    chromium::axe(&admin, "the admin center, signed in as admin").await;
    screenshot(&admin, "admin-center").await;
    // Home still lists the places the admin's role opens.
    admin.goto(&home).await.unwrap();
    let who = until(&admin, &visible("#me"), "signed in").await;
    assert!(who.as_str().unwrap().contains("Alex Morgan"), "{who}");
    chromium::axe(&admin, "home, signed in as admin").await;
    screenshot(&admin, "home-admin").await;

    // The printed meeting messages open on the admin center's outbox.
    admin.goto(p.url("Meeting messages")).await.unwrap();
    until(
        &admin,
        "return !!document.querySelector('[data-screen=communications][data-ready] [data-testid=comms-enabled]');",
        "the communications screen",
    )
    .await;

    // Every other printed URL answers the signed-in admin.
    for label in ["API reference"] {
        let url = p.url(label);
        admin.goto(url).await.unwrap();
        let body = admin
            .execute("return document.body.innerText;", vec![])
            .await
            .unwrap();
        let parsed: Value = serde_json::from_str(body.as_str().unwrap())
            .unwrap_or_else(|e| panic!("{label} ({url}) is JSON: {e}: {body}"));
        assert!(parsed.get("status").is_none(), "{label}: {parsed}");
    }
    // The printed live dashboard and reports; the demo's two weeks of
    // traffic are in the reports.
    admin.goto(p.url("Live dashboard")).await.unwrap();
    until(
        &admin,
        "return !!document.querySelector('[data-screen=supervisor][data-ready]');",
        "the live dashboard",
    )
    .await;
    let reports = p.url("Reports");
    assert_eq!(reports, format!("{base}/supervisor/reports"));
    // Opened as printed: the last seven days, which hold demo traffic.
    admin.goto(reports).await.unwrap();
    let offered = until(
        &admin,
        "const c = document.querySelector('[data-testid=report-total] td');
         return c && Number(c.textContent.replace(/[^0-9]/g, '')) > 0 ? c.textContent : null;",
        "the demo traffic in the reports of the last seven days",
    )
    .await;
    assert!(offered.as_str().is_some(), "{offered}");
    // The printed planner measures the demo's traffic of the last four
    // weeks and, once run, proposes agents for the busy hours.
    let planner = p.url("Staffing planner");
    assert_eq!(planner, format!("{base}/supervisor/planner"));
    admin.goto(planner).await.unwrap();
    until(
        &admin,
        "return !!document.querySelector('[data-testid=run]');",
        "the measured plan",
    )
    .await;
    admin
        .execute(
            "document.querySelector('[data-testid=run]').click(); return true;",
            vec![],
        )
        .await
        .unwrap();
    let needed = until(
        &admin,
        "const c = document.querySelector('[data-testid=needed-hours]');
         return c && Number(c.textContent.replace(/[^0-9]/g, '')) > 0 ? c.textContent : null;",
        "agents proposed on the demo's traffic",
    )
    .await;
    assert!(needed.as_str().is_some(), "{needed}");
    chromium::axe(&admin, "staffing planner").await;
    for path in ["/healthz", "/readyz", "/favicon.ico"] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    // The voice status and the metrics are not public; the signed-in
    // admin's browser reads them.
    assert!(p.url("Phone line (SIP)").starts_with("sip:support@"));
    for url in [
        format!("{base}/api/v1/voice/status"),
        p.url("Metrics").to_owned(),
    ] {
        let r = http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 401, "{url} is not public");
        admin.goto(&url).await.unwrap();
        let body = admin
            .execute("return document.body.innerText;", vec![])
            .await
            .unwrap();
        let body = body.as_str().unwrap();
        if url.ends_with("/metrics") {
            assert!(body.contains("switchboard_http_requests_total"), "{body}");
        } else {
            let v: Value = serde_json::from_str(body).unwrap();
            assert!(v.get("calls").is_some(), "{v}");
        }
    }
    // An address that does not exist: a page for a person, not JSON.
    admin.goto(&format!("{base}/admin/nowhere")).await.unwrap();
    let title = until(
        &admin,
        "return document.querySelector('h1') && document.querySelector('h1').textContent;",
        "the 404 page",
    )
    .await;
    assert_eq!(title, "Page not found");
    chromium::axe(&admin, "404 page").await;

    // --- Ana signs in to the printed workspace and becomes available. ------
    let agent = chromium::browser(&driver, profiles[1].path()).await;
    agent.set_window_size(1440, 1000).await.unwrap();
    agent.goto(p.url("Agent workspace")).await.unwrap();
    type_in(&agent, "[data-testid=email]", "ana@demo.switchboard.test").await;
    type_in(
        &agent,
        "[data-testid=password]",
        p.password("ana@demo.switchboard.test"),
    )
    .await;
    click(&agent, "[data-testid=signin-submit]").await;
    until(
        &agent,
        "const c = document.querySelector('[data-testid=connection]'); return c && c.getAttribute('data-state') === 'online';",
        "the workspace's live connection",
    )
    .await;
    let presence = agent
        .find(Locator::Css("[data-testid=presence]"))
        .await
        .unwrap();
    presence.select_by_value("available").await.unwrap();
    chromium::axe(&agent, "workspace, available").await;

    // --- A visitor opens the printed demo shop (the server's own origin). --
    let visitor = chromium::browser(&driver, profiles[2].path()).await;
    let shop = p.url("Chat widget demo").to_owned();
    assert!(
        shop.starts_with(&base),
        "the demo shop is same-origin: {shop}"
    );
    visitor.goto(&shop).await.unwrap();
    until(
        &visitor,
        &in_widget("return root.querySelector('[data-testid=launcher]') !== null;"),
        "the chat widget on the printed demo page",
    )
    .await;
    chromium::axe(&visitor, "demo shop, widget closed").await;
    // Browse to the second page, as the printed hint says; the invitation follows.
    click(&visitor, "#page2").await;
    let invitation = until(
        &visitor,
        &in_widget("const m = root.querySelector('[data-testid=invitation-message]'); return m && m.offsetParent !== null && m.textContent;"),
        "the proactive invitation",
    )
    .await;
    assert_eq!(invitation, "Hi! Can we help you find the right gear?");
    chromium::axe(&visitor, "demo shop, invitation shown").await;
    screenshot(&visitor, "shop-invitation").await;
    visitor
        .execute(
            &in_widget(
                "root.querySelector('[data-testid=invitation-accept]').click(); return true;",
            ),
            vec![],
        )
        .await
        .unwrap();
    until(
        &visitor,
        &in_widget("return root.querySelector('[data-testid=survey-form]') !== null;"),
        "the pre-chat survey",
    )
    .await;
    chromium::axe(&visitor, "demo shop, survey").await;
    visitor
        .execute(
            &in_widget(
                "const set = (id, v) => { const i = root.querySelector('[data-testid=question-' + id + ']');
                   i.value = v; i.dispatchEvent(new Event('input', {bubbles: true}));
                   i.dispatchEvent(new Event('change', {bubbles: true})); };
                 set('name', 'Zoé Durand'); set('email', 'zoe@example.com');
                 const topic = root.querySelector('[data-testid=question-topic]');
                 topic.value = topic.options[topic.options.length - 1].value;
                 topic.dispatchEvent(new Event('change', {bubbles: true}));
                 root.querySelector('[data-testid=start-chat]').click(); return true;",
            ),
            vec![],
        )
        .await
        .unwrap();

    // --- Ana is offered the chat, accepts, and they talk. -----------------
    let toast = until(
        &agent,
        "const t = document.querySelector('[data-testid=toast]'); return t && t.textContent;",
        "the offer in the workspace",
    )
    .await;
    assert!(toast.as_str().unwrap().contains("Zoé Durand"), "{toast}");
    click(&agent, "[data-testid=toast-accept]").await;
    until(
        &agent,
        "return document.querySelector('[data-testid=section-customer]') !== null;",
        "the customer summary",
    )
    .await;
    until(
        &visitor,
        &in_widget("return host.getAttribute('data-state') === 'active';"),
        "the visitor's chat connected",
    )
    .await;
    visitor
        .execute(
            &in_widget(
                "const i = root.querySelector('[data-testid=composer]'); i.value = 'Do you have the tent in green?';
                 i.dispatchEvent(new Event('input', {bubbles: true}));
                 root.querySelector('[data-testid=send]').click(); return true;",
            ),
            vec![],
        )
        .await
        .unwrap();
    until(
        &agent,
        "return Array.from(document.querySelectorAll('[data-testid=message][data-sender=visitor]')).some(m => m.textContent === 'Do you have the tent in green?');",
        "the visitor's message in the workspace",
    )
    .await;
    type_in(
        &agent,
        "[data-testid=composer]",
        "Yes, in green and in sand.",
    )
    .await;
    click(&agent, "[data-testid=send]").await;
    until(
        &visitor,
        &in_widget("return Array.from(root.querySelectorAll('[data-testid=message]')).some(m => m.textContent === 'Yes, in green and in sand.');"),
        "Ana's reply in the widget",
    )
    .await;
    chromium::axe(&visitor, "demo shop, chatting").await;
    chromium::axe(&agent, "workspace, chat open").await;
    screenshot(&visitor, "shop-chat").await;
    screenshot(&agent, "workspace-chat").await;

    // --- The booking page: a meeting, then the cancel link. ---------------
    let customer = chromium::browser(&driver, profiles[3].path()).await;
    customer.goto(p.url("Book a meeting")).await.unwrap();
    click(&customer, "#topics button[data-topic-id]").await;
    chromium::axe(&customer, "booking, topic chosen").await;
    click(&customer, "#types button[data-meeting-type=online]").await;
    click(&customer, "#slots button[data-start]").await;
    type_in(&customer, "#first_name", "Zoé").await;
    type_in(&customer, "#last_name", "Durand").await;
    type_in(&customer, "#email", "zoe@example.com").await;
    chromium::axe(&customer, "booking, form").await;
    click(&customer, "#book").await;
    until(&customer, &visible("#confirmation"), "the confirmation").await;
    chromium::axe(&customer, "booking, confirmed").await;
    screenshot(&customer, "booking-confirmed").await;
    let cancel = until(
        &customer,
        "const a = document.querySelector('#confirmation-cancel-link'); return a && a.href;",
        "the cancel link",
    )
    .await;
    customer.goto(cancel.as_str().unwrap()).await.unwrap();
    until(
        &customer,
        &visible("#when"),
        "the meeting on the cancel page",
    )
    .await;
    chromium::axe(&customer, "cancel page").await;
    click(&customer, "#cancel").await;
    click(&customer, "#confirm-cancel").await;
    until(&customer, &visible("#cancelled"), "the cancelled meeting").await;
    chromium::axe(&customer, "cancel page, cancelled").await;

    // --- A French browser sees French. -----------------------------------
    let french_profile = tempfile::tempdir().unwrap();
    let french = chromium::browser_in(&driver, french_profile.path(), Some("fr-FR")).await;
    french.goto(&home).await.unwrap();
    let heading = until(
        &french,
        "return document.documentElement.lang === 'fr' && document.querySelector('#signin-title').textContent;",
        "the home page in French",
    )
    .await;
    assert_eq!(heading, "Connexion");
    chromium::axe(&french, "home in French").await;
    french.goto(p.url("Book a meeting")).await.unwrap();
    until(
        &french,
        "return document.documentElement.lang === 'fr';",
        "the booking page in French",
    )
    .await;
    french.goto(&format!("{base}/nowhere")).await.unwrap();
    let title = until(
        &french,
        "return document.querySelector('h1') && document.querySelector('h1').textContent;",
        "the 404 page in French",
    )
    .await;
    assert_eq!(title, "Page introuvable");

    for c in [admin, agent, visitor, customer, french] {
        c.close().await.unwrap();
    }
}
