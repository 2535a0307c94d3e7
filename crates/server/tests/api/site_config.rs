//! Configuration as code: `GET /api/v1/config` and
//! `POST /api/v1/config/apply` (docs/config-as-code.md).

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::support::{answer, apps, fields, Caller, TestApp};

const SECRET: &str = "a-host-site-secret-of-more-than-32-characters";

async fn export(who: &Caller) -> String {
    let r = who.get("/api/v1/config").await;
    assert_eq!(r.status(), 200);
    assert!(r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/toml"));
    r.text().await.unwrap()
}

async fn apply(who: &Caller, text: &str, dry_run: bool) -> (u16, Value) {
    answer(
        who.request(
            reqwest::Method::POST,
            &format!("/api/v1/config/apply?dry_run={dry_run}"),
        )
        .header("content-type", "application/toml")
        .body(text.to_owned())
        .send()
        .await
        .unwrap(),
    )
    .await
}

async fn audit_rows(admin: &Caller) -> Vec<Value> {
    admin.ok("/api/v1/audit-log?limit=200").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The demo's routing and chat settings, plus a widget with a host-site
/// secret, a second voice queue with hours and overflow naming the other
/// queue, and routing rules naming queues and skills.
async fn rich_site(app: &TestApp, admin: &Caller) {
    switchboard_server::demo::load(app.db()).await.unwrap();
    switchboard_server::demo::load_chat(app.db(), &["http://localhost:8080".into()])
        .await
        .unwrap();
    switchboard_server::demo::load_workspace(app.db())
        .await
        .unwrap();
    switchboard_server::demo::load_scheduling(app.db())
        .await
        .unwrap();
    let r = admin
        .patch(
            "/api/v1/communications/settings",
            json!({"enabled": false, "reminder_days": 2}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = admin
        .request(
            reqwest::Method::PUT,
            "/api/v1/communications/templates/confirmation/sms/fr",
        )
        .json(&json!({"body": "Rendez-vous confirmé le {date} à {time}. Merci !"}))
        .send()
        .await
        .unwrap();
    let (st, body) = answer(r).await;
    assert_eq!(st, 200, "{body}");
    let queues = admin.ok("/api/v1/queues").await;
    let urgent = queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "Voice — urgent")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chat = queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "Chat — general")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let overflow_queue = admin
        .create(
            "/api/v1/queues",
            json!({"name": "Voice — after hours", "channel": "voice", "priority": 2,
                "operating_hours": {"time_zone": "Europe/Paris",
                    "weekly": [{"day": "monday", "from": "09:00", "to": "17:00"}],
                    "holidays": ["2026-12-25"]},
                "overflow": {"waiting_time_exceeds": {"seconds": 120, "action": "transfer_to_queue", "queue_id": urgent},
                    "out_of_operating_hours": {"action": "voicemail"}}}),
        )
        .await;
    let r = admin
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/queues/{urgent}/prompts/greeting/fr"),
        )
        .json(&json!({"text": "Bonjour, merci de patienter."}))
        .send()
        .await
        .unwrap();
    let (st, body) = answer(r).await;
    assert_eq!(st, 200, "{body}");
    let skills = admin.ok("/api/v1/skills").await;
    let french = skills
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "french")
        .unwrap()["id"]
        .clone();
    let r = admin
        .request(reqwest::Method::PUT, "/api/v1/routing-rules")
        .json(&json!({"rules": [
            {"name": "French callers", "tests": [{"op": "equals", "attribute": "language", "value": "fr"}],
             "queue_id": overflow_queue["id"], "skills": [{"skill_id": french, "min": 5}], "priority": 3},
            {"name": "Everything else", "tests": [], "queue_id": chat}
        ]}))
        .send()
        .await
        .unwrap();
    let (st, body) = answer(r).await;
    assert_eq!(st, 200, "{body}");
    admin
        .create(
            "/api/v1/widgets",
            json!({"name": "Members' area", "allowed_origins": ["https://members.example"],
                "routing": {"queue_id": chat},
                "auth": {"algorithm": "HS256", "secret": SECRET}}),
        )
        .await;
}

