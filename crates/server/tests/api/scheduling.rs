//! Scheduling and meeting communications over HTTP, on SQLite and
//! PostgreSQL, with a real SMTP server (aiosmtpd) and a fake of Twilio's
//! Messages API that checks each request as Twilio documents it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::support::{answer, apps, apps_with, fields, Caller, TestApp};

#[path = "../smtp/mod.rs"]
pub(crate) mod smtp;

/// A branch, a topic, two advisors working every day around the clock (UTC)
/// and a customer.
pub struct Fixture {
    pub admin: Caller,
    pub agent: Caller,
    pub branch: String,
    pub topic: String,
    pub advisors: Vec<String>,
    pub contact: String,
}

pub async fn fixture(app: &TestApp, contact: Value) -> Fixture {
    let admin = app.token(Role::Admin).await;
    let agent = app.token(Role::Agent).await;
    let branch = admin
        .create(
            "/api/v1/branches",
            json!({"name": "Paris", "address": "1 rue de Rivoli\n75001 Paris", "time_zone": "Europe/Paris"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let topic = admin
        .create(
            "/api/v1/topics",
            json!({"name": "Mortgage, fixed rates", "description": "Rates", "duration_minutes": 30,
                   "meeting_types": ["in_person", "online"], "instructions": "Bring <b>payslips</b>."}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hours = crate::support::around_the_clock();
    let mut advisors = Vec::new();
    for _ in 0..2 {
        let a = app.token(Role::Agent).await;
        let id = a.agent_id.clone().unwrap();
        let r = admin
            .request(reqwest::Method::PUT, &format!("/api/v1/advisors/{id}"))
            .json(&json!({"time_zone": "UTC", "hours": hours, "branch_ids": [branch]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        advisors.push(id);
    }
    advisors.sort();
    let contact = admin.create("/api/v1/contacts", contact).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Fixture {
        admin,
        agent,
        branch,
        topic,
        advisors,
        contact,
    }
}

/// A start `hours` from now, on a whole hour.
pub fn start_in(hours: i64) -> String {
    let t = Timestamp::now() + SignedDuration::from_hours(hours);
    let secs = t.as_second() - t.as_second() % 3600;
    Timestamp::from_second(secs).unwrap().to_string()
}

/// 10:00 UTC two to three days from now: a window of a few hours from it
/// never reaches midnight, where the advisors' days end (a slot never
/// crosses the end of an advisor's range, so the count of slots in a window
/// across midnight would depend on the hour the test runs).
fn ten_utc_in_two_days() -> String {
    let t = Timestamp::now() + SignedDuration::from_hours(48);
    let day = t.as_second() - t.as_second().rem_euclid(86_400);
    Timestamp::from_second(day + 86_400 + 10 * 3600)
        .unwrap()
        .to_string()
}

pub(crate) fn booking(f: &Fixture, start: &str) -> Value {
    json!({"contact_id": f.contact, "topic_id": f.topic, "meeting_type": "in_person",
           "branch_id": f.branch, "start": start})
}

#[tokio::test]
async fn slots_bookings_races_idempotency_and_cancellation() {
    for app in apps().await {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "email": "zoe@example.com"}),
        )
        .await;
        let start = ten_utc_in_two_days();
        // Later starts, counted from this one (the test used to count them
        // from now).
        let after = |hours: i64| (time(&start) + SignedDuration::from_hours(hours)).to_string();
        let two_hours_later = after(2);
        // Slots: both advisors are free; the search names its problems.
        let slots = f
            .agent
            .ok(&format!(
                "/api/v1/scheduling/slots?topic_id={}&meeting_type=in_person&branch_id={}&from={}&to={}&time_zone=Europe/Paris",
                f.topic, f.branch, start, two_hours_later
            ))
            .await;
        let first = &slots["slots"][0];
        assert_eq!(time(first["start"].as_str().unwrap()), time(&start));
        assert_eq!(first["advisor_ids"], json!(f.advisors));
        assert!(first["local_start"]
            .as_str()
            .unwrap()
            .ends_with("[Europe/Paris]"));
        assert_eq!(
            slots["slots"].as_array().unwrap().len(),
            8,
            "2 hours of 15-minute starts"
        );
        let (status, body) = answer(
            f.agent
                .get(&format!(
                    "/api/v1/scheduling/slots?topic_id={}&meeting_type=in_person&from={}&to={}",
                    f.topic,
                    start,
                    start_in(24 * 40)
                ))
                .await,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(fields(&body), ["to", "branch_id"]);

        // Idempotency-Key: a repeat answers the first booking; another body
        // with the same key is refused.
        let book = |body: Value, key: Option<&str>| {
            let mut r = f
                .agent
                .request(reqwest::Method::POST, "/api/v1/meetings")
                .json(&body);
            if let Some(k) = key {
                r = r.header("idempotency-key", k);
            }
            async move { answer(r.send().await.unwrap()).await }
        };
        let (s1, m1) = book(booking(&f, &start), Some("key-1")).await;
        assert_eq!(s1, 201, "{m1}");
        let (s2, m2) = book(booking(&f, &start), Some("key-1")).await;
        assert_eq!((s2, &m2["id"]), (200, &m1["id"]));
        let mut other = booking(&f, &start);
        other["customer_notes"] = json!("different");
        assert_eq!(book(other, Some("key-1")).await.0, 409);
        assert_eq!(m1["state"], "scheduled");
        assert_eq!(m1["branch"]["id"], f.branch.as_str());

        // Racing for the one advisor left at that time: one wins.
        let left: Vec<_> = f
            .advisors
            .iter()
            .filter(|a| m1["advisors"][0]["id"] != a.as_str())
            .collect();
        assert_eq!(left.len(), 1);
        // (Four different customers: one customer cannot hold two meetings
        // at once anyway.)
        let mut racers = Vec::new();
        for n in 0..4 {
            let c = f
                .admin
                .create(
                    "/api/v1/contacts",
                    json!({"first_name": format!("Racer {n}")}),
                )
                .await;
            let mut b = booking(&f, &start);
            b["contact_id"] = c["id"].clone();
            racers.push(b);
        }
        let race = futures::future::join_all(racers.into_iter().map(|b| book(b, None))).await;
        let mut codes: Vec<u16> = race.iter().map(|(s, _)| *s).collect();
        codes.sort();
        assert_eq!(codes, [201, 409, 409, 409], "{race:?}");
        let winner = race.iter().find(|(s, _)| *s == 201).unwrap();
        assert_eq!(winner.1["advisors"][0]["id"], left[0].as_str());
        // Nobody is free any more at that start; 30 minutes later both are.
        let slots = f
            .agent
            .ok(&format!(
                "/api/v1/scheduling/slots?topic_id={}&meeting_type=in_person&branch_id={}&from={}&to={}",
                f.topic, f.branch, start, after(1)
            ))
            .await;
        let starts: Vec<Timestamp> = slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| time(s["start"].as_str().unwrap()))
            .collect();
        assert_eq!(starts[0], time(&start) + SignedDuration::from_mins(30));
        // Asking for a busy advisor by name is a conflict, not a double booking.
        let other = f
            .admin
            .create("/api/v1/contacts", json!({"first_name": "Other"}))
            .await;
        let mut named = booking(&f, &start);
        named["advisor_ids"] = json!([left[0]]);
        named["contact_id"] = other["id"].clone();
        let (status, body) = book(named, None).await;
        assert_eq!(
            (status, body["detail"].as_str()),
            (409, Some("an advisor asked for is not free at this time"))
        );
        // One customer, two meetings at once: refused (a double submit).
        let (status, body) = book(
            booking(
                &f,
                &(time(&start) + SignedDuration::from_mins(15)).to_string(),
            ),
            None,
        )
        .await;
        assert_eq!(
            (status, body["detail"].as_str()),
            (409, Some("the customer already has a meeting at this time"))
        );

        // Bad input: named fields, nothing written.
        let (status, body) = book(
            json!({"contact_id": "nope", "topic_id": f.topic, "meeting_type": "online",
                   "start": after(20), "customer_notes": "x".repeat(2001)}),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(fields(&body), ["customer_notes"]);
        let (status, body) = book(
            json!({"contact_id": "nope", "topic_id": f.topic, "meeting_type": "phone", "start": after(20)}),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(fields(&body), ["contact_id", "meeting_type"]);
        let (status, _) = book(booking(&f, &start_in(-2)), None).await;
        assert_eq!(status, 422);

        // Online: a join link from the template; hostile notes kept as text.
        let (status, online) = book(
            json!({"contact_id": f.contact, "topic_id": f.topic, "meeting_type": "online",
                   "start": after(30), "customer_notes": "<script>alert(1)</script>"}),
            None,
        )
        .await;
        assert_eq!(status, 201, "{online}");
        let id = online["id"].as_str().unwrap();
        assert_eq!(
            online["join_url"],
            format!("https://meet.jit.si/switchboard-{id}").as_str()
        );
        assert_eq!(online["customer_notes"], "<script>alert(1)</script>");

        // CancelMeeting: another contact learns nothing; twice is harmless.
        let stranger = f
            .admin
            .create("/api/v1/contacts", json!({"first_name": "Eve"}))
            .await;
        let cancel = |contact: &str| {
            let (agent, path) = (f.agent.clone(), format!("/api/v1/meetings/{id}/cancel"));
            let body = json!({"contact_id": contact});
            async move { answer(agent.post(&path, body).await).await }
        };
        let (status, body) = cancel(stranger["id"].as_str().unwrap()).await;
        assert_eq!(
            (status, body["detail"].as_str()),
            (404, Some("meeting not found"))
        );
        let (status, unknown) = answer(
            f.agent
                .post(
                    "/api/v1/meetings/unknown/cancel",
                    json!({"contact_id": f.contact}),
                )
                .await,
        )
        .await;
        assert_eq!((status, &unknown["detail"]), (404, &body["detail"]));
        for _ in 0..2 {
            let (status, body) = cancel(&f.contact).await;
            assert_eq!(status, 200);
            assert_eq!(body["state"], "cancelled");
            assert_eq!(body["cancel_path"], "customer");
            assert_eq!(body["sequence"], 1, "a second cancel changes nothing");
        }
        // Staff cancel; then the freed advisor can be booked again.
        let m1_id = m1["id"].as_str().unwrap();
        let (status, body) = answer(
            f.agent
                .post(&format!("/api/v1/meetings/{m1_id}/staff-cancel"), json!({}))
                .await,
        )
        .await;
        assert_eq!((status, &body["cancel_path"]), (200, &json!("staff")));
        let (status, again) = book(booking(&f, &start), None).await;
        assert_eq!(status, 201);
        // Moving a meeting re-checks its advisor and the customer.
        let again_id = again["id"].as_str().unwrap();
        let (status, moved) = answer(
            f.agent
                .post(
                    &format!("/api/v1/meetings/{again_id}/move"),
                    json!({"start": after(40)}),
                )
                .await,
        )
        .await;
        assert_eq!((status, &moved["sequence"]), (200, &json!(1)), "{moved}");
        assert_eq!(moved["start"].as_str().map(time), Some(time(&after(40))));
        let winner_id = winner.1["id"].as_str().unwrap();
        let (status, body) = answer(
            f.agent
                .post(
                    &format!("/api/v1/meetings/{winner_id}/move"),
                    json!({"start": after(40)}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 200, "the racer's advisor is free then: {body}");

        // The timeline tells the story.
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
            .filter(|a| a["kind"] == "meeting")
            .map(|a| a["subject"].as_str().unwrap())
            .collect();
        assert!(
            subjects.contains(&"Meeting booked: Mortgage, fixed rates"),
            "{subjects:?}"
        );
        assert!(subjects.contains(&"Meeting cancelled: Mortgage, fixed rates"));
        assert!(subjects.contains(&"Meeting moved"));
        let listed = f
            .agent
            .ok(&format!("/api/v1/contacts/{}/meetings", f.contact))
            .await;
        assert_eq!(listed.as_array().unwrap().len(), 3);
        // Messages are off by default: nothing is sent, and nothing is
        // dropped silently either: each is recorded as skipped, saying why.
        let off = "communications are off (settings: enabled is false)";
        let rows = outbox_all(&f, id).await;
        let row =
            |kind: &str, channel: &str| (kind.into(), channel.into(), "skipped".into(), off.into());
        assert_eq!(
            summary(&rows),
            [
                row("cancellation", "email"),
                row("cancellation", "sms"),
                row("confirmation", "email"),
                row("confirmation", "sms")
            ],
            "{rows:?}"
        );
        let outbox = f.admin.ok("/api/v1/communications/outbox").await;
        assert!(outbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "skipped" && r["sent_at"].is_null()));
        app.stop().await;
    }
}

fn time(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(crate) async fn put(c: &Caller, path: &str, body: Value) -> (u16, Value) {
    answer(
        c.request(reqwest::Method::PUT, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub(crate) fn settings(confirmation_email: bool, sms: bool) -> Value {
    let kind = |email: bool| json!({"email": email, "sms": sms});
    json!({"enabled": true, "reminder_days": 1, "sms_quiet_hours": null,
           "kinds": {"confirmation": kind(confirmation_email), "reminder": kind(true), "cancellation": kind(true)}})
}

/// The meeting's messages, leaving out the ones a settings switch skipped
/// when they were queued (see [`outbox_all`]).
async fn outbox_for(f: &Fixture, meeting: &str) -> Vec<Value> {
    outbox_all(f, meeting)
        .await
        .into_iter()
        .filter(|r| {
            !(r["state"] == "skipped"
                && r["last_error"]
                    .as_str()
                    .is_some_and(|e| e.contains("(settings: ")))
        })
        .collect()
}

/// Every outbox row of the meeting.
async fn outbox_all(f: &Fixture, meeting: &str) -> Vec<Value> {
    f.admin
        .ok(&format!(
            "/api/v1/communications/outbox?meeting_id={meeting}"
        ))
        .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// (kind, channel, state, reason) of each row, sorted.
fn summary(rows: &[Value]) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            (s("kind"), s("channel"), s("state"), s("last_error"))
        })
        .collect();
    out.sort();
    out
}

/// Waits until every outbox row of the meeting left the queue.
pub(crate) async fn settled(f: &Fixture, meeting: &str) -> Vec<Value> {
    for _ in 0..200 {
        let rows = outbox_for(f, meeting).await;
        if rows
            .iter()
            .all(|r| r["state"] != "queued" && r["state"] != "sending")
        {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the outbox of {meeting} did not settle: {:?}",
        outbox_for(f, meeting).await
    );
}

fn calendar(text: &str) -> icalendar::Calendar {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar object");
    icalendar::Calendar::from(cal)
}

#[tokio::test]
async fn emails_with_invites_switches_reminders_and_staff_silence() {
    let sink = smtp::SmtpSink::start();
    let url = sink.url();
    let mut expected_mail = 0;
    for app in apps_with(|c| c.delivery.smtp_url = Some(url.clone())).await {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "last_name": "<b>Durand</b>", "email": format!("zoe-{}@example.com", app.backend),
                   "locale": "fr-FR", "time_zone": "Europe/Paris"}),
        )
        .await;
        let (status, s) = put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, false),
        )
        .await;
        assert_eq!(status, 200, "{s}");
        let (status, bad) = put(
            &f.admin,
            "/api/v1/communications/settings",
            json!({"enabled": true, "reminder_days": 0, "sms_quiet_hours": {"from": "9", "to": "08:00"},
                   "kinds": s["kinds"]}),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(fields(&bad), ["reminder_days", "sms_quiet_hours.from"]);

        // Booking → a confirmation with a REQUEST invite, in French.
        let start = start_in(72);
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start))
            .await;
        let id = m["id"].as_str().unwrap().to_owned();
        let rows = settled(&f, &id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            (&rows[0]["state"], &rows[0]["transport"]),
            (&json!("sent"), &json!("smtp")),
            "{rows:?}"
        );
        expected_mail += 1;
        let mail = sink.wait_for(expected_mail, 10).await;
        let confirmation = mail
            .iter()
            .find(|r| r.header("Message-ID") == format!("<{id}.confirmation.email.0@localhost>"))
            .expect("the confirmation arrived with its idempotent Message-ID");
        assert!(confirmation
            .header("Subject")
            .starts_with("Rendez-vous confirmé : Mortgage, fixed rates"));
        let text = confirmation.part("text/plain").unwrap();
        assert!(text.contains("Bonjour Zoé <b>Durand</b>"), "{text}");
        assert!(text.contains(m["cancel_url"].as_str().unwrap()));
        let html = confirmation.part("text/html").unwrap();
        assert!(
            html.contains("Zoé &lt;b&gt;Durand&lt;/b&gt;"),
            "values are escaped in HTML"
        );
        let (_, ctype, ics) = confirmation
            .parts()
            .into_iter()
            .find(|(m, _, _)| m == "text/calendar")
            .expect("an invite");
        assert_eq!(ctype.get("method").map(String::as_str), Some("REQUEST"));
        let cal = calendar(&ics);
        use icalendar::{Component, EventLike};
        assert_eq!(cal.property_value("METHOD"), Some("REQUEST"));
        let event = cal
            .components
            .iter()
            .find_map(|c| c.as_event())
            .expect("an event");
        assert_eq!(event.get_uid(), Some(format!("{id}@localhost").as_str()));
        assert_eq!(event.property_value("SEQUENCE"), Some("0"));
        assert_eq!(event.get_summary(), Some("Mortgage, fixed rates"));
        assert!(event
            .get_location()
            .unwrap()
            .starts_with("Paris, 1 rue de Rivoli"));
        let dtstart = event.property_value("DTSTART").unwrap();
        assert_eq!(dtstart, time(&start).strftime("%Y%m%dT%H%M%SZ").to_string());

        // Customer cancellation → CANCEL with the same UID, higher SEQUENCE.
        f.agent
            .post(
                &format!("/api/v1/meetings/{id}/cancel"),
                json!({"contact_id": f.contact}),
            )
            .await;
        let rows = settled(&f, &id).await;
        assert_eq!(rows.len(), 2);
        expected_mail += 1;
        let mail = sink.wait_for(expected_mail, 10).await;
        let cancelled = mail
            .iter()
            .find(|r| r.header("Message-ID") == format!("<{id}.cancellation.email.1@localhost>"))
            .expect("the cancellation arrived");
        let cal = calendar(&cancelled.part("text/calendar").unwrap());
        assert_eq!(cal.property_value("METHOD"), Some("CANCEL"));
        let event = cal.components.iter().find_map(|c| c.as_event()).unwrap();
        assert_eq!(event.get_uid(), Some(format!("{id}@localhost").as_str()));
        assert_eq!(event.property_value("SEQUENCE"), Some("1"));
        assert_eq!(event.property_value("STATUS"), Some("CANCELLED"));

        // Staff cancellation: the confirmation, and nothing else.
        let m2 = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(74)))
            .await;
        let id2 = m2["id"].as_str().unwrap();
        settled(&f, id2).await;
        expected_mail += 1;
        f.agent
            .post(&format!("/api/v1/meetings/{id2}/staff-cancel"), json!({}))
            .await;
        let rows = settled(&f, id2).await;
        assert_eq!(rows.len(), 1, "no cancellation notice for staff: {rows:?}");
        assert_eq!(rows[0]["kind"], "confirmation");

        // The switch per kind × channel: confirmations by email off.
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(false, false),
        )
        .await;
        let m3 = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(76)))
            .await;
        assert_eq!(
            outbox_for(&f, m3["id"].as_str().unwrap()).await,
            Vec::<Value>::new()
        );
        // Not silently: recorded as skipped, naming the switch.
        let kind_off = "confirmation messages are off (settings: kinds.confirmation)";
        assert_eq!(
            summary(&outbox_all(&f, m3["id"].as_str().unwrap()).await),
            [
                (
                    "confirmation".to_owned(),
                    "email".to_owned(),
                    "skipped".to_owned(),
                    kind_off.to_owned()
                ),
                (
                    "confirmation".into(),
                    "sms".into(),
                    "skipped".into(),
                    kind_off.into()
                )
            ]
        );

        // The reminder: a meeting inside the 1-day threshold is reminded at
        // once and flagged; one 3 days away is not (yet).
        let soon = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(20)))
            .await;
        let soon_id = soon["id"].as_str().unwrap();
        let mut reminded = Value::Null;
        for _ in 0..100 {
            reminded = f.agent.ok(&format!("/api/v1/meetings/{soon_id}")).await;
            if !reminded["email_reminder_sent_at"].is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!reminded["email_reminder_sent_at"].is_null(), "{reminded}");
        assert!(reminded["sms_reminder_sent_at"].is_null(), "SMS is off");
        expected_mail += 1;
        let mail = sink.wait_for(expected_mail, 10).await;
        let reminder = mail
            .iter()
            .find(|r| r.header("Message-ID") == format!("<{soon_id}.reminder.email.0@localhost>"))
            .expect("the reminder arrived");
        assert!(reminder.header("Subject").starts_with("Rappel : Mortgage"));
        assert_eq!(
            outbox_for(&f, m3["id"].as_str().unwrap()).await,
            Vec::<Value>::new()
        );

        // The master switch off: nothing at all.
        let mut off = settings(true, true);
        off["enabled"] = json!(false);
        put(&f.admin, "/api/v1/communications/settings", off).await;
        let m4 = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(10)))
            .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            outbox_for(&f, m4["id"].as_str().unwrap()).await,
            Vec::<Value>::new()
        );
        let off = "communications are off (settings: enabled is false)";
        assert_eq!(
            summary(&outbox_all(&f, m4["id"].as_str().unwrap()).await),
            [
                (
                    "confirmation".to_owned(),
                    "email".to_owned(),
                    "skipped".to_owned(),
                    off.to_owned()
                ),
                (
                    "confirmation".into(),
                    "sms".into(),
                    "skipped".into(),
                    off.into()
                )
            ]
        );

        // A contact without an email address: recorded as skipped.
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, false),
        )
        .await;
        let nomail = f
            .admin
            .create("/api/v1/contacts", json!({"first_name": "Paul"}))
            .await;
        let mut b = booking(&f, &start_in(30));
        b["contact_id"] = nomail["id"].clone();
        let m5 = f.agent.create("/api/v1/meetings", b).await;
        let rows = settled(&f, m5["id"].as_str().unwrap()).await;
        assert_eq!(rows[0]["state"], "skipped");
        assert_eq!(
            rows[0]["last_error"],
            "the contact has no valid email address"
        );
        // Back on, the meeting booked while off (10 hours away) gets its
        // reminder: reminders follow the meetings, not the moment of booking.
        let m4_id = m4["id"].as_str().unwrap();
        let mut rows = Vec::new();
        for _ in 0..100 {
            rows = settled(&f, m4_id).await;
            if !rows.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            (&rows[0]["kind"], &rows[0]["state"]),
            (&json!("reminder"), &json!("sent"))
        );
        expected_mail += 1;

        // Templates: edited, previewed, unknown variables refused.
        let path = "/api/v1/communications/templates/confirmation/email/en";
        let (status, body) = put(
            &f.admin,
            path,
            json!({"subject": "Hi {customer_name} {nope}", "body": "x", "html": "<p>x</p>"}),
        )
        .await;
        assert_eq!((status, fields(&body)), (422, vec!["subject".to_owned()]));
        let (status, _) = put(
            &f.admin,
            path,
            json!({"subject": "Booked: {topic}", "body": "See you {date} at {time}, {customer_name}.", "html": "<p>{customer_name}</p>"}),
        )
        .await;
        assert_eq!(status, 200);
        let preview = f
            .admin
            .post(&format!("{path}/preview"), json!({"meeting_id": id}))
            .await;
        let (status, preview) = answer(preview).await;
        assert_eq!(status, 200);
        assert_eq!(preview["subject"], "Booked: Mortgage, fixed rates");
        assert_eq!(preview["html"], "<p>Zoé &lt;b&gt;Durand&lt;/b&gt;</p>");
        assert!(preview["invite"]
            .as_str()
            .unwrap()
            .contains("METHOD:REQUEST"));
        // Staff cannot read customers' messages.
        assert_eq!(
            f.agent.get("/api/v1/communications/outbox").await.status(),
            403
        );
        app.stop().await;
    }
    // Nothing else reached the SMTP server (no duplicates, no strays).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), expected_mail);
}

