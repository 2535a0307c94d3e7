//! The staffing planner over HTTP: the traffic it measures from real
//! routing (hand-counted), the plan's defaults from the queue's members and
//! hours, a run's outcome and the fewest agents, the demo's two weeks, who
//! may plan, and bad input named by field.

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::routing::{available, queue};
use crate::support::{answer, apps, fields, Caller};

fn day(offset: i64) -> String {
    let d = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    d.checked_add(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

async fn run(who: &Caller, plan: &Value) -> (u16, Value) {
    answer(who.post("/api/v1/planner/runs", plan.clone()).await).await
}

#[tokio::test]
async fn a_plan_is_drafted_from_measured_traffic_and_run() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let boss = app.token(Role::Supervisor).await;
        let ana = app.token(Role::Agent).await;
        let q = queue(
            &admin,
            json!({"name": "Ventes", "channel": "messaging", "members": [ana.agent_id],
                   "supervisor_ids": [boss.agent_id]}),
        )
        .await;
        // Today: three chats answered and closed, two abandoned.
        available(&ana).await;
        for _ in 0..3 {
            let item = admin
                .create(
                    "/api/v1/work-items",
                    json!({"channel": "chat", "queue_id": q}),
                )
                .await;
            let path = format!("/api/v1/work-items/{}", item["id"].as_str().unwrap());
            let (s, b) = answer(ana.post(&format!("{path}/accept"), json!({})).await).await;
            assert_eq!(s, 200, "{b}");
            let (s, b) = answer(ana.post(&format!("{path}/close"), json!({})).await).await;
            assert_eq!(s, 200, "{b}");
        }
        for _ in 0..2 {
            let item = admin
                .create(
                    "/api/v1/work-items",
                    json!({"channel": "chat", "queue_id": q}),
                )
                .await;
            let path = format!("/api/v1/work-items/{}", item["id"].as_str().unwrap());
            let (s, b) = answer(admin.post(&format!("{path}/abandon"), json!({})).await).await;
            assert_eq!(s, 200, "{b}");
        }
        // The hour may turn between the items and this read: the sums
        // over the day's hours do not care.
        let today = day(0);
        let draft = boss
            .ok(&format!(
                "/api/v1/planner/traffic?queue_id={q}&from={today}&to={today}"
            ))
            .await;
        assert_eq!(draft["days"], 1, "{draft}");
        assert_eq!(draft["queue"]["members"], 1, "{draft}");
        assert_eq!(draft["time_zone"], "UTC");
        let measured = draft["measured"].as_array().unwrap();
        assert_eq!(measured.len(), 24);
        let sum = |k: &str| measured.iter().map(|m| m[k].as_i64().unwrap()).sum::<i64>();
        assert_eq!(
            (
                sum("offered"),
                sum("answered"),
                sum("abandoned"),
                sum("handled")
            ),
            (5, 3, 2, 3),
            "{draft}"
        );
        let plan = &draft["plan"];
        let hours = plan["hours"].as_array().unwrap();
        // One day: arrivals an hour are the items offered in that hour.
        let arrivals: f64 = hours
            .iter()
            .map(|h| h["arrivals_per_hour"].as_f64().unwrap())
            .sum();
        assert_eq!(arrivals, 5.0, "{plan}");
        // No operating hours: open all day, the one member on duty.
        assert!(
            hours.iter().all(|h| h["open"] == true && h["staffed"] == 1),
            "{plan}"
        );
        assert_eq!(
            (
                plan["target_percent"].as_u64(),
                plan["service_level_seconds"].as_u64()
            ),
            (Some(80), Some(20))
        );
        // The default profile holds three chats.
        assert_eq!(plan["agent"]["chat_capacity"], 3);

        // The plan as drafted, with 30 chats an hour at 10:00 and nobody on
        // duty then.
        let mut plan = plan.clone();
        plan["hours"][10]["arrivals_per_hour"] = json!(30.0);
        plan["hours"][10]["handle_seconds"] = json!(300.0);
        plan["hours"][10]["patience_seconds"] = json!(120.0);
        plan["hours"][10]["staffed"] = json!(0);
        plan["hours"][3]["open"] = json!(false);
        let (s, o) = run(&boss, &plan).await;
        assert_eq!(s, 200, "{} {o}", app.backend);
        let h10 = &o["hours"][10];
        // Nobody is on duty: customers give up, but for the last few
        // minutes' who are still waiting when the 11:00 agent arrives (the
        // day runs on across the hour).
        let arrived = h10["planned"]["arrivals"].as_u64().unwrap();
        assert!(arrived > 0, "{h10}");
        assert!(
            h10["planned"]["answered"].as_u64().unwrap() * 10 < arrived,
            "{h10}"
        );
        assert!(
            h10["planned"]["service_level"].as_f64().unwrap() < 0.05,
            "{h10}"
        );
        assert!(h10["planned"]["answered"].as_u64().unwrap() > 0, "{h10}");
        // 30 an hour × 5 min = 2.5 chats in progress; three per agent.
        let needed = h10["needed"].as_u64().unwrap();
        assert!((1..=3).contains(&needed), "{h10}");
        assert!(
            h10["with_needed"]["service_level"].as_f64().unwrap() >= 0.8,
            "{h10}"
        );
        assert_eq!(h10["out_of_reach"], false);
        // A closed hour is neither simulated nor staffed.
        let h3 = &o["hours"][3];
        assert_eq!(
            (
                &h3["open"],
                &h3["staffed"],
                &h3["needed"],
                &h3["planned"]["arrivals"]
            ),
            (&json!(false), &json!(0), &Value::Null, &json!(0)),
            "{h3}"
        );
        assert_eq!(
            o["staffed_hours"].as_u64().unwrap(),
            22,
            "22 open hours with one agent, 10:00 with none"
        );
        assert!(o["charts"].is_null(), "charts only when asked");
        let (s, with_charts) = answer(
            boss.post("/api/v1/planner/runs?lang=fr", plan.clone())
                .await,
        )
        .await;
        assert_eq!(s, 200, "{with_charts}");
        let svg = with_charts["charts"]["agents"].as_str().unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("Nécessaires"),
            "{svg}"
        );
        assert!(with_charts["charts"]["service_level"]
            .as_str()
            .unwrap()
            .contains("Avec les agents nécessaires"));
        // The same plan gives the same figures.
        assert_eq!(with_charts["hours"], o["hours"]);

        // Agents may not plan.
        let (s, _) = run(&ana, &plan).await;
        assert_eq!(s, 403);
        let (s, _) = answer(
            ana.get(&format!(
                "/api/v1/planner/traffic?queue_id={q}&from={today}&to={today}"
            ))
            .await,
        )
        .await;
        assert_eq!(s, 403);
        app.stop().await;
    }
}

