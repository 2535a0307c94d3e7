//! Store-level checks that run on SQLite, and on PostgreSQL too when
//! `SWITCHBOARD_TEST_POSTGRES_URL` names a server (scripts/test sets it).

use switchboard_core::records::*;
use switchboard_store::activities::{Author, Scope, TimelineQuery};
use switchboard_store::{Db, StoreError};

async fn databases() -> Vec<(tempfile::TempDir, Db)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    out.push((dir, db));
    let required = std::env::var("SWITCHBOARD_REQUIRE_POSTGRES").as_deref() == Ok("1");
    let url = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL");
    assert!(
        url.is_ok() || !required,
        "SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
    );
    if let Ok(url) = url {
        let admin = Db::connect(&url).await.unwrap();
        let name = format!("sb_store_{}", uuid_like());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(admin.pool())
            .await
            .unwrap();
        let base = url.rsplit_once('/').unwrap().0;
        let db = Db::connect(&format!("{base}/{name}")).await.unwrap();
        db.migrate().await.unwrap();
        out.push((tempfile::tempdir().unwrap(), db));
    }
    out
}

fn uuid_like() -> String {
    switchboard_store::new_id().replace('-', "")
}

fn author() -> Author {
    Author {
        agent_id: None,
        name: "test".into(),
    }
}

#[tokio::test]
async fn timeline_pages_newest_first_across_links() {
    for (_dir, db) in databases().await {
        let contact = db
            .create_contact(
                &ContactDraft::parse(ContactInput {
                    last_name: Some("Doe".into()),
                    ..Default::default()
                })
                .unwrap(),
            )
            .await
            .unwrap();
        let case = db
            .create_case(
                &CaseDraft::parse(CaseInput {
                    title: Some("Lost card".into()),
                    contact_id: Some(contact.id.clone()),
                    ..Default::default()
                })
                .unwrap(),
                &author(),
            )
            .await
            .unwrap();
        for i in 0..5 {
            let d = ActivityDraft::parse(
                ActivityInput {
                    kind: Some(ActivityKind::Note),
                    contact_id: (i % 2 == 0).then(|| contact.id.clone()),
                    case_id: (i % 2 == 1).then(|| case.id.clone()),
                    body: Some(format!("note {i}")),
                    occurred_at: Some(format!("2030-01-01T00:00:0{i}Z")),
                    ..Default::default()
                },
                "unused",
            )
            .unwrap();
            db.create_activity(&d, &author()).await.unwrap();
        }
        let mut q = TimelineQuery {
            contact_id: contact.id.clone(),
            scope: Scope::All,
            case_id: None,
            conversation_id: None,
            cursor: None,
            limit: 2,
        };
        let mut bodies = Vec::new();
        loop {
            let page = db.timeline(&q).await.unwrap();
            bodies.extend(
                page.items
                    .iter()
                    .map(|a| a.body.clone().unwrap_or_default()),
            );
            match page.next_cursor {
                Some(c) => {
                    q.cursor = Some(switchboard_core::cursor::Cursor::decode(&c, 2).unwrap())
                }
                None => break,
            }
        }
        // Five notes in the future, then the case_event written at creation.
        assert_eq!(
            &bodies[..5],
            ["note 4", "note 3", "note 2", "note 1", "note 0"],
            "{:?}",
            db.backend()
        );
        assert_eq!(bodies.len(), 6);
        q.cursor = None;
        q.scope = Scope::Customer;
        q.limit = 50;
        assert_eq!(db.timeline(&q).await.unwrap().items.len(), 3);
        q.scope = Scope::Case;
        assert_eq!(db.timeline(&q).await.unwrap().items.len(), 3);
    }
}

