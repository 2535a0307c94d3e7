use reqwest::Client;
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::support::{answer, apps, fields, sign_in, spawn_sqlite, TestApp};

const PASSWORD: &str = "correct horse battery staple";

async fn browser(app: &TestApp) -> Client {
    let _ = app;
    Client::builder().cookie_store(true).build().unwrap()
}

#[tokio::test]
async fn admins_manage_agents_who_sign_in_with_cookies_and_csrf() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let created = admin
            .create(
                "/api/v1/agents",
                json!({"name": "Ana Costa", "email": "Ana@Example.com", "roles": ["agent"], "password": PASSWORD}),
            )
            .await;
        assert!(
            created.get("password").is_none() && created.get("password_hash").is_none(),
            "{created}"
        );
        assert_eq!(created["email"], "ana@example.com");
        let agent_path = format!("/api/v1/agents/{}", created["id"].as_str().unwrap());

        let (s, b) = answer(admin.post("/api/v1/agents", json!({"name": "Dup", "email": "ana@example.com", "roles": ["agent"], "password": PASSWORD})).await).await;
        assert_eq!(s, 409, "{b}");
        let (s, b) = answer(admin.post("/api/v1/agents", json!({"name": "Short", "email": "s@example.com", "roles": [], "password": "short"})).await).await;
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["roles".to_owned(), "password".to_owned()])
        );

        // Browser sign-in: cookie is HttpOnly and SameSite; reads work with it.
        let http = browser(&app).await;
        let r = http
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({"email": "ANA@example.com ", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let session: Value = r.json().await.unwrap();
        let csrf = session["csrf_token"].as_str().unwrap().to_owned();
        let me: Value = http
            .get(format!("{}/api/v1/session", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["agent"]["email"], "ana@example.com");
        assert_eq!(me["csrf_token"], csrf.as_str());

        // Writes with the cookie need the CSRF token.
        let write = |token: Option<&str>| {
            let mut r = http
                .post(format!("{}/api/v1/contacts", app.base))
                .json(&json!({"last_name": "Doe"}));
            if let Some(t) = token {
                r = r.header("x-csrf-token", t);
            }
            r.send()
        };
        assert_eq!(write(None).await.unwrap().status(), 403);
        assert_eq!(write(Some("forged")).await.unwrap().status(), 403);
        assert_eq!(write(Some(&csrf)).await.unwrap().status(), 201);
        // An agent cannot manage agents.
        let r = http
            .get(format!("{}/api/v1/tokens", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);

        // Wrong password, unknown email: the same 401.
        let (s, _) = sign_in(&app, &Client::new(), "ana@example.com", "wrong password!!").await;
        assert_eq!(s, 401);
        let (s, _) = sign_in(&app, &Client::new(), "nobody@example.com", PASSWORD).await;
        assert_eq!(s, 401);

        // Deactivating signs the agent out everywhere and blocks sign-in.
        let (s, b) = answer(admin.patch(&agent_path, json!({"active": false})).await).await;
        assert_eq!((s, b["active"].as_bool()), (200, Some(false)));
        assert_eq!(
            http.get(format!("{}/api/v1/session", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        let (s, _) = sign_in(&app, &Client::new(), "ana@example.com", PASSWORD).await;
        assert_eq!(s, 401);
        admin
            .patch(
                &agent_path,
                json!({"active": true, "password": "another long password"}),
            )
            .await;
        let (s, _) = sign_in(&app, &Client::new(), "ana@example.com", PASSWORD).await;
        assert_eq!(s, 401, "the old password no longer works");
        let http = browser(&app).await;
        let (s, _) = sign_in(&app, &http, "ana@example.com", "another long password").await;
        assert_eq!(s, 200);

        // Sign-out ends the session on the server.
        let me: Value = http
            .get(format!("{}/api/v1/session", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf = me["csrf_token"].as_str().unwrap();
        let r = http
            .delete(format!("{}/api/v1/session", app.base))
            .header("x-csrf-token", csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(
            http.get(format!("{}/api/v1/session", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_last_admin_stays_an_admin() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let me = admin.agent_id.clone().unwrap();
        let (s, b) = answer(
            admin
                .patch(&format!("/api/v1/agents/{me}"), json!({"roles": ["agent"]}))
                .await,
        )
        .await;
        assert_eq!(s, 409, "{b}");
        let (s, _) = answer(
            admin
                .patch(&format!("/api/v1/agents/{me}"), json!({"active": false}))
                .await,
        )
        .await;
        assert_eq!(s, 409);
        app.token(Role::Admin).await;
        let (s, _) = answer(
            admin
                .patch(
                    &format!("/api/v1/agents/{me}"),
                    json!({"roles": ["agent", "supervisor"]}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200);
        app.stop().await;
    }
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let created = admin
            .create(
                "/api/v1/tokens",
                json!({"name": "CRM sync", "role": "agent"}),
            )
            .await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("sbt_"));
        let listed = admin.ok("/api/v1/tokens").await;
        assert!(
            !listed.to_string().contains(&secret),
            "secrets are never listed"
        );

        let integration = crate::support::Caller {
            token: Some(secret.clone()),
            agent_id: None,
            ..admin.clone()
        };
        let c = integration
            .create("/api/v1/contacts", json!({"last_name": "Synced"}))
            .await;
        let note = integration
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": c["id"], "body": "imported"}),
            )
            .await;
        assert_eq!(note["author_name"], "API token CRM sync");

        // Nothing secret is stored in clear.
        let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_all(app.db().pool())
            .await
            .unwrap();
        assert!(hashes.iter().all(|h| h.len() == 64 && !h.contains("sbt_")));
        assert!(!hashes.contains(&secret));
        let pw: Vec<String> = sqlx::query_scalar("SELECT password_hash FROM agents")
            .fetch_all(app.db().pool())
            .await
            .unwrap();
        assert!(pw.iter().all(|h| h.starts_with("$argon2id$")), "{pw:?}");

        let path = format!("/api/v1/tokens/{}", created["id"].as_str().unwrap());
        assert_eq!(admin.delete(&path).await.status(), 204);
        assert_eq!(
            admin.delete(&path).await.status(),
            204,
            "revoking twice is harmless"
        );
        assert_eq!(integration.get("/api/v1/contacts").await.status(), 401);
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/tokens",
                    json!({"name": "x", "role": "agent", "agent_id": "nobody"}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["agent_id".to_owned()]));
        let (s, b) = answer(
            admin
                .post("/api/v1/tokens", json!({"name": "x", "role": "root"}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["role".to_owned()]));
        app.stop().await;
    }
}

#[tokio::test]
async fn sign_in_bursts_are_throttled_and_a_blocked_email_stays_blocked() {
    let app = spawn_sqlite().await;
    let admin = app.token(Role::Admin).await;
    admin
        .create(
            "/api/v1/agents",
            json!({"name": "Victim", "email": "victim@example.com", "roles": ["agent"], "password": PASSWORD}),
        )
        .await;
    // 30 guesses at once: attempts are counted when they start, so at most
    // 10 get a password check.
    let guesses = (0..30).map(|i| {
        let app_base = app.base.clone();
        async move {
            Client::new()
                .post(format!("{app_base}/api/v1/session"))
                .json(&json!({"email": "victim@example.com", "password": format!("guess number {i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (10, 20), "{statuses:?}");
    // While blocked, even the right password is refused.
    let (s, _) = sign_in(&app, &Client::new(), "victim@example.com", PASSWORD).await;
    assert_eq!(s, 429);
    app.stop().await;
}

/// Signs in as `email` from `client`, as the trusted proxy in front of the
/// test server says (X-Forwarded-For); the status.
async fn sign_in_from(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    Client::new()
        .post(format!("{}/api/v1/session", app.base))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// An attacker typing someone's email from their own address cannot lock
/// that person out: the limit counts per client address and email.
/// Addresses come from the socket, or from the operator's trusted proxy;
/// IPv6 counts per /64.
#[tokio::test]
async fn an_attacker_cannot_lock_out_a_person_who_signs_in_from_elsewhere() {
    let app = crate::support::spawn_sqlite_with(&|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let admin = app.token(Role::Admin).await;
    admin
        .create(
            "/api/v1/agents",
            json!({"name": "Victim", "email": "victim@example.com", "roles": ["admin"], "password": PASSWORD}),
        )
        .await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(
            sign_in_from(
                &app,
                "203.0.113.66",
                "victim@example.com",
                &format!("guess {i}"),
            )
            .await,
        );
    }
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [429; 2], "{statuses:?}");
    // The attacker stays blocked, even with the right password...
    assert_eq!(
        sign_in_from(&app, "203.0.113.66", "victim@example.com", PASSWORD).await,
        429
    );
    // ...and the person, from their own address, signs in.
    assert_eq!(
        sign_in_from(&app, "198.51.100.7", "victim@example.com", PASSWORD).await,
        200
    );

    // Rotating IPv6 addresses inside one /64 does not buy more guesses.
    let mut statuses = Vec::new();
    for i in 1..=11 {
        statuses.push(
            sign_in_from(
                &app,
                &format!("2001:db8:1:2::{i:x}"),
                "victim@example.com",
                "wrong password",
            )
            .await,
        );
    }
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    assert_eq!(
        sign_in_from(
            &app,
            "2001:db8:1:3::1",
            "victim@example.com",
            "wrong password"
        )
        .await,
        401
    );

    // An address spraying many accounts is stopped whatever the emails.
    let mut statuses = Vec::new();
    for i in 0..31 {
        statuses.push(
            sign_in_from(
                &app,
                "192.0.2.99",
                &format!("user{i}@example.com"),
                "wrong password",
            )
            .await,
        );
    }
    assert_eq!(statuses[..30], [401; 30], "{statuses:?}");
    assert_eq!(statuses[30], 429, "{statuses:?}");
    app.stop().await;
}

/// Without a trusted proxy, X-Forwarded-For is the client's own text: a
/// rotating forged header does not escape the limit.
#[tokio::test]
async fn forwarded_headers_from_strangers_are_not_believed() {
    let app = spawn_sqlite().await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        statuses.push(
            sign_in_from(
                &app,
                &format!("198.51.100.{i}"),
                "victim@example.com",
                "wrong password",
            )
            .await,
        );
    }
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    app.stop().await;
}

#[tokio::test]
async fn tokens_never_outgrow_their_agent() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let alice = admin
            .create("/api/v1/agents", json!({"name": "Alice", "email": "alice@example.com", "roles": ["admin", "agent"], "password": PASSWORD}))
            .await;
        let alice_id = alice["id"].as_str().unwrap();
        let token = admin
            .create(
                "/api/v1/tokens",
                json!({"name": "alice admin", "role": "admin", "agent_id": alice_id}),
            )
            .await;
        let alice_token = crate::support::Caller {
            token: Some(token["secret"].as_str().unwrap().to_owned()),
            agent_id: None,
            ..admin.clone()
        };
        assert_eq!(alice_token.get("/api/v1/tokens").await.status(), 200);
        // Demoting Alice disables her admin token at once.
        let (s, _) = answer(
            admin
                .patch(
                    &format!("/api/v1/agents/{alice_id}"),
                    json!({"roles": ["agent"]}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(alice_token.get("/api/v1/tokens").await.status(), 401);
        // And no admin token can be made for an agent who is not an admin.
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/tokens",
                    json!({"name": "x", "role": "admin", "agent_id": alice_id}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["agent_id".to_owned()]));
        app.stop().await;
    }
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_an_admin() {
    for app in apps().await {
        for _round in 0..5 {
            let a = app.token(Role::Admin).await;
            let b = app.token(Role::Admin).await;
            // Leave only a and b as active admins.
            sqlx::query("UPDATE agents SET active = 0 WHERE id <> $1 AND id <> $2")
                .bind(a.agent_id.clone().unwrap())
                .bind(b.agent_id.clone().unwrap())
                .execute(app.db().pool())
                .await
                .unwrap();
            let a_path = format!("/api/v1/agents/{}", a.agent_id.as_deref().unwrap());
            let b_path = format!("/api/v1/agents/{}", b.agent_id.as_deref().unwrap());
            let demote = json!({"roles": ["agent"]});
            let (ra, rb) = tokio::join!(
                a.patch(&b_path, demote.clone()),
                b.patch(&a_path, demote.clone())
            );
            let statuses = [ra.status().as_u16(), rb.status().as_u16()];
            assert_eq!(
                statuses.iter().filter(|s| **s == 200).count(),
                1,
                "{statuses:?} on {}",
                app.backend
            );
            let roles: Vec<String> =
                sqlx::query_scalar("SELECT roles FROM agents WHERE active = 1")
                    .fetch_all(app.db().pool())
                    .await
                    .unwrap();
            assert!(
                roles.iter().any(|r| r.contains("admin")),
                "an active admin remains on {}",
                app.backend
            );
        }
        app.stop().await;
    }
}

/// Tokens may expire and say who made them; an expired token is refused
/// like a revoked one.
#[tokio::test]
async fn tokens_expire_and_name_their_creator() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let past = switchboard_core::time::format(
            jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1),
        );
        for (expires_at, code) in [
            (json!(past), "past"),
            (json!("tomorrow"), "format"),
            (json!("2999-01-01T00:00:00Z"), "too_far"),
        ] {
            let (s, b) = answer(
                admin
                    .request(reqwest::Method::POST, "/api/v1/tokens")
                    .json(&json!({"name": "n", "role": "admin", "expires_at": expires_at}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!((s, fields(&b)), (422, vec!["expires_at".to_owned()]), "{b}");
            assert_eq!(b["errors"][0]["code"], code, "{b}");
        }
        let soon = switchboard_core::time::format(
            jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3),
        );
        let created = admin
            .create(
                "/api/v1/tokens",
                json!({"name": "short-lived", "role": "admin", "expires_at": soon}),
            )
            .await;
        assert_eq!(created["created_by"], "Test admin", "{created}");
        assert_eq!(created["expires_at"], json!(soon));
        let secret = created["secret"].as_str().unwrap().to_owned();
        let use_it = || {
            Client::new()
                .get(format!("{}/api/v1/tokens", app.base))
                .bearer_auth(&secret)
                .send()
        };
        let listed: Value = use_it().await.unwrap().json().await.unwrap();
        let mine = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == created["id"])
            .unwrap();
        assert_eq!(mine["created_by"], "Test admin");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if use_it().await.unwrap().status() == 401 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the token never expired"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        app.stop().await;
    }
}

/// Over HTTPS the session cookie is `__Host-` prefixed (Secure, Path=/, no
/// Domain): a sibling subdomain cannot plant one.
#[tokio::test]
async fn the_secure_session_cookie_has_the_host_prefix() {
    let app = crate::support::spawn_sqlite_with(&|c| c.secure_cookies = true).await;
    let admin = app.token(Role::Admin).await;
    admin
        .create(
            "/api/v1/agents",
            json!({"name": "Cora", "email": "cora@example.com", "roles": ["agent"], "password": PASSWORD}),
        )
        .await;
    let r = Client::new()
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"email": "cora@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-sb_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    let value = cookie.split(';').next().unwrap().to_owned();
    let me = |c: String| {
        Client::new()
            .get(format!("{}/api/v1/session", app.base))
            .header("cookie", c)
            .send()
    };
    assert_eq!(me(value.clone()).await.unwrap().status(), 200);
    // The unprefixed name is not read on a secure server.
    let plain = value.replace("__Host-sb_session=", "sb_session=");
    assert_eq!(me(plain).await.unwrap().status(), 401);
    app.stop().await;
}

/// An agent with its skills and queues is one request and one
/// transaction: a bad skill or queue refuses all of it, named under
/// `routing.`; a change that fails (a taken email) leaves the routing too.
#[tokio::test]
async fn an_agent_is_saved_with_its_routing_and_queues_or_not_at_all() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let skill = admin
            .create("/api/v1/skills", json!({"name": "French"}))
            .await;
        let chat = admin
            .create(
                "/api/v1/queues",
                json!({"name": "Chat", "channel": "messaging"}),
            )
            .await;
        let phones = admin
            .create(
                "/api/v1/queues",
                json!({"name": "Phones", "channel": "voice"}),
            )
            .await;
        let count = || async {
            admin.ok("/api/v1/agents?limit=200").await["items"]
                .as_array()
                .unwrap()
                .len()
        };
        let before = count().await;

        let (st, b) = answer(
            admin
                .post(
                    "/api/v1/agents",
                    json!({"name": "", "email": "nora@example.com", "roles": ["agent"], "password": PASSWORD,
                           "routing": {"skills": [{"skill_id": skill["id"], "proficiency": 11},
                                                  {"skill_id": skill["id"], "proficiency": 5}]}}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 422, "{b}");
        assert_eq!(
            fields(&b),
            [
                "name",
                "routing.skills[0].proficiency",
                "routing.skills[1].skill_id"
            ],
            "every rule at once: {b}"
        );
        let (st, b) = answer(
            admin
                .post(
                    "/api/v1/agents",
                    json!({"name": "Nora", "email": "nora@example.com", "roles": ["agent"], "password": PASSWORD,
                           "routing": {"capacity_profile_id": "nope", "skills": [{"skill_id": "gone", "proficiency": 5}],
                                       "queue_ids": [chat["id"], "gone"]}}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 422, "{b}");
        assert_eq!(
            fields(&b),
            [
                "routing.capacity_profile_id",
                "routing.skills[0].skill_id",
                "routing.queue_ids[1]"
            ],
            "{b}"
        );
        assert_eq!(count().await, before, "no agent without its routing");

        let nora = admin
            .create(
                "/api/v1/agents",
                json!({"name": "Nora", "email": "nora@example.com", "roles": ["agent"], "password": PASSWORD,
                       "routing": {"skills": [{"skill_id": skill["id"], "proficiency": 7}], "queue_ids": [chat["id"]]}}),
            )
            .await;
        let id = nora["id"].as_str().unwrap();
        let routing = admin.ok(&format!("/api/v1/agents/{id}/routing")).await;
        assert_eq!(
            routing["skills"],
            json!([{"skill_id": skill["id"], "proficiency": 7}])
        );
        assert_eq!(routing["queue_ids"], json!([chat["id"]]));
        let queue = admin
            .ok(&format!("/api/v1/queues/{}", chat["id"].as_str().unwrap()))
            .await;
        assert_eq!(queue["members"], json!([id]));

        // A change that fails keeps the routing as it was.
        admin
            .create(
                "/api/v1/agents",
                json!({"name": "Other", "email": "other@example.com", "roles": ["agent"], "password": PASSWORD}),
            )
            .await;
        let (st, b) = answer(
            admin
                .patch(
                    &format!("/api/v1/agents/{id}"),
                    json!({"email": "other@example.com", "routing": {"skills": [], "queue_ids": [phones["id"]]}}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 409, "{b}");
        let routing = admin.ok(&format!("/api/v1/agents/{id}/routing")).await;
        assert_eq!(routing["queue_ids"], json!([chat["id"]]), "unchanged");
        assert_eq!(routing["skills"].as_array().unwrap().len(), 1, "unchanged");

        // One change moves Nora from chat to phones, audited together.
        let (st, b) = answer(
            admin
                .patch(
                    &format!("/api/v1/agents/{id}"),
                    json!({"name": "Nora B.", "routing": {"skills": [], "queue_ids": [phones["id"]]}}),
                )
                .await,
        )
        .await;
        assert_eq!((st, &b["name"]), (200, &json!("Nora B.")), "{b}");
        let routing = admin.ok(&format!("/api/v1/agents/{id}/routing")).await;
        assert_eq!(
            (&routing["queue_ids"], &routing["skills"]),
            (&json!([phones["id"]]), &json!([]))
        );
        let queue = admin
            .ok(&format!("/api/v1/queues/{}", chat["id"].as_str().unwrap()))
            .await;
        assert_eq!(queue["members"], json!([]));
        let log = admin.ok("/api/v1/audit-log").await;
        let mine: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["target_id"] == id)
            .map(|e| e["action"].as_str().unwrap())
            .take(3)
            .collect();
        assert_eq!(
            mine,
            [
                "agent_queues.update",
                "agent_routing.update",
                "agent.update"
            ],
            "{log}"
        );

        // PUT routing takes the queues too; without queue_ids they stay.
        let put = |body: Value| {
            let admin = admin.clone();
            let path = format!("/api/v1/agents/{id}/routing");
            async move {
                answer(
                    admin
                        .request(reqwest::Method::PUT, &path)
                        .json(&body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let (st, b) = put(json!({"skills": [{"skill_id": skill["id"], "proficiency": 3}]})).await;
        assert_eq!((st, &b["queue_ids"]), (200, &json!([phones["id"]])), "{b}");
        let (st, b) = put(json!({"queue_ids": [chat["id"], phones["id"], chat["id"]]})).await;
        assert_eq!(st, 200, "{b}");
        let mut want = vec![chat["id"].as_str().unwrap(), phones["id"].as_str().unwrap()];
        want.sort();
        assert_eq!(b["queue_ids"], json!(want), "{b}");
        let (st, b) = put(json!({"queue_ids": "all"})).await;
        assert_eq!(st, 422, "{b}");
        app.stop().await;
    }
}
