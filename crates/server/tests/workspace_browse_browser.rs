//! The workspace's browsing in real headless Chromium (docs/workspace.md,
//! "Browsing"): an agent signs in, presses `/`, searches a customer, opens
//! them in a tab with their summary and timeline (no conversation, nothing
//! routed), narrows the case list to their own cases and opens one as the
//! tab's current case, then reads a past conversation's transcript. axe-core
//! checks every state; screenshots land in `target/test-artifacts/`.

#[path = "chromium/mod.rs"]
mod chromium;
#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use switchboard_core::access::Role;

use chromium::until;
use support::{answer, Caller};

/// Saves what the page shows under `target/test-artifacts/`.
async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), &png).unwrap();
}

/// axe-core once animations have finished.
async fn axe(c: &Client, state: &str) {
    until(
        c,
        "return document.getAnimations().every(a => a.playState !== 'running');",
        "animations to finish",
    )
    .await;
    chromium::axe(c, state).await;
}

async fn click(c: &Client, selector: &str, what: &str) {
    until(
        c,
        &format!("const e = {selector}; if (e) {{ e.click(); return true; }} return false;"),
        what,
    )
    .await;
}

/// Real key presses into whatever has the focus.
async fn keys(c: &Client, text: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

const ARROW_DOWN: &str = "\u{E015}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// Polls a GET until its answer satisfies `want` (at most 15 seconds).
async fn until_ok(who: &Caller, path: &str, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (s, v) = answer(who.get(path).await).await;
        if s == 200 && want(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "GET {path}: {s} {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The visible panel (customer tab or view) of the selected tab.
const PANEL: &str = "document.querySelector('[role=tabpanel]:not([hidden])')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_finds_a_customer_a_case_and_a_past_conversation() {
    let app = support::spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    let ana = admin
        .create(
            "/api/v1/agents",
            json!({"name": "Ana Costa", "email": "ana@browse.test", "roles": ["agent"], "password": "a long browsing password"}),
        )
        .await;
    let ana_id = ana["id"].as_str().unwrap().to_owned();
    // Ana's own API token, to leave a past chat behind her.
    let plain = switchboard_server::auth::secret::new_api_token();
    app.db()
        .create_token(
            "ana",
            Role::Agent,
            Some(&ana_id),
            &switchboard_server::auth::secret::digest(&plain),
        )
        .await
        .unwrap();
    let ana_api = Caller {
        app_base: app.base.clone(),
        http: app.http.clone(),
        token: Some(plain),
        agent_id: Some(ana_id.clone()),
    };
    let other = app.token(Role::Agent).await;

    // A customer as the demo has them: an account, cases, a note.
    let bank = admin
        .create("/api/v1/accounts", json!({"name": "Banque Lumière"}))
        .await;
    let lea = admin
        .create(
            "/api/v1/contacts",
            json!({"first_name": "Léa", "last_name": "Fontaine", "email": "lea.fontaine@example.com",
                   "phone": "+33612345678", "account_id": bank["id"], "job_title": "Architect", "city": "Lyon"}),
        )
        .await;
    let card = admin
        .create(
            "/api/v1/cases",
            json!({"title": "Card blocked abroad", "contact_id": lea["id"], "priority": "high", "owner_id": ana_id}),
        )
        .await;
    admin
        .create(
            "/api/v1/cases",
            json!({"title": "Question about home insurance renewal", "contact_id": lea["id"], "owner_id": other.agent_id}),
        )
        .await;
    admin
        .create(
            "/api/v1/activities",
            json!({"kind": "note", "contact_id": lea["id"], "body": "Prefers a call after 5 pm"}),
        )
        .await;

    // A chat Ana took and ended earlier.
    let queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Web chat", "channel": "messaging", "members": [ana_id]}),
        )
        .await;
    let widget = admin
        .create(
            "/api/v1/widgets",
            json!({"name": "Shop", "allowed_origins": ["http://shop.example"], "routing": {"queue_id": queue["id"]},
                "csat_enabled": true,
                "survey": [
                    {"id": "name", "type": "text", "label": {"en": "Your name"}, "required": true},
                    {"id": "email", "type": "email", "label": {"en": "Email"}, "required": true}]}),
        )
        .await;
    let wid = widget["id"].as_str().unwrap();
    let (s, b) = answer(
        ana_api
            .request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({"status": "available"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let visitor = |path: &str| {
        app.http
            .post(format!("{}/widget/v1/{wid}/{path}", app.base))
            .header("origin", "http://shop.example")
    };
    let (s, reg) = answer(
        visitor("visitors")
            .json(&json!({"language": "en-GB"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{reg}");
    let (s, conv) = answer(
        visitor("conversations")
            .bearer_auth(reg["token"].as_str().unwrap())
            .json(&json!({"session_id": reg["session_id"],
                "survey": {"name": "Hugo Bernard", "email": "hugo.bernard@example.com"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{conv}");
    let conv_id = conv["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(15);
    let item = loop {
        let c = admin.ok(&format!("/api/v1/conversations/{conv_id}")).await;
        let item = c["work_item_id"].as_str().unwrap_or("").to_owned();
        if !item.is_empty() && !item.starts_with("pending:") {
            let (s, _) = answer(
                ana_api
                    .post(&format!("/api/v1/work-items/{item}/accept"), json!({}))
                    .await,
            )
            .await;
            if s == 200 {
                break item;
            }
        }
        assert!(Instant::now() < deadline, "the chat was offered to Ana");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The chat joins its agent once the engine's assignment reaches it.
    until_ok(&ana_api, &format!("/api/v1/conversations/{conv_id}"), |c| {
        c["status"] == "active"
    })
    .await;
    ana_api
        .create(
            &format!("/api/v1/conversations/{conv_id}/messages"),
            json!({"body": "Your new card is on its way."}),
        )
        .await;
    let (s, b) = answer(
        ana_api
            .post(&format!("/api/v1/conversations/{conv_id}/end"), json!({}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Hugo rates the chat in the widget.
    let (s, b) = answer(
        visitor(&format!("conversations/{conv_id}/rating"))
            .bearer_auth(reg["token"].as_str().unwrap())
            .json(&json!({"score": 5, "comment": "Quick and kind"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    ana_api
        .post(&format!("/api/v1/work-items/{item}/close"), json!({}))
        .await;
    let (s, b) = answer(
        ana_api
            .request(reqwest::Method::PUT, "/api/v1/me/presence")
            .json(&json!({"status": "offline"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");

    // A call from Léa that Ana answered, as the voice channel records it
    // (its work item in a voice queue nobody answers now, so that it
    // stays out of the way).
    let phones = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Phones", "channel": "voice", "csat_survey": true}),
        )
        .await;
    let call_item = admin
        .create(
            "/api/v1/work-items",
            json!({"channel": "voice", "queue_id": phones["id"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lea_id = lea["id"].as_str().unwrap();
    app.db()
        .start_call(&call_item, "inbound", "+33612345678", Some(lea_id))
        .await
        .unwrap();
    app.db()
        .set_call_state(&call_item, "connected", Some(&ana_id))
        .await
        .unwrap();
    app.db().end_call(&call_item, "customer").await.unwrap();
    // Léa pressed 4 when asked to rate the call.
    app.db()
        .rate_call(&call_item, 4, &switchboard_core::time::now())
        .await
        .unwrap();

    let driver = chromium::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let c = chromium::browser(&driver, profile.path()).await;
    c.set_window_size(1440, 1000).await.unwrap();
    c.goto(&format!("{}/agent?lang=en", app.base))
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("[data-testid=email]"))
        .await
        .unwrap();
    axe(&c, "the workspace, signed out").await;
    c.find(Locator::Css("[data-testid=email]"))
        .await
        .unwrap()
        .send_keys("ana@browse.test")
        .await
        .unwrap();
    c.find(Locator::Css("[data-testid=password]"))
        .await
        .unwrap()
        .send_keys("a long browsing password")
        .await
        .unwrap();
    c.find(Locator::Css("[data-testid=signin-submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &c,
        "return document.querySelector('[data-testid=connection]').getAttribute('data-state') === 'online';",
        "the live connection",
    )
    .await;
    axe(&c, "signed in, with the search and the views in the header").await;
    let presence_before = app.running.state.engine.presence(&ana_id).await.unwrap();

    // "/" goes to the search; typing searches contacts, accounts and cases.
    c.execute("document.activeElement && document.activeElement.blur(); document.body.focus(); return true;", vec![])
        .await
        .unwrap();
    keys(&c, "/").await;
    assert_eq!(
        c.execute("return document.activeElement.id;", vec![])
            .await
            .unwrap(),
        json!("search"),
        "/ focuses the search"
    );
    keys(&c, "lumiere").await;
    until(
        &c,
        "return document.querySelector('[data-testid=search-option][data-kind=accounts]');",
        "the account among the results",
    )
    .await;
    axe(&c, "search results (an account)").await;
    keys(&c, ESCAPE).await;
    assert_eq!(
        c.execute(
            "return [document.getElementById('search-pop').hidden, document.getElementById('search').getAttribute('aria-expanded')];",
            vec![]
        )
        .await
        .unwrap(),
        json!([true, "false"]),
        "Escape closes the results"
    );
    c.execute(
        "const s = document.getElementById('search'); s.value = ''; return true;",
        vec![],
    )
    .await
    .unwrap();
    keys(&c, "lea fontaine").await;
    let groups = until(
        &c,
        "const o = document.querySelectorAll('[data-testid=search-option]');
         return o.length ? Array.from(document.querySelectorAll('#search-results [role=group]')).map(g => g.getAttribute('data-group')) : null;",
        "search results",
    )
    .await;
    assert_eq!(
        groups,
        json!(["contacts", "cases"]),
        "grouped: Léa and her cases"
    );
    axe(&c, "search results grouped (contacts, cases)").await;
    screenshot(&c, "workspace-browse-search.png").await;
    keys(&c, ARROW_DOWN).await;
    assert_eq!(
        c.execute(
            "const s = document.getElementById('search'); const a = document.getElementById(s.getAttribute('aria-activedescendant'));
             return a && [a.getAttribute('data-kind'), a.getAttribute('aria-selected'), a.querySelector('.opt-text').textContent];",
            vec![]
        )
        .await
        .unwrap(),
        json!(["contacts", "true", "Léa Fontaine"])
    );
    keys(&c, ENTER).await;

    // Léa's tab: the same summary as a session, without a conversation.
    let name = until(
        &c,
        &format!("const p = {PANEL}; const n = p && p.querySelector('[data-testid=customer-name]'); return n && n.textContent;"),
        "the customer tab's summary",
    )
    .await;
    assert_eq!(name, json!("Léa Fontaine"));
    until(
        &c,
        &format!("return Array.from({PANEL}.querySelectorAll('[data-testid=timeline-item]')).some(i => i.textContent.includes('Prefers a call after 5 pm'));"),
        "the note on the timeline",
    )
    .await;
    // Her past conversations the agent may read: the call.
    let past = until(
        &c,
        &format!("const i = {PANEL}.querySelectorAll('[data-testid=past-item]'); return i.length && Array.from(i).map(x => x.getAttribute('data-id'));"),
        "the customer's past call",
    )
    .await;
    let html = c
        .execute(
            &format!("return {PANEL}.querySelector('[data-testid=customer-past]').outerHTML;"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(past, json!([call_item]), "{html}");
    let shown: Value = c
        .execute(
            &format!(
                "const p = {PANEL}; return {{
                   tab: p.getAttribute('data-testid'),
                   recent: p.querySelectorAll('[data-testid=recent-case]').length,
                   noCase: !!p.querySelector('[data-testid=no-case]'),
                   conversation: !!p.querySelector('[data-testid=section-conversation]'),
                   meetings: !!p.querySelector('[data-testid=section-meetings]'),
                   account: p.querySelector('[data-testid=section-customer] [data-key=account] dd').textContent,
                   sessions: document.querySelectorAll('[data-testid=session-tab]').length }};"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        shown,
        json!({"tab": "customer-tab", "recent": 2, "noCase": true, "conversation": false,
               "meetings": true, "account": "Banque Lumière", "sessions": 0})
    );
    axe(&c, "a customer tab").await;

    // The case list: narrowed to Ana's own cases, one opens as Léa's current case.
    click(
        &c,
        "document.querySelector('[data-testid=open-cases]')",
        "Cases",
    )
    .await;
    until(
        &c,
        &format!("const p = {PANEL}; return p && p.getAttribute('data-testid') === 'cases-view' && p.querySelectorAll('[data-testid=case-row]').length === 2;"),
        "both active cases",
    )
    .await;
    c.execute(
        "const o = document.querySelector('[data-testid=cases-owner]'); o.value = 'me'; o.dispatchEvent(new Event('change', {bubbles: true})); return true;",
        vec![],
    )
    .await
    .unwrap();
    let rows = until(
        &c,
        &format!("const r = {PANEL}.querySelectorAll('[data-testid=case-row]'); return r.length === 1 && Array.from(r).map(x => x.getAttribute('data-case'));"),
        "only Ana's case",
    )
    .await;
    assert_eq!(rows, json!([card["id"]]));
    axe(&c, "the case list, filtered to my cases").await;
    screenshot(&c, "workspace-browse-cases.png").await;
    click(
        &c,
        &format!("{PANEL}.querySelector('[data-testid=case-open]')"),
        "open the case",
    )
    .await;
    let current = until(
        &c,
        &format!("const p = {PANEL}; const t = p && p.getAttribute('data-testid') === 'customer-tab' && p.querySelector('[data-testid=case-title]'); return t && t.textContent;"),
        "Léa's tab with the case current",
    )
    .await;
    assert_eq!(current, json!("Card blocked abroad"));
    assert_eq!(
        c.execute(
            "return document.querySelectorAll('[data-testid=customer-tab]').length;",
            vec![]
        )
        .await
        .unwrap(),
        json!(1),
        "the same tab, not a second one"
    );
    axe(&c, "a customer tab with a current case").await;
    screenshot(&c, "workspace-browse-customer.png").await;

    // Past conversations: Ana's call and chat, newest first; the chat's transcript.
    click(
        &c,
        "document.querySelector('[data-testid=open-history]')",
        "Past conversations",
    )
    .await;
    let rows = until(
        &c,
        &format!("const p = {PANEL}; const r = p && p.getAttribute('data-testid') === 'history-view' && p.querySelectorAll('[data-testid=history-row]');
                  return r && r.length === 2 && Array.from(r).map(x => [x.getAttribute('data-type'), x.cells[0].textContent, x.cells[1].textContent]);"),
        "the past call and chat",
    )
    .await;
    assert_eq!(
        rows,
        json!([
            ["call", "Léa Fontaine", "Voice"],
            ["chat", "Hugo Bernard", "Chat"]
        ])
    );
    click(
        &c,
        &format!("{PANEL}.querySelector('[data-testid=history-row][data-type=call] [data-testid=history-open]')"),
        "the call's details",
    )
    .await;
    let facts = until(
        &c,
        &format!("const t = {PANEL}.querySelector('[data-testid=transcript]'); return t && t.querySelector('[data-testid=transcript-title]') && t.textContent;"),
        "the call's details",
    )
    .await;
    let facts = facts.as_str().unwrap();
    assert!(
        facts.contains("+33612345678") && facts.contains("the customer"),
        "{facts}"
    );
    let rating = |what: &'static str| {
        let c = &c;
        async move {
            until(
                c,
                &format!("const r = {PANEL}.querySelector('[data-testid=transcript] [data-testid=transcript-rating] dd'); return r && r.textContent;"),
                what,
            )
            .await
        }
    };
    assert_eq!(rating("the call's rating").await, json!("4/5"));
    axe(&c, "a past call's details").await;
    click(
        &c,
        &format!("{PANEL}.querySelector('[data-testid=history-row][data-type=chat] [data-testid=history-open]')"),
        "the transcript",
    )
    .await;
    until(
        &c,
        &format!("return Array.from({PANEL}.querySelectorAll('[data-testid=transcript-message]')).some(m => m.textContent.includes('Your new card is on its way.'));"),
        "the transcript's messages",
    )
    .await;
    assert_eq!(
        rating("the chat's rating").await,
        json!("5/5 · Quick and kind")
    );
    axe(&c, "a past conversation's transcript").await;
    screenshot(&c, "workspace-browse-history.png").await;

    // Views and customer tabs close; nothing of this was work.
    click(
        &c,
        &format!("{PANEL}.querySelector('[data-testid=tab-close]')"),
        "close the view",
    )
    .await;
    until(
        &c,
        "return !document.querySelector('[data-testid=history-view]');",
        "the view closed",
    )
    .await;
    let presence = app.running.state.engine.presence(&ana_id).await.unwrap();
    assert_eq!(
        presence, presence_before,
        "browsing changes nothing in routing"
    );

    // The same features speak French and Spanish too.
    for (lang, cases, history, status) in [
        ("fr", "Dossiers", "Conversations passées", "Actif"),
        ("es", "Casos", "Conversaciones anteriores", "Activo"),
    ] {
        c.goto(&format!("{}/agent?lang={lang}", app.base))
            .await
            .unwrap();
        until(
            &c,
            "const e = document.querySelector('[data-testid=connection]'); return e && e.getAttribute('data-state') === 'online';",
            "signed in again",
        )
        .await;
        click(
            &c,
            "document.querySelector('[data-testid=open-cases]')",
            "the case list",
        )
        .await;
        let texts = until(
            &c,
            &format!(
                "const p = {PANEL}; return p && p.querySelector('[data-testid=case-row]') && [
                document.querySelector('[data-testid=open-cases]').textContent,
                document.querySelector('[data-testid=open-history]').textContent,
                p.querySelector('[data-testid=cases-status]').selectedOptions[0].textContent,
                document.getElementById('search').placeholder.length > 0];"
            ),
            "the case list",
        )
        .await;
        assert_eq!(texts, json!([cases, history, status, true]), "{lang}");
        axe(&c, &format!("the case list ({lang})")).await;
    }
    c.close().await.unwrap();
    app.stop().await;
}
