//! Supervisors see only the queues they supervise (issue 16, item 1): a
//! queue's `supervisor_ids`, checked when written; the overview, the
//! socket's events and `queue_stats`, the reports and the actions on work
//! items limited to them; admins see everything.

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::routing::{available, connect, next_matching, queue, Socket};
use crate::support::{answer, apps, fields, supervise, Caller};

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

async fn report(who: &Caller, query: &str) -> (u16, Value) {
    answer(
        who.get(&format!("/api/v1/reports/work-items?{query}"))
            .await,
    )
    .await
}

/// Reads the socket until `want`; returns everything read on the way.
async fn read_until(ws: &mut Socket, want: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let m = next_matching(ws, |_| true).await;
        let done = want(&m);
        seen.push(m);
        if done {
            return seen;
        }
    }
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_supervisor_sees_and_acts_on_only_the_queues_they_supervise() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let (sup_a, sup_none) = (
            app.token(Role::Supervisor).await,
            app.token(Role::Supervisor).await,
        );
        let (ana, bruno) = (app.token(Role::Agent).await, app.token(Role::Agent).await);

        // Forged and wrong ids are refused per field, nothing is written.
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/queues",
                    json!({"name": "A", "channel": "messaging",
                           "supervisor_ids": ["00000000-0000-0000-0000-000000000000", ana.agent_id, sup_a.agent_id]}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 422, "{} {b}", app.backend);
        assert_eq!(fields(&b), vec!["supervisor_ids[0]", "supervisor_ids[1]"]);
        let codes: Vec<&str> = b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec!["unknown", "not_supervisor"], "{b}");
        let (s, b) = answer(
            admin
                .post(
                    "/api/v1/queues",
                    json!({"name": "A", "channel": "messaging", "supervisor_ids": "everyone"}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["supervisor_ids".to_owned()]));
        let listed = admin.ok("/api/v1/queues").await;
        assert!(
            !listed.as_array().unwrap().iter().any(|q| q["name"] == "A"),
            "{listed}"
        );

        let a = queue(
            &admin,
            json!({"name": "A", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [sup_a.agent_id]}),
        )
        .await;
        let b_q = queue(
            &admin,
            json!({"name": "B", "channel": "messaging", "members": [bruno.agent_id]}),
        )
        .await;
        let stored = admin.ok(&format!("/api/v1/queues/{a}")).await;
        assert_eq!(stored["supervisor_ids"], json!([sup_a.agent_id]));
        assert_eq!(
            admin.ok(&format!("/api/v1/queues/{b_q}")).await["supervisor_ids"],
            json!([])
        );
        // The audit log keeps the membership with the queue.
        let log = admin.ok("/api/v1/audit-log?area=routing").await;
        let created = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["action"] == "queue.create" && r["target_id"] == a.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("queue.create of A in {log}"));
        assert_eq!(
            created["after"]["queue_supervisors"][0]["agent_id"],
            json!(sup_a.agent_id),
            "{created}"
        );

        let mut a_ws = connect(&app, &sup_a, 0).await;
        next_matching(&mut a_ws, |m| m["type"] == "ready").await;
        let mut admin_ws = connect(&app, &admin, 0).await;
        next_matching(&mut admin_ws, |m| m["type"] == "ready").await;
        available(&ana).await;
        available(&bruno).await;
        let in_b = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": b_q}),
            )
            .await;
        let in_a = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": a}),
            )
            .await;
        let (item_a, item_b) = (
            in_a["id"].as_str().unwrap().to_owned(),
            in_b["id"].as_str().unwrap().to_owned(),
        );
        assert_eq!(
            (in_a["status"].as_str(), in_b["status"].as_str()),
            (Some("offered"), Some("offered"))
        );

        // The socket: A's events and figures; nothing of B (whose events
        // came first).
        let mut seen = read_until(&mut a_ws, |m| {
            m["type"] == "offered" && m["work_item_id"] == item_a.as_str()
        })
        .await;
        seen.extend(
            read_until(&mut a_ws, |m| {
                m["type"] == "queue_stats" && m["queue_id"] == a.as_str()
            })
            .await,
        );
        assert!(
            seen.iter()
                .any(|m| m["type"] == "offered" && m["work_item_id"] == item_a.as_str()),
            "{seen:?}"
        );
        for m in &seen {
            let text = m.to_string();
            assert!(
                !text.contains(&item_b) && !text.contains(&b_q),
                "{}: a supervisor of A heard of B: {m}",
                app.backend
            );
        }
        // The admin hears both.
        next_matching(&mut admin_ws, |m| m["work_item_id"] == item_b.as_str()).await;
        next_matching(&mut admin_ws, |m| {
            m["type"] == "queue_stats" && m["queue_id"] == b_q.as_str()
        })
        .await;

        // The overview: A, its item, its agent.
        let o = sup_a.ok("/api/v1/supervisor/overview").await;
        assert_eq!(o["all_queues"], false);
        let queues: Vec<String> = o["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["stats"]["queue_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(queues, vec![a.clone()], "{o}");
        assert_eq!(ids(&o["work_items"], "id"), vec![item_a.clone()]);
        let all = admin.ok("/api/v1/supervisor/overview").await;
        assert_eq!(all["all_queues"], true);
        let mut both = vec![item_a.clone(), item_b.clone()];
        both.sort();
        assert_eq!(ids(&all["work_items"], "id"), both);
        // Agents are no queue's: every supervisor sees them all.
        assert_eq!(
            ids(&o["agents"], "agent_id"),
            ids(&all["agents"], "agent_id")
        );
        // A supervisor of nothing sees no queue and no work.
        let none = sup_none.ok("/api/v1/supervisor/overview").await;
        assert_eq!(
            (
                none["all_queues"].clone(),
                none["queues"].clone(),
                none["work_items"].clone(),
            ),
            (json!(false), json!([]), json!([])),
            "{none}"
        );

        // B's item is unknown to A's supervisor; B's figures are not theirs.
        let b_path = format!("/api/v1/work-items/{item_b}");
        let a_path = format!("/api/v1/work-items/{item_a}");
        let (s, _) = answer(sup_a.get(&b_path).await).await;
        assert_eq!(s, 404);
        assert_eq!(sup_a.ok(&a_path).await["id"], item_a.as_str());
        for (action, body) in [
            ("assign", json!({"agent_id": ana.agent_id})),
            ("transfer", json!({"queue_id": a})),
            ("close", json!({})),
        ] {
            let (s, r) = answer(sup_a.post(&format!("{b_path}/{action}"), body).await).await;
            assert_eq!(s, 404, "{action} on B's item: {r}");
        }
        let (s, _) = answer(sup_a.get(&format!("/api/v1/queues/{b_q}/stats")).await).await;
        assert_eq!(s, 403);
        assert_eq!(
            sup_a.ok(&format!("/api/v1/queues/{a}/stats")).await["queue_id"],
            a.as_str()
        );
        // Nor may they send A's work to B.
        let (s, r) = answer(
            sup_a
                .post(&format!("{a_path}/transfer"), json!({"queue_id": b_q}))
                .await,
        )
        .await;
        assert_eq!((s, fields(&r)), (422, vec!["queue_id".to_owned()]), "{r}");
        assert_eq!(r["errors"][0]["code"], "not_supervised");
        assert_eq!(
            admin.ok(&b_path).await["status"],
            "offered",
            "B's item untouched"
        );

        // Both are answered and handled; the reports follow the same rule.
        for (who, path) in [(&ana, &a_path), (&bruno, &b_path)] {
            let (s, r) = answer(who.post(&format!("{path}/accept"), json!({})).await).await;
            assert_eq!(s, 200, "{r}");
            let (s, r) = answer(who.post(&format!("{path}/close"), json!({})).await).await;
            assert_eq!(s, 200, "{r}");
        }
        let day = today();
        let span = format!("from={day}&to={day}");
        for by in ["queue", "agent", "channel", "day", "hour"] {
            let (s, mine) = report(&sup_a, &format!("{span}&by={by}")).await;
            assert_eq!(s, 200, "{by}: {mine}");
            let (_, every) = report(&admin, &format!("{span}&by={by}")).await;
            // Offers are counted per queue, not per agent.
            let offered = if by == "agent" { 0 } else { 1 };
            assert_eq!(
                (
                    mine["total"]["offered"].as_i64(),
                    mine["total"]["answered"].as_i64()
                ),
                (Some(offered), Some(1)),
                "{} by {by}: only A's work: {mine}",
                app.backend
            );
            assert_eq!(
                every["total"]["answered"].as_i64(),
                Some(2),
                "by {by}: {every}"
            );
            let (_, nothing) = report(&sup_none, &format!("{span}&by={by}")).await;
            assert_eq!(nothing["rows"], json!([]), "by {by}: {nothing}");
        }
        let (_, by_queue) = report(&sup_a, &format!("{span}&by=queue")).await;
        assert_eq!(ids(&by_queue["rows"], "key"), vec![a.clone()]);
        let (_, by_agent) = report(&sup_a, &format!("{span}&by=agent")).await;
        assert_eq!(
            ids(&by_agent["rows"], "key"),
            vec![ana.agent_id.clone().unwrap()]
        );
        let (_, by_agent) = report(&admin, &format!("{span}&by=agent")).await;
        assert_eq!(by_agent["rows"].as_array().unwrap().len(), 2);
        // A report of B, or its chart: refused to A's supervisor.
        let (s, _) = report(&sup_a, &format!("{span}&by=day&queue_id={b_q}")).await;
        assert_eq!(s, 403);
        let (s, _) = answer(
            sup_a
                .get(&format!(
                    "/api/v1/reports/work-items/chart?{span}&by=day&queue_id={b_q}"
                ))
                .await,
        )
        .await;
        assert_eq!(s, 403);
        let (s, r) = report(&sup_a, &format!("{span}&by=day&queue_id={a}")).await;
        assert_eq!((s, r["total"]["offered"].as_i64()), (200, Some(1)), "{r}");
        let (s, r) = report(&admin, &format!("{span}&by=day&queue_id={b_q}")).await;
        assert_eq!((s, r["total"]["offered"].as_i64()), (200, Some(1)), "{r}");

        // Their own item, held as its agent, goes anywhere (as any agent's);
        // once in a queue not theirs, it is unknown to them.
        let c_q = queue(&admin, json!({"name": "C", "channel": "messaging"})).await;
        available(&sup_a).await;
        let mine = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": a}),
            )
            .await;
        let mine_path = format!("/api/v1/work-items/{}", mine["id"].as_str().unwrap());
        let (s, r) = answer(
            admin
                .post(
                    &format!("{mine_path}/assign"),
                    json!({"agent_id": sup_a.agent_id}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = answer(
            sup_a
                .post(&format!("{mine_path}/transfer"), json!({"queue_id": c_q}))
                .await,
        )
        .await;
        assert_eq!(
            (s, r["queue_id"].as_str()),
            (200, Some(c_q.as_str())),
            "{r}"
        );
        assert_eq!(answer(sup_a.get(&mine_path).await).await.0, 404);

        // Made a supervisor of B too: the socket says to reload, and the
        // overview and reports now include B.
        supervise(&admin, &b_q, &[&sup_a]).await;
        let resync = next_matching(&mut a_ws, |m| m["type"] == "resync").await;
        assert!(resync["last_id"].as_i64().is_some(), "{resync}");
        let o = sup_a.ok("/api/v1/supervisor/overview").await;
        assert_eq!(o["queues"].as_array().unwrap().len(), 2, "{o}");
        // A's two answers (ana's, and the item given to the supervisor) and B's.
        let (_, r) = report(&sup_a, &format!("{span}&by=queue")).await;
        assert_eq!(ids(&r["rows"], "key").len(), 2, "{r}");
        assert_eq!(r["total"]["answered"].as_i64(), Some(3), "{r}");
        app.stop().await;
    }
}

/// Every id of a list, read in pages of one: each page but the last is
/// full and none is empty (the list is limited in the query, not after).
async fn every(who: &Caller, path: &str, key: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=1&cursor={c}"),
            None => format!("{path}{sep}limit=1"),
        };
        let page = who.ok(&url).await;
        let items = page["items"].as_array().unwrap();
        for i in items {
            out.push(i[key].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), 1, "a full page before the next: {page}");
                cursor = Some(c.to_owned());
            }
            None => {
                assert!(
                    items.len() == 1 || cursor.is_none(),
                    "no empty last page: {page}"
                );
                break;
            }
        }
    }
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Issue 16, everywhere: what a supervisor reads of the work by id or in a
/// list (a work item's summary and call, the calls, the conversations and
/// their messages and visitors, the callbacks) and what they do to it
/// (write, end, link, cancel, abandon) is limited to the queues they
/// supervise: another queue's is 404 as if unknown, and absent from the
/// lists (pages stay full); admins see both.
#[tokio::test]
async fn a_supervisor_reads_only_their_queues_work_by_id_and_in_lists() {
    let prompts = tempfile::tempdir().unwrap();
    for app in crate::support::apps_with(|c| crate::voice::voice_config(c, 9, prompts.path())).await
    {
        let admin = app.token(Role::Admin).await;
        let sup_a = app.token(Role::Supervisor).await;
        let chat_a = queue(
            &admin,
            json!({"name": "chat A", "channel": "messaging", "supervisor_ids": [sup_a.agent_id]}),
        )
        .await;
        let chat_b = queue(&admin, json!({"name": "chat B", "channel": "messaging"})).await;
        let voice_a = queue(
            &admin,
            json!({"name": "voice A", "channel": "voice", "supervisor_ids": [sup_a.agent_id]}),
        )
        .await;
        let voice_b = queue(&admin, json!({"name": "voice B", "channel": "voice"})).await;

        // Calls: two voice items in each queue (nobody to take them), their
        // call records made as the admin reads them.
        let mut calls = std::collections::BTreeMap::<&str, Vec<String>>::new();
        for (side, q) in [
            ("a", &voice_a),
            ("b", &voice_b),
            ("a", &voice_a),
            ("b", &voice_b),
        ] {
            let item = admin
                .create(
                    "/api/v1/work-items",
                    json!({"channel": "voice", "queue_id": q,
                           "attributes": {"number": "+33612345678"}}),
                )
                .await;
            let id = item["id"].as_str().unwrap().to_owned();
            assert_eq!(
                admin.ok(&format!("/api/v1/work-items/{id}/call")).await["work_item_id"],
                id.as_str()
            );
            calls.entry(side).or_default().push(id);
        }
        let (a_call, b_call) = (calls["a"][0].clone(), calls["b"][0].clone());
        for (path, mine) in [
            (format!("/api/v1/work-items/{b_call}/call"), false),
            (format!("/api/v1/work-items/{b_call}/summary"), false),
            (format!("/api/v1/work-items/{a_call}/call"), true),
            (format!("/api/v1/work-items/{a_call}/summary"), true),
        ] {
            let (s, r) = answer(sup_a.get(&path).await).await;
            assert_eq!(
                s,
                if mine { 200 } else { 404 },
                "{}: {path}: {r}",
                app.backend
            );
            assert_eq!(answer(admin.get(&path).await).await.0, 200, "{path}");
        }
        let contact = admin
            .create("/api/v1/contacts", json!({"first_name": "Dora"}))
            .await;
        let (s, _) = answer(
            sup_a
                .request(
                    reqwest::Method::PUT,
                    &format!("/api/v1/work-items/{b_call}/call/contact"),
                )
                .json(&json!({"contact_id": contact["id"]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 404);
        assert_eq!(
            every(&sup_a, "/api/v1/calls", "work_item_id").await,
            sorted(calls["a"].clone()),
            "{}",
            app.backend
        );
        let mut all_calls: Vec<String> = calls.values().flatten().cloned().collect();
        all_calls.sort();
        assert_eq!(
            every(&admin, "/api/v1/calls", "work_item_id").await,
            all_calls
        );
        // Abandoning B's item on the customer's behalf: unknown to them too.
        let (s, _) = answer(
            sup_a
                .post(&format!("/api/v1/work-items/{b_call}/abandon"), json!({}))
                .await,
        )
        .await;
        assert_eq!(s, 404);
        assert_eq!(
            admin.ok(&format!("/api/v1/work-items/{b_call}")).await["status"],
            "queued"
        );

        // Conversations: a widget per chat queue, two visitors on each.
        let mut convs = std::collections::BTreeMap::<&str, Vec<(String, String)>>::new();
        let mut widgets = std::collections::BTreeMap::new();
        for (side, q) in [("a", &chat_a), ("b", &chat_b)] {
            let w = admin
                .create("/api/v1/widgets", crate::chat::widget_body(q))
                .await;
            widgets.insert(side, w["id"].as_str().unwrap().to_owned());
        }
        for side in ["a", "b", "a", "b"] {
            let mut v = crate::chat::Browser::new(&app, &widgets[side]);
            v.register(json!({})).await;
            let (s, r) = v
                .post(
                    "conversations",
                    json!({"session_id": v.session_id,
                           "survey": {"name": "Zoé", "email": "zoe@example.com"}}),
                )
                .await;
            assert_eq!(s, 201, "{r}");
            convs.entry(side).or_default().push((
                r["id"].as_str().unwrap().to_owned(),
                v.visitor_id.clone().unwrap(),
            ));
        }
        let ids_of = |side: &str| -> Vec<String> {
            sorted(convs[side].iter().map(|(c, _)| c.clone()).collect())
        };
        let (a_conv, a_visitor) = convs["a"][0].clone();
        let (b_conv, b_visitor) = convs["b"][0].clone();
        assert_eq!(
            every(&sup_a, "/api/v1/conversations", "id").await,
            ids_of("a"),
            "{}",
            app.backend
        );
        assert_eq!(
            every(&sup_a, "/api/v1/conversations?status=waiting", "id").await,
            ids_of("a")
        );
        let mut both = ids_of("a");
        both.extend(ids_of("b"));
        both.sort();
        assert_eq!(every(&admin, "/api/v1/conversations", "id").await, both);
        for path in [
            format!("/api/v1/conversations/{b_conv}"),
            format!("/api/v1/conversations/{b_conv}/messages"),
            format!("/api/v1/visitors/{b_visitor}"),
        ] {
            assert_eq!(answer(sup_a.get(&path).await).await.0, 404, "{path}");
            assert_eq!(answer(admin.get(&path).await).await.0, 200, "{path}");
        }
        for path in [
            format!("/api/v1/conversations/{a_conv}"),
            format!("/api/v1/conversations/{a_conv}/messages"),
            format!("/api/v1/visitors/{a_visitor}"),
        ] {
            assert_eq!(answer(sup_a.get(&path).await).await.0, 200, "{path}");
        }
        let (s, _) = answer(
            sup_a
                .post(
                    &format!("/api/v1/conversations/{b_conv}/messages"),
                    json!({"body": "hello"}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = answer(
            sup_a
                .request(
                    reqwest::Method::PUT,
                    &format!("/api/v1/conversations/{b_conv}/contact"),
                )
                .json(&json!({"contact_id": contact["id"]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = answer(
            sup_a
                .post(&format!("/api/v1/conversations/{b_conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!(s, 404);
        assert_eq!(
            admin.ok(&format!("/api/v1/conversations/{b_conv}")).await["status"],
            "waiting"
        );
        // Their own queue's conversation they may end as its supervisor.
        let (s, r) = answer(
            sup_a
                .post(&format!("/api/v1/conversations/{a_conv}/end"), json!({}))
                .await,
        )
        .await;
        assert_eq!((s, r["ended"].as_bool()), (200, Some(true)), "{r}");

        // Callbacks: scheduled for tomorrow (nothing is dialled), two in
        // each voice queue and one the routing rules have yet to place.
        let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
        let window = json!([{"start": start.to_string(),
                             "end": (start + jiff::SignedDuration::from_hours(1)).to_string()}]);
        let mut callbacks = std::collections::BTreeMap::<&str, Vec<String>>::new();
        for (side, q) in [
            ("a", Some(&voice_a)),
            ("b", Some(&voice_b)),
            ("a", Some(&voice_a)),
            ("b", Some(&voice_b)),
            ("none", None),
        ] {
            let c = admin
                .create(
                    "/api/v1/callbacks",
                    json!({"phone": "+33612345678", "queue_id": q, "windows": window}),
                )
                .await;
            assert_eq!(c["status"], "scheduled", "{c}");
            callbacks
                .entry(side)
                .or_default()
                .push(c["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            every(&sup_a, "/api/v1/callbacks", "id").await,
            sorted(callbacks["a"].clone()),
            "{}",
            app.backend
        );
        assert_eq!(
            every(&sup_a, "/api/v1/callbacks?status=scheduled", "id").await,
            sorted(callbacks["a"].clone())
        );
        let mut all_callbacks: Vec<String> = callbacks.values().flatten().cloned().collect();
        all_callbacks.sort();
        assert_eq!(
            every(&admin, "/api/v1/callbacks", "id").await,
            all_callbacks
        );
        for id in [&callbacks["b"][0], &callbacks["none"][0]] {
            let path = format!("/api/v1/callbacks/{id}");
            assert_eq!(answer(sup_a.get(&path).await).await.0, 404, "{path}");
            assert_eq!(answer(sup_a.delete(&path).await).await.0, 404, "{path}");
            assert_eq!(admin.ok(&path).await["status"], "scheduled", "untouched");
        }
        let path = format!("/api/v1/callbacks/{}", callbacks["a"][0]);
        assert_eq!(sup_a.ok(&path).await["queue_id"], voice_a.as_str());
        let (s, r) = answer(sup_a.delete(&path).await).await;
        assert_eq!((s, r["status"].as_str()), (200, Some("cancelled")), "{r}");
        // An agent reads and cancels the callbacks of the queues they
        // answer; another agent's are unknown to them.
        let member = app.token(Role::Agent).await;
        let stranger = app.token(Role::Agent).await;
        let voice_c = queue(
            &admin,
            json!({"name": "voice C", "channel": "voice", "members": [member.agent_id]}),
        )
        .await;
        let theirs = admin
            .create(
                "/api/v1/callbacks",
                json!({"phone": "+33612345679", "queue_id": voice_c, "windows": window}),
            )
            .await;
        let path = format!("/api/v1/callbacks/{}", theirs["id"].as_str().unwrap());
        assert_eq!(answer(stranger.get(&path).await).await.0, 404);
        assert_eq!(answer(stranger.delete(&path).await).await.0, 404);
        assert_eq!(
            answer(
                stranger
                    .get("/api/v1/callbacks/00000000-0000-0000-0000-000000000000")
                    .await
            )
            .await
            .0,
            404,
            "unknown and another's answer alike"
        );
        assert_eq!(member.ok(&path).await["status"], "scheduled");
        let (s, r) = answer(member.delete(&path).await).await;
        assert_eq!((s, r["status"].as_str()), (200, Some("cancelled")), "{r}");
        // A supervisor outside their queues has an agent's rights only.
        let path = format!("/api/v1/callbacks/{}", callbacks["a"][1]);
        assert_eq!(answer(member.get(&path).await).await.0, 404);
        assert_eq!(sup_a.ok(&path).await["status"], "scheduled");

        // Their interventions are audited with them as author: the chat
        // they ended and an item of theirs they end as abandoned.
        let gone = admin
            .create(
                "/api/v1/work-items",
                json!({"channel": "chat", "queue_id": chat_a}),
            )
            .await;
        let gone = gone["id"].as_str().unwrap();
        let (s, r) = answer(
            sup_a
                .post(&format!("/api/v1/work-items/{gone}/abandon"), json!({}))
                .await,
        )
        .await;
        assert_eq!((s, r["status"].as_str()), (200, Some("abandoned")), "{r}");
        let log = admin.ok("/api/v1/audit-log?area=work_items").await;
        let row = |action: &str, target: &str| {
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["action"] == action && r["target_id"] == target)
                .cloned()
                .unwrap_or_else(|| panic!("{action} {target} in {log}"))
        };
        let ended = row("conversation.end", &a_conv);
        assert_eq!(ended["agent_id"], sup_a.agent_id.as_deref().unwrap());
        assert_eq!(
            (&ended["before"]["status"], &ended["after"]["status"]),
            (&json!("waiting"), &json!("ended")),
            "{ended}"
        );
        let abandoned = row("work_item.abandon", gone);
        assert_eq!(abandoned["agent_id"], sup_a.agent_id.as_deref().unwrap());
        assert_eq!(abandoned["after"]["status"], "abandoned", "{abandoned}");
        // Nothing of B's was written in their name.
        assert!(
            !log.to_string().contains(&b_conv),
            "B's chat is not in the log: {log}"
        );
        app.stop().await;
    }
}