#[tokio::test]
async fn unknown_references_are_refused_and_nothing_is_written() {
    for (_dir, db) in databases().await {
        let d = CaseDraft::parse(CaseInput {
            title: Some("x".into()),
            contact_id: Some("nope".into()),
            product_id: Some("nope".into()),
            ..Default::default()
        })
        .unwrap();
        match db.create_case(&d, &author()).await {
            Err(StoreError::Invalid(e)) => {
                let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, ["product_id", "contact_id"]);
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(count, 0);
    }
}

// ------------------------------------------------------------------ reports

mod reports {
    use super::databases;
    use switchboard_core::reports::{figures, Counts};
    use switchboard_core::routing::events::EventKind;
    use switchboard_store::reports::{ReportBy, ReportQuery, ReportRow};
    use switchboard_store::routing::{EventRow, WorkItemRow};
    use switchboard_store::Db;

    fn item(id: &str, channel: &str, queue: &str, arrived: &str) -> WorkItemRow {
        WorkItemRow {
            id: id.into(),
            channel: channel.into(),
            kind: "normal".into(),
            contact_id: None,
            customer_name: None,
            attributes: "{}".into(),
            queue_id: queue.into(),
            priority: 0,
            needs: "[]".into(),
            skill_match: "{}".into(),
            status: "closed".into(),
            agent_id: None,
            offer_deadline: None,
            declines: "[]".into(),
            reason: None,
            arrived_at: arrived.into(),
            updated_at: arrived.into(),
            closed_at: Some(arrived.into()),
        }
    }

    /// A small scripted day, 10 March 2026 (UTC), whose figures are worked
    /// out by hand below.
    async fn script(db: &Db) {
        for (id, name) in [("q1", "Sales"), ("q2", "Support")] {
            sqlx::query(
                "INSERT INTO queues (id, name, channel, priority, method, offer_timeout_seconds, \
                 declines_allowed, is_default, operating_hours, overflow, created_at, updated_at) \
                 VALUES ($1, $2, 'chat', 0, 'longest_idle', 30, 3, 0, NULL, '[]', '', '')",
            )
            .bind(id)
            .bind(name)
            .execute(db.pool())
            .await
            .unwrap();
        }
        let items = [
            item("i1", "chat", "q1", "2026-03-10T09:00:00Z"),
            item("i2", "chat", "q1", "2026-03-10T09:10:00Z"),
            item("i3", "chat", "q1", "2026-03-10T09:30:00Z"),
            item("i4", "chat", "q1", "2026-03-10T09:40:00Z"),
            item("i5", "chat", "q1", "2026-03-10T09:58:00Z"),
            item("i6", "voice", "q2", "2026-03-10T10:20:00Z"),
            // 23:30 UTC is already 11 March in Paris.
            item("i7", "chat", "q1", "2026-03-10T23:30:00Z"),
        ];
        let wrap = || EventKind::WrapUp {
            until: String::new(),
        };
        let transfer = || EventKind::Transferred {
            from_queue_id: "q1".into(),
            to_queue_id: "q2".into(),
        };
        let classified = |q: &str| EventKind::Classified {
            rule: None,
            queue_id: q.into(),
        };
        // (item, agent, queue, event, at)
        let script: Vec<(&str, Option<&str>, &str, EventKind, &str)> = vec![
            ("i1", None, "q1", classified("q1"), "2026-03-10T09:00:00Z"),
            (
                "i1",
                Some("a1"),
                "q1",
                EventKind::Assigned,
                "2026-03-10T09:00:08Z",
            ),
            ("i1", Some("a1"), "q1", wrap(), "2026-03-10T09:05:08Z"),
            (
                "i1",
                Some("a1"),
                "q1",
                EventKind::Closed,
                "2026-03-10T09:06:08Z",
            ),
            ("i2", None, "q1", classified("q1"), "2026-03-10T09:10:00Z"),
            (
                "i2",
                Some("a2"),
                "q1",
                EventKind::OfferExpired,
                "2026-03-10T09:10:30Z",
            ),
            (
                "i2",
                Some("a1"),
                "q1",
                EventKind::Assigned,
                "2026-03-10T09:10:40Z",
            ),
            (
                "i2",
                Some("a1"),
                "q1",
                EventKind::Closed,
                "2026-03-10T09:20:40Z",
            ),
            ("i3", None, "q1", classified("q1"), "2026-03-10T09:30:00Z"),
            (
                "i3",
                None,
                "q1",
                EventKind::Abandoned,
                "2026-03-10T09:30:04Z",
            ),
            ("i4", None, "q1", classified("q1"), "2026-03-10T09:40:00Z"),
            (
                "i4",
                None,
                "q1",
                EventKind::Abandoned,
                "2026-03-10T09:40:50Z",
            ),
            ("i5", None, "q1", classified("q1"), "2026-03-10T09:58:00Z"),
            (
                "i5",
                Some("a2"),
                "q1",
                EventKind::OfferDeclined,
                "2026-03-10T09:58:10Z",
            ),
            ("i5", None, "q2", transfer(), "2026-03-10T09:59:00Z"),
            (
                "i5",
                Some("a2"),
                "q2",
                EventKind::Assigned,
                "2026-03-10T10:01:00Z",
            ),
            (
                "i5",
                Some("a2"),
                "q2",
                EventKind::Closed,
                "2026-03-10T10:11:00Z",
            ),
            ("i6", None, "q2", classified("q2"), "2026-03-10T10:20:00Z"),
            (
                "i6",
                None,
                "q2",
                EventKind::CallbackRequested {
                    attributes: Default::default(),
                },
                "2026-03-10T10:21:00Z",
            ),
            ("i6", None, "q2", EventKind::Closed, "2026-03-10T10:21:00Z"),
            ("i7", None, "q1", classified("q1"), "2026-03-10T23:30:00Z"),
        ];
        let events: Vec<EventRow> = script
            .into_iter()
            .enumerate()
            .map(|(n, (item, agent, queue, kind, at))| EventRow {
                seq: n as i64 + 1,
                work_item_id: Some(item.into()),
                agent_id: agent.map(str::to_owned),
                queue_id: Some(queue.into()),
                kind: kind.name().into(),
                data: kind.data(Some(item)).to_string(),
                at: at.into(),
            })
            .collect();
        db.apply_routing(&items, &[], &events).await.unwrap();
    }

    fn query(by: ReportBy) -> ReportQuery {
        ReportQuery {
            by,
            from_day: "2026-03-10".into(),
            to_day: "2026-03-10".into(),
            hours: Some(("2026-03-10T00:00:00Z".into(), "2026-03-11T00:00:00Z".into())),
            queue_id: None,
            agent_id: None,
            channel: None,
            within: None,
        }
    }

    fn row<'a>(rows: &'a [ReportRow], key: &str) -> &'a Counts {
        &rows
            .iter()
            .find(|r| r.key == key)
            .unwrap_or_else(|| panic!("no row {key}"))
            .counts
    }

    #[tokio::test]
    async fn a_scripted_day_gives_the_figures_worked_out_by_hand() {
        for (_dir, db) in databases().await {
            script(&db).await;
            // Small batches: closes whose assignment was counted in an
            // earlier batch find it in the store.
            while db.roll_up_reports(3).await.unwrap() > 0 {}

            let by_queue = db.report(&query(ReportBy::Queue)).await.unwrap();
            assert_eq!(by_queue.len(), 2);
            let q1 = figures(row(&by_queue, "q1"), 20, 10).unwrap();
            // Offered: i1–i5 and i7 (the same UTC day).
            assert_eq!(q1.offered, 6);
            // i1 after 8 s, i2 after 40 s: one within 20 s.
            assert_eq!((q1.answered, q1.answered_in_threshold), (2, 1));
            assert_eq!(q1.average_speed_of_answer_seconds, Some(24.0));
            // i3 left after 4 s (short), i4 after 50 s.
            assert_eq!((q1.abandoned, q1.short_abandoned), (2, 1));
            assert_eq!(q1.average_abandon_seconds, Some(27.0));
            // 1 ÷ (2 answered + 2 abandoned − 1 short).
            assert_eq!(q1.service_level, Some(1.0 / 3.0));
            assert_eq!(q1.abandon_rate, Some(2.0 / 6.0));
            // i1: 300 s talk + 60 s wrap-up; i2: 600 s talk.
            assert_eq!(q1.handled, 2);
            assert_eq!(q1.average_handle_seconds, Some(480.0));
            assert_eq!(q1.average_talk_seconds, Some(450.0));
            assert_eq!(q1.average_wrap_up_seconds, Some(30.0));
            assert_eq!((q1.transferred_out, q1.declined, q1.timed_out), (1, 1, 1));

            let q2 = figures(row(&by_queue, "q2"), 20, 10).unwrap();
            // i6 arrived in q2; i5 came in by transfer and was answered
            // 180 s after it first arrived.
            assert_eq!((q2.offered, q2.transferred_in, q2.answered), (1, 1, 1));
            assert_eq!(q2.average_speed_of_answer_seconds, Some(180.0));
            assert_eq!(q2.service_level, Some(0.0));
            // A callback is not an abandon; i6, closed unanswered, was not handled
            // (the one handled is i5).
            assert_eq!(
                (q2.callbacks_requested, q2.abandoned, q2.handled),
                (1, 0, 1)
            );
            // A threshold of 60 s counts i2's answer too.
            let q1_60 = figures(row(&by_queue, "q1"), 60, 5).unwrap();
            assert_eq!((q1_60.answered_in_threshold, q1_60.short_abandoned), (2, 1));

            let by_agent = db.report(&query(ReportBy::Agent)).await.unwrap();
            assert_eq!(by_agent.len(), 2, "no row for figures of no agent");
            let a1 = row(&by_agent, "a1");
            assert_eq!(
                (a1.answered, a1.handled, a1.declined, a1.timed_out),
                (2, 2, 0, 0)
            );
            let a2 = row(&by_agent, "a2");
            assert_eq!(
                (a2.answered, a2.handled, a2.declined, a2.timed_out),
                (1, 1, 1, 1)
            );

            // Counted in the hour each event happened: i5 offered at 9:58,
            // answered at 10:01.
            let by_hour = db.report(&query(ReportBy::Hour)).await.unwrap();
            let keys: Vec<&str> = by_hour.iter().map(|r| r.key.as_str()).collect();
            assert_eq!(
                keys,
                [
                    "2026-03-10T09:00:00Z",
                    "2026-03-10T10:00:00Z",
                    "2026-03-10T23:00:00Z"
                ]
            );
            let nine = row(&by_hour, "2026-03-10T09:00:00Z");
            assert_eq!((nine.offered, nine.answered, nine.abandoned), (5, 2, 2));
            let ten = row(&by_hour, "2026-03-10T10:00:00Z");
            assert_eq!(
                (ten.offered, ten.answered, ten.callbacks_requested),
                (1, 1, 1)
            );

            let by_channel = db.report(&query(ReportBy::Channel)).await.unwrap();
            assert_eq!(row(&by_channel, "chat").offered, 6);
            assert_eq!(row(&by_channel, "voice").callbacks_requested, 1);

            let mut only_q2 = query(ReportBy::Day);
            only_q2.queue_id = Some("q2".into());
            let days = db.report(&only_q2).await.unwrap();
            assert_eq!(days.len(), 1);
            assert_eq!(days[0].counts.offered, 1);

            // A span of whole months and days around them reads the month's
            // sums and the days at either end: the same figures.
            let mut long = query(ReportBy::Queue);
            long.from_day = "2026-02-15".into();
            long.to_day = "2026-04-10".into();
            assert_eq!(db.report(&long).await.unwrap(), by_queue);
            long.from_day = "2026-03-01".into();
            long.to_day = "2026-03-31".into();
            assert_eq!(db.report(&long).await.unwrap(), by_queue);
            long.by = ReportBy::Agent;
            assert_eq!(db.report(&long).await.unwrap(), by_agent);
            // An agent's figures in one queue.
            let mut a2_by_queue = query(ReportBy::Queue);
            a2_by_queue.agent_id = Some("a2".into());
            let rows = db.report(&a2_by_queue).await.unwrap();
            assert_eq!(rows.len(), 2);
            assert_eq!(
                (row(&rows, "q1").declined, row(&rows, "q1").answered),
                (1, 0)
            );
            assert_eq!(row(&rows, "q2").answered, 1);

            // Counting again adds nothing: every event is counted once.
            assert_eq!(db.roll_up_reports(100).await.unwrap(), 0);
            assert_eq!(db.report(&query(ReportBy::Queue)).await.unwrap(), by_queue);

            // Another time zone recounts every day from the first event.
            assert!(db.set_report_time_zone("Europe/Paris").await.unwrap());
            let mut two_days = query(ReportBy::Day);
            two_days.to_day = "2026-03-11".into();
            let days = db.report(&two_days).await.unwrap();
            assert_eq!(days.len(), 2);
            assert_eq!(
                (days[0].key.as_str(), days[0].counts.offered),
                ("2026-03-10", 6)
            );
            assert_eq!(
                (days[1].key.as_str(), days[1].counts.offered),
                ("2026-03-11", 1)
            );
            assert_eq!(days[0].counts.handled, 3);
            assert!(!db.set_report_time_zone("Europe/Paris").await.unwrap());
            assert!(db.set_report_time_zone("Mars/Olympus").await.is_err());
        }
    }

    /// A caller's rating of a call (issue 16): once, 1 to 5, on the call's
    /// record, counted for the item's queue and channel, and counted again
    /// when the report time zone changes.
    #[tokio::test]
    async fn a_calls_rating_is_counted_once_and_recounted_with_the_zone() {
        use switchboard_store::StoreError;
        for (_dir, db) in databases().await {
            script(&db).await;
            while db.roll_up_reports(100).await.unwrap() > 0 {}
            db.start_call("i6", "inbound", "+33612345678", None)
                .await
                .unwrap();
            // 23:30 UTC: still 10 March in UTC, 11 March in Paris.
            let rated = db.rate_call("i6", 5, "2026-03-10T23:30:00Z").await.unwrap();
            assert_eq!(rated.csat_score, Some(5));
            assert_eq!(rated.csat_at.as_deref(), Some("2026-03-10T23:30:00Z"));
            assert!(matches!(
                db.rate_call("i6", 4, "2026-03-10T23:31:00Z").await,
                Err(StoreError::Conflict(_))
            ));
            assert!(matches!(
                db.rate_call("i5", 0, "2026-03-10T23:31:00Z").await,
                Err(StoreError::Invalid(_))
            ));
            assert!(matches!(
                db.rate_call("nope", 3, "2026-03-10T23:31:00Z").await,
                Err(StoreError::NotFound(_))
            ));
            let by_queue = db.report(&query(ReportBy::Queue)).await.unwrap();
            let q2 = row(&by_queue, "q2");
            assert_eq!(
                (q2.csat_responses, q2.csat_sum, q2.csat_satisfied),
                (1, 5, 1)
            );
            assert_eq!(row(&by_queue, "q1").csat_responses, 0);
            let by_channel = db.report(&query(ReportBy::Channel)).await.unwrap();
            assert_eq!(row(&by_channel, "voice").csat_responses, 1);

            assert!(db.set_report_time_zone("Europe/Paris").await.unwrap());
            let mut two_days = query(ReportBy::Day);
            two_days.to_day = "2026-03-11".into();
            let days = db.report(&two_days).await.unwrap();
            assert_eq!(row(&days, "2026-03-10").csat_responses, 0);
            assert_eq!(row(&days, "2026-03-11").csat_responses, 1);
        }
    }
}

