//! The self-service pages in real headless Chromium: a customer books a
//! meeting on `/book` (topic → branch → slot → details → confirmation),
//! follows the confirmation's cancel link, and cancels it on the cancel page
//! through CancelMeeting; a tampered link shows nothing of the meeting.

#[path = "chromium/mod.rs"]
mod chromium;
#[path = "smtp/mod.rs"]
#[allow(dead_code)]
mod smtp;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use serde_json::json;
use switchboard_core::access::Role;

use chromium::{axe, until};

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
    axe(&c, "topics (fr)").await;
    click(&c, "#topics button[data-topic-id]").await;
    axe(&c, "meeting types (fr)").await;
    click(&c, "#types button[data-meeting-type=in_person]").await;
    until(
        &c,
        &visible_text("#branches button[data-branch-id]"),
        "the branches",
    )
    .await;
    axe(&c, "branches (fr)").await;
    click(&c, "#branches button[data-branch-id]").await;
    until(&c, &visible_text("#slots button[data-start]"), "the slots").await;
    axe(&c, "slots (fr)").await;
    click(&c, "#slots button[data-start]").await;
    until(&c, &visible_text("#details"), "the form").await;
    axe(&c, "details form (fr)").await;
    fill(&c, "#first_name", "Zoé").await;
    fill(&c, "#last_name", "Durand").await;
    fill(&c, "#email", "zoe@example.com").await;
    fill(&c, "#notes", "<script>document.title='owned'</script>").await;
    click(&c, "#book").await;
    until(&c, &visible_text("#confirmation"), "the confirmation").await;
    axe(&c, "confirmation (fr)").await;
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
    axe(&c, "cancel page, invalid link (fr)").await;
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
    axe(&c, "cancel page (fr)").await;
    click(&c, "#cancel").await;
    until(&c, &visible_text("#confirm-box"), "the question").await;
    axe(&c, "cancel question (fr)").await;
    click(&c, "#confirm-cancel").await;
    until(
        &c,
        &visible_text("#cancelled"),
        "the cancelled confirmation",
    )
    .await;
    axe(&c, "cancelled (fr)").await;
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

/// A Chrome DevTools command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

/// Chromium as a visitor in `zone` (its own clock says so).
async fn in_zone(c: &fantoccini::Client, zone: &str) {
    c.issue_cmd(Cdp(
        "Emulation.setTimezoneOverride",
        json!({"timezoneId": zone}),
    ))
    .await
    .expect("the time zone override");
}

