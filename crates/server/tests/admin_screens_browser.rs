//! The admin center's newer screens in real headless Chromium, in English
//! and in French.
//!
//! - Scheduling (`#scheduling`): an admin adds a branch (after a refused
//!   empty name and a refused time zone, each shown beside its field with
//!   nothing saved; the name holds markup, shown as text), a topic with
//!   instructions to the customer and a French translation (after a refused
//!   duration), makes an agent an advisor with weekly hours and a branch
//!   (after refused overlapping, then reversed, hours) and adds their time
//!   off (after a refused reversed one). A supervisor (in Spanish) sees the
//!   screen read-only.
//! - Voice (`#voice`): queue prompts as text (a refused one first) and as an
//!   uploaded WAV, and back to the default.
//! - Communications' delivery checks against a real SMTP server (aiosmtpd):
//!   the transports, a test message, a failed message retried.
//! - People: an agent's SIP account (the password shown once) and presence.
//! - A proactive rule made on the Chat screen invites a visitor of a test
//!   page on another origin.
//!
//! Everything is read back through the API. Screenshots go to
//! `target/test-artifacts/admin-<lang>-<screen>*.png`.

#[allow(dead_code)]
mod admin;
#[path = "chromium/mod.rs"]
mod chromium;
#[path = "smtp/mod.rs"]
#[allow(dead_code)]
mod smtp;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use switchboard_core::access::Role;

use admin::{click, error_beside, invalid_count, q, save, screen_ready, screenshot, set};
use chromium::{axe, until};
use support::{Caller, TestApp};

const PASSWORD: &str = "a long admin password";

async fn scene() -> (TestApp, Caller) {
    let app = support::spawn_sqlite().await;
    let api = app.token(Role::Admin).await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Ada Admin", "email": "ada@admin.test", "roles": ["admin"], "password": PASSWORD}),
    )
    .await;
    (app, api)
}

/// Signs in at `/` and waits for the page a button or link leads to.
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
}

async fn count(api: &Caller, path: &str) -> usize {
    api.ok(path).await.as_array().unwrap().len()
}

fn nth(testid: &str, i: usize) -> String {
    format!("document.querySelectorAll('[data-testid={testid}]')[{i}]")
}