#[tokio::test]
async fn pruning_waiting_samples_keeps_each_queues_newest() {
    use switchboard_core::reports::waiting::Sample;
    let at = |queue_id: &str, minute: i64, waiting: i64| Sample {
        queue_id: queue_id.into(),
        minute,
        waiting_max: waiting,
        waiting_last: waiting,
    };
    for (_dir, db) in databases().await {
        // "busy" changed at minutes 10, 20 and 200; "quiet" last at 30,
        // with 3 still waiting.
        db.record_queue_samples(&[
            at("busy", 10, 1),
            at("busy", 20, 2),
            at("quiet", 5, 1),
            at("quiet", 30, 3),
            at("busy", 200, 4),
        ])
        .await
        .unwrap();
        // Forget what is older than minute 100.
        assert_eq!(db.prune_queue_samples(100).await.unwrap(), 3);
        let queues = ["busy".to_owned(), "quiet".to_owned()];
        let (before, during) = db.queue_samples(150, 300, &queues).await.unwrap();
        let minutes = |v: &[Sample]| {
            v.iter()
                .map(|s| (s.queue_id.clone(), s.minute, s.waiting_last))
                .collect::<Vec<_>>()
        };
        // The quiet queue's last reading is still there to carry forward.
        assert_eq!(minutes(&before), [("quiet".to_owned(), 30, 3)]);
        assert_eq!(minutes(&during), [("busy".to_owned(), 200, 4)]);
    }
}
