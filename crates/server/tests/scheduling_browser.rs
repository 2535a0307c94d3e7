//! The self-service pages in real headless Chromium: a customer books a
//! meeting on `/book` (topic → branch → slot → details → confirmation),
//! follows the confirmation's cancel link, and cancels it on the cancel page
//! through CancelMeeting; a tampered link shows nothing of the meeting.

#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use serde_json::json;
use switchboard_core::access::Role;

use chromium::until;

/// Clicks the first visible element matching `selector`.
async fn click(c: &fantoccini::Client, selector: &str) {
    let script = format!(
        "const e = [...document.querySelectorAll({})].find(e => e.offsetParent !== null && !e.disabled);
         if (e) {{ e.click(); return true; }} return false;",
        serde_json::to_string(selector).unwrap()
    );
    until(c, &script, selector).await;
}

async fn fill(c: &fantoccini::Client, selector: &str, text: &str) {
    let script = format!(
        "const e = document.querySelector({}); if (!e || e.offsetParent === null) return false;
         e.focus(); e.value = {}; e.dispatchEvent(new Event('input', {{bubbles: true}})); return true;",
        serde_json::to_string(selector).unwrap(),
        serde_json::to_string(text).unwrap()
    );
    until(c, &script, selector).await;
}

fn visible_text(selector: &str) -> String {
    format!(
        "const e = document.querySelector({}); return e && e.offsetParent !== null ? e.textContent : false;",
        serde_json::to_string(selector).unwrap()
    )
}

#[tokio::test]
async fn a_customer_books_on_the_page_and_cancels_from_the_link() {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let branch = admin
        .create(
            "/api/v1/branches",
            json!({"name": "Paris <i>Opéra</i>", "address": "12 bd Haussmann", "time_zone": "Europe/Paris"}),
        )
        .await;
    admin
        .create(
            "/api/v1/topics",
            json!({"name": "Mortgage <img src=x onerror=alert(1)>", "duration_minutes": 30,
                   "meeting_types": ["in_person"], "instructions": "Bring payslips."}),
        )
        .await;
    let advisor = app.token(Role::Agent).await;
    let hours = support::around_the_clock();
    let r = admin
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/advisors/{}", advisor.agent_id.as_ref().unwrap()),
        )
        .json(&json!({"time_zone": "UTC", "hours": hours, "branch_ids": [branch["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
    c.goto(&format!("{}/book?lang=fr", app.base)).await.unwrap();
    // The page sets its language once its script has run.
    until(
        &c,
        "return document.documentElement.lang === 'fr'",
        "the page in French",
    )
    .await;
    let topic = until(
        &c,
        &visible_text("#topics button[data-topic-id]"),
        "the topics",
    )
    .await;
    assert!(
        topic
            .as_str()
            .unwrap()
            .contains("<img src=x onerror=alert(1)>"),
        "names stay text: {topic}"
    );
    click(&c, "#topics button[data-topic-id]").await;
    click(&c, "#types button[data-meeting-type=in_person]").await;
    click(&c, "#branches button[data-branch-id]").await;
    click(&c, "#slots button[data-start]").await;
    fill(&c, "#first_name", "Zoé").await;
    fill(&c, "#last_name", "Durand").await;
    fill(&c, "#email", "zoe@example.com").await;
    fill(&c, "#notes", "<script>document.title='owned'</script>").await;
    click(&c, "#book").await;
    until(&c, &visible_text("#confirmation"), "the confirmation").await;
    let href = until(
        &c,
        "const a = document.querySelector('#confirmation-cancel-link'); return a && a.href;",
        "the cancel link",
    )
    .await;
    let href = href.as_str().unwrap().to_owned();
    assert!(href.contains("/cancel?token="), "{href}");
    let meeting_id = href
        .split("/meetings/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    // The meeting exists as booked, for a contact made from the form.
    let m = admin.ok(&format!("/api/v1/meetings/{meeting_id}")).await;
    assert_eq!(m["state"], "scheduled");
    assert_eq!(m["language"], "fr");
    assert_eq!(
        m["customer_notes"],
        "<script>document.title='owned'</script>"
    );
    let contact = admin
        .ok(&format!(
            "/api/v1/contacts/{}",
            m["contact_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(contact["email"], "zoe@example.com");

    // A tampered link reveals nothing.
    c.goto(&href.replace("token=", "token=x")).await.unwrap();
    until(&c, &visible_text("#error"), "the invalid-link message").await;
    let shown = c
        .execute(
            "const e = document.querySelector('#meeting'); return !!e && e.offsetParent !== null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, json!(false));

    // The real link: the meeting, then cancel through CancelMeeting.
    c.goto(&href).await.unwrap();
    let topic = until(&c, &visible_text("#topic"), "the meeting's topic").await;
    assert!(topic.as_str().unwrap().contains("Mortgage <img"));
    until(&c, &visible_text("#when"), "the meeting's time").await;
    click(&c, "#cancel").await;
    click(&c, "#confirm-cancel").await;
    until(
        &c,
        &visible_text("#cancelled"),
        "the cancelled confirmation",
    )
    .await;
    let m = admin.ok(&format!("/api/v1/meetings/{meeting_id}")).await;
    assert_eq!(m["state"], "cancelled");
    assert_eq!(m["cancel_path"], "customer");
    // Reloading the link shows it cancelled; no script ran from the data.
    c.goto(&href).await.unwrap();
    until(
        &c,
        &visible_text("#cancelled"),
        "the cancelled state on reload",
    )
    .await;
    assert_ne!(
        c.execute("return document.title", vec![]).await.unwrap(),
        json!("owned")
    );
    assert_eq!(
        c.execute("return document.querySelectorAll('img').length", vec![])
            .await
            .unwrap(),
        json!(0)
    );
    c.close().await.unwrap();
    app.stop().await;
}
