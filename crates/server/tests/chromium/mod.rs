//! Debian's chromium and chromedriver for the browser tests (`scripts/test`
//! installs them). Missing Chromium fails a test rather than skipping it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use serde_json::{json, Value};

/// chromedriver on a free loopback port, stopped when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("chromedriver")
        .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (apt-get install chromium chromium-driver, or run ./scripts/test)");
    // Wait (bounded) until it answers.
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/status"))
            .await
            .is_ok()
        {
            return Driver { child, port };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not start");
}

#[allow(dead_code)]
pub async fn browser(driver: &Driver, profile: &std::path::Path) -> fantoccini::Client {
    browser_in(driver, profile, None).await
}

/// A browser whose user speaks `language` (e.g. `fr-FR`): its UI language,
/// `navigator.languages` and the `Accept-Language` it sends.
#[allow(dead_code)]
pub async fn browser_in(
    driver: &Driver,
    profile: &std::path::Path,
    language: Option<&str>,
) -> fantoccini::Client {
    let mut args = vec![
        "--headless".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut options = json!({ "binary": "/usr/bin/chromium" });
    if let Some(language) = language {
        args.push(format!("--lang={language}"));
        let primary = language.split('-').next().unwrap_or(language);
        options["prefs"] =
            json!({ "intl": { "accept_languages": format!("{language},{primary}") } });
    }
    options["args"] = json!(args);
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

/// The sample shop page, served by a second server (another origin), with
/// the widget script loaded from Switchboard.
#[allow(dead_code)]
pub async fn host_site(switchboard: &str, widget: &str) -> u16 {
    let page = include_str!("../../web/widget-demo.html")
        .replace(
            "src=\"/widget.js\"",
            &format!("src=\"{switchboard}/widget.js\""),
        )
        .replace("__WIDGET_ID__", widget);
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

/// Polls `script` (a function body returning a value) until it returns
/// something truthy, for at most 30 seconds.
#[allow(dead_code)]
pub async fn until(c: &fantoccini::Client, script: &str, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = c.execute(script, vec![]).await.unwrap();
        if !(v.is_null() || v == json!(false) || v == json!("")) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs axe-core (installed from the npm registry by `scripts/test` into
/// `tests/axe/node_modules`) on the page as it is now, including open
/// shadow roots, and fails the test on any violation, naming the page
/// state, the rule, its impact and the offending nodes.
#[allow(dead_code)]
pub async fn axe(c: &fantoccini::Client, state: &str) {
    // This module is shared by the server's and the binary's tests: find
    // the workspace's copy from either crate.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("crates/server/tests/axe/node_modules/axe-core/axe.min.js"))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("axe-core is missing (run ./scripts/test, or npm ci --prefix crates/server/tests/axe)")
        });
    let source =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Loaded once per document: the script defines `window.axe`.
    let loaded = c
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .unwrap();
    if loaded != json!(true) {
        c.execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .expect("axe-core loads into the page");
    }
    let violations = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
                 }))))
                 .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));"#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    let list = violations.as_array().cloned().unwrap_or_default();
    assert!(
        list.is_empty(),
        "accessibility violations on {state}:\n{}",
        serde_json::to_string_pretty(&violations).unwrap()
    );
}