async fn scheduling(language: &str, lang: &str) {
    let (app, api) = scene().await;
    let fr = lang == "fr";
    let skill = api
        .create("/api/v1/skills", json!({"name": "Mortgages"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let nora = api
        .create(
            "/api/v1/agents",
            json!({"name": "Nora Novak", "email": "nora@admin.test", "roles": ["agent"], "password": "nora's long password"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 2400).await.unwrap();
    sign_in(&c, &app, "ada@admin.test").await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-scheduling"), "the scheduling link").await;
    screen_ready(&c, "scheduling").await;
    assert_eq!(
        c.execute(
            "return document.querySelector('[data-screen] h1').textContent;",
            vec![]
        )
        .await
        .unwrap(),
        json!(if fr { "Rendez-vous" } else { "Scheduling" })
    );

    // ------------------------------------------------------------ branches
    // An empty name: refused beside it, nothing saved.
    set(&c, &q("branch-address"), "2 place Bellecour\n69002 Lyon").await;
    set(&c, &q("branch-zone"), "Europe/Paris").await;
    click(&c, &q("branch-save"), "save the branch").await;
    let m = error_beside(&c, &q("branch-name")).await;
    assert_eq!(
        m,
        if fr {
            "Ce champ est obligatoire."
        } else {
            "is required"
        }
    );
    // A time zone that does not exist: refused beside it.
    let hostile = "<img src=x onerror=alert(1)> Lyon";
    set(&c, &q("branch-name"), hostile).await;
    set(&c, &q("branch-zone"), "Europe/Atlantis").await;
    click(&c, &q("branch-save"), "save the branch").await;
    error_beside(&c, &q("branch-zone")).await;
    assert_eq!(invalid_count(&c).await, json!(1), "only the zone is wrong");
    assert_eq!(count(&api, "/api/v1/branches").await, 0, "nothing saved");
    assert_eq!(
        c.execute(&format!("return {}.value;", q("branch-name")), vec![])
            .await
            .unwrap(),
        json!(hostile),
        "the form keeps what was typed"
    );
    set(&c, &q("branch-zone"), "Europe/Paris").await;
    save(&c, "branch-save", "save the branch").await;
    let branches = api.ok("/api/v1/branches").await;
    assert_eq!(branches[0]["name"], hostile);
    assert_eq!(branches[0]["time_zone"], "Europe/Paris");
    assert_eq!(branches[0]["address"], "2 place Bellecour\n69002 Lyon");
    let branch = branches[0]["id"].as_str().unwrap().to_owned();
    // Shown as text, never as markup.
    assert_eq!(
        c.execute(
            "const r = document.querySelector('[data-testid=branch-row]'); return [r.querySelectorAll('img').length, r.cells[0].textContent];",
            vec![]
        )
        .await
        .unwrap(),
        json!([0, hostile])
    );

    // -------------------------------------------------------------- topics
    set(&c, &q("topic-name"), "Home loans").await;
    set(&c, &q("topic-description"), "Rates and terms").await;
    set(&c, &q("topic-duration"), "3").await;
    set(&c, &q("topic-type-in_person"), "on").await;
    set(&c, &q("topic-skill"), "on").await;
    set(
        &c,
        &q("topic-instructions"),
        "Bring your last three payslips.",
    )
    .await;
    set(&c, &q("topic-fr-name"), "Prêts immobiliers").await;
    set(
        &c,
        &q("topic-fr-instructions"),
        "Apportez vos trois derniers bulletins de salaire.",
    )
    .await;
    click(&c, &q("topic-save"), "save the topic").await;
    error_beside(&c, &q("topic-duration")).await;
    assert_eq!(count(&api, "/api/v1/topics").await, 0, "nothing saved");
    set(&c, &q("topic-duration"), "45").await;
    save(&c, "topic-save", "save the topic").await;
    let topics = api.ok("/api/v1/topics").await;
    let topic = &topics[0];
    assert_eq!(topic["name"], "Home loans");
    assert_eq!(topic["duration_minutes"], 45);
    assert_eq!(topic["meeting_types"], json!(["in_person", "online"]));
    assert_eq!(topic["skills"], json!([skill]));
    assert_eq!(topic["instructions"], "Bring your last three payslips.");
    assert_eq!(
        topic["translations"],
        json!({"fr": {"name": "Prêts immobiliers", "instructions": "Apportez vos trois derniers bulletins de salaire."}})
    );
    // Edited back in the form: the translation is there.
    click(&c, &q("topic-edit"), "edit the topic").await;
    until(
        &c,
        &format!(
            "return {}.value === 'Prêts immobiliers';",
            q("topic-fr-name")
        ),
        "the topic in the form",
    )
    .await;
    axe(&c, "the scheduling screen").await;
    screenshot(&c, &format!("admin-{lang}-scheduling")).await;

    // ------------------------------------------------------------ advisors
    set(&c, &q("advisor-pick"), &nora).await;
    until(
        &c,
        "const f = document.querySelector('[data-screen=scheduling][data-ready] [data-testid=advisor-form] h3'); return f && f.textContent.includes('Nora');",
        "Nora's advisor form",
    )
    .await;
    set(&c, &q("advisor-zone"), "Europe/Paris").await;
    click(&c, &q("hours-add"), "add hours").await;
    set(&c, &nth("hours-from", 0), "09:00").await;
    set(&c, &nth("hours-to", 0), "12:00").await;
    click(&c, &q("hours-add"), "add hours").await;
    set(&c, &nth("hours-from", 1), "11:00").await;
    set(&c, &nth("hours-to", 1), "17:00").await;
    set(&c, &q("advisor-branch"), "on").await;
    // Overlapping hours: refused beside the second range.
    click(&c, &q("advisor-save"), "save the advisor").await;
    let m = error_beside(&c, &nth("hours-day", 1)).await;
    assert_eq!(
        m,
        if fr {
            "Chevauche d’autres horaires du même jour."
        } else {
            "overlaps hours[0] on monday"
        }
    );
    assert_eq!(count(&api, "/api/v1/advisors").await, 0, "nothing saved");
    // Reversed hours: refused beside their end.
    set(&c, &nth("hours-from", 1), "17:00").await;
    set(&c, &nth("hours-to", 1), "13:00").await;
    click(&c, &q("advisor-save"), "save the advisor").await;
    error_beside(&c, &nth("hours-to", 1)).await;
    assert_eq!(invalid_count(&c).await, json!(1));
    assert_eq!(count(&api, "/api/v1/advisors").await, 0, "nothing saved");
    set(&c, &nth("hours-from", 1), "13:00").await;
    set(&c, &nth("hours-to", 1), "17:00").await;
    save(&c, "advisor-save", "save the advisor").await;
    let advisor = api.ok(&format!("/api/v1/advisors/{nora}")).await;
    assert_eq!(advisor["bookable"], true);
    assert_eq!(advisor["time_zone"], "Europe/Paris");
    assert_eq!(
        advisor["hours"],
        json!([{"day": "monday", "from": "09:00", "to": "12:00"}, {"day": "monday", "from": "13:00", "to": "17:00"}])
    );
    assert_eq!(advisor["branch_ids"], json!([branch]));

    // ------------------------------------------------------------ time off
    let off = format!("/api/v1/advisors/{nora}/time-off");
    set(&c, &q("off-starts"), "2031-07-14T12:00").await;
    set(&c, &q("off-ends"), "2031-07-14T09:00").await;
    set(&c, &q("off-reason"), "Bastille Day").await;
    click(&c, &q("off-add"), "add the time off").await;
    error_beside(&c, &q("off-ends")).await;
    assert_eq!(count(&api, &off).await, 0, "nothing saved");
    set(&c, &q("off-ends"), "2031-07-15T09:00").await;
    save(&c, "off-add", "add the time off").await;
    let stored = api.ok(&off).await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    assert_eq!(stored[0]["reason"], "Bastille Day");
    let hours = |v: &Value, k: &str| v[k].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert_eq!(
        (hours(&stored[0], "ends_at") - hours(&stored[0], "starts_at"))
            .total(jiff::Unit::Hour)
            .unwrap(),
        21.0
    );
    until(
        &c,
        "return document.querySelectorAll('[data-screen=scheduling][data-ready] [data-testid=off-row]').length === 1;",
        "the time off in the list",
    )
    .await;
    axe(&c, "the advisor's hours and time off").await;
    c.execute(
        &format!("{}.scrollIntoView(); return true;", q("advisor-form")),
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &format!("admin-{lang}-scheduling-advisor")).await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_scheduling_in_english() {
    scheduling("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_scheduling_in_french() {
    scheduling("fr-FR", "fr").await;
}

/// A supervisor (in Spanish) reads branches, topics and advisors with every
/// form disabled, the Voice screen read-only, and is told communications
/// are for admins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_sees_scheduling_read_only() {
    let (app, api) = scene().await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Sam Super", "email": "sam@admin.test", "roles": ["supervisor"], "password": PASSWORD}),
    )
    .await;
    let branch = api
        .create(
            "/api/v1/branches",
            json!({"name": "Lyon", "address": "2 place Bellecour", "time_zone": "Europe/Paris"}),
        )
        .await["id"]
        .clone();
    api.create(
        "/api/v1/topics",
        json!({"name": "Home loans", "duration_minutes": 30, "meeting_types": ["in_person"],
               "translations": {"es": {"name": "Préstamos"}}}),
    )
    .await;
    api.create(
        "/api/v1/queues",
        json!({"name": "Phones", "channel": "voice"}),
    )
    .await;
    let advisor = app.token(Role::Agent).await.agent_id.unwrap();
    let r = api
        .request(reqwest::Method::PUT, &format!("/api/v1/advisors/{advisor}"))
        .json(&json!({"time_zone": "UTC", "hours": [{"day": "tuesday", "from": "09:00", "to": "17:00"}], "branch_ids": [branch]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some("es-ES")).await;
    c.set_window_size(1280, 2000).await.unwrap();
    sign_in(&c, &app, "sam@admin.test").await;
    until(
        &c,
        "return !!document.querySelector('#places a[href=\"/admin\"]');",
        "the admin center link",
    )
    .await;
    c.goto(&format!("{}/admin#scheduling", app.base))
        .await
        .unwrap();
    screen_ready(&c, "scheduling").await;
    let open = "return Array.from(document.querySelectorAll('[data-screen] form')).filter(f => !f.querySelector(':scope > fieldset[disabled]')).length;";
    assert_eq!(
        c.execute(open, vec![]).await.unwrap(),
        json!(0),
        "every form is disabled"
    );
    assert_eq!(
        c.execute(
            "return [document.querySelector('[data-screen] h1').textContent,
                     document.querySelectorAll('[data-testid=branch-row]').length,
                     document.querySelectorAll('[data-testid=topic-row]').length,
                     document.querySelector('[data-testid=advisor-row]').textContent.includes('mar. 09:00–17:00')];",
            vec![]
        )
        .await
        .unwrap(),
        json!(["Citas", 1, 1, true])
    );
    // A topic can still be looked at in the (disabled) form.
    click(&c, &q("topic-edit"), "view the topic").await;
    until(
        &c,
        &format!("return {}.value === 'Préstamos';", q("topic-es-name")),
        "the topic's Spanish name",
    )
    .await;
    axe(&c, "the scheduling screen, read-only").await;
    screenshot(&c, "admin-es-supervisor-scheduling").await;
    // Voice: read-only too; communications are for admins.
    click(&c, &q("nav-voice"), "the voice link").await;
    screen_ready(&c, "voice").await;
    assert_eq!(c.execute(open, vec![]).await.unwrap(), json!(0));
    assert_eq!(
        c.execute(
            "return [document.querySelectorAll('[data-testid=prompt-row]').length, !!document.querySelector('[data-testid=callback-row]'), !!document.querySelector('[data-testid=dial-row]')];",
            vec![]
        )
        .await
        .unwrap(),
        json!([21, false, false]),
        "the prompts, no callback; the dial audit is not theirs"
    );
    axe(&c, "the voice screen, read-only").await;
    click(&c, &q("nav-communications"), "the communications link").await;
    screen_ready(&c, "communications").await;
    assert_eq!(
        c.execute(
            "return !!document.querySelector('[data-screen=communications] .notice') && !document.querySelector('[data-screen=communications] form');",
            vec![]
        )
        .await
        .unwrap(),
        json!(true)
    );
    c.close().await.unwrap();
    app.stop().await;
}

/// A 16-bit PCM mono WAV of `seconds` of a 440 Hz tone at 8 kHz, as a File
/// set on the file input `el` (what choosing a file does), in the page.
fn choose_wav(el: &str, seconds: f64) -> String {
    format!(
        "const n = Math.round(8000 * {seconds}); const b = new ArrayBuffer(44 + 2 * n); const v = new DataView(b);
         const s = (o, t) => {{ for (let i = 0; i < t.length; i++) v.setUint8(o + i, t.charCodeAt(i)); }};
         s(0, 'RIFF'); v.setUint32(4, 36 + 2 * n, true); s(8, 'WAVE'); s(12, 'fmt '); v.setUint32(16, 16, true);
         v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, 8000, true); v.setUint32(28, 16000, true);
         v.setUint16(32, 2, true); v.setUint16(34, 16, true); s(36, 'data'); v.setUint32(40, 2 * n, true);
         for (let i = 0; i < n; i++) v.setInt16(44 + 2 * i, Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / 8000)), true);
         const dt = new DataTransfer(); dt.items.add(new File([b], 'hold.wav', {{type: 'audio/wav'}}));
         const e = {el}; e.files = dt.files; e.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
    )
}

fn prompt_of(prompts: &Value, prompt: &str, language: &str) -> Value {
    prompts
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["prompt"] == prompt && p["language"] == language)
        .unwrap()
        .clone()
}

/// The Voice screen: a greeting refused beside its text (it may not say
/// {position}) and nothing changed, then saved; a recording uploaded for
/// the hold prompt; the greeting reset. With the voice channel on, its
/// figures and a callback (cancelled from the list); off, a notice.
async fn voice(language: &str, lang: &str, on: bool) {
    let prompt_cache = tempfile::tempdir().unwrap();
    let cache = prompt_cache.path().to_path_buf();
    let app = support::spawn_sqlite_with(&|c| {
        if on {
            c.voice.sip_listen = Some("127.0.0.1:0".parse().unwrap());
            c.voice.trunks = vec!["127.0.0.1".parse().unwrap()];
            c.voice.outbound_trunk = Some("sip:127.0.0.1:9".into());
            c.voice.prompt_cache = cache.clone();
        }
    })
    .await;
    let api = app.token(Role::Admin).await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Ada Admin", "email": "ada@admin.test", "roles": ["admin"], "password": PASSWORD}),
    )
    .await;
    let fr = lang == "fr";
    let queue = api
        .create(
            "/api/v1/queues",
            json!({"name": "Phones", "channel": "voice"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let prompts = format!("/api/v1/queues/{queue}/prompts");
    let callback = if on {
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
        let c = api
            .create(
                "/api/v1/callbacks",
                json!({"phone": "+33644444401", "queue_id": queue,
                       "windows": [{"start": later.to_string(), "end": (later + jiff::SignedDuration::from_hours(1)).to_string()}]}),
            )
            .await;
        Some(c["id"].as_str().unwrap().to_owned())
    } else {
        None
    };
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 2400).await.unwrap();
    sign_in(&c, &app, "ada@admin.test").await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-voice"), "the voice link").await;
    screen_ready(&c, "voice").await;
    if on {
        until(
            &c,
            &format!("return !!{};", q("voice-figures")),
            "the voice channel's figures",
        )
        .await;
        // Trunks and the gateway, read-only, as configured at start.
        let setup = until(
            &c,
            &format!("const s = {}; return s && s.textContent;", q("voice-setup")),
            "the voice channel's configuration",
        )
        .await;
        let setup = setup.as_str().unwrap();
        assert!(
            setup.contains("127.0.0.1") && setup.contains("sip:127.0.0.1:9"),
            "{setup}"
        );
        // The default greeting, spoken, plays in the page.
        click(
            &c,
            "document.querySelector('[data-testid=prompt-row][data-prompt=greeting][data-language=en] [data-testid=prompt-play]')",
            "play the greeting",
        )
        .await;
        let seconds = until(
            &c,
            "const a = document.querySelector('[data-testid=prompt-audio]');
             return a && a.readyState >= 1 && a.duration > 0 ? a.duration : null;",
            "the greeting's audio",
        )
        .await;
        assert!(seconds.as_f64().unwrap() > 0.5, "{seconds}");
    } else {
        until(
            &c,
            &format!("return !!{};", q("voice-off")),
            "the voice channel is off",
        )
        .await;
    }
    assert_eq!(
        c.execute(
            "return document.querySelectorAll('[data-testid=prompt-row]').length;",
            vec![]
        )
        .await
        .unwrap(),
        json!(21),
        "seven prompts in three languages"
    );

    // The French greeting may not say {position}: refused beside the text.
    set(&c, &q("prompt-pick"), "greeting").await;
    set(&c, &q("prompt-language"), "fr").await;
    set(&c, &q("prompt-text"), "Bonjour, vous êtes {position}e.").await;
    click(&c, &q("prompt-save"), "save the prompt").await;
    let m = error_beside(&c, &q("prompt-text")).await;
    assert_eq!(
        m,
        if fr {
            "Seul le message de position peut utiliser une variable : position, entre accolades."
        } else {
            "only the position prompt has {position}"
        }
    );
    assert_eq!(
        prompt_of(&api.ok(&prompts).await, "greeting", "fr")["source"],
        "default",
        "nothing changed"
    );
    set(&c, &q("prompt-text"), "Bonjour, merci d’avoir appelé.").await;
    save(&c, "prompt-save", "save the prompt").await;
    let p = prompt_of(&api.ok(&prompts).await, "greeting", "fr");
    assert_eq!(
        (&p["source"], &p["text"]),
        (&json!("text"), &json!("Bonjour, merci d’avoir appelé."))
    );
    until(
        &c,
        "return document.querySelector('[data-screen=voice][data-ready] [data-testid=prompt-row][data-prompt=greeting][data-language=fr]').getAttribute('data-source') === 'text';",
        "the greeting's row",
    )
    .await;

    // A recording for the English hold prompt.
    set(&c, &q("prompt-pick"), "hold").await;
    set(&c, &q("prompt-language"), "en").await;
    c.execute(&choose_wav(&q("prompt-file"), 1.5), vec![])
        .await
        .unwrap();
    save(&c, "prompt-upload", "upload the recording").await;
    assert_eq!(
        prompt_of(&api.ok(&prompts).await, "hold", "en")["source"],
        "audio"
    );
    axe(&c, "the voice screen").await;
    screenshot(&c, &format!("admin-{lang}-voice")).await;

    // The greeting back to the default, from its row's edit button.
    click(
        &c,
        "document.querySelector('[data-testid=prompt-row][data-prompt=greeting][data-language=fr] [data-testid=prompt-edit]')",
        "edit the French greeting",
    )
    .await;
    save(&c, "prompt-reset", "reset the prompt").await;
    assert_eq!(
        prompt_of(&api.ok(&prompts).await, "greeting", "fr")["source"],
        "default"
    );
    // The callback, listed and cancelled.
    if let Some(id) = callback {
        let row = format!("document.querySelector('[data-testid=callback-row][data-id=\"{id}\"]')");
        assert_eq!(
            c.execute(&format!("return {row}.dataset.status;"), vec![])
                .await
                .unwrap(),
            json!("scheduled")
        );
        save(&c, "callback-cancel", "cancel the callback").await;
        assert_eq!(
            api.ok(&format!("/api/v1/callbacks/{id}")).await["status"],
            "cancelled"
        );
        until(
            &c,
            &format!("const r = {row}; return r && r.dataset.status === 'cancelled' && !r.querySelector('button');"),
            "the callback shown cancelled",
        )
        .await;
        axe(&c, "the voice screen with a cancelled callback").await;
        screenshot(&c, &format!("admin-{lang}-voice-on")).await;
    }
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_voice_prompts_and_cancels_a_callback_in_english() {
    voice("en-US", "en", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_voice_prompts_in_french_with_the_voice_channel_off() {
    voice("fr-FR", "fr", false).await;
}

/// A branch, a topic, one advisor around the clock and a customer, made
/// through the API, and a meeting booked `hours` ahead; answers its id.
async fn book(app: &TestApp, api: &Caller, hours: i64) -> String {
    let branch = api
        .create(
            "/api/v1/branches",
            json!({"name": "Lyon", "address": "2 place Bellecour", "time_zone": "Europe/Paris"}),
        )
        .await["id"]
        .clone();
    let topic = api
        .create(
            "/api/v1/topics",
            json!({"name": "Home loans", "duration_minutes": 30, "meeting_types": ["in_person"]}),
        )
        .await["id"]
        .clone();
    let advisor = app.token(Role::Agent).await.agent_id.unwrap();
    let r = api
        .request(reqwest::Method::PUT, &format!("/api/v1/advisors/{advisor}"))
        .json(&json!({"time_zone": "UTC", "hours": support::around_the_clock(), "branch_ids": [branch]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let contact = api
        .create(
            "/api/v1/contacts",
            json!({"first_name": "Zoé", "email": "zoe@example.com"}),
        )
        .await["id"]
        .clone();
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours);
    let start = jiff::Timestamp::from_second(t.as_second() - t.as_second() % 3600).unwrap();
    let m = api
        .create(
            "/api/v1/meetings",
            json!({"contact_id": contact, "topic_id": topic, "meeting_type": "in_person",
                   "branch_id": branch, "start": start.to_string()}),
        )
        .await;
    m["id"].as_str().unwrap().to_owned()
}

/// The outbox row of the meeting once it is in `state`.
async fn outbox_row(api: &Caller, meeting: &str, state: &str) -> Value {
    for _ in 0..400 {
        let rows = api
            .ok(&format!(
                "/api/v1/communications/outbox?meeting_id={meeting}"
            ))
            .await;
        if let Some(r) = rows["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["state"] == state)
        {
            return r.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {state} message for {meeting}");
}

/// Communications' delivery checks: the transports' status, a test email
/// (after a refused address beside its field) that arrives at a real SMTP
/// server, and a confirmation that failed while the server was down,
/// retried from the outbox and delivered.
async fn delivery(language: &str, lang: &str) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = support::spawn_sqlite_with(&|c| {
        c.delivery.smtp_url = Some(url.clone());
        c.delivery.retry_base = Duration::from_millis(20);
    })
    .await;
    let api = app.token(Role::Admin).await;
    api.create(
        "/api/v1/agents",
        json!({"name": "Ada Admin", "email": "ada@admin.test", "roles": ["admin"], "password": PASSWORD}),
    )
    .await;
    let kind = json!({"email": true, "sms": false});
    let r = api
        .request(reqwest::Method::PUT, "/api/v1/communications/settings")
        .json(
            &json!({"enabled": true, "reminder_days": 1, "sms_quiet_hours": null,
                      "kinds": {"confirmation": kind, "reminder": kind, "cancellation": kind}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The SMTP server is down: the confirmation fails after its retries.
    let meeting = book(&app, &api, 30).await;
    let failed = outbox_row(&api, &meeting, "failed").await;
    let sink = smtp::SmtpSink::start_on(port);

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 2600).await.unwrap();
    sign_in(&c, &app, "ada@admin.test").await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-communications"), "the communications link").await;
    screen_ready(&c, "communications").await;
    assert_eq!(
        c.execute(
            "return Array.from(document.querySelectorAll('[data-testid=transport-row]')).map(r => [r.dataset.channel, r.dataset.configured]);",
            vec![]
        )
        .await
        .unwrap(),
        json!([["email", "true"], ["sms", "false"]])
    );

    // A test message to a bad address: refused beside it, nothing sent.
    set(&c, &q("test-to"), "zoe at example").await;
    click(&c, &q("test-send"), "send a test message").await;
    error_beside(&c, &q("test-to")).await;
    // Then to a good one: it arrives.
    set(&c, &q("test-to"), "ops@example.com").await;
    click(&c, &q("test-send"), "send a test message").await;
    let said = until(
        &c,
        &format!(
            "const e = {}; return e.getAttribute('data-sent') === 'true' && e.textContent;",
            q("test-result")
        ),
        "the test message sent",
    )
    .await;
    assert!(said.as_str().unwrap().contains("ops@example.com"));
    let mail = sink.wait_for(1, 10).await;
    assert_eq!(mail[0].header("Subject"), "Switchboard test message");
    assert_eq!(mail[0].header("To"), "ops@example.com");

    // The failed confirmation, retried from the outbox, is delivered.
    let row = format!(
        "document.querySelector('[data-testid=outbox-row][data-id=\"{}\"]')",
        failed["id"].as_str().unwrap()
    );
    assert_eq!(
        c.execute(&format!("return {row}.dataset.state;"), vec![])
            .await
            .unwrap(),
        json!("failed")
    );
    axe(&c, "the communications screen with a failed message").await;
    screenshot(&c, &format!("admin-{lang}-communications-delivery")).await;
    save(&c, "outbox-retry", "retry the failed message").await;
    outbox_row(&api, &meeting, "sent").await;
    let mail = sink.wait_for(2, 10).await;
    assert!(mail
        .iter()
        .any(|m| m.header("Message-ID") == format!("<{meeting}.confirmation.email.0@localhost>")));
    c.refresh().await.unwrap();
    screen_ready(&c, "communications").await;
    assert_eq!(
        c.execute(
            &format!("return [{row}.dataset.state, !!{row}.querySelector('[data-testid=outbox-retry]')];"),
            vec![]
        )
        .await
        .unwrap(),
        json!(["sent", false])
    );
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_tests_the_transports_and_retries_a_failed_message_in_english() {
    delivery("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_tests_the_transports_and_retries_a_failed_message_in_french() {
    delivery("fr-FR", "fr").await;
}

/// People: an agent's SIP account (a user name refused beside its field,
/// then the default one with a password made in the page, shown once, that
/// the registrar's digest accepts) and the presence overview.
async fn people(language: &str, lang: &str) {
    let (app, api) = scene().await;
    let nora = app.token(Role::Agent).await;
    let nora_id = nora.agent_id.clone().unwrap();
    let r = nora
        .request(reqwest::Method::PUT, "/api/v1/me/presence")
        .json(&json!({"status": "available"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let email = api.ok(&format!("/api/v1/agents/{nora_id}")).await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 2600).await.unwrap();
    sign_in(&c, &app, "ada@admin.test").await;
    screen_ready(&c, "people").await;

    // Presence: each active agent's, as stored.
    let presence = |id: &str| {
        format!("return document.querySelector('[data-testid=presence-row][data-id=\"{id}\"]').dataset.presence;")
    };
    assert_eq!(
        c.execute(&presence(&nora_id), vec![]).await.unwrap(),
        json!("available")
    );

    // The SIP account: offered once an agent is chosen.
    assert_eq!(
        c.execute(&format!("return {}.hidden;", q("sip-form")), vec![])
            .await
            .unwrap(),
        json!(true)
    );
    click(
        &c,
        &format!("document.querySelector('[data-testid=agent-row][data-id=\"{nora_id}\"] button')"),
        "edit the agent",
    )
    .await;
    set(&c, &q("sip-username"), "nora novak").await;
    click(&c, &q("sip-set"), "set the SIP account").await;
    error_beside(&c, &q("sip-username")).await;
    assert_eq!(
        c.execute(&format!("return !!{};", q("sip-password")), vec![])
            .await
            .unwrap(),
        json!(false),
        "no password shown"
    );
    set(&c, &q("sip-username"), "").await;
    save(&c, "sip-set", "set the SIP account").await;
    let shown = c
        .execute(
            &format!(
                "const e = {}; return [e.value, e.readOnly];",
                q("sip-password")
            ),
            vec![],
        )
        .await
        .unwrap();
    let password = shown[0].as_str().unwrap().to_owned();
    assert_eq!(shown[1], json!(true));
    assert_eq!(password.chars().count(), 20);
    let username = email.split('@').next().unwrap();
    let account = app
        .db()
        .sip_account_by_username(username)
        .await
        .unwrap()
        .expect("the account is set");
    assert_eq!(account.agent_id, nora_id);
    assert_eq!(
        account.ha1,
        switchboard_core::voice::digest::ha1(username, "switchboard", &password),
        "the password shown is the one the registrar checks"
    );
    axe(&c, "the people screen with a SIP password shown").await;
    c.execute(
        &format!("{}.scrollIntoView(); return true;", q("sip-form")),
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, &format!("admin-{lang}-people-sip")).await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_a_sip_account_and_sees_presence_in_english() {
    people("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_a_sip_account_and_sees_presence_in_french() {
    people("fr-FR", "fr").await;
}

/// The widget's shadow root's `[data-testid=invitation-message]` text, once shown.
const INVITATION: &str = "const host = document.getElementById('switchboard-widget');
    const m = host && host.shadowRoot && host.shadowRoot.querySelector('[data-testid=invitation-message]');
    return m && m.textContent;";

/// A proactive rule made in the admin center invites a visitor of a test
/// page on another origin (the sample shop embedding the widget), in the
/// visitor's language.
async fn proactive(language: &str, lang: &str) {
    let (app, api) = scene().await;
    let agent = app.token(Role::Agent).await;
    let queue = api
        .create(
            "/api/v1/queues",
            json!({"name": "Web chat", "channel": "messaging", "members": [agent.agent_id]}),
        )
        .await["id"]
        .clone();
    let widget = api
        .create(
            "/api/v1/widgets",
            json!({"name": "Northwind", "allowed_origins": ["http://127.0.0.1:1"], "routing": {"queue_id": queue}}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let port = chromium::host_site(&app.base, &widget).await;
    let r = api
        .request(reqwest::Method::PUT, &format!("/api/v1/widgets/{widget}"))
        .json(
            &json!({"name": "Northwind", "allowed_origins": [format!("http://127.0.0.1:{port}")],
                      "routing": {"queue_id": queue}, "proactive_enabled": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The admin writes the rule on the Chat screen.
    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser_in(&driver, profile.path(), Some(language)).await;
    c.set_window_size(1280, 2400).await.unwrap();
    sign_in(&c, &app, "ada@admin.test").await;
    screen_ready(&c, "people").await;
    click(&c, &q("nav-chat"), "the chat link").await;
    screen_ready(&c, "chat").await;
    click(
        &c,
        "document.querySelector('[data-testid=widget-row] button')",
        "edit the widget",
    )
    .await;
    click(&c, &q("add-prule"), "add a proactive rule").await;
    let field = |testid: &str| {
        format!("Array.from(document.querySelectorAll('[data-testid=proactive-rules] [data-testid={testid}]')).pop()")
    };
    set(&c, &field("prule-name"), "Shop help").await;
    set(&c, &field("prule-match"), "starts_with").await;
    set(
        &c,
        &field("prule-url"),
        &format!("http://127.0.0.1:{port}/"),
    )
    .await;
    set(&c, &field("prule-seconds"), "1").await;
    set(
        &c,
        &field("prule-message-en"),
        "Need a hand finding a jacket?",
    )
    .await;
    set(
        &c,
        &field("prule-message-fr"),
        "Besoin d’aide pour trouver une veste ?",
    )
    .await;
    save(&c, "prules-save", "save the proactive rules").await;
    let rules = api
        .ok(&format!("/api/v1/widgets/{widget}/proactive-rules"))
        .await;
    assert_eq!(rules["rules"][0]["name"], "Shop help");
    screenshot(&c, &format!("admin-{lang}-proactive-rule")).await;
    c.close().await.unwrap();

    // A visitor browsing the shop in the same language is invited.
    let visitor_profile = tempfile::tempdir().unwrap();
    let v = chromium::browser_in(&driver, visitor_profile.path(), Some(language)).await;
    v.set_window_size(1280, 900).await.unwrap();
    v.goto(&format!("http://127.0.0.1:{port}/?page=1"))
        .await
        .unwrap();
    let message = until(&v, INVITATION, "the invitation").await;
    assert_eq!(
        message,
        json!(if lang == "fr" {
            "Besoin d’aide pour trouver une veste ?"
        } else {
            "Need a hand finding a jacket?"
        })
    );
    screenshot(&v, &format!("admin-{lang}-proactive-invited")).await;
    // The invitation is counted for the rule the admin made.
    let rule = rules["rules"][0]["id"].clone();
    let mut shown = false;
    for _ in 0..100 {
        let stats = api
            .ok(&format!("/api/v1/widgets/{widget}/proactive-rules/stats"))
            .await;
        if stats[0]["rule_id"] == rule && stats[0]["shown"] == 1 {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the invitation was recorded for the rule");
    v.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_made_in_the_admin_center_invites_a_visitor_in_english() {
    proactive("en-US", "en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_made_in_the_admin_center_invites_a_visitor_in_french() {
    proactive("fr-FR", "fr").await;
}
