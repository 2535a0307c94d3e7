//! The web pages in real headless Chromium (Debian's chromium and
//! chromium-driver; `scripts/test` installs them). Missing Chromium fails
//! this test rather than skipping it.

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use switchboard_core::access::Role;

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
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

async fn browser(driver: &Driver, profile: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-component-update",
                "--disable-sync", format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_signs_in_and_out_and_hostile_names_stay_text() {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let hostile = "Ana <img src=x onerror=\"document.title='pwned'\">";
    admin
        .create(
            "/api/v1/agents",
            json!({"name": hostile, "email": "ana@browser.test", "roles": ["agent"], "password": "a long browser password"}),
        )
        .await;

    let driver = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;
    let wait = Duration::from_secs(15);
    c.goto(&format!("{}/", app.base)).await.unwrap();

    // A wrong password says so, on the page.
    c.find(Locator::Css("#email"))
        .await
        .unwrap()
        .send_keys("ana@browser.test")
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys("wrong password!!")
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(wait)
        .for_element(Locator::Css("#status.error"))
        .await
        .unwrap();
    let status = c
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "Wrong email or password.");

    // The right one signs in and shows who, as text.
    let password = c.find(Locator::Css("#password")).await.unwrap();
    password.clear().await.unwrap();
    password.send_keys("a long browser password").await.unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(wait)
        .for_element(Locator::Css("#me:not([hidden])"))
        .await
        .unwrap();
    let who = c
        .find(Locator::Id("who"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        who,
        format!("{hostile} <ana@browser.test>"),
        "the name is shown literally"
    );
    let injected = c
        .execute("return document.querySelectorAll('#me img').length", vec![])
        .await
        .unwrap();
    assert_eq!(injected, json!(0), "no element was injected");
    assert_ne!(c.title().await.unwrap(), "pwned");
    // The session cookie is HttpOnly: page scripts cannot read it.
    let cookies = c.execute("return document.cookie", vec![]).await.unwrap();
    assert!(
        !cookies.as_str().unwrap_or("").contains("sb_session"),
        "{cookies}"
    );

    // Reloading keeps the session; signing out ends it on the server.
    c.refresh().await.unwrap();
    c.wait()
        .at_most(wait)
        .for_element(Locator::Css("#me:not([hidden])"))
        .await
        .unwrap();
    c.find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(wait)
        .for_element(Locator::Css("#signin:not([hidden])"))
        .await
        .unwrap();
    let after = c
        .execute_async(
            "const done = arguments[0]; fetch('/api/v1/session').then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(after, json!(401));
    c.close().await.unwrap();
    app.stop().await;
}