/// Fresh site B gets the agents of site A (people are not configuration).
async fn same_people(from: &TestApp, to: &TestApp) {
    let hash = switchboard_server::auth::password::hash("not-used-here".into())
        .await
        .unwrap();
    for (_, email) in from.db().agent_emails().await.unwrap() {
        if to.db().agent_by_email(&email).await.unwrap().is_none() {
            // With their roles: a queue's supervisors must hold the role.
            let roles = from
                .db()
                .agent_by_email(&email)
                .await
                .unwrap()
                .unwrap()
                .roles;
            to.db()
                .create_agent(&switchboard_store::agents::AgentRecord {
                    name: &email,
                    email: &email,
                    roles: &roles,
                    active: true,
                    password_hash: Some(&hash),
                })
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn an_export_applied_to_an_empty_site_reproduces_the_configuration() {
    let sites_a = apps().await;
    let sites_b = apps().await;
    for (a, b) in sites_a.into_iter().zip(sites_b) {
        let admin_a = a.token(Role::Admin).await;
        rich_site(&a, &admin_a).await;
        let text = export(&admin_a).await;
        for area in [
            "skills",
            "[[capacity_profiles]]",
            "[[queues]]",
            "[[routing_rules]]",
            "[[widgets]]",
            "[[widgets.proactive_rules]]",
        ] {
            assert!(text.contains(area), "{area} missing from {text}");
        }
        assert!(
            text.contains("ana@demo.switchboard.test"),
            "members by email: {text}"
        );
        assert!(
            text.contains("supervisors = [\"supervisor@demo.switchboard.test\"]"),
            "supervisors by email: {text}"
        );
        assert!(
            text.contains("queue = \"Voice — urgent\""),
            "overflow by name: {text}"
        );
        // The secret never leaves the site; a mark says one is kept.
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("secret = \"(kept)\""), "{text}");

        // A second site with the same people and no configuration.
        same_people(&a, &b).await;
        let admin_b = b.token(Role::Admin).await;
        let empty = export(&admin_b).await;
        // Without its secret, a new HS256 widget cannot be made.
        let (st, body) = apply(&admin_b, &text, false).await;
        assert_eq!(st, 422, "{body}");
        assert!(
            fields(&body)
                .iter()
                .any(|f| f.starts_with("widgets[1].auth.secret")),
            "{body}"
        );
        assert_eq!(export(&admin_b).await, empty, "nothing written");

        let with_secret = text.replace("(kept)", SECRET);
        let (st, dry) = apply(&admin_b, &with_secret, true).await;
        assert_eq!(st, 200, "{dry}");
        assert_eq!(dry["applied"], false);
        assert!(dry["changes"].as_array().unwrap().contains(
            &json!({"area": "queues", "action": "create", "name": "Voice — after hours"})
        ));
        assert_eq!(export(&admin_b).await, empty, "a dry run writes nothing");

        let (st, done) = apply(&admin_b, &with_secret, false).await;
        assert_eq!(st, 200, "{done}");
        assert_eq!(done["applied"], true);
        assert_eq!(done["changes"], dry["changes"]);
        assert_eq!(export(&admin_b).await, text, "{} site B differs", b.backend);

        // Applying again changes nothing and writes no audit row.
        let rows = audit_rows(&admin_b).await.len();
        let (st, again) = apply(&admin_b, &text, false).await;
        assert_eq!(st, 200, "{again}");
        assert_eq!(again["changes"], json!([]));
        assert_eq!(again["applied"], false);
        assert_eq!(audit_rows(&admin_b).await.len(), rows);

        // The stored secret is kept by "(kept)" on an update.
        let changed = text.replace("https://members.example", "https://members.example.org");
        let (st, upd) = apply(&admin_b, &changed, false).await;
        assert_eq!(st, 200, "{upd}");
        assert_eq!(
            upd["changes"],
            json!([{"area": "widgets", "action": "update", "name": "Members' area"}])
        );
        let w = b
            .db()
            .widgets()
            .await
            .unwrap()
            .into_iter()
            .find(|w| w.name == "Members' area")
            .unwrap();
        assert!(w.settings.contains(SECRET), "secret kept");
        assert!(w.settings.contains("members.example.org"));

        // Wiping areas: rules and widgets emptied, then the file brings them back.
        let wipe = "version = 1\nrouting_rules = []\nwidgets = []\n";
        let (st, wiped) = apply(&admin_b, wipe, false).await;
        assert_eq!(st, 200, "{wiped}");
        assert!(b.db().routing_rules().await.unwrap().is_empty());
        assert!(b.db().widgets().await.unwrap().is_empty());
        let (st, _) = apply(&admin_b, &with_secret, false).await;
        assert_eq!(st, 200);
        assert_eq!(export(&admin_b).await, text);
        a.stop().await;
        b.stop().await;
    }
}

#[tokio::test]
async fn a_bad_file_is_refused_by_its_place_and_writes_nothing() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        rich_site(&app, &admin).await;
        let text = export(&admin).await;
        let rows = audit_rows(&admin).await.len();
        let cases: Vec<(String, &str)> = vec![
            ("version = 1\nskills = [\n".into(), "file"),
            ("queues = 3\n".into(), "queues"),
            ("colour = 1\n".into(), "colour"),
            (
                text.replace("priority = 2", "priority = \"high\""),
                "queues[1].priority",
            ),
            (
                text.replace(
                    "queue = \"Chat — general\"\nskill_match",
                    "queue = \"Nowhere\"\nskill_match",
                ),
                "routing_rules[1].queue",
            ),
            (
                text.replace(
                    "match = \"contains\"\nvalue = \"/demo/shop\"",
                    "match = \"regex\"\nvalue = \"(unclosed\"",
                ),
                "widgets[0].proactive_rules[0].location.url.value",
            ),
            (
                text.replace(
                    "name = \"Voice — after hours\"",
                    "name = \"\\u0000\\u001b[31m\"",
                ),
                "queues[1].name",
            ),
            (
                text.replace("ana@demo.switchboard.test", "nobody@example.com"),
                "queues[0].members[0]",
            ),
            (
                // Supervisors by email, each holding the role.
                text.replace(
                    "supervisor@demo.switchboard.test",
                    "ana@demo.switchboard.test",
                ),
                "queues[0].supervisors[0]",
            ),
            (
                text.replace("seconds = 120", "seconds = 999999"),
                "queues[1].overflow.waiting_time_exceeds.seconds",
            ),
            (
                text.replace("script = \"Web chat\"", "script = \"No such script\""),
                "agent_script_rules[0].script",
            ),
            (
                text.replace("code = \"bye\"", "code = \"Bye Bye\""),
                "canned_responses[0].code",
            ),
            (
                text.replace("language = \"fr\"", "language = \"xx\""),
                "message_templates[0].language",
            ),
            (
                text.replace("reminder_days = 2", "reminder_days = -4"),
                "communications.reminder_days",
            ),
            (
                text.replacen("duration_minutes = ", "duration_minutes = 9999 # ", 1),
                "topics[0].duration_minutes",
            ),
            (
                text.replace("Bonjour, merci de patienter.", "Bonjour {nom}"),
                "queue_prompts[0].text",
            ),
        ];
        for (bad, field) in cases {
            assert_ne!(bad, text, "the case for {field} changes the file");
            for dry_run in [true, false] {
                let (st, body) = apply(&admin, &bad, dry_run).await;
                assert_eq!(st, 422, "{field}: {body}");
                let names = fields(&body);
                assert!(
                    names.iter().any(|f| f.starts_with(field)),
                    "{field} not in {names:?}: {body}"
                );
            }
        }
        assert_eq!(export(&admin).await, text, "nothing written");
        assert_eq!(audit_rows(&admin).await.len(), rows, "nothing audited");

        // Not a TOML body.
        let r = admin
            .request(reqwest::Method::POST, "/api/v1/config/apply")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);
        app.stop().await;
    }
}