#[tokio::test]
async fn operating_hours_close_hours_and_weekdays_choose_days() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let boss = app.token(Role::Supervisor).await;
        let ana = app.token(Role::Agent).await;
        let q = queue(
            &admin,
            json!({"name": "Office", "channel": "voice", "members": [ana.agent_id],
                   "supervisor_ids": [boss.agent_id],
                   "operating_hours": {"time_zone": "UTC",
                     "weekly": [{"day": "monday", "from": "09:00", "to": "17:30"},
                                {"day": "saturday", "from": "10:00", "to": "12:00"}]}}),
        )
        .await;
        // 2026-11-30 is a Monday; the week to Sunday 2026-12-06.
        let draft = boss
            .ok(&format!(
                "/api/v1/planner/traffic?queue_id={q}&from=2026-11-30&to=2026-12-06&weekdays=mon-fri"
            ))
            .await;
        assert_eq!(draft["days"], 5, "{draft}");
        assert_eq!(
            draft["weekdays"],
            json!(["mon", "tue", "wed", "thu", "fri"])
        );
        let open: Vec<usize> = draft["plan"]["hours"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, h)| h["open"] == true)
            .map(|(i, _)| i)
            .collect();
        // Monday 9:00 to 17:30: the 17:00 hour is open for half of it.
        assert_eq!(open, (9..=17).collect::<Vec<_>>(), "{draft}");
        let staffed: Vec<u64> = draft["plan"]["hours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["staffed"].as_u64().unwrap())
            .collect();
        assert_eq!(staffed[9], 1);
        assert_eq!(staffed[8], 0);
        // Saturdays only: 10:00 and 11:00.
        let sat = boss
            .ok(&format!(
                "/api/v1/planner/traffic?queue_id={q}&from=2026-11-30&to=2026-12-06&weekdays=sat"
            ))
            .await;
        assert_eq!(sat["days"], 1);
        let open: Vec<usize> = sat["plan"]["hours"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, h)| h["open"] == true)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(open, vec![10, 11]);
        app.stop().await;
    }
}

