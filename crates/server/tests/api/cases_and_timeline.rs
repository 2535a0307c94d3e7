use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::support::{answer, apps, fields};

fn subjects(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn case_changes_write_case_events_and_scopes_filter_the_timeline() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let contact = agent
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Lucía", "last_name": "García"}),
            )
            .await;
        let cid = contact["id"].as_str().unwrap();
        let case = agent
            .create(
                "/api/v1/cases",
                json!({"title": "Card blocked", "contact_id": cid, "priority": "high"}),
            )
            .await;
        assert_eq!(
            (case["status"].as_str(), case["priority"].as_str()),
            (Some("active"), Some("high"))
        );
        let case_path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());

        let (s, updated) = answer(
            agent
                .patch(
                    &case_path,
                    json!({"status": "resolved", "owner_id": agent.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200, "{updated}");
        // A patch that changes nothing writes no event.
        assert_eq!(
            agent
                .patch(&case_path, json!({"status": "resolved"}))
                .await
                .status(),
            200
        );

        agent
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": cid, "subject": "Prefers mornings", "body": "Call before 11",
                       "occurred_at": "2030-01-01T09:00:00+01:00"}),
            )
            .await;
        agent
            .create(
                "/api/v1/activities",
                json!({"kind": "email", "case_id": case["id"], "subject": "Called bank", "occurred_at": "2030-01-02T09:00:00Z"}),
            )
            .await;
        agent
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "conversation_id": "conv-1", "subject": "Chat", "occurred_at": "2030-01-03T09:00:00Z"}),
            )
            .await;

        let tl = |q: &str| format!("/api/v1/contacts/{cid}/timeline{q}");
        let all = agent.ok(&tl("")).await;
        assert_eq!(
            subjects(&all),
            [
                "Called bank",
                "Prefers mornings",
                "Case updated: Card blocked",
                "Case opened: Card blocked"
            ],
            "{}",
            app.backend
        );
        let update_event = &all["items"][2];
        assert_eq!(update_event["kind"], "case_event");
        let body = update_event["body"].as_str().unwrap();
        assert!(body.contains("status: active → resolved"), "{body}");
        assert!(body.contains("owner: none →"), "{body}");
        assert_eq!(
            update_event["author_id"].as_str(),
            agent.agent_id.as_deref()
        );

        assert_eq!(
            subjects(&agent.ok(&tl("?scope=customer")).await),
            ["Prefers mornings"]
        );
        assert_eq!(subjects(&agent.ok(&tl("?scope=case")).await).len(), 3);
        assert_eq!(
            subjects(
                &agent
                    .ok(&tl("?scope=conversation&conversation_id=conv-1"))
                    .await
            ),
            ["Chat"]
        );
        assert_eq!(
            subjects(&agent.ok(&tl("?conversation_id=conv-1")).await).len(),
            5
        );
        let (s, b) = answer(agent.get(&tl("?scope=conversation")).await).await;
        assert_eq!((s, fields(&b)), (422, vec!["conversation_id".to_owned()]));
        // A case of someone else is not a filter for this contact.
        let other = agent
            .create("/api/v1/contacts", json!({"last_name": "Other"}))
            .await;
        let other_case = agent
            .create(
                "/api/v1/cases",
                json!({"title": "x", "contact_id": other["id"]}),
            )
            .await;
        let (s, _) = answer(
            agent
                .get(&tl(&format!(
                    "?case_id={}",
                    other_case["id"].as_str().unwrap()
                )))
                .await,
        )
        .await;
        assert_eq!(s, 404);

        // Paging the timeline: two at a time, same order, nothing lost.
        let mut paged = Vec::new();
        let mut next = tl("?limit=2");
        loop {
            let page = agent.ok(&next).await;
            paged.extend(subjects(&page));
            match page["next_cursor"].as_str() {
                Some(c) => next = tl(&format!("?limit=2&cursor={c}")),
                None => break,
            }
        }
        assert_eq!(paged, subjects(&all));

        // The contact's cases, filtered by status, newest first.
        agent
            .create(
                "/api/v1/cases",
                json!({"title": "Second", "contact_id": cid}),
            )
            .await;
        let cases = agent.ok(&format!("/api/v1/contacts/{cid}/cases")).await;
        let titles: Vec<_> = cases["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].clone())
            .collect();
        assert_eq!(titles, [json!("Second"), json!("Card blocked")]);
        let resolved = agent
            .ok(&format!("/api/v1/contacts/{cid}/cases?status=resolved"))
            .await;
        assert_eq!(resolved["items"].as_array().unwrap().len(), 1);

        // A contact with cases cannot be deleted; deleting its cases first works.
        let supervisor = app.token(Role::Supervisor).await;
        assert_eq!(
            supervisor
                .delete(&format!("/api/v1/contacts/{cid}"))
                .await
                .status(),
            409
        );
        assert_eq!(supervisor.delete(&case_path).await.status(), 204);
        assert_eq!(
            subjects(&agent.ok(&tl("?scope=customer")).await),
            ["Prefers mornings"],
            "the contact's own notes survive the case"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn notes_belong_to_their_author() {
    for app in apps().await {
        let ana = app.token(Role::Agent).await;
        let bruno = app.token(Role::Agent).await;
        let supervisor = app.token(Role::Supervisor).await;
        let contact = ana
            .create("/api/v1/contacts", json!({"last_name": "Doe"}))
            .await;
        let note = ana
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": contact["id"], "body": "hello"}),
            )
            .await;
        assert_eq!(note["author_id"].as_str(), ana.agent_id.as_deref());
        assert_eq!(note["author_name"], "Test agent");
        let path = format!("/api/v1/activities/{}", note["id"].as_str().unwrap());

        let (s, _) = answer(bruno.patch(&path, json!({"body": "mine now"})).await).await;
        assert_eq!(s, 403, "another agent's note");
        assert_eq!(bruno.delete(&path).await.status(), 403);
        let (s, b) = answer(ana.patch(&path, json!({"body": "edited"})).await).await;
        assert_eq!((s, b["body"].as_str()), (200, Some("edited")));
        let (s, _) = answer(
            supervisor
                .patch(&path, json!({"subject": "Reviewed"}))
                .await,
        )
        .await;
        assert_eq!(s, 200);

        // Notes need text; clients cannot forge case events, nor change them.
        let (s, b) = answer(
            ana.post(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": contact["id"]}),
            )
            .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["body".to_owned()]));
        let (s, b) = answer(
            ana.post(
                "/api/v1/activities",
                json!({"kind": "case_event", "contact_id": contact["id"], "body": "x"}),
            )
            .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["kind".to_owned()]));
        let (s, b) = answer(
            ana.post(
                "/api/v1/activities",
                json!({"kind": "note", "body": "floating"}),
            )
            .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["contact_id".to_owned()]));
        let case = ana
            .create(
                "/api/v1/cases",
                json!({"title": "T", "contact_id": contact["id"]}),
            )
            .await;
        let events = ana
            .ok(&format!(
                "/api/v1/contacts/{}/timeline?scope=case",
                contact["id"].as_str().unwrap()
            ))
            .await;
        let event_path = format!(
            "/api/v1/activities/{}",
            events["items"][0]["id"].as_str().unwrap()
        );
        assert_eq!(events["items"][0]["case_id"], case["id"]);
        assert_eq!(supervisor.delete(&event_path).await.status(), 403);

        assert_eq!(ana.delete(&path).await.status(), 204);
        assert_eq!(ana.get(&path).await.status(), 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_case_moved_to_another_contact_takes_its_history_along() {
    for app in apps().await {
        let agent = app.token(Role::Agent).await;
        let first = agent
            .create("/api/v1/contacts", json!({"last_name": "First"}))
            .await;
        let second = agent
            .create("/api/v1/contacts", json!({"last_name": "Second"}))
            .await;
        let case = agent
            .create(
                "/api/v1/cases",
                json!({"title": "Moving", "contact_id": first["id"]}),
            )
            .await;
        agent
            .create(
                "/api/v1/activities",
                json!({"kind": "email", "case_id": case["id"], "subject": "On the case"}),
            )
            .await;
        let scope = |c: &Value| {
            format!(
                "/api/v1/contacts/{}/timeline?scope=case",
                c["id"].as_str().unwrap()
            )
        };
        assert_eq!(subjects(&agent.ok(&scope(&first)).await).len(), 2);
        let (s, _) = answer(
            agent
                .patch(
                    &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
                    json!({"contact_id": second["id"]}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            subjects(&agent.ok(&scope(&first)).await).is_empty(),
            "{}",
            app.backend
        );
        let moved = subjects(&agent.ok(&scope(&second)).await);
        assert_eq!(
            moved.len(),
            3,
            "the call, the opening and the move: {moved:?}"
        );
        assert!(moved.contains(&"On the case".to_owned()));
        app.stop().await;
    }
}

/// Issue 13, item 7: agents forge system records on the timeline (a call,
/// a meeting, a chat transcript, a callback) and rewrite or delete a real
/// chat transcript. Forging is refused on `kind`; what Switchboard wrote
/// stays as written, for the agent who held the chat and for admins too;
/// a supervisor still removes a note.
#[tokio::test]
async fn system_records_on_the_timeline_cannot_be_forged_edited_or_deleted() {
    use crate::chat::{setup, Browser};
    use crate::routing::{next_matching, send};
    for app in apps().await {
        let mut s = setup(&app).await;
        let supervisor = app.token(Role::Supervisor).await;
        let mut b = Browser::new(&app, &s.widget);
        b.register(json!({})).await;
        let (st, r) = b
            .post(
                "conversations",
                json!({"session_id": b.session_id, "survey": {"name": "Zoé", "email": "zoe@example.com"}}),
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
        let ack = next_matching(&mut s.ws, |m| m["type"] == "ack" || m["type"] == "error").await;
        assert_eq!(ack["type"], "ack", "{ack}");
        // The acceptance recorded on the conversation.
        next_matching(&mut s.ws, |m| m["type"] == "chat_joined").await;
        let (st, _) = answer(
            s.agent
                .post(
                    &format!("/api/v1/conversations/{conv}/messages"),
                    json!({"body": "I promise a full refund"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 201);
        let (st, _) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!(st, 200);
        let contact = s.admin.ok(&format!("/api/v1/conversations/{conv}")).await["contact_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let timeline = s
            .agent
            .ok(&format!(
                "/api/v1/contacts/{contact}/timeline?scope=conversation&conversation_id={conv}"
            ))
            .await;
        let transcript = timeline["items"][0].clone();
        assert_eq!(transcript["kind"], "conversation", "{timeline}");
        let path = format!("/api/v1/activities/{}", transcript["id"].as_str().unwrap());

        // Forging: every system kind is refused, naming `kind`.
        for kind in ["call", "meeting", "conversation", "callback", "case_event"] {
            let (st, r) = answer(
                s.agent
                    .post(
                        "/api/v1/activities",
                        json!({"kind": kind, "contact_id": contact, "conversation_id": conv,
                            "subject": "Chat", "body": "Visitor: I waive any refund"}),
                    )
                    .await,
            )
            .await;
            assert_eq!(
                (st, fields(&r)),
                (422, vec!["kind".to_owned()]),
                "{kind}: {r}"
            );
        }
        // Rewriting or deleting the transcript: refused for everyone.
        for who in [&s.agent, &supervisor, &s.admin] {
            let (st, r) = answer(
                who.patch(&path, json!({"body": "Agent: no refund, sorry"}))
                    .await,
            )
            .await;
            assert_eq!(st, 403, "{r}");
            assert_eq!(who.delete(&path).await.status(), 403);
        }
        let after = s.admin.ok(&path).await;
        assert_eq!(after["body"], transcript["body"]);
        assert!(after["body"]
            .as_str()
            .unwrap()
            .contains("I promise a full refund"));
        // People's own entries stay editable: a supervisor removes a note.
        let note = s
            .agent
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": contact, "body": "Rude customer"}),
            )
            .await;
        let note_path = format!("/api/v1/activities/{}", note["id"].as_str().unwrap());
        assert_eq!(supervisor.delete(&note_path).await.status(), 204);
        app.stop().await;
    }
}
