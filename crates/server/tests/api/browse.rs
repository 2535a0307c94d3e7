//! The workspace's browsing (docs/workspace.md, "Browsing"): search across
//! contacts, accounts and cases, a customer's summary without a
//! conversation, the case list's filters, and past conversations with their
//! transcripts — agents reading only their own.

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::chat::{setup, Browser};
use crate::routing::{next_matching, send};
use crate::support::{answer, apps, fields, Caller};

async fn get(who: &Caller, path: &str) -> (u16, Value) {
    answer(who.get(path).await).await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn agents_search_customers_and_cases_and_open_a_customer_without_a_conversation() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let other = app.token(Role::Agent).await;
        let acme = agent
            .create(
                "/api/v1/accounts",
                json!({"name": "Société Générale des Eaux"}),
            )
            .await;
        let zoe = agent
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Zoé", "last_name": "Durand", "email": "zoe@example.com",
                       "phone": "+33612345678", "account_id": acme["id"]}),
            )
            .await;
        let marc = agent
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Marc", "last_name": "Petit"}),
            )
            .await;
        let blocked = agent
            .create(
                "/api/v1/cases",
                json!({"title": "Carte bloquée à l'étranger", "contact_id": zoe["id"],
                       "priority": "high", "owner_id": agent.agent_id}),
            )
            .await;
        let refund = agent
            .create(
                "/api/v1/cases",
                json!({"title": "Refund for order 42", "contact_id": marc["id"], "owner_id": other.agent_id}),
            )
            .await;
        // A case renamed is found by its new title.
        let renamed = agent
            .create(
                "/api/v1/cases",
                json!({"title": "Old title", "contact_id": marc["id"], "priority": "low"}),
            )
            .await;
        let (st, b) = answer(
            agent
                .patch(
                    &format!("/api/v1/cases/{}", renamed["id"].as_str().unwrap()),
                    json!({"title": "Échéancier de paiement"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 200, "{b}");

        // Search: accents and case do not matter; a case is found by its
        // title or its contact.
        let found = agent.ok("/api/v1/accounts?q=societe%20generale").await;
        assert_eq!(ids(&found), vec![acme["id"].as_str().unwrap()]);
        let found = agent.ok("/api/v1/contacts?q=zoe&limit=5").await;
        assert_eq!(ids(&found), vec![zoe["id"].as_str().unwrap()]);
        let found = agent.ok("/api/v1/cases?q=CARTE%20BLOQUEE").await;
        assert_eq!(ids(&found), vec![blocked["id"].as_str().unwrap()]);
        assert_eq!(found["items"][0]["contact_name"], "Zoé Durand");
        let found = agent.ok("/api/v1/cases?q=petit").await;
        assert_eq!(
            ids(&found),
            vec![
                renamed["id"].as_str().unwrap(),
                refund["id"].as_str().unwrap()
            ],
            "by the contact's name, newest first"
        );
        let found = agent.ok("/api/v1/cases?q=echeancier").await;
        assert_eq!(ids(&found), vec![renamed["id"].as_str().unwrap()]);

        // The case list's filters: priority, owner (me or anyone), status.
        let mine = agent.ok("/api/v1/cases?owner_id=me").await;
        assert_eq!(ids(&mine), vec![blocked["id"].as_str().unwrap()]);
        assert_eq!(mine["items"][0]["owner_name"], "Test agent");
        let theirs = other.ok("/api/v1/cases?owner_id=me").await;
        assert_eq!(ids(&theirs), vec![refund["id"].as_str().unwrap()]);
        let by_id = agent
            .ok(&format!(
                "/api/v1/cases?owner_id={}",
                other.agent_id.as_deref().unwrap()
            ))
            .await;
        assert_eq!(ids(&by_id), vec![refund["id"].as_str().unwrap()]);
        let high = agent.ok("/api/v1/cases?priority=high&status=active").await;
        assert_eq!(ids(&high), vec![blocked["id"].as_str().unwrap()]);
        assert_eq!(
            agent
                .ok("/api/v1/cases?priority=high&status=resolved")
                .await["items"],
            json!([])
        );
        let all = agent.ok("/api/v1/cases?limit=2").await;
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        assert!(all["next_cursor"].is_string());

        // Bad input: 422 naming the field, as problem+json.
        let long = "x".repeat(201);
        for path in ["contacts", "accounts", "cases"] {
            let (st, b) = get(&agent, &format!("/api/v1/{path}?q={long}")).await;
            assert_eq!((st, fields(&b)), (422, vec!["q".to_owned()]), "{path}: {b}");
            for limit in ["0", "201"] {
                let (st, b) = get(&agent, &format!("/api/v1/{path}?limit={limit}")).await;
                assert_eq!(
                    (st, fields(&b)),
                    (422, vec!["limit".to_owned()]),
                    "{path}: {b}"
                );
            }
        }
        for (query, field) in [
            ("priority=extreme", "priority"),
            ("status=lost", "status"),
            ("limit=ten", "limit"),
        ] {
            let (st, b) = get(&agent, &format!("/api/v1/cases?{query}")).await;
            assert_eq!((st, fields(&b)), (422, vec![field.to_owned()]), "{b}");
        }

        // A customer opened without a conversation: the same summary.
        let zoe_id = zoe["id"].as_str().unwrap();
        let sum = agent
            .ok(&format!("/api/v1/contacts/{zoe_id}/summary"))
            .await;
        assert_eq!(sum["customer"]["contact"]["email"], "zoe@example.com");
        assert_eq!(
            sum["customer"]["account"]["name"],
            "Société Générale des Eaux"
        );
        assert_eq!(sum["conversation"], json!(null));
        assert_eq!(sum["work_item"], json!(null));
        assert_eq!(sum["case"], json!(null), "no case is current until chosen");
        assert_eq!(
            ids(&json!({"items": sum["recent_cases"]})),
            vec![blocked["id"].as_str().unwrap()]
        );
        let subjects: Vec<&str> = sum["timeline"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["subject"].as_str())
            .collect();
        assert!(
            subjects.iter().any(|s| s.starts_with("Case opened")),
            "{subjects:?}"
        );
        let sum = agent
            .ok(&format!(
                "/api/v1/contacts/{zoe_id}/summary?case_id={}",
                blocked["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(sum["case"]["title"], "Carte bloquée à l'étranger");
        assert_eq!(sum["case"]["owner_name"], "Test agent");
        // Another customer's case is not this one's; an unknown one neither.
        for case in [
            refund["id"].as_str().unwrap(),
            "00000000-0000-0000-0000-000000000000",
        ] {
            let (st, b) = get(
                &agent,
                &format!("/api/v1/contacts/{zoe_id}/summary?case_id={case}"),
            )
            .await;
            assert_eq!((st, fields(&b)), (422, vec!["case_id".to_owned()]), "{b}");
        }
        let (st, _) = get(
            &agent,
            "/api/v1/contacts/00000000-0000-0000-0000-000000000000/summary",
        )
        .await;
        assert_eq!(st, 404);
        let (st, _) = get(
            &app.anonymous(),
            &format!("/api/v1/contacts/{zoe_id}/summary"),
        )
        .await;
        assert_eq!(st, 401);
        app.stop().await;
    }
}

#[tokio::test]
async fn past_conversations_are_the_agents_own_with_their_transcripts() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let other = app.token(Role::Agent).await;
        let supervisor = app.token(Role::Supervisor).await;
        let mut v = Browser::new(&app, &s.widget);
        v.register(json!({})).await;
        let (st, r) = v
            .post(
                "conversations",
                json!({"session_id": v.session_id,
                    "survey": {"name": "Zoé Durand", "email": "zoe@example.com", "topic": "Returns"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        send(
            &mut s.ws,
            json!({"type": "accept", "work_item_id": offer["work_item_id"]}),
        )
        .await;
        next_matching(&mut s.ws, |m| m["type"] == "chat_joined").await;
        let said = s
            .agent
            .create(
                &format!("/api/v1/conversations/{conv}/messages"),
                json!({"body": "Your refund is on its way."}),
            )
            .await;
        assert_eq!(said["body"], "Your refund is on its way.");
        let (st, b) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!(st, 200, "{b}");

        // The agent's own past conversations, newest first, with the
        // customer's name and the duration.
        let past = s.agent.ok("/api/v1/conversations?status=ended").await;
        assert_eq!(ids(&past), vec![conv.clone()]);
        let item = &past["items"][0];
        assert_eq!(item["contact_name"], "Zoé Durand");
        assert!(item["duration_seconds"].as_i64().unwrap() >= 0, "{item}");
        assert!(item["ended_at"].is_string());
        let contact = item["contact_id"].as_str().unwrap().to_owned();
        let by_contact = s
            .agent
            .ok(&format!("/api/v1/conversations?contact_id={contact}"))
            .await;
        assert_eq!(ids(&by_contact), vec![conv.clone()]);
        let me = s.agent.agent_id.clone().unwrap();
        let own = s
            .agent
            .ok(&format!("/api/v1/conversations?agent_id={me}"))
            .await;
        assert_eq!(ids(&own), vec![conv.clone()]);
        let transcript = s
            .agent
            .ok(&format!("/api/v1/conversations/{conv}/messages"))
            .await;
        assert!(transcript["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "Your refund is on its way."));

        // Another agent sees none of it, and may not ask for it by id.
        let theirs = other.ok("/api/v1/conversations").await;
        assert_eq!(theirs["items"], json!([]));
        let (st, b) = get(&other, &format!("/api/v1/conversations?agent_id={me}")).await;
        assert_eq!(st, 403, "{b}");
        let (st, _) = get(
            &other,
            &format!("/api/v1/conversations?contact_id={contact}"),
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(
            other
                .ok(&format!("/api/v1/conversations?contact_id={contact}"))
                .await["items"],
            json!([])
        );
        let (st, _) = get(&other, &format!("/api/v1/conversations/{conv}/messages")).await;
        assert_eq!(st, 404);
        let (st, _) = get(&other, &format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(st, 404);

        // Supervisors read everyone's in the queues they supervise, by
        // agent too (supervision.rs: not another queue's).
        let none = supervisor
            .ok(&format!("/api/v1/conversations?agent_id={me}&status=ended"))
            .await;
        assert_eq!(ids(&none), Vec::<String>::new());
        crate::support::supervise(&s.admin, &s.queue, &[&supervisor]).await;
        let all = supervisor
            .ok(&format!("/api/v1/conversations?agent_id={me}&status=ended"))
            .await;
        assert_eq!(ids(&all), vec![conv.clone()]);
        supervisor
            .ok(&format!("/api/v1/conversations/{conv}/messages"))
            .await;

        // Bad input: problem+json naming the parameter.
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=abc", "limit"),
            ("status=gone", "status"),
        ] {
            let (st, b) = get(&s.agent, &format!("/api/v1/conversations?{query}")).await;
            assert_eq!(
                (st, fields(&b)),
                (422, vec![field.to_owned()]),
                "{query}: {b}"
            );
        }
        let (st, b) = get(
            &s.agent,
            &format!("/api/v1/conversations/{conv}/messages?after=soon"),
        )
        .await;
        assert_eq!((st, fields(&b)), (422, vec!["after".to_owned()]), "{b}");
        app.stop().await;
    }
}
