//! Meeting no-shows over HTTP, on SQLite and PostgreSQL: who may mark and
//! undo them, what is refused, what the meeting, the timeline, the
//! webhooks and the activity report then say.
//!
//! A meeting can only be booked in the future, so the tests book ahead and
//! then move the stored times into the past, as if the days had passed.

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::scheduling::{booking, fixture, start_in};
use crate::support::{answer, apps, fields, Caller, TestApp};

/// Sets a booked meeting's start (and its advisors' copy of its times) to
/// `start`, keeping its 30 minutes.
async fn starts_at(app: &TestApp, id: &str, start: Timestamp) {
    let from = switchboard_core::time::format(start);
    let to = switchboard_core::time::format(start + SignedDuration::from_mins(30));
    for (table, key) in [("meetings", "id"), ("meeting_advisors", "meeting_id")] {
        sqlx::query(&format!(
            "UPDATE {table} SET starts_at = $1, ends_at = $2 WHERE {key} = $3"
        ))
        .bind(from.clone())
        .bind(to.clone())
        .bind(id.to_owned())
        .execute(app.db().pool())
        .await
        .unwrap();
    }
}

/// 10:00 UTC `days` days ago, and its date.
fn ten_utc_days_ago(days: i64) -> (Timestamp, String) {
    let t = Timestamp::now() - SignedDuration::from_hours(24 * days);
    let day = t.as_second() - t.as_second().rem_euclid(86_400);
    let ten = Timestamp::from_second(day + 10 * 3600).unwrap();
    let date = ten.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
    (ten, date)
}

async fn post(c: &Caller, path: &str) -> (u16, Value) {
    answer(c.post(path, json!({})).await).await
}

async fn delete(c: &Caller, path: &str) -> (u16, Value) {
    answer(c.delete(path).await).await
}