#[tokio::test]
async fn applies_are_audited_as_their_author_and_admins_only() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        rich_site(&app, &admin).await;
        let text = export(&admin).await;
        let supervisor = app.token(Role::Supervisor).await;
        assert_eq!(supervisor.get("/api/v1/config").await.status(), 403);
        let (st, _) = apply(&supervisor, &text, true).await;
        assert_eq!(st, 403);
        assert_eq!(app.anonymous().get("/api/v1/config").await.status(), 401);

        let changed = text
            .replace("wrap_up_seconds = 30", "wrap_up_seconds = 45")
            .replacen("skills = [\"cards\"", "skills = [\"german\", \"cards\"", 1);
        let before = audit_rows(&admin).await.len();
        let (st, done) = apply(&admin, &changed, false).await;
        assert_eq!(st, 200, "{done}");
        assert_eq!(
            done["changes"],
            json!([
                {"area": "skills", "action": "create", "name": "german"},
                {"area": "capacity_profiles", "action": "update", "name": "Standard"}
            ])
        );
        let rows = audit_rows(&admin).await;
        assert_eq!(rows.len(), before + 2);
        let mine: Vec<&Value> = rows[..2].iter().collect();
        let actions: Vec<&str> = mine.iter().map(|r| r["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"skill.create"), "{actions:?}");
        assert!(actions.contains(&"capacity_profile.update"), "{actions:?}");
        for r in mine {
            assert_eq!(r["agent_id"].as_str(), admin.agent_id.as_deref(), "{r}");
            assert!(r["via"].as_str().unwrap().starts_with("token:"), "{r}");
        }
        assert!(app
            .db()
            .skills()
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == "german"));
        app.stop().await;
    }
}
