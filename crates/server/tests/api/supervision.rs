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