#[tokio::test]
async fn advisors_and_supervisors_mark_and_undo_no_shows_and_reports_count_them() {
    for app in apps().await {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "email": "zoe@example.com"}),
        )
        .await;
        // The advisor of every meeting below, signed in as themselves;
        // `f.agent` is another agent, who advises none of them.
        let advisor = app.token(Role::Agent).await;
        let advisor_id = advisor.agent_id.clone().unwrap();
        let r = f
            .admin
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/advisors/{advisor_id}"),
            )
            .json(
                &json!({"time_zone": "UTC", "hours": crate::support::around_the_clock(),
                          "branch_ids": [f.branch]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let boss = app.token(Role::Supervisor).await;
        let hook = f
            .admin
            .create(
                "/api/v1/webhooks",
                json!({"url": "https://hooks.example.com/switchboard",
                       "events": ["meeting.no_show", "meeting.no_show_undone"]}),
            )
            .await;
        let book = |hours: i64| {
            let mut b = booking(&f, &start_in(hours));
            b["advisor_ids"] = json!([advisor_id]);
            let agent = &f.agent;
            async move { agent.create("/api/v1/meetings", b).await }
        };
        let (a, b, c) = (book(30).await, book(32).await, book(34).await);
        let id = |m: &Value| m["id"].as_str().unwrap().to_owned();
        let (a, b, c) = (id(&a), id(&b), id(&c));
        let no_show = |m: &str| format!("/api/v1/meetings/{m}/no-show");

        // Not started yet: too early, naming the meeting's start.
        let (s, body) = post(&advisor, &no_show(&a)).await;
        assert_eq!(
            (s, fields(&body)),
            (422, vec!["start".to_owned()]),
            "{body}"
        );
        // A cancelled meeting was not missed: it did not take place.
        let (s, body) = post(&f.agent, &format!("/api/v1/meetings/{c}/staff-cancel")).await;
        assert_eq!(s, 200, "{body}");

        // The days pass: A at 10:00, B at 11:00, C at 12:00, three days ago.
        let (ten, day) = ten_utc_days_ago(3);
        let today = Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        for (n, m) in [&a, &b, &c].into_iter().enumerate() {
            starts_at(&app, m, ten + SignedDuration::from_hours(n as i64)).await;
        }
        let report = || {
            let boss = &boss;
            let path = format!("/api/v1/reports/activity?from={day}&to={today}");
            async move { boss.ok(&path).await }
        };
        // Before any mark: A and B were held (on their day), C cancelled.
        let before = report().await;
        let figures = |at: &Value| {
            (
                at["meetings_booked"].as_i64(),
                at["meetings_cancelled"].as_i64(),
                at["meetings_held"].as_i64(),
                at["meetings_no_show"].as_i64(),
            )
        };
        assert_eq!(
            figures(&before["total"]),
            (Some(3), Some(1), Some(2), Some(0)),
            "{before}"
        );

        let (s, body) = post(&advisor, &no_show(&c)).await;
        assert_eq!(s, 409, "{body}");
        assert!(
            body["detail"].as_str().unwrap().contains("cancelled"),
            "{body}"
        );
        // Another agent: as if the meeting did not exist.
        let (s, body) = post(&f.agent, &no_show(&a)).await;
        assert_eq!(s, 404, "{body}");
        let (s, _) = post(&boss, &no_show("no-such-meeting")).await;
        assert_eq!(s, 404);

        // The advisor marks A; once only.
        let (s, m) = post(&advisor, &no_show(&a)).await;
        assert_eq!(s, 200, "{m}");
        assert_eq!(
            (&m["state"], &m["no_show_by"]),
            (&json!("no_show"), &json!(advisor_id))
        );
        assert!(m["no_show_at"].is_string(), "{m}");
        let read = f.agent.ok(&format!("/api/v1/meetings/{a}")).await;
        assert_eq!(read["no_show_at"], m["no_show_at"]);
        let (s, body) = post(&advisor, &no_show(&a)).await;
        assert_eq!(s, 409, "{body}");
        // A marked meeting keeps its time.
        let (s, body) = answer(
            advisor
                .post(
                    &format!("/api/v1/meetings/{a}/move"),
                    json!({"start": start_in(40)}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 409, "{body}");
        // Nor may another agent undo it.
        let (s, _) = delete(&f.agent, &no_show(&a)).await;
        assert_eq!(s, 404);

        // A supervisor marks B, then undoes it: a mistake.
        let (s, m) = post(&boss, &no_show(&b)).await;
        assert_eq!(s, 200, "{m}");
        assert_eq!(m["no_show_by"], json!(boss.agent_id));
        let (s, m) = delete(&boss, &no_show(&b)).await;
        assert_eq!(s, 200, "{m}");
        assert_eq!(
            (&m["state"], &m["no_show_at"], &m["no_show_by"]),
            (&json!("completed"), &Value::Null, &Value::Null),
            "{m}"
        );
        let (s, body) = delete(&boss, &no_show(&b)).await;
        assert_eq!(s, 409, "{body}");

        // The list the workspace shows.
        let listed = f
            .agent
            .ok(&format!("/api/v1/contacts/{}/meetings", f.contact))
            .await;
        let states: Vec<(&str, &str)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["id"].as_str().unwrap(), m["state"].as_str().unwrap()))
            .collect();
        assert_eq!(
            states,
            [
                (a.as_str(), "no_show"),
                (b.as_str(), "completed"),
                (c.as_str(), "cancelled")
            ]
        );

        // The report: A is a no-show on its day, no longer held; B held.
        let after = report().await;
        assert_eq!(
            figures(&after["total"]),
            (Some(3), Some(1), Some(1), Some(1)),
            "{after}"
        );
        let on_day = after["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["day"] == day.as_str())
            .unwrap_or_else(|| panic!("{after}"));
        // Booked and cancelled today, not on the meetings' day.
        assert_eq!(
            figures(on_day),
            (Some(0), Some(0), Some(1), Some(1)),
            "{after}"
        );

        // The timeline says who did what.
        let timeline = f
            .agent
            .ok(&format!(
                "/api/v1/contacts/{}/timeline?scope=all",
                f.contact
            ))
            .await;
        let subjects: Vec<&str> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["kind"] == "meeting")
            .map(|x| x["subject"].as_str().unwrap())
            .collect();
        let count = |s: &str| subjects.iter().filter(|x| **x == s).count();
        assert_eq!(
            count("Meeting no-show: Mortgage, fixed rates"),
            2,
            "{subjects:?}"
        );
        assert_eq!(count("Meeting no-show undone: Mortgage, fixed rates"), 1);

        // The webhook got each change, with the meeting and who marked it.
        let page = f
            .admin
            .ok(&format!(
                "/api/v1/webhooks/{}/deliveries",
                hook["id"].as_str().unwrap()
            ))
            .await;
        let mut got: Vec<(String, Value, Value)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["event_type"].as_str().unwrap().to_owned(),
                    d["payload"]["data"]["meeting_id"].clone(),
                    d["payload"]["data"]["no_show_by"].clone(),
                )
            })
            .collect();
        got.sort_by(|x, y| (&x.0, x.1.as_str()).cmp(&(&y.0, y.1.as_str())));
        let mut want = vec![
            ("meeting.no_show".to_owned(), json!(a), json!(advisor_id)),
            ("meeting.no_show".to_owned(), json!(b), json!(boss.agent_id)),
            ("meeting.no_show_undone".to_owned(), json!(b), Value::Null),
        ];
        want.sort_by(|x, y| (&x.0, x.1.as_str()).cmp(&(&y.0, y.1.as_str())));
        assert_eq!(got, want, "{page}");
        app.stop().await;
    }
}
