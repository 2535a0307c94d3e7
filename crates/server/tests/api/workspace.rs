//! The agent workspace's API: the one-call session summary, agent scripts
//! with steps, sub-scripts and macros, canned responses, and the links a
//! session makes — each on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::chat::{setup, Browser};
use crate::routing::{next_matching, send};
use crate::support::{answer, apps, fields, Caller};

async fn put(who: &Caller, path: &str, body: Value) -> (u16, Value) {
    answer(
        who.request(Method::PUT, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_session_summary_scripts_and_macros_work_end_to_end() {
    for app in apps().await {
        let mut s = setup(&app).await;
        // Scripts: a sub-script, then the chat script that loads it.
        let sub = s
            .admin
            .create(
                "/api/v1/agent-scripts",
                json!({"name": "Returns", "steps": [
                    {"kind": "instruction", "id": "label", "title": "Send the label", "instruction": "Email the return label."},
                    {"kind": "macro", "id": "kb", "title": "Search the knowledge base",
                     "action": {"type": "open_url", "url": "https://kb.example/search?q={survey.topic}&who={customer.name}"}}
                ]}),
            )
            .await;
        let main = s
            .admin
            .create(
                "/api/v1/agent-scripts",
                json!({"name": "Web chat", "steps": [
                    {"kind": "instruction", "id": "greet", "title": "Greet", "instruction": "Greet {customer.name} by name."},
                    {"kind": "macro", "id": "case", "title": "Open a case",
                     "action": {"type": "create_case", "title": "Return for {customer.name} ({context.plan})", "priority": "high"}},
                    {"kind": "macro", "id": "urgent", "title": "Make it urgent",
                     "action": {"type": "set_case_field", "field": "priority", "value": "urgent"}},
                    {"kind": "macro", "id": "hello", "title": "Say hello",
                     "action": {"type": "send_message", "body": "Hello {customer.name}, {agent.name} here."}},
                    {"kind": "subscript", "id": "returns", "title": "Returns", "script_id": sub["id"]}
                ]}),
            )
            .await;
        let (st, b) = put(&s.admin, "/api/v1/agent-script-rules",
            json!({"rules": [{"channel": "voice", "script_id": sub["id"]}, {"channel": "chat", "script_id": main["id"]}]})).await;
        assert_eq!(st, 200, "{b}");

        // A visitor's chat reaches the agent, who accepts.
        let mut v = Browser::new(&app, &s.widget);
        v.register(json!({})).await;
        v.page("https://shop.example/boots", "Boots <script>").await;
        let (st, r) = v
            .post(
                "conversations",
                json!({"session_id": v.session_id,
                "survey": {"name": "Zoé Durand", "email": "zoe@example.com", "topic": "Returns"},
                "context": {"plan": "gold"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        send(&mut s.ws, json!({"type": "accept", "work_item_id": item})).await;
        next_matching(&mut s.ws, |m| m["type"] == "chat_joined").await;

        // One call returns the whole page.
        let sum = s
            .agent
            .ok(&format!("/api/v1/work-items/{item}/summary"))
            .await;
        assert_eq!(sum["work_item"]["status"], "assigned");
        assert_eq!(sum["customer"]["contact"]["email"], "zoe@example.com");
        assert_eq!(sum["conversation"]["id"], conv);
        assert_eq!(sum["conversation"]["context"]["plan"], "gold");
        assert_eq!(sum["conversation"]["journey"][0]["title"], "Boots <script>");
        assert_eq!(sum["conversation"]["visitor"]["browser"], "Chrome");
        assert!(sum["conversation"]["survey"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["answer"] == "Returns"));
        assert_eq!(sum["case"], json!(null));
        assert_eq!(sum["script"]["script"]["name"], "Web chat");
        assert_eq!(sum["script"]["progress"]["done"], json!([]));
        assert!(sum["timeline"]["items"].is_array());

        // Steps: an instruction is marked done; a macro is not "marked".
        let steps = format!("/api/v1/work-items/{item}/script-steps");
        let (st, p) = answer(
            s.agent
                .post(&steps, json!({"script_id": main["id"], "step_id": "greet"}))
                .await,
        )
        .await;
        assert_eq!((st, p["done"].clone()), (200, json!(["greet"])));
        let (st, _) = answer(
            s.agent
                .post(&steps, json!({"script_id": main["id"], "step_id": "case"}))
                .await,
        )
        .await;
        assert_eq!(st, 409);
        let (st, b) = answer(
            s.agent
                .post(&steps, json!({"script_id": main["id"], "step_id": "nope"}))
                .await,
        )
        .await;
        assert_eq!((st, fields(&b)), (422, vec!["step_id".to_owned()]));
        let (st, b) = answer(s.agent.post(&steps, json!({"script_id": "00000000-0000-0000-0000-000000000000", "step_id": "greet"})).await).await;
        assert_eq!((st, fields(&b)), (422, vec!["script_id".to_owned()]));

        // Macros: setting a field needs a case; creating one links it to the session.
        let macros = format!("/api/v1/work-items/{item}/macros");
        let (st, _) = answer(
            s.agent
                .post(
                    &macros,
                    json!({"script_id": main["id"], "step_id": "urgent"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 409, "no case yet");
        let (st, r) = answer(
            s.agent
                .post(&macros, json!({"script_id": main["id"], "step_id": "case"}))
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        assert_eq!(r["case"]["title"], "Return for Zoé Durand (gold)");
        assert_eq!(r["case"]["priority"], "high");
        assert_eq!(r["progress"]["done"], json!(["greet", "case"]));
        let (st, r) = answer(
            s.agent
                .post(
                    &macros,
                    json!({"script_id": main["id"], "step_id": "urgent"}),
                )
                .await,
        )
        .await;
        assert_eq!(
            (st, r["case"]["priority"].clone()),
            (200, json!("urgent")),
            "{r}"
        );
        let (st, r) = answer(
            s.agent
                .post(
                    &macros,
                    json!({"script_id": main["id"], "step_id": "hello"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        assert_eq!(r["message"]["body"], "Hello Zoé Durand, Test agent here.");
        // A sub-script's macro: values in the URL are encoded.
        let (st, r) = answer(
            s.agent
                .post(&macros, json!({"script_id": sub["id"], "step_id": "kb"}))
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        assert_eq!(
            r["url"],
            "https://kb.example/search?q=Returns&who=Zo%C3%A9%20Durand"
        );

        let sum = s
            .agent
            .ok(&format!("/api/v1/work-items/{item}/summary"))
            .await;
        assert_eq!(sum["case"]["title"], "Return for Zoé Durand (gold)");
        assert_eq!(sum["case"]["priority"], "urgent");
        assert_eq!(sum["case"]["owner_name"], "Test agent");
        assert_eq!(sum["recent_cases"][0]["id"], sum["case"]["id"]);
        let macro_notes = sum["timeline"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a["subject"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Macro: "))
            })
            .count();
        assert_eq!(
            macro_notes, 4,
            "each macro run is recorded: {}",
            sum["timeline"]
        );

        // Others: another agent sees nothing; a supervisor sees it.
        let other = app.token(Role::Agent).await;
        assert_eq!(
            other
                .get(&format!("/api/v1/work-items/{item}/summary"))
                .await
                .status(),
            404
        );
        assert_eq!(
            other
                .post(&macros, json!({"script_id": main["id"], "step_id": "case"}))
                .await
                .status(),
            404
        );
        // A supervisor reads the summaries of the queues they supervise.
        let sup = app.token(Role::Supervisor).await;
        let summary = format!("/api/v1/work-items/{item}/summary");
        assert_eq!(sup.get(&summary).await.status(), 404);
        crate::support::supervise(&s.admin, &s.queue, &[&sup]).await;
        assert_eq!(sup.get(&summary).await.status(), 200);

        // Linking: another customer's case is refused; the contact can be changed.
        let stranger = s
            .agent
            .create("/api/v1/contacts", json!({"first_name": "Stranger"}))
            .await;
        let foreign = s
            .agent
            .create(
                "/api/v1/cases",
                json!({"title": "Not hers", "contact_id": stranger["id"]}),
            )
            .await;
        let (st, b) = put(
            &s.agent,
            &format!("/api/v1/conversations/{conv}/case"),
            json!({"case_id": foreign["id"]}),
        )
        .await;
        assert_eq!((st, fields(&b)), (422, vec!["case_id".to_owned()]));
        let (st, _) = put(
            &s.agent,
            &format!("/api/v1/conversations/{conv}/contact"),
            json!({"contact_id": stranger["id"]}),
        )
        .await;
        assert_eq!(st, 200);
        let sum = s
            .agent
            .ok(&format!("/api/v1/work-items/{item}/summary"))
            .await;
        assert_eq!(sum["customer"]["contact"]["first_name"], "Stranger");
        assert_eq!(
            sum["case"],
            json!(null),
            "the previous customer's case is unlinked"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn scripts_and_canned_responses_are_validated() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let agent = app.token(Role::Agent).await;
        let (st, b) = answer(
            admin
                .post("/api/v1/agent-scripts", json!({"name": " ", "steps": [
                    {"kind": "subscript", "id": "x", "title": "Missing", "script_id": "00000000-0000-0000-0000-000000000000"},
                    {"kind": "macro", "id": "bad", "title": "Bad", "action": {"type": "open_url", "url": "javascript:alert(1)"}}
                ]}))
                .await,
        )
        .await;
        assert_eq!(st, 422, "{b}");
        assert_eq!(fields(&b), ["name", "steps[1].action.url"]);
        let (st, b) = answer(
            admin
                .post("/api/v1/agent-scripts", json!({"name": "S", "steps": [
                    {"kind": "subscript", "id": "x", "title": "Missing", "script_id": "00000000-0000-0000-0000-000000000000"}]}))
                .await,
        )
        .await;
        assert_eq!((st, fields(&b)), (422, vec!["subscripts[0]".to_owned()]));
        let (st, _) = answer(
            admin
                .post(
                    "/api/v1/agent-scripts",
                    json!({"name": "S", "steps": [{"kind": "teleport"}]}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 422);

        let c = admin
            .create("/api/v1/canned-responses", json!({"code": "hello", "title": "Greeting", "body": "Hello! <b>How</b> can I help?"}))
            .await;
        assert_eq!(c["body"], "Hello! <b>How</b> can I help?");
        admin
            .create(
                "/api/v1/canned-responses",
                json!({"code": "bye", "title": "Closing", "body": "Goodbye!"}),
            )
            .await;
        let (st, _) = answer(
            admin
                .post(
                    "/api/v1/canned-responses",
                    json!({"code": "hello", "title": "Again", "body": "x"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 409);
        let (st, b) = answer(
            admin
                .post(
                    "/api/v1/canned-responses",
                    json!({"code": "Hello There", "title": "", "body": ""}),
                )
                .await,
        )
        .await;
        assert_eq!(
            (st, fields(&b)),
            (
                422,
                vec!["code".to_owned(), "title".to_owned(), "body".to_owned()]
            )
        );
        // Edited in place: checked the same way, a taken code refused, an
        // unknown id not found, the change audited; agents may not.
        let put = |id: String, body: Value| {
            let admin = admin.clone();
            async move {
                answer(
                    admin
                        .request(
                            reqwest::Method::PUT,
                            &format!("/api/v1/canned-responses/{id}"),
                        )
                        .json(&body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let id = c["id"].as_str().unwrap().to_owned();
        let (st, b) = put(
            id.clone(),
            json!({"code": "bye", "title": "Greeting", "body": "Hi"}),
        )
        .await;
        assert_eq!(st, 409, "{b}");
        let (st, b) = put(
            id.clone(),
            json!({"code": "x y", "title": " ", "body": "\u{0}"}),
        )
        .await;
        assert_eq!(st, 422, "{b}");
        let (st, _) = put(
            "nope".into(),
            json!({"code": "a", "title": "A", "body": "a"}),
        )
        .await;
        assert_eq!(st, 404);
        let (st, b) = put(
            id.clone(),
            json!({"code": "hello", "title": "Greeting <i>warm</i>", "body": "Hello again!"}),
        )
        .await;
        assert_eq!(
            (st, &b["title"], &b["body"]),
            (200, &json!("Greeting <i>warm</i>"), &json!("Hello again!")),
            "{b}"
        );
        let log = admin.ok("/api/v1/audit-log?area=workspace").await;
        assert_eq!(log["items"][0]["action"], "canned_response.update", "{log}");
        assert_eq!(
            log["items"][0]["before"]["body"],
            "Hello! <b>How</b> can I help?"
        );
        let r = agent
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/canned-responses/{id}"),
            )
            .json(&json!({"code": "hello", "title": "Mine", "body": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let found = agent.ok("/api/v1/canned-responses?q=GREET").await;
        assert_eq!(found.as_array().unwrap().len(), 1);
        assert_eq!(
            agent
                .ok("/api/v1/canned-responses")
                .await
                .as_array()
                .unwrap()
                .len(),
            2
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn sessions_change_only_while_held_and_wrap_up_is_the_agents() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let profile = s
            .admin
            .create(
                "/api/v1/capacity-profiles",
                json!({"name": "wrap", "chat_units": 3, "wrap_up_seconds": 600}),
            )
            .await;
        let agent_id = s.agent.agent_id.clone().unwrap();
        let (st, b) = put(
            &s.admin,
            &format!("/api/v1/agents/{agent_id}/routing"),
            json!({"capacity_profile_id": profile["id"], "skills": []}),
        )
        .await;
        assert_eq!(st, 200, "{b}");
        let script = s.admin.create("/api/v1/agent-scripts", json!({"name": "S", "steps": [
            {"kind": "macro", "id": "case", "title": "Case", "action": {"type": "create_case", "title": "A case"}}]})).await;
        put(
            &s.admin,
            "/api/v1/agent-script-rules",
            json!({"rules": [{"script_id": script["id"]}]}),
        )
        .await;

        let mut v = Browser::new(&app, &s.widget);
        v.register(json!({})).await;
        let (st, r) = v
            .post("conversations", json!({"session_id": v.session_id, "survey": {"name": "Ida", "email": "ida@example.com"}}))
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        // Offered, not accepted: the agent may read, not act.
        let macros = format!("/api/v1/work-items/{item}/macros");
        assert_eq!(
            s.agent
                .get(&format!("/api/v1/work-items/{item}/summary"))
                .await
                .status(),
            200
        );
        let (st, _) = answer(
            s.agent
                .post(
                    &macros,
                    json!({"script_id": script["id"], "step_id": "case"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 409, "accept first");
        send(&mut s.ws, json!({"type": "accept", "work_item_id": item})).await;
        next_matching(&mut s.ws, |m| m["type"] == "chat_joined").await;
        let (st, r) = answer(
            s.agent
                .post(
                    &macros,
                    json!({"script_id": script["id"], "step_id": "case"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 200, "{r}");
        let case = r["case"]["id"].as_str().unwrap().to_owned();

        // Closing the active chat's work item ends the chat and leaves the
        // agent their wrap-up.
        let (st, w) = answer(
            s.agent
                .post(&format!("/api/v1/work-items/{item}/close"), json!({}))
                .await,
        )
        .await;
        assert_eq!((st, w["status"].clone()), (200, json!("wrap_up")), "{w}");
        next_matching(&mut s.ws, |m| m["type"] == "conversation_ended").await;
        let w = s.agent.ok(&format!("/api/v1/work-items/{item}")).await;
        assert_eq!(
            w["status"], "wrap_up",
            "the end did not cut the wrap-up short"
        );
        // The session's conversation has ended: no more links.
        let (st, _) = put(
            &s.agent,
            &format!("/api/v1/conversations/{conv}/case"),
            json!({"case_id": null}),
        )
        .await;
        assert_eq!(st, 409);
        // "Wrap-up done".
        let (st, w) = answer(
            s.agent
                .post(&format!("/api/v1/work-items/{item}/close"), json!({}))
                .await,
        )
        .await;
        assert_eq!((st, w["status"].clone()), (200, json!("closed")), "{w}");
        let (st, _) = answer(
            s.agent
                .post(
                    &macros,
                    json!({"script_id": script["id"], "step_id": "case"}),
                )
                .await,
        )
        .await;
        assert_eq!(st, 409, "a closed session changes nothing");
        // A case a conversation was about can still be deleted.
        let sup = app.token(Role::Supervisor).await;
        assert_eq!(
            sup.delete(&format!("/api/v1/cases/{case}")).await.status(),
            204
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_chats_transcript_sits_at_its_end_on_top_of_the_timeline() {
    for app in apps().await {
        let mut s = setup(&app).await;
        let mut v = Browser::new(&app, &s.widget);
        v.register(json!({})).await;
        let (st, r) = v
            .post(
                "conversations",
                json!({"session_id": v.session_id, "survey": {"name": "Ines", "email": "ines@example.com"}}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
        let conv = r["id"].as_str().unwrap().to_owned();
        let offer = next_matching(&mut s.ws, |m| m["type"] == "offered").await;
        let item = offer["work_item_id"].as_str().unwrap().to_owned();
        send(&mut s.ws, json!({"type": "accept", "work_item_id": item})).await;
        next_matching(&mut s.ws, |m| m["type"] == "chat_joined").await;
        let sum = s
            .agent
            .ok(&format!("/api/v1/work-items/{item}/summary"))
            .await;
        let contact = sum["customer"]["contact"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // A note written during the chat, then the end.
        s.agent
            .create(
                "/api/v1/activities",
                json!({"kind": "note", "contact_id": contact, "conversation_id": conv, "body": "During the chat"}),
            )
            .await;
        let (st, b) = answer(
            s.agent
                .post(&format!("/api/v1/conversations/{conv}/end"), json!({}))
                .await,
        )
        .await;
        assert!(st < 300, "{st} {b}");
        let timeline = s
            .agent
            .ok(&format!("/api/v1/contacts/{contact}/timeline"))
            .await;
        let items = timeline["items"].as_array().unwrap();
        assert_eq!(
            (items[0]["kind"].as_str(), items[1]["body"].as_str()),
            (Some("conversation"), Some("During the chat")),
            "the transcript comes first, newest first: {timeline}"
        );
        let ended = s.agent.ok(&format!("/api/v1/conversations/{conv}")).await;
        let at = |v: &Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
        assert_eq!(
            at(&items[0]["occurred_at"]),
            at(&ended["ended_at"]),
            "it occurs when the chat ended: {ended}"
        );
        app.stop().await;
    }
}