/// One request to the fake Twilio: account SID, To, the whole form.
type TwilioRequest = (String, String, Vec<(String, String)>);

/// What the fake Twilio received, and the failures it answers with first.
#[derive(Default)]
struct Twilio {
    requests: Mutex<Vec<TwilioRequest>>,
    failures: Mutex<std::collections::VecDeque<(u16, Value)>>,
}

async fn fake_twilio() -> (String, Arc<Twilio>) {
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    let seen = Arc::new(Twilio::default());
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            axum::routing::post(
                |State(seen): State<Arc<Twilio>>, Path(sid): Path<String>, headers: HeaderMap, body: String| async move {
                    // As Twilio documents it: HTTP Basic auth with the account
                    // SID and auth token, a form with To, From and Body.
                    use base64::Engine;
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
                    let expected = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode("AC123:token-xyz")
                    );
                    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    if auth != expected || sid != "AC123" || ctype != "application/x-www-form-urlencoded" {
                        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"code": 20003, "message": "Authenticate", "status": 401})));
                    }
                    let to = form.iter().find(|(k, _)| k == "To").map(|(_, v)| v.clone()).unwrap_or_default();
                    seen.requests.lock().unwrap().push((sid, to, form));
                    if let Some((status, body)) = seen.failures.lock().unwrap().pop_front() {
                        return (StatusCode::from_u16(status).unwrap(), axum::Json(body));
                    }
                    (StatusCode::CREATED, axum::Json(json!({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})))
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn sms_through_twilio_with_stop_start_and_quiet_hours() {
    use switchboard_server::communications::sms::{twilio_signature, SmsConfig};
    let (twilio_url, seen) = fake_twilio().await;
    let sms = SmsConfig::Twilio {
        base_url: twilio_url,
        account_sid: "AC123".into(),
        auth_token: "token-xyz".into(),
        from: "+15005550006".into(),
    };
    for app in apps_with(|c| c.delivery.sms = sms.clone()).await {
        seen.requests.lock().unwrap().clear();
        let f = fixture(
            &app,
            json!({"first_name": "Ana", "phone": "+34 612 34 56 78", "locale": "es", "time_zone": "Europe/Madrid"}),
        )
        .await;
        let mut s = settings(false, true);
        s["kinds"]["confirmation"]["email"] = json!(false);
        put(&f.admin, "/api/v1/communications/settings", s.clone()).await;
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(60)))
            .await;
        let id = m["id"].as_str().unwrap();
        let rows = settled(&f, id).await;
        let sms_row = rows.iter().find(|r| r["channel"] == "sms").unwrap();
        assert_eq!(
            (&sms_row["state"], &sms_row["transport"]),
            (&json!("sent"), &json!("twilio")),
            "{rows:?}"
        );
        assert_eq!(sms_row["recipient"], "+34612345678");
        {
            let requests = seen.requests.lock().unwrap();
            assert_eq!(requests.len(), 1);
            let form = &requests[0].2;
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("To"), Some("+34612345678"));
            assert_eq!(get("From"), Some("+15005550006"));
            let body = get("Body").unwrap();
            assert!(body.starts_with("Cita confirmada: Mortgage"), "{body}");
            assert!(body.contains(m["cancel_url"].as_str().unwrap()));
        }

        // STOP from the customer's phone, signed as Twilio signs it.
        let inbound = |text: &str, signature: Option<String>| {
            let params: std::collections::BTreeMap<String, String> = [
                ("From", "+34612345678"),
                ("To", "+15005550006"),
                ("Body", text),
                ("MessageSid", "SM1"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
            let url = format!("{}/sms/v1/twilio/inbound", app.base);
            let sig = signature.unwrap_or_else(|| twilio_signature("token-xyz", &url, &params));
            let req = app
                .http
                .post(&url)
                .header("x-twilio-signature", sig)
                .form(&params);
            async move { req.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(inbound("STOP", Some("forged".into())).await, 403);
        assert_eq!(inbound("STOP", None).await, 200);
        let m2 = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(62)))
            .await;
        let rows = settled(&f, m2["id"].as_str().unwrap()).await;
        assert_eq!(rows[0]["state"], "skipped");
        assert_eq!(rows[0]["last_error"], "the recipient opted out (STOP)");
        assert_eq!(inbound("start", None).await, 200);
        let m3 = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(64)))
            .await;
        assert_eq!(
            settled(&f, m3["id"].as_str().unwrap()).await[0]["state"],
            "sent"
        );

        // Quiet hours covering now in Madrid: the SMS waits for their end.
        let now = Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Europe/Madrid").unwrap());
        let (from, to) = (
            now.checked_sub(SignedDuration::from_hours(1))
                .unwrap()
                .strftime("%H:%M")
                .to_string(),
            now.checked_add(SignedDuration::from_hours(2))
                .unwrap()
                .strftime("%H:%M")
                .to_string(),
        );
        s["sms_quiet_hours"] = json!({"from": from, "to": to});
        let (status, body) = put(&f.admin, "/api/v1/communications/settings", s).await;
        assert_eq!(status, 200, "{body}");
        let m4 = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(66)))
            .await;
        let m4_id = m4["id"].as_str().unwrap();
        let mut row = Value::Null;
        for _ in 0..100 {
            row = outbox_for(&f, m4_id).await[0].clone();
            if !row["last_error"].is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(row["state"], "queued", "{row}");
        assert_eq!(
            row["last_error"],
            "waiting for the end of the recipient's quiet hours"
        );
        assert_eq!(row["attempts"], 0, "waiting is not a failed attempt");
        let until = time(row["next_attempt_at"].as_str().unwrap());
        let local = until.to_zoned(jiff::tz::TimeZone::get("Europe/Madrid").unwrap());
        assert_eq!(local.strftime("%H:%M").to_string(), to);
        assert_eq!(
            seen.requests.lock().unwrap().len(),
            2,
            "nothing sent during quiet hours"
        );
        app.stop().await;
    }
}

