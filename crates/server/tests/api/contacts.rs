use serde_json::json;
use switchboard_core::access::Role;

use crate::support::{answer, apps};

#[tokio::test]
async fn contacts_are_created_read_patched_searched_and_deleted() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let account = agent
            .create(
                "/api/v1/accounts",
                json!({"name": "Northwind", "city": "Lyon"}),
            )
            .await;
        let r = agent
            .post(
                "/api/v1/contacts",
                json!({
                    "first_name": "Camille", "last_name": "Durand", "email": "Camille@Example.com",
                    "phone": "+33 6 12 34 56 78", "account_id": account["id"], "preferred_channel": "email",
                    "locale": "fr-fr", "time_zone": "Europe/Paris", "external_id": "u-1",
                    "custom": {"plan": "gold", "tags": {"vip": true}}
                }),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", app.backend);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let c: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            location,
            format!("/api/v1/contacts/{}", c["id"].as_str().unwrap())
        );
        assert_eq!(c["email"], "camille@example.com");
        assert_eq!(c["phone"], "+33612345678");
        assert_eq!(c["locale"], "fr-FR");
        assert_eq!(agent.ok(&location).await, c);

        // Merge patch: sent fields replace, null clears, nested objects merge.
        let (status, p) = answer(
            agent
                .patch(&location, json!({"city": "Paris", "phone": null, "custom": {"tags": {"vip": null, "new": 1}}}))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{p}");
        assert_eq!(p["city"], "Paris");
        assert_eq!(p["phone"], serde_json::Value::Null);
        assert_eq!(p["custom"], json!({"plan": "gold", "tags": {"new": 1}}));
        assert_eq!(p["first_name"], "Camille");

        for (q, expect) in [
            ("durand", 1),
            ("CAMILLE@example", 1),
            ("nobody", 0),
            ("100%", 0),
            ("_", 0),
        ] {
            let page = agent
                .ok(&format!("/api/v1/contacts?q={}", urlencode(q)))
                .await;
            assert_eq!(
                page["items"].as_array().unwrap().len(),
                expect,
                "q={q} on {}",
                app.backend
            );
        }
        let by_external = agent.ok("/api/v1/contacts?external_id=u-1").await;
        assert_eq!(by_external["items"][0]["id"], c["id"]);

        // Accents and case do not matter: "emilie" finds "Émilie".
        agent
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Émilie", "last_name": "Tremblay"}),
            )
            .await;
        let page = agent.ok("/api/v1/contacts?q=EMILIE%20trem").await;
        assert_eq!(page["items"][0]["first_name"], "Émilie", "{}", app.backend);

        // Phone search accepts the number as a person types it.
        agent
            .create(
                "/api/v1/contacts",
                json!({"last_name": "Phone", "phone": "+34 612 345 678"}),
            )
            .await;
        let page = agent
            .ok(&format!(
                "/api/v1/contacts?q={}",
                urlencode("+34 612 34 56 78")
            ))
            .await;
        assert_eq!(page["items"][0]["last_name"], "Phone");

        // Another contact cannot take the same external_id.
        let (status, body) = answer(
            agent
                .post(
                    "/api/v1/contacts",
                    json!({"last_name": "X", "external_id": "u-1"}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 409, "{body}");

        // Agents cannot delete; supervisors can.
        assert_eq!(agent.delete(&location).await.status(), 403);
        let supervisor = app.token(Role::Supervisor).await;
        assert_eq!(supervisor.delete(&location).await.status(), 204);
        assert_eq!(agent.get(&location).await.status(), 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn contact_lists_page_with_cursors_without_gaps_or_repeats() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let mut ids = Vec::new();
        for i in 0..7 {
            ids.push(
                agent
                    .create("/api/v1/contacts", json!({"last_name": format!("P{i}")}))
                    .await["id"]
                    .clone(),
            );
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/contacts?limit=3".to_owned();
        loop {
            let page = agent.ok(&path).await;
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 3);
            seen.extend(items.iter().map(|c| c["id"].clone()));
            match page["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/contacts?limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, ids, "{}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn accounts_and_products_round_trip() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let admin = app.token(Role::Admin).await;
        let a = agent
            .create(
                "/api/v1/accounts",
                json!({"name": "Contoso", "category": "Enterprise"}),
            )
            .await;
        let path = format!("/api/v1/accounts/{}", a["id"].as_str().unwrap());
        let (s, patched) = answer(agent.patch(&path, json!({"city": "Madrid"})).await).await;
        assert_eq!((s, patched["city"].as_str()), (200, Some("Madrid")));
        assert_eq!(
            agent.ok("/api/v1/accounts?q=cont").await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        agent
            .create("/api/v1/accounts", json!({"name": "Société Générale"}))
            .await;
        let found = agent.ok("/api/v1/accounts?q=SOCIETE%20gen").await;
        assert_eq!(
            found["items"][0]["name"], "Société Générale",
            "{}",
            app.backend
        );

        // Products are configuration: agents read them, admins change them.
        assert_eq!(
            agent
                .post("/api/v1/products", json!({"name": "Card"}))
                .await
                .status(),
            403
        );
        let p = admin
            .create("/api/v1/products", json!({"name": "Card"}))
            .await;
        assert_eq!(
            admin
                .post("/api/v1/products", json!({"name": "Card"}))
                .await
                .status(),
            409
        );
        assert_eq!(
            agent.ok("/api/v1/products").await.as_array().unwrap().len(),
            1
        );
        let ppath = format!("/api/v1/products/{}", p["id"].as_str().unwrap());
        assert_eq!(
            admin
                .patch(&ppath, json!({"name": "Credit card"}))
                .await
                .status(),
            200
        );
        assert_eq!(agent.ok(&ppath).await["name"], "Credit card");

        // An account with contacts cannot be deleted.
        agent
            .create(
                "/api/v1/contacts",
                json!({"last_name": "Member", "account_id": a["id"]}),
            )
            .await;
        let supervisor = app.token(Role::Supervisor).await;
        assert_eq!(supervisor.delete(&path).await.status(), 409);
        app.stop().await;
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