#[tokio::test]
async fn on_the_demos_traffic_the_planner_proposes_a_staffing_per_hour() {
    let app = crate::support::spawn_sqlite().await;
    switchboard_server::demo::load(app.db()).await.unwrap();
    let loaded = switchboard_server::demo::load_traffic(app.db())
        .await
        .unwrap();
    assert!(loaded > 0);
    // The demo's supervisor supervises both queues; an admin plans them too.
    let boss = app.token(Role::Admin).await;
    let queues = boss.ok("/api/v1/queues").await;
    for q in queues.as_array().unwrap() {
        let id = q["id"].as_str().unwrap();
        let draft = boss
            .ok(&format!(
                "/api/v1/planner/traffic?queue_id={id}&from={}&to={}&weekdays=mon-fri",
                day(-14),
                day(-1)
            ))
            .await;
        let (s, o) = run(&boss, &draft["plan"]).await;
        assert_eq!(s, 200, "{o}");
        let hours = o["hours"].as_array().unwrap();
        // The demo's day runs from about 8:00 to 18:00: those hours need
        // somebody, the night needs nobody.
        let busy: Vec<&Value> = hours
            .iter()
            .filter(|h| h["planned"]["arrivals"].as_u64().unwrap() > 100)
            .collect();
        assert!(busy.len() >= 6, "{} {o}", q["name"]);
        for h in &busy {
            let n = h["needed"].as_u64().unwrap();
            assert!(n >= 1, "{h}");
            assert!(
                h["with_needed"]["service_level"].as_f64().unwrap() >= 0.8,
                "{h}"
            );
        }
        assert_eq!(hours[3]["needed"], 0, "{}", hours[3]);
        assert!(o["needed_hours"].as_u64().unwrap() >= busy.len() as u64);
    }
    // The callbacks callers asked for are the same in the routed work's
    // report and in the callbacks' own table (one truth), and they were
    // worked: completed or failed, none left open.
    let span = format!("from={}&to={}", day(-14), day(-1));
    let work = boss
        .ok(&format!("/api/v1/reports/work-items?{span}&by=channel"))
        .await;
    let activity = boss.ok(&format!("/api/v1/reports/activity?{span}")).await;
    let requested = work["total"]["callbacks_requested"].as_i64().unwrap();
    assert!(requested > 0, "{work}");
    assert_eq!(
        activity["total"]["callbacks_requested"].as_i64(),
        Some(requested),
        "{activity}"
    );
    assert_eq!(
        activity["total"]["callbacks_completed"].as_i64().unwrap()
            + activity["total"]["callbacks_failed"].as_i64().unwrap(),
        requested,
        "{activity}"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_plans_name_their_fields_and_change_nothing() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let boss = app.token(Role::Supervisor).await;
        let q = queue(
            &admin,
            json!({"name": "Q", "channel": "messaging", "supervisor_ids": [boss.agent_id]}),
        )
        .await;
        let today = day(0);
        let cases: &[(String, &[&str])] = &[
            (
                format!("queue_id={q}&from=2026-13-01&to={today}"),
                &["from"],
            ),
            (format!("queue_id={q}&from={today}&to=2026-01-01"), &["to"]),
            (
                format!("queue_id={q}&from=2026-01-01&to=2026-12-01"),
                &["to"],
            ),
            (
                format!("queue_id={q}&from={today}&to={today}&weekdays=funday"),
                &["weekdays"],
            ),
            (
                format!("queue_id={q}&from={today}&to={today}&weekdays=fri-mon"),
                &["weekdays"],
            ),
            (
                format!("queue_id=<script>&from={today}&to={today}"),
                &["queue_id"],
            ),
        ];
        for (query, want) in cases {
            let (s, b) = answer(boss.get(&format!("/api/v1/planner/traffic?{query}")).await).await;
            assert_eq!(s, 422, "{query}: {b}");
            assert_eq!(fields(&b), *want, "{query}: {b}");
        }
        let draft = boss
            .ok(&format!(
                "/api/v1/planner/traffic?queue_id={q}&from={today}&to={today}"
            ))
            .await;
        let good = draft["plan"].clone();
        let bad = |edit: &dyn Fn(&mut Value), want: &[&str]| {
            let mut p = good.clone();
            edit(&mut p);
            (p, want.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        let cases = [
            bad(&|p| p["target_percent"] = json!(100), &["target_percent"]),
            bad(
                &|p| p["service_level_seconds"] = json!(5000),
                &["service_level_seconds"],
            ),
            bad(
                &|p| p["agent"]["chat_capacity"] = json!(0),
                &["agent.chat_capacity"],
            ),
            bad(
                &|p| p["agent"]["answer_seconds"] = json!(-1),
                &["agent.answer_seconds"],
            ),
            bad(
                &|p| p["hours"][4]["arrivals_per_hour"] = json!(-5),
                &["hours[4].arrivals_per_hour"],
            ),
            bad(
                &|p| p["hours"][5]["handle_seconds"] = json!(0),
                &["hours[5].handle_seconds"],
            ),
            bad(
                &|p| p["hours"][6]["patience_seconds"] = json!(0.5),
                &["hours[6].patience_seconds"],
            ),
            bad(
                &|p| p["hours"][7]["staffed"] = json!(5000),
                &["hours[7].staffed"],
            ),
            bad(
                &|p| {
                    p["hours"].as_array_mut().unwrap().pop();
                },
                &["hours"],
            ),
            // 2,000 calls an hour of a day each: no plan staffs that.
            bad(
                &|p| {
                    p["hours"][8]["arrivals_per_hour"] = json!(2000);
                    p["hours"][8]["handle_seconds"] = json!(86400);
                },
                &["hours[8].arrivals_per_hour"],
            ),
        ];
        for (plan, want) in cases {
            let (s, b) = run(&boss, &plan).await;
            assert_eq!(s, 422, "{plan}: {b}");
            assert_eq!(fields(&b), want, "{b}");
        }
        // Wrong types and unknown fields are named too.
        let mut p = good.clone();
        p["hours"][2]["staffed"] = json!("many");
        let (s, b) = run(&boss, &p).await;
        assert_eq!(s, 422, "{b}");
        let mut p = good.clone();
        p["seed"] = json!(4);
        let (s, b) = run(&boss, &p).await;
        assert_eq!(s, 422, "{b}");
        let (s, b) = answer(
            boss.post("/api/v1/planner/runs?lang=de", good.clone())
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["lang".to_owned()]), "{b}");
        app.stop().await;
    }
}