/// A port nothing listens on: every SMTP connection is refused.
fn dead_smtp() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("smtp://127.0.0.1:{port}")
}

#[tokio::test]
async fn transient_failures_are_retried_permanent_ones_parked() {
    use switchboard_server::communications::sms::SmsConfig;
    let (twilio_url, seen) = fake_twilio().await;
    let sms = SmsConfig::Twilio {
        base_url: twilio_url,
        account_sid: "AC123".into(),
        auth_token: "token-xyz".into(),
        from: "+15005550006".into(),
    };
    let smtp = dead_smtp();
    for app in apps_with(|c| {
        c.delivery.sms = sms.clone();
        c.delivery.smtp_url = Some(smtp.clone());
        c.delivery.retry_base = Duration::from_millis(20);
    })
    .await
    {
        seen.requests.lock().unwrap().clear();
        let f = fixture(
            &app,
            json!({"first_name": "Ana", "email": "ana@example.com", "phone": "+34612345678"}),
        )
        .await;
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(false, true),
        )
        .await;
        // Twilio busy twice (503, then 429): retried, then sent.
        seen.failures.lock().unwrap().extend([
            (
                503,
                json!({"code": 20500, "message": "Internal Server Error"}),
            ),
            (429, json!({"code": 20429, "message": "Too Many Requests"})),
        ]);
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(60)))
            .await;
        let rows = settled(&f, m["id"].as_str().unwrap()).await;
        assert_eq!(
            (&rows[0]["state"], &rows[0]["attempts"]),
            (&json!("sent"), &json!(3)),
            "{rows:?}"
        );
        assert_eq!(seen.requests.lock().unwrap().len(), 3);
        // A refusal (invalid number): parked as failed at once, with why.
        seen.failures.lock().unwrap().push_back((
            400,
            json!({"code": 21211, "message": "The 'To' number is not a valid phone number."}),
        ));
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(62)))
            .await;
        let rows = settled(&f, m["id"].as_str().unwrap()).await;
        assert_eq!(
            (&rows[0]["state"], &rows[0]["attempts"]),
            (&json!("failed"), &json!(1))
        );
        let error = rows[0]["last_error"].as_str().unwrap();
        assert!(
            error.contains("21211") && error.contains("not a valid phone number"),
            "{error}"
        );
        // SMTP unreachable: retried with backoff up to the limit, then
        // parked as failed, visible with the error.
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, false),
        )
        .await;
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(64)))
            .await;
        let rows = settled(&f, m["id"].as_str().unwrap()).await;
        assert_eq!(
            (&rows[0]["state"], &rows[0]["attempts"]),
            (&json!("failed"), &json!(8)),
            "{rows:?}"
        );
        assert!(rows[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 8 attempts: SMTP"));
        let failed = f
            .admin
            .ok("/api/v1/communications/outbox?state=failed")
            .await;
        assert_eq!(failed["items"].as_array().unwrap().len(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_moved_or_cancelled_meeting_gets_no_stale_reminder() {
    let smtp = dead_smtp();
    for app in apps_with(|c| {
        c.delivery.smtp_url = Some(smtp.clone());
        c.delivery.retry_base = Duration::from_secs(3);
    })
    .await
    {
        let f = fixture(
            &app,
            json!({"first_name": "Ana", "email": "ana@example.com"}),
        )
        .await;
        let mut s = settings(false, false);
        s["kinds"]["cancellation"]["email"] = json!(false);
        put(&f.admin, "/api/v1/communications/settings", s).await;
        // Reminders due at once (20 h away, 1-day threshold); the first
        // attempt fails (SMTP down) and the retry waits 1.5 to 3 s.
        let moved = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(20)))
            .await;
        let cancelled = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(21)))
            .await;
        let (moved, cancelled) = (
            moved["id"].as_str().unwrap(),
            cancelled["id"].as_str().unwrap(),
        );
        for id in [moved, cancelled] {
            let mut row = Value::Null;
            for _ in 0..100 {
                row = outbox_for(&f, id)
                    .await
                    .first()
                    .cloned()
                    .unwrap_or(Value::Null);
                if row["attempts"] == 1 && row["state"] == "queued" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(
                (&row["kind"], &row["state"]),
                (&json!("reminder"), &json!("queued")),
                "{row}"
            );
        }
        let (status, body) = answer(
            f.agent
                .post(
                    &format!("/api/v1/meetings/{moved}/move"),
                    json!({"start": start_in(60)}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        f.agent
            .post(
                &format!("/api/v1/meetings/{cancelled}/staff-cancel"),
                json!({}),
            )
            .await;
        let rows = settled(&f, moved).await;
        assert_eq!(
            rows.len(),
            1,
            "no reminder for the new time yet (60 h away): {rows:?}"
        );
        assert_eq!(rows[0]["state"], "skipped");
        assert_eq!(
            rows[0]["last_error"],
            "the meeting moved before this was sent; a newer message replaces it"
        );
        let rows = settled(&f, cancelled).await;
        assert_eq!(
            (&rows[0]["state"], &rows[0]["last_error"]),
            (
                &json!("skipped"),
                &json!("the meeting was cancelled before this was sent")
            )
        );
        let m = f.agent.ok(&format!("/api/v1/meetings/{moved}")).await;
        assert!(m["email_reminder_sent_at"].is_null());
        app.stop().await;
    }
}

#[tokio::test]
async fn sms_through_the_signed_webhook_provider() {
    use axum::http::HeaderMap;
    use switchboard_server::communications::sms::{webhook_signature, SmsConfig};
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = got.clone();
    let provider = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let sig = headers
                    .get("x-switchboard-signature")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                let stamp: i64 = headers
                    .get("x-switchboard-timestamp")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((jiff::Timestamp::now().as_second() - stamp).abs() < 60);
                assert_eq!(
                    sig,
                    webhook_signature("s3cret", stamp, body.as_bytes()),
                    "signed timestamp and body"
                );
                let v: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(
                    headers.get("idempotency-key").unwrap().to_str().unwrap(),
                    v["idempotency_key"]
                );
                sink.lock().unwrap().push(v);
                axum::Json(json!({"id": "msg-1"}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, provider).await });
    let sms = SmsConfig::Webhook {
        url,
        secret: "s3cret".into(),
        from: "Bank".into(),
    };
    for app in apps_with(|c| c.delivery.sms = sms.clone()).await {
        got.lock().unwrap().clear();
        let f = fixture(&app, json!({"first_name": "Ana", "phone": "+33612345678"})).await;
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(false, true),
        )
        .await;
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(60)))
            .await;
        let id = m["id"].as_str().unwrap();
        let rows = settled(&f, id).await;
        assert_eq!(
            (&rows[0]["state"], &rows[0]["provider_id"]),
            (&json!("sent"), &json!("msg-1"))
        );
        let sent = got.lock().unwrap()[0].clone();
        assert_eq!(
            (&sent["to"], &sent["from"]),
            (&json!("+33612345678"), &json!("Bank"))
        );
        assert_eq!(
            sent["idempotency_key"],
            format!("{id}.confirmation.sms.0").as_str()
        );
        // Inbound STOP, signed and fresh; a bad signature, or a good one
        // replayed ten minutes later, is refused.
        let stop = json!({"from": "+33612345678", "body": "STOP"}).to_string();
        let post = |stamp: i64, sig: String| {
            app.http
                .post(format!("{}/sms/v1/webhook/inbound", app.base))
                .header("content-type", "application/json")
                .header("x-switchboard-timestamp", stamp.to_string())
                .header("x-switchboard-signature", sig)
                .body(stop.clone())
                .send()
        };
        let now = jiff::Timestamp::now().as_second();
        assert_eq!(post(now, "sha256=00".into()).await.unwrap().status(), 403);
        let old = now - 600;
        let replayed = post(old, webhook_signature("s3cret", old, stop.as_bytes()));
        assert_eq!(replayed.await.unwrap().status(), 403);
        let fresh = post(now, webhook_signature("s3cret", now, stop.as_bytes()));
        assert_eq!(fresh.await.unwrap().status(), 204);
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(62)))
            .await;
        let rows = settled(&f, m["id"].as_str().unwrap()).await;
        assert_eq!(rows[0]["last_error"], "the recipient opted out (STOP)");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_public_page_books_offered_slots_only_and_keeps_strangers_words_out_of_messages() {
    for app in apps().await {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "email": "zoe@example.com", "time_zone": "Asia/Tokyo", "locale": "es"}),
        )
        .await;
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, false),
        )
        .await;
        let public = |body: Value, key: Option<&str>| {
            let mut r = app
                .http
                .post(format!("{}/public/v1/meetings", app.base))
                .json(&body);
            if let Some(k) = key {
                r = r.header("idempotency-key", k);
            }
            async move { answer(r.send().await.unwrap()).await }
        };
        let page = |start: String, notes: &str| {
            json!({"topic_id": f.topic, "meeting_type": "in_person", "branch_id": f.branch, "start": start,
                   "customer": {"first_name": "Someone", "email": "zoe@example.com"},
                   "customer_notes": notes})
        };
        let contacts_before = f.admin.ok("/api/v1/contacts?limit=200").await["items"]
            .as_array()
            .unwrap()
            .len();
        // Not a slot start (an odd minute), or in the past: refused, and no
        // contact is made for it.
        let odd = (time(&start_in(50)) + SignedDuration::from_mins(7)).to_string();
        let (status, body) = public(page(odd, ""), None).await;
        assert_eq!(status, 409, "{body}");
        let (status, _) = public(page(start_in(-3), ""), None).await;
        assert_eq!(status, 422);
        // Typed by anyone: the notes stay on the meeting, out of messages;
        // the time zone and language are the page's, not the contact's.
        let (status, m) = public(
            page(start_in(50), "Urgent: call +1 555 0100 to confirm"),
            Some("k1"),
        )
        .await;
        assert_eq!(status, 201, "{m}");
        assert_eq!(
            (&m["time_zone"], &m["language"]),
            (&json!("Europe/Paris"), &json!("en"))
        );
        assert!(m.get("contact_id").is_none() && m.get("booked_by").is_none());
        let (status, again) = public(
            page(start_in(50), "Urgent: call +1 555 0100 to confirm"),
            Some("k1"),
        )
        .await;
        assert_eq!(
            (status, &again["id"]),
            (201, &m["id"]),
            "a double submit books once"
        );
        let id = m["id"].as_str().unwrap();
        let staff_view = f.agent.ok(&format!("/api/v1/meetings/{id}")).await;
        assert_eq!(
            staff_view["contact_id"],
            f.contact.as_str(),
            "the existing contact, by email"
        );
        assert_eq!(
            staff_view["customer_notes"],
            "Urgent: call +1 555 0100 to confirm"
        );
        let rows = settled(&f, id).await;
        let body = rows[0]["body"].as_str().unwrap();
        assert!(!body.contains("555 0100"), "{body}");
        // Booked by staff, the customer's notes are in the confirmation.
        let mut b = booking(&f, &start_in(54));
        b["customer_notes"] = json!("Bring the 2025 statements");
        let staff = f.agent.create("/api/v1/meetings", b).await;
        let rows = settled(&f, staff["id"].as_str().unwrap()).await;
        assert!(rows[0]["body"]
            .as_str()
            .unwrap()
            .contains("Bring the 2025 statements"));
        let contacts_after = f.admin.ok("/api/v1/contacts?limit=200").await["items"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(contacts_before, contacts_after);

        // A skill a topic needs cannot be deleted; a customer with meetings
        // can, and their meetings and messages go with them.
        let skill = f
            .admin
            .create("/api/v1/skills", json!({"name": "mortgages"}))
            .await;
        let (status, _) = put(
            &f.admin,
            &format!("/api/v1/topics/{}", f.topic),
            json!({"name": "Mortgage, fixed rates", "duration_minutes": 30, "meeting_types": ["in_person", "online"],
                   "skills": [skill["id"]]}),
        )
        .await;
        assert_eq!(status, 200);
        let (status, body) = answer(
            f.admin
                .delete(&format!("/api/v1/skills/{}", skill["id"].as_str().unwrap()))
                .await,
        )
        .await;
        assert_eq!(status, 409, "{body}");
        let (status, _) = answer(
            f.admin
                .delete(&format!("/api/v1/contacts/{}", f.contact))
                .await,
        )
        .await;
        assert_eq!(status, 204);
        assert_eq!(
            f.agent
                .get(&format!("/api/v1/meetings/{id}"))
                .await
                .status(),
            404
        );
        assert_eq!(outbox_for(&f, id).await, Vec::<Value>::new());
        app.stop().await;
    }
}

