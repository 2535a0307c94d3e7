//! The web pages in real headless Chromium (Debian's chromium and
//! chromium-driver; `scripts/test` installs them). Missing Chromium fails
//! this test rather than skipping it.

#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;
use switchboard_core::access::Role;

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

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
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
