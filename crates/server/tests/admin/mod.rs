//! What the admin center's browser tests share: finding, setting and
//! clicking controls by their test ids, waiting for a screen, reading the
//! error beside a field, screenshots.

use fantoccini::Client;
use serde_json::Value;

use super::chromium::until;

/// The element with this data-testid, as a JS expression.
pub fn q(testid: &str) -> String {
    format!("document.querySelector('[data-testid={testid}]')")
}

/// Runs `js` (an expression naming an element) and clicks it, once present.
pub async fn click(c: &Client, el: &str, what: &str) {
    until(
        c,
        &format!(
            "const e = {el}; if (e && !e.disabled) {{ e.click(); return true; }} return false;"
        ),
        what,
    )
    .await;
}

/// Sets a control's value as a person would (input and change events).
pub async fn set(c: &Client, el: &str, value: &str) {
    let script = format!(
        "const e = {el}; if (!e) return false; e.focus();
         if (e.type === 'checkbox') e.checked = {value} === 'on'; else e.value = {value};
         e.dispatchEvent(new Event('input', {{bubbles: true}}));
         e.dispatchEvent(new Event('change', {{bubbles: true}})); return true;",
        value = serde_json::to_string(value).unwrap()
    );
    until(c, &script, &format!("the control {el}")).await;
}

/// The last element matching `css` inside the element with data-testid `scope`.
pub fn last(scope: &str, css: &str) -> String {
    format!("Array.from(document.querySelectorAll('[data-testid={scope}] {css}')).pop()")
}

/// Clicks a save button and waits for the status line to say it saved.
pub async fn save(c: &Client, testid: &str, what: &str) {
    c.execute(
        "document.querySelector('[data-testid=status]').textContent = ''; return true;",
        vec![],
    )
    .await
    .unwrap();
    click(c, &q(testid), what).await;
    until(
        c,
        "return document.querySelector('[data-testid=status]').textContent;",
        what,
    )
    .await;
}

pub async fn screen_ready(c: &Client, name: &str) {
    until(
        c,
        &format!("return !!document.querySelector('[data-screen={name}][data-ready]');"),
        &format!("the {name} screen"),
    )
    .await;
}

pub async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    assert!(png.len() > 10_000, "a real screenshot");
}

/// The error shown beside the control `el`: it is marked invalid, names its
/// message with aria-describedby, and the message sits in the same field.
pub async fn error_beside(c: &Client, el: &str) -> String {
    let v = until(
        c,
        &format!(
            "const e = {el}; if (!e || e.getAttribute('aria-invalid') !== 'true') return null;
             const m = document.getElementById(e.getAttribute('aria-describedby'));
             if (!m || !m.textContent || m.parentNode !== e.closest('.field')) return null;
             return m.textContent;"
        ),
        &format!("an error beside {el}"),
    )
    .await;
    v.as_str().unwrap().to_owned()
}

pub async fn invalid_count(c: &Client) -> Value {
    c.execute(
        "return document.querySelectorAll('[aria-invalid=true]').length;",
        vec![],
    )
    .await
    .unwrap()
}