/// Issue 17 (the first walk), messages: turning them on takes one PATCH
/// (PUT stays a full replace whose missing field is named); with no
/// transport a message is `kept`, not `sent`; messages a switch stops are
/// recorded as skipped with the switch.
#[tokio::test]
async fn settings_patch_put_names_the_missing_field_and_kept_is_not_sent() {
    for app in apps().await {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "email": format!("zoe-kept-{}@example.com", app.backend)}),
        )
        .await;
        let path = "/api/v1/communications/settings";
        // PUT replaces the whole document: the missing field is named.
        let (status, body) = put(&f.admin, path, json!({"enabled": true})).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["kinds"], "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("PATCH"),
            "{body}"
        );
        // PATCH is a merge patch: what is sent changes, the rest stays.
        let patch = |body: Value| {
            let r = f
                .admin
                .request(reqwest::Method::PATCH, path)
                .header("content-type", "application/merge-patch+json")
                .body(body.to_string());
            async move { answer(r.send().await.unwrap()).await }
        };
        let (status, on) = patch(json!({"enabled": true})).await;
        assert_eq!(status, 200, "{on}");
        assert_eq!(on["enabled"], true);
        assert_eq!(on["reminder_days"], 1);
        assert_eq!(on["kinds"]["reminder"], json!({"email": true, "sms": true}));
        let (status, on) = patch(json!({"kinds": {"reminder": {"sms": false}},
                                        "sms_quiet_hours": {"from": "21:00", "to": "08:00"}}))
        .await;
        assert_eq!(status, 200, "{on}");
        assert_eq!(
            on["kinds"]["reminder"],
            json!({"email": true, "sms": false})
        );
        assert_eq!(on["enabled"], true, "absent fields stay");
        let (status, on) = patch(json!({"sms_quiet_hours": null})).await;
        assert_eq!((status, &on["sms_quiet_hours"]), (200, &Value::Null));
        let (status, bad) = patch(json!({"reminder_days": 0, "nope": 1})).await;
        assert_eq!(status, 422);
        assert_eq!(fields(&bad), ["nope"]);
        let (status, bad) = patch(json!({"reminder_days": 0})).await;
        assert_eq!(
            (status, fields(&bad)),
            (422, vec!["reminder_days".to_owned()])
        );
        assert_eq!(
            f.admin.ok(path).await,
            on,
            "a refused patch changes nothing"
        );

        // No transport configured: the email is composed and kept, not sent.
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(60)))
            .await;
        let id = m["id"].as_str().unwrap();
        let rows = settled(&f, id).await;
        let email = rows.iter().find(|r| r["channel"] == "email").unwrap();
        assert_eq!(
            (&email["state"], &email["transport"], &email["sent_at"]),
            (&json!("kept"), &json!("local"), &Value::Null),
            "{rows:?}"
        );
        assert!(email["body"].as_str().unwrap().contains("Mortgage"));
        let sms = rows.iter().find(|r| r["channel"] == "sms").unwrap();
        assert_eq!(
            (&sms["state"], &sms["last_error"]),
            (
                &json!("skipped"),
                &json!("the contact has no valid mobile number (E.164)")
            )
        );
        let kept = f.admin.ok("/api/v1/communications/outbox?state=kept").await;
        assert_eq!(kept["items"].as_array().unwrap().len(), 1);
        assert!(
            f.admin.ok("/api/v1/communications/outbox?state=sent").await["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        app.stop().await;
    }
}