/// The page's text, as a visitor reads it.
async fn page_text(c: &fantoccini::Client) -> String {
    c.execute("return document.body.innerText", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The forms of "tú" a Spanish page must not use (the product says "usted").
fn assert_usted(text: &str, state: &str) {
    let lower = format!(
        " {} ",
        text.to_lowercase().replace(['¿', '?', '.', ',', '\n'], " ")
    );
    for tu in [
        " tu ",
        " tú ",
        " tus ",
        " te ",
        " quieres ",
        " puedes ",
        " elige ",
        " introduce ",
        " revisa ",
        " comprueba ",
        " prefieres ",
        " inténtalo ",
    ] {
        assert!(!lower.contains(tu), "\"{}\" on {state}: {text}", tu.trim());
    }
}

/// A visitor in New York books at the Madrid branch: the slots, the review,
/// the confirmation and the cancel page show Madrid's time, named, with the
/// visitor's own beside; the confirmation offers the meeting as a calendar
/// file. A visitor booking online sees their own zone. Topic names and
/// instructions follow the page's language, Spanish says "usted", and
/// axe-core finds nothing on any state, in English and in Spanish.
#[tokio::test]
async fn time_zones_languages_and_accessibility_on_the_booking_and_cancel_pages() {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let branch = admin
        .create(
            "/api/v1/branches",
            json!({"name": "Madrid Centro", "address": "Calle de Alcalá 21\n28014 Madrid", "time_zone": "Europe/Madrid"}),
        )
        .await;
    admin
        .create(
            "/api/v1/topics",
            json!({"name": "Mortgage advice", "description": "Rates and documents.", "duration_minutes": 30,
                   "meeting_types": ["in_person", "online"], "instructions": "Bring your payslips.",
                   "translations": {
                       "es": {"name": "Asesoramiento hipotecario", "description": "Tipos y documentos.",
                              "instructions": "Traiga sus nóminas."},
                       "fr": {"name": "Conseil en prêt immobilier"}}}),
        )
        .await;
    let advisor = app.token(Role::Agent).await;
    let r = admin
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/advisors/{}", advisor.agent_id.as_ref().unwrap()),
        )
        .json(&json!({"time_zone": "UTC", "hours": support::around_the_clock(), "branch_ids": [branch["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
    in_zone(&c, "America/New_York").await;

    // ------------------------------------------------ English, in person
    c.goto(&format!("{}/book?lang=en", app.base)).await.unwrap();
    until(
        &c,
        &visible_text("#topics button[data-topic-id]"),
        "the topics",
    )
    .await;
    assert_eq!(
        c.execute(
            "return Intl.DateTimeFormat().resolvedOptions().timeZone",
            vec![]
        )
        .await
        .unwrap(),
        json!("America/New_York"),
        "the browser is in New York"
    );
    axe(&c, "topics (en)").await;
    click(&c, "#topics button[data-topic-id]").await;
    axe(&c, "meeting types (en)").await;
    click(&c, "#types button[data-meeting-type=in_person]").await;
    until(
        &c,
        &visible_text("#branches button[data-branch-id]"),
        "the branches",
    )
    .await;
    axe(&c, "branches (en)").await;
    click(&c, "#branches button[data-branch-id]").await;
    until(&c, &visible_text("#slots button[data-start]"), "the slots").await;
    let note = until(&c, &visible_text("#tz-note"), "the time zone note").await;
    let note = note.as_str().unwrap();
    assert!(
        note.contains("branch’s local time (Europe/Madrid)") && note.contains("America/New_York"),
        "{note}"
    );
    // Each slot reads in Madrid's time, with New York's beside.
    let slot = until(
        &c,
        "const b = document.querySelector('#slots button[data-start]'); if (!b) return false;
         const d = new Date(b.getAttribute('data-start'));
         const f = (tz) => new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: tz }).format(d);
         return { text: b.textContent, madrid: f('Europe/Madrid'), ny: f('America/New_York'),
                  heading: b.closest('.day').querySelector('h3').textContent,
                  madridDay: new Intl.DateTimeFormat('en', { dateStyle: 'full', timeZone: 'Europe/Madrid' }).format(d) };",
        "a slot",
    )
    .await;
    let text = slot["text"].as_str().unwrap();
    assert!(text.starts_with(slot["madrid"].as_str().unwrap()), "{slot}");
    assert!(
        text.contains(slot["ny"].as_str().unwrap()) && text.contains("America/New_York"),
        "{slot}"
    );
    assert_eq!(slot["heading"], slot["madridDay"], "days are Madrid's days");
    axe(&c, "slots (en)").await;
    click(&c, "#slots button[data-start]").await;
    let review = until(&c, &visible_text("#review"), "the review").await;
    let review = review.as_str().unwrap();
    assert!(
        review.contains("(Europe/Madrid)") && review.contains("your time (America/New_York)"),
        "{review}"
    );
    axe(&c, "details form (en)").await;
    fill(&c, "#first_name", "Ana").await;
    fill(&c, "#last_name", "García").await;
    fill(&c, "#email", "ana@example.com").await;
    click(&c, "#book").await;
    let shown = until(
        &c,
        &visible_text("#confirmation-details"),
        "the confirmation",
    )
    .await;
    let shown = shown.as_str().unwrap();
    assert!(shown.contains("(Europe/Madrid)"), "{shown}");
    assert!(shown.contains("your time (America/New_York)"), "{shown}");
    axe(&c, "confirmation (en)").await;
    // "Add to calendar": the meeting as an iCalendar file.
    let ics = until(
        &c,
        "const a = document.querySelector('#confirmation-calendar-link');
         if (!a || a.offsetParent === null || !a.href) return false;
         const done = window.__ics; if (done) return done;
         fetch(a.href).then(r => r.text()).then(t => { window.__ics = t; });
         return false;",
        "the calendar file",
    )
    .await;
    let ics = ics.as_str().unwrap();
    assert!(
        ics.contains("BEGIN:VEVENT") && ics.contains("SUMMARY:Mortgage advice"),
        "{ics}"
    );
    assert!(ics.contains("LOCATION:Madrid Centro"), "{ics}");
    let cancel = until(
        &c,
        "const a = document.querySelector('#confirmation-cancel-link'); return a && a.href;",
        "the cancel link",
    )
    .await;
    let cancel = cancel.as_str().unwrap().to_owned();
    let id = cancel
        .split("/meetings/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let m = admin.ok(&format!("/api/v1/meetings/{id}")).await;
    assert_eq!(m["time_zone"], "Europe/Madrid");

    // The cancel page: Madrid's time, named, New York's beside.
    c.goto(&cancel).await.unwrap();
    until(&c, &visible_text("#when"), "the meeting's time").await;
    let zone = until(&c, &visible_text("#time-zone"), "the zone").await;
    assert_eq!(zone, json!("(Europe/Madrid)"));
    let mine = until(&c, &visible_text("#your-time"), "the visitor's time").await;
    assert!(
        mine.as_str().unwrap().contains("America/New_York"),
        "{mine}"
    );
    axe(&c, "cancel page (en)").await;
    click(&c, "#cancel").await;
    until(&c, &visible_text("#confirm-box"), "the question").await;
    axe(&c, "cancel question (en)").await;
    click(&c, "#keep").await;
    until(&c, &visible_text("#status"), "kept").await;
    axe(&c, "kept (en)").await;
    click(&c, "#cancel").await;
    click(&c, "#confirm-cancel").await;
    until(&c, &visible_text("#cancelled"), "cancelled").await;
    axe(&c, "cancelled (en)").await;

    // ------------------------------------------------- Spanish, online
    c.goto(&format!("{}/book?lang=es", app.base)).await.unwrap();
    until(
        &c,
        "return document.documentElement.lang === 'es'",
        "Spanish",
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
            .contains("Asesoramiento hipotecario")
            && topic.as_str().unwrap().contains("Tipos y documentos."),
        "the topic in Spanish: {topic}"
    );
    assert_usted(&page_text(&c).await, "topics (es)");
    axe(&c, "topics (es)").await;
    click(&c, "#topics button[data-topic-id]").await;
    assert_usted(&page_text(&c).await, "meeting types (es)");
    axe(&c, "meeting types (es)").await;
    click(&c, "#types button[data-meeting-type=online]").await;
    until(&c, &visible_text("#slots button[data-start]"), "the slots").await;
    let note = until(&c, &visible_text("#tz-note"), "the note").await;
    assert!(
        note.as_str()
            .unwrap()
            .contains("su zona horaria (America/New_York)"),
        "{note}"
    );
    let slot = until(
        &c,
        "const b = document.querySelector('#slots button[data-start]'); if (!b) return false;
         const d = new Date(b.getAttribute('data-start'));
         return { text: b.textContent,
                  ny: new Intl.DateTimeFormat('es', { timeStyle: 'short', timeZone: 'America/New_York' }).format(d) };",
        "a slot",
    )
    .await;
    assert_eq!(slot["text"], slot["ny"], "online: the visitor's own time");
    assert_usted(&page_text(&c).await, "slots (es)");
    axe(&c, "slots (es)").await;
    click(&c, "#slots button[data-start]").await;
    let instructions = until(&c, &visible_text("#instructions"), "the instructions").await;
    assert_eq!(instructions, json!("Traiga sus nóminas."));
    fill(&c, "#first_name", "").await;
    click(&c, "#book").await;
    until(&c, &visible_text("#first_name-err"), "the field's error").await;
    assert_usted(&page_text(&c).await, "form with errors (es)");
    axe(&c, "details form with errors (es)").await;
    fill(&c, "#first_name", "Lucía").await;
    fill(&c, "#last_name", "Pérez").await;
    fill(&c, "#email", "lucia@example.com").await;
    click(&c, "#book").await;
    let shown = until(
        &c,
        &visible_text("#confirmation-details"),
        "the confirmation",
    )
    .await;
    assert!(
        shown.as_str().unwrap().contains("(America/New_York)"),
        "{shown}"
    );
    assert_usted(&page_text(&c).await, "confirmation (es)");
    axe(&c, "confirmation (es)").await;
    let cancel = until(
        &c,
        "const a = document.querySelector('#confirmation-cancel-link'); return a && a.href;",
        "the cancel link",
    )
    .await;
    // The cancel link (as in the emails, without ?lang=) opens in the
    // meeting's language, though the browser speaks English.
    c.goto(cancel.as_str().unwrap()).await.unwrap();
    until(
        &c,
        "return document.documentElement.lang === 'es'",
        "the cancel page in Spanish",
    )
    .await;
    let topic = until(&c, &visible_text("#topic"), "the topic").await;
    assert_eq!(topic, json!("Asesoramiento hipotecario"));
    assert_usted(&page_text(&c).await, "cancel page (es)");
    axe(&c, "cancel page (es)").await;
    click(&c, "#cancel").await;
    until(&c, &visible_text("#confirm-box"), "the question").await;
    assert_usted(&page_text(&c).await, "cancel question (es)");
    axe(&c, "cancel question (es)").await;
    click(&c, "#confirm-cancel").await;
    until(&c, &visible_text("#cancelled"), "cancelled").await;
    assert_usted(&page_text(&c).await, "cancelled (es)");
    axe(&c, "cancelled (es)").await;
    c.close().await.unwrap();
    app.stop().await;
}

/// Issue 13, the legitimate path once emails can leave: the page asks the
/// visitor to check their email (no cancel link on the page); the link in
/// the email (read from a real SMTP server, as the person reads their
/// mailbox) opens the page that confirms the meeting; once confirmed the
/// page and the confirmation email give the cancel link, which works.
#[tokio::test]
async fn a_booking_from_the_page_is_confirmed_from_the_link_in_the_email() {
    let sink = smtp::SmtpSink::start();
    let url = sink.url();
    let app = support::spawn_sqlite_with(&|c| c.delivery.smtp_url = Some(url.clone())).await;
    let admin = app.token(Role::Admin).await;
    let r = admin
        .patch("/api/v1/communications/settings", json!({"enabled": true}))
        .await;
    assert_eq!(r.status(), 200);
    let branch = admin
        .create(
            "/api/v1/branches",
            json!({"name": "Madrid", "address": "Gran Vía 1", "time_zone": "Europe/Madrid"}),
        )
        .await;
    admin
        .create(
            "/api/v1/topics",
            json!({"name": "Mortgage", "duration_minutes": 30, "meeting_types": ["in_person"]}),
        )
        .await;
    let advisor = app.token(Role::Agent).await;
    let r = admin
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/advisors/{}", advisor.agent_id.as_ref().unwrap()),
        )
        .json(&json!({"time_zone": "UTC", "hours": support::around_the_clock(), "branch_ids": [branch["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
    c.goto(&format!("{}/book?lang=es", app.base)).await.unwrap();
    click(&c, "#topics button[data-topic-id]").await;
    click(&c, "#types button[data-meeting-type=in_person]").await;
    click(&c, "#branches button[data-branch-id]").await;
    click(&c, "#slots button[data-start]").await;
    fill(&c, "#first_name", "URGENT call +1 555 0100").await;
    fill(&c, "#last_name", "Pérez").await;
    fill(&c, "#email", "ana@example.com").await;
    click(&c, "#book").await;
    let pending = until(
        &c,
        &visible_text("#confirmation-pending"),
        "check your email",
    )
    .await;
    assert!(
        pending.as_str().unwrap().contains("ana@example.com"),
        "{pending}"
    );
    let link_shown = c
        .execute(
            "const a = document.querySelector('#confirmation-cancel-link'); return !!a && a.offsetParent !== null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(link_shown, json!(false), "no cancel link on the page");
    axe(&c, "confirmation, check your email (es)").await;

    // The visitor reads their email: one message, in Spanish, with the link.
    let mail = sink.wait_for(1, 20).await;
    assert_eq!(mail.len(), 1);
    let text = mail[0].part("text/plain").unwrap();
    assert!(
        !text.contains("URGENT") && !text.contains("Pérez"),
        "{text}"
    );
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/confirm?token="))
        .expect("the link")
        .to_owned();
    c.goto(&link).await.unwrap();
    until(&c, &visible_text("#confirm-booking"), "the confirm button").await;
    axe(&c, "confirm page (es)").await;
    click(&c, "#confirm-booking-button").await;
    until(&c, &visible_text("#booked"), "the booked meeting").await;
    axe(&c, "confirmed (es)").await;
    let href = until(
        &c,
        "const a = document.querySelector('#booked-cancel-link'); return a && a.href;",
        "the cancel link",
    )
    .await;
    let href = href.as_str().unwrap().to_owned();
    assert!(href.contains("/cancel?token="), "{href}");
    // The confirmation email carries the same link.
    let mail = sink.wait_for(2, 20).await;
    assert!(
        mail.iter()
            .any(|m| m.part("text/plain").is_some_and(|t| t.contains(&href))),
        "the confirmation email with the cancel link"
    );
    c.goto(&href).await.unwrap();
    click(&c, "#cancel").await;
    click(&c, "#confirm-cancel").await;
    until(&c, &visible_text("#cancelled"), "cancelled").await;
    c.close().await.unwrap();
    app.stop().await;
}