/// Issue 17, what a customer receives: no empty "Your notes:" when the
/// notes are withheld; the topic in the customer's language; an in-person
/// meeting in the branch's time, named; and the confirmation page's
/// "add to calendar" file, opened by the cancel link's token only.
#[tokio::test]
async fn messages_leave_out_withheld_notes_speak_the_language_and_name_the_zone() {
    let sink = smtp::SmtpSink::start();
    let url = sink.url();
    let mut expected_mail = 0;
    for app in apps_with(|c| c.delivery.smtp_url = Some(url.clone())).await {
        let f = fixture(&app, json!({"first_name": "Staff-booked", "email": format!("staff-{}@example.com", app.backend)}))
            .await;
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, false),
        )
        .await;
        // Translations: validated language codes, every text checked.
        let (status, bad) = answer(
            f.admin
                .post(
                    "/api/v1/topics",
                    json!({"name": "Loans", "duration_minutes": 30, "meeting_types": ["in_person"],
                           "translations": {"de": {"name": "Kredite"}, "fr": {"name": "x".repeat(201)}}}),
                )
                .await,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(fields(&bad), ["translations.de", "translations.fr.name"]);
        let (status, topic) = put(
            &f.admin,
            &format!("/api/v1/topics/{}", f.topic),
            json!({"name": "Mortgage, fixed rates", "description": "Rates", "duration_minutes": 30,
                   "meeting_types": ["in_person", "online"], "instructions": "Bring payslips.",
                   "translations": {"fr": {"name": "Prêt à taux fixe", "instructions": "Apportez vos bulletins de salaire."},
                                    "es": {"name": "Hipoteca a tipo fijo"}}}),
        )
        .await;
        assert_eq!(status, 200, "{topic}");
        assert_eq!(topic["translations"]["fr"]["name"], "Prêt à taux fixe");
        let public = f.admin.ok("/public/v1/scheduling/properties").await;
        assert_eq!(
            public["topics"][0]["translations"]["es"]["name"],
            "Hipoteca a tipo fijo"
        );

        // Booked on the page in French, from a browser in New York, at the
        // Paris branch: notes withheld, no empty label; the topic in French;
        // the time in Paris, named.
        let email = format!("page-{}@example.com", app.backend);
        let (status, m) = answer(
            app.http
                .post(format!("{}/public/v1/meetings", app.base))
                .header("idempotency-key", "walk-1")
                .json(&json!({"topic_id": f.topic, "meeting_type": "in_person", "branch_id": f.branch,
                              "start": start_in(50), "language": "fr", "time_zone": "America/New_York",
                              "customer": {"first_name": "Zoé", "email": email},
                              "customer_notes": "call me at +1 555 0100"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{m}");
        assert_eq!(m["time_zone"], "Europe/Paris", "the branch's zone");
        let contact = f.admin.ok("/api/v1/contacts?limit=200").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == email.as_str())
            .cloned()
            .unwrap();
        assert_eq!(
            contact["time_zone"], "America/New_York",
            "the visitor's, on the contact"
        );
        // With an email transport the page's booking waits for the owner
        // of the address, who confirms from the link in their email.
        assert_eq!(m["state"], "pending");
        expected_mail += 1;
        sink.wait_for(expected_mail, 10).await;
        let request = sink
            .messages()
            .into_iter()
            .find(|r| r.header("To").contains(&email))
            .expect("the request to confirm");
        assert!(
            request
                .header("Subject")
                .starts_with("Confirmez votre demande"),
            "{}",
            request.header("Subject")
        );
        let (status, m) =
            follow_confirm_link(&app, &confirm_link(&request.part("text/plain").unwrap())).await;
        assert_eq!(status, 200, "{m}");
        let id = m["id"].as_str().unwrap();
        settled(&f, id).await;
        expected_mail += 1;
        let mail = sink.wait_for(expected_mail, 10).await;
        let confirmation = mail
            .iter()
            .find(|r| r.header("Message-ID") == format!("<{id}.confirmation.email.0@localhost>"))
            .expect("the confirmation arrived");
        assert!(
            confirmation
                .header("Subject")
                .starts_with("Rendez-vous confirmé : Prêt à taux fixe"),
            "{}",
            confirmation.header("Subject")
        );
        let text = confirmation.part("text/plain").unwrap();
        let html = confirmation.part("text/html").unwrap();
        assert!(!text.contains("Vos remarques"), "{text}");
        assert!(!html.contains("Vos remarques"), "{html}");
        assert!(
            !text.contains("555 0100") && !text.contains("\n\n\n"),
            "{text}"
        );
        assert!(
            text.contains("Apportez vos bulletins de salaire."),
            "{text}"
        );
        assert!(text.contains("(Europe/Paris)"), "{text}");
        let invite = calendar(&confirmation.part("text/calendar").unwrap());
        {
            use icalendar::Component;
            let event = invite.components.iter().find_map(|c| c.as_event()).unwrap();
            assert_eq!(event.get_summary(), Some("Prêt à taux fixe"));
        }

        // Booked by staff with notes: the label and the notes are there.
        let mut b = booking(&f, &start_in(54));
        b["customer_notes"] = json!("Bring the 2025 statements");
        let staff = f.agent.create("/api/v1/meetings", b).await;
        let staff_id = staff["id"].as_str().unwrap();
        settled(&f, staff_id).await;
        expected_mail += 1;
        let mail = sink.wait_for(expected_mail, 10).await;
        let text = mail
            .iter()
            .find(|r| {
                r.header("Message-ID") == format!("<{staff_id}.confirmation.email.0@localhost>")
            })
            .expect("the staff booking's confirmation")
            .part("text/plain")
            .unwrap();
        assert!(
            text.contains("Your notes: Bring the 2025 statements"),
            "{text}"
        );

        // "Add to calendar": the same event as the invite, no iTIP method,
        // only with the cancel link's token.
        let calendar_url = m["calendar_url"].as_str().unwrap();
        assert!(
            calendar_url.contains("/calendar.ics?token="),
            "{calendar_url}"
        );
        let r = app.http.get(calendar_url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar"));
        let file = r.text().await.unwrap();
        assert!(!file.contains("METHOD:"), "{file}");
        let cal = calendar(&file);
        {
            use icalendar::Component;
            let event = cal.components.iter().find_map(|c| c.as_event()).unwrap();
            assert_eq!(event.get_uid(), Some(format!("{id}@localhost").as_str()));
            assert_eq!(event.get_summary(), Some("Prêt à taux fixe"));
            assert_eq!(event.property_value("STATUS"), Some("CONFIRMED"));
        }
        let tampered = calendar_url.replace("token=", "token=x");
        assert_eq!(app.http.get(&tampered).send().await.unwrap().status(), 404);
        let other = calendar_url.replace(id, staff_id);
        assert_eq!(app.http.get(&other).send().await.unwrap().status(), 404);
        app.stop().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), expected_mail);
}

/// The link in a request to confirm (`…/meetings/{id}/confirm?token=…`):
/// what the owner of the address reads in their email.
fn confirm_link(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains("/confirm?token="))
        .expect("a confirmation link in the message")
        .to_owned()
}

/// The owner of the address follows the link: the page confirms with it.
async fn follow_confirm_link(app: &TestApp, link: &str) -> (u16, Value) {
    let (path, query) = link.split_once('?').unwrap();
    let id = path
        .trim_end_matches("/confirm")
        .rsplit('/')
        .next()
        .unwrap();
    answer(
        app.http
            .post(format!(
                "{}/public/v1/meetings/{id}/confirm?{query}",
                app.base
            ))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Issue 13, the booking page as a mail/SMS cannon: with messages on, an
/// attacker books with a victim's address and phone and hostile names,
/// over and over. The victim receives at most the daily limit of requests
/// to confirm (no name, no notes, no cancel link, no SMS); the attacker's
/// 201 carries no cancel link; the owner's own booking, confirmed from the
/// link in their email, is booked and confirmed by email and SMS without
/// anything typed on the page.
#[tokio::test]
async fn the_booking_page_cannot_make_the_organization_write_to_a_stranger() {
    use switchboard_server::communications::sms::SmsConfig;
    let sink = smtp::SmtpSink::start();
    let url = sink.url();
    let (twilio_url, seen) = fake_twilio().await;
    let sms = SmsConfig::Twilio {
        base_url: twilio_url,
        account_sid: "AC123".into(),
        auth_token: "token-xyz".into(),
        from: "+15005550006".into(),
    };
    let hostile = "URGENT: your account is locked, call +1 555 0100 now";
    let mut mail_so_far = 0;
    for app in apps_with(|c| {
        c.delivery.smtp_url = Some(url.clone());
        c.delivery.sms = sms.clone();
    })
    .await
    {
        seen.requests.lock().unwrap().clear();
        let f = fixture(
            &app,
            json!({"first_name": "Staff", "email": "staff@example.com"}),
        )
        .await;
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, true),
        )
        .await;
        let victim = format!("victim-{}@example.com", app.backend);
        let victim_phone = "+33612345678";
        let page = |start: String, email: &str, phone: &str| {
            json!({"topic_id": f.topic, "meeting_type": "in_person", "branch_id": f.branch, "start": start,
                   "language": "en", "time_zone": "Europe/Paris",
                   "customer": {"first_name": hostile, "last_name": hostile, "email": email, "phone": phone},
                   "customer_notes": hostile})
        };
        let post = |body: Value| {
            let r = app
                .http
                .post(format!("{}/public/v1/meetings", app.base))
                .json(&body);
            async move { answer(r.send().await.unwrap()).await }
        };

        // The attack loop: book, then cancel through whatever the answer
        // gives, 20 times.
        let mut statuses = Vec::new();
        for i in 0..20 {
            let (status, m) = post(page(start_in(50 + i), &victim, victim_phone)).await;
            statuses.push(status);
            if status == 201 {
                assert_eq!(m["state"], "pending", "{m}");
                assert!(
                    m.get("cancel_url").is_none() && m.get("calendar_url").is_none(),
                    "no link in the answer: {m}"
                );
                assert!(!m.to_string().contains("token="), "{m}");
                // Nothing to cancel with: the public cancel needs a token.
                let id = m["id"].as_str().unwrap();
                let r = app
                    .http
                    .post(format!("{}/public/v1/meetings/{id}/cancel", app.base))
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 404);
            } else {
                assert_eq!(status, 429, "{m}");
                assert_eq!(m["errors"][0]["code"], "daily_limit", "{m}");
                assert_eq!(fields(&m), ["customer.email", "customer.phone"]);
            }
        }
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3);
        // The attacker's own address with the victim's phone: the phone's
        // limit holds too (and no contact is left behind).
        let (status, m) = post(page(
            start_in(80),
            &format!("attacker-{}@example.com", app.backend),
            victim_phone,
        ))
        .await;
        assert_eq!(status, 429, "{m}");
        assert_eq!(fields(&m), ["customer.phone"]);

        // What the victim received: the three requests to confirm, nothing
        // typed on the page in them, no cancel link, no invite.
        mail_so_far += 3;
        let mail = sink.wait_for(mail_so_far, 20).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let to_victim: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|r| r.header("To").contains(&victim))
            .collect();
        assert!(mail.len() >= mail_so_far);
        assert_eq!(to_victim.len(), 3, "at most the daily limit");
        for r in &to_victim {
            let raw = String::from_utf8_lossy(&r.raw).to_string();
            assert!(
                !raw.contains("URGENT") && !raw.contains("555 0100"),
                "{raw}"
            );
            assert!(!raw.contains("/cancel?token="), "{raw}");
            assert!(r.part("text/calendar").is_none());
            let text = r.part("text/plain").unwrap();
            assert!(text.starts_with("Hello,"), "{text}");
            assert!(text.contains("/confirm?token="), "{text}");
            assert!(text.contains("If you did not ask for this"), "{text}");
        }
        assert!(
            seen.requests.lock().unwrap().is_empty(),
            "no SMS to an unconfirmed number"
        );

        // The owner's own booking: confirmed from the link in their email,
        // then the confirmation (with its cancel link) by email and SMS,
        // without the name typed on the page.
        let owner = format!("owner-{}@example.com", app.backend);
        let (status, m) = post(page(start_in(90), &owner, "+33698765432")).await;
        assert_eq!(status, 201, "{m}");
        let id = m["id"].as_str().unwrap().to_owned();
        mail_so_far += 1;
        sink.wait_for(mail_so_far, 20).await;
        let request = sink
            .messages()
            .into_iter()
            .find(|r| r.header("To").contains(&owner))
            .expect("the request to confirm");
        let link = confirm_link(&request.part("text/plain").unwrap());
        assert!(
            link.contains(&format!("/meetings/{id}/confirm?token=")),
            "{link}"
        );
        // A tampered link, or the cancel link's token, confirms nothing.
        let (status, _) = follow_confirm_link(&app, &link.replace("token=", "token=x")).await;
        assert_eq!(status, 404);
        let (status, confirmed) = follow_confirm_link(&app, &link).await;
        assert_eq!(status, 200, "{confirmed}");
        assert_eq!(confirmed["state"], "scheduled");
        let cancel_url = confirmed["cancel_url"].as_str().unwrap().to_owned();
        let (status, again) = follow_confirm_link(&app, &link).await;
        assert_eq!((status, &again["state"]), (200, &json!("scheduled")));
        let rows = settled(&f, &id).await;
        assert_eq!(
            summary(&rows)
                .into_iter()
                .map(|(k, c, s, _)| (k, c, s))
                .collect::<Vec<_>>(),
            [
                ("address_check".into(), "email".into(), "sent".into()),
                ("confirmation".into(), "email".into(), "sent".into()),
                ("confirmation".into(), "sms".into(), "sent".into()),
            ]
        );
        mail_so_far += 1;
        sink.wait_for(mail_so_far, 20).await;
        let confirmation = sink
            .messages()
            .into_iter()
            .find(|r| r.header("Message-ID") == format!("<{id}.confirmation.email.0@localhost>"))
            .expect("the confirmation");
        let raw = String::from_utf8_lossy(&confirmation.raw).to_string();
        assert!(
            !raw.contains("URGENT") && !raw.contains("555 0100"),
            "{raw}"
        );
        let text = confirmation.part("text/plain").unwrap();
        assert!(text.contains(&cancel_url), "{text}");
        assert!(
            text.starts_with("Your meeting"),
            "no greeting with a typed name: {text}"
        );
        {
            let sms = seen.requests.lock().unwrap();
            assert_eq!(sms.len(), 1);
            assert_eq!(sms[0].1, "+33698765432");
            let body = &sms[0].2.iter().find(|(k, _)| k == "Body").unwrap().1;
            // (Not "555" alone: the cancel link's random port may hold it.)
            assert!(
                !body.contains("URGENT") && !body.contains("555 0100"),
                "{body}"
            );
            assert!(body.contains(&cancel_url), "{body}");
        }
        app.stop().await;
    }
}

/// Without an email transport nothing can reach anyone: the page books at
/// once (the demo), and even an SMS provider sends nothing about a page
/// booking whose address was never proven.
#[tokio::test]
async fn without_email_a_page_booking_sends_nothing_to_its_unproven_number() {
    use switchboard_server::communications::sms::SmsConfig;
    let (twilio_url, seen) = fake_twilio().await;
    let sms = SmsConfig::Twilio {
        base_url: twilio_url,
        account_sid: "AC123".into(),
        auth_token: "token-xyz".into(),
        from: "+15005550006".into(),
    };
    for app in apps_with(|c| c.delivery.sms = sms.clone()).await {
        seen.requests.lock().unwrap().clear();
        let f = fixture(
            &app,
            json!({"first_name": "Staff", "email": "staff@example.com"}),
        )
        .await;
        put(
            &f.admin,
            "/api/v1/communications/settings",
            settings(true, true),
        )
        .await;
        let (status, m) = answer(
            app.http
                .post(format!("{}/public/v1/meetings", app.base))
                .json(
                    &json!({"topic_id": f.topic, "meeting_type": "in_person", "branch_id": f.branch,
                              "start": start_in(50), "customer": {"first_name": "Someone",
                              "email": "victim@example.com", "phone": "+33612345678"}}),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{m}");
        assert_eq!(m["state"], "scheduled");
        let id = m["id"].as_str().unwrap();
        let rows = settled(&f, id).await;
        let sms_row = rows.iter().find(|r| r["channel"] == "sms").unwrap();
        assert_eq!(sms_row["state"], "skipped", "{sms_row}");
        assert_eq!(
            sms_row["last_error"],
            "booked on the public page and never confirmed by the owner of the address"
        );
        let email_row = rows.iter().find(|r| r["channel"] == "email").unwrap();
        assert_eq!(email_row["state"], "kept", "{email_row}");
        assert!(seen.requests.lock().unwrap().is_empty());
        app.stop().await;
    }
}

/// A hold nobody confirms is released: its time is offered and bookable
/// again, and its link then answers 409 (book again) instead of booking.
#[tokio::test]
async fn an_unconfirmed_hold_expires_and_frees_its_time() {
    let smtp = dead_smtp();
    for app in apps_with(|c| c.delivery.smtp_url = Some(smtp.clone())).await {
        let f = fixture(
            &app,
            json!({"first_name": "Staff", "email": "staff@example.com"}),
        )
        .await;
        let start = start_in(50);
        let page = |email: &str| {
            json!({"topic_id": f.topic, "meeting_type": "in_person", "branch_id": f.branch, "start": start,
                   "customer": {"first_name": "A", "email": email}})
        };
        let post = |body: Value| {
            let r = app
                .http
                .post(format!("{}/public/v1/meetings", app.base))
                .json(&body);
            async move { answer(r.send().await.unwrap()).await }
        };
        // Two advisors: two holds take the time; a third is refused.
        let (status, held) = post(page("one@example.com")).await;
        assert_eq!((status, &held["state"]), (201, &json!("pending")), "{held}");
        assert!(held["hold_until"].is_string());
        let (status, _) = post(page("two@example.com")).await;
        assert_eq!(status, 201);
        let (status, body) = post(page("three@example.com")).await;
        assert_eq!(status, 409, "{body}");
        // The first hold's time passes.
        let id = held["id"].as_str().unwrap();
        sqlx::query("UPDATE meetings SET hold_until = $1 WHERE id = $2")
            .bind((Timestamp::now() - SignedDuration::from_mins(1)).to_string())
            .bind(id.to_owned())
            .execute(app.db().pool())
            .await
            .unwrap();
        let (status, m) = post(page("three@example.com")).await;
        assert_eq!(status, 201, "the released time is bookable: {m}");
        let old = f.admin.ok(&format!("/api/v1/meetings/{id}")).await;
        assert_eq!(old["state"], "expired");
        // Its link now books nothing.
        let token = app.running.state.comms.links.sign_for(
            switchboard_server::communications::links::Purpose::Confirm,
            id,
            old["contact_id"].as_str().unwrap(),
        );
        let (status, body) =
            follow_confirm_link(&app, &format!("/meetings/{id}/confirm?token={token}")).await;
        assert_eq!(status, 409, "{body}");
        app.stop().await;
    }
}

/// The reports' other channels (`GET /api/v1/reports/activity`): two
/// meetings booked today and one cancelled, counted on today; their
/// messages counted by channel and state as the outbox has them; a
/// supervisor reads it, an agent may not; reversed days are named.
#[tokio::test]
async fn meetings_and_their_messages_are_counted_in_the_activity_report() {
    for app in apps().await {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "email": "zoe@example.com"}),
        )
        .await;
        let first = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(30)))
            .await;
        f.agent
            .create("/api/v1/meetings", booking(&f, &start_in(31)))
            .await;
        let id = first["id"].as_str().unwrap();
        let (s, b) = answer(
            f.agent
                .post(
                    &format!("/api/v1/meetings/{id}/cancel"),
                    json!({"contact_id": f.contact}),
                )
                .await,
        )
        .await;
        assert!(s < 300, "{b}");
        let boss = app.token(Role::Supervisor).await;
        let today = Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let r = boss
            .ok(&format!("/api/v1/reports/activity?from={today}&to={today}"))
            .await;
        let rows = r["rows"].as_array().unwrap();
        // Booked and cancelled now: today, unless midnight UTC passed
        // between the bookings and this read.
        let total = &r["total"];
        assert_eq!(
            (
                total["meetings_booked"].as_i64(),
                total["meetings_cancelled"].as_i64(),
                total["meetings_held"].as_i64()
            ),
            (Some(2), Some(1), Some(0)),
            "{r}"
        );
        assert!(
            rows.len() <= 1 && rows.iter().all(|d| d["day"] == today),
            "{r}"
        );
        // Messages: as many as the outbox holds, by channel and state.
        let outbox = f.admin.ok("/api/v1/communications/outbox?limit=200").await;
        let items = outbox["items"].as_array().unwrap();
        let count = |channel: &str, state: &str| {
            items
                .iter()
                .filter(|m| m["channel"] == channel && m["state"] == state)
                .count() as i64
        };
        for (figure, channel, state) in [
            ("emails_skipped", "email", "skipped"),
            ("emails_failed", "email", "failed"),
            ("sms_skipped", "sms", "skipped"),
        ] {
            assert_eq!(
                total[figure].as_i64(),
                Some(count(channel, state)),
                "{figure}: {r}"
            );
        }
        assert!(
            total["emails_skipped"].as_i64().unwrap() + total["sms_skipped"].as_i64().unwrap() > 0,
            "messages are off by default, so the bookings' messages are skipped: {r}"
        );
        assert_eq!(total["invitations_shown"], 0);
        assert_eq!(total["callbacks_requested"], 0);
        let (s, _) = answer(
            f.agent
                .get(&format!("/api/v1/reports/activity?from={today}&to={today}"))
                .await,
        )
        .await;
        assert_eq!(s, 403);
        let (s, b) = answer(
            boss.get("/api/v1/reports/activity?from=2026-12-05&to=2026-12-01")
                .await,
        )
        .await;
        assert_eq!((s, fields(&b)), (422, vec!["to".to_owned()]), "{b}");
        app.stop().await;
    }
}
