//! The communications admin's checks of delivery, with a real SMTP server
//! (aiosmtpd): the transports' status, a test message that arrives, and a
//! failed message retried once the server is back (only failed ones;
//! audited), on SQLite and PostgreSQL.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::scheduling::{booking, fixture, put, settings, settled, smtp, start_in};
use crate::support::{answer, apps_with, fields};

#[tokio::test]
async fn transports_test_messages_and_retrying_a_failed_message() {
    // The SMTP server is configured on a port where nothing listens yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    let mut sink: Option<smtp::SmtpSink> = None;
    let mut expected = 0;
    for app in apps_with(|c| {
        c.delivery.smtp_url = Some(url.clone());
        c.delivery.retry_base = Duration::from_millis(20);
    })
    .await
    {
        let f = fixture(
            &app,
            json!({"first_name": "Zoé", "email": format!("zoe-{}@example.com", app.backend)}),
        )
        .await;
        let admin = &f.admin;

        // The transports: SMTP configured, SMS not; no secret shown.
        let t = admin.ok("/api/v1/communications/transports").await;
        assert_eq!(
            t,
            json!({"email": {"transport": "smtp", "configured": true, "from": "Switchboard <meetings@localhost>"},
                   "sms": {"transport": "local", "configured": false, "from": null}})
        );

        // Bad input: the field named, nothing sent.
        let (s, bad) = answer(
            admin
                .post(
                    "/api/v1/communications/test-message",
                    json!({"channel": "email", "to": "not an address"}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&bad)), (422, vec!["to".to_owned()]), "{bad}");
        let (s, bad) = answer(
            admin
                .post(
                    "/api/v1/communications/test-message",
                    json!({"channel": "pigeon", "to": "a@example.com"}),
                )
                .await,
        )
        .await;
        assert_eq!((s, fields(&bad)), (422, vec!["channel".to_owned()]));
        // SMS has no transport: said so, nothing sent.
        let (s, r) = answer(
            admin
                .post(
                    "/api/v1/communications/test-message",
                    json!({"channel": "sms", "to": "+33 6 12 34 56 78"}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(
            (&r["sent"], &r["transport"], &r["to"]),
            (&json!(false), &json!("local"), &json!("+33612345678"))
        );
        assert!(r["error"].as_str().unwrap().contains("no transport"));

        if sink.is_none() {
            // The server is down: a test email says why it was not sent,
            // and a booking's confirmation ends failed after its retries.
            let (s, r) = answer(
                admin
                    .post(
                        "/api/v1/communications/test-message",
                        json!({"channel": "email", "to": "admin@example.com"}),
                    )
                    .await,
            )
            .await;
            assert_eq!(s, 200);
            assert_eq!(
                (&r["sent"], &r["transport"]),
                (&json!(false), &json!("smtp"))
            );
            assert!(r["error"].as_str().unwrap().starts_with("SMTP"), "{r}");
        }
        put(
            admin,
            "/api/v1/communications/settings",
            settings(true, false),
        )
        .await;
        let m = f
            .agent
            .create("/api/v1/meetings", booking(&f, &start_in(60)))
            .await;
        let meeting = m["id"].as_str().unwrap().to_owned();
        let rows = settled(&f, &meeting).await;
        let id = rows[0]["id"].as_str().unwrap().to_owned();
        if let Some(up) = sink.as_ref() {
            // The server is up for the second database: the confirmation
            // is sent, and a sent message is not retried.
            assert_eq!(rows[0]["state"], "sent", "{rows:?}");
            expected += 1;
            let (s, p) = answer(
                admin
                    .post(
                        &format!("/api/v1/communications/outbox/{id}/retry"),
                        json!({}),
                    )
                    .await,
            )
            .await;
            assert_eq!(s, 409, "{p}");
            assert!(p["detail"].as_str().unwrap().contains("sent"), "{p}");
            continue_with_test_message(admin, up, &mut expected).await;
            app.stop().await;
            continue;
        }
        assert_eq!(rows[0]["state"], "failed", "{rows:?}");
        // Only a failed message may be retried; the server comes back.
        let sink = &*sink.insert(smtp::SmtpSink::start_on(port));
        // Agents and supervisors may not retry.
        for role in [Role::Agent, Role::Supervisor] {
            let other = app.token(role).await;
            let r = other
                .post(
                    &format!("/api/v1/communications/outbox/{id}/retry"),
                    json!({}),
                )
                .await;
            assert_eq!(r.status(), 403);
        }
        let r = admin
            .post(
                "/api/v1/communications/outbox/0000000000000000/retry",
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 404);
        let (s, retried) = answer(
            admin
                .post(
                    &format!("/api/v1/communications/outbox/{id}/retry"),
                    json!({}),
                )
                .await,
        )
        .await;
        assert_eq!(s, 200, "{retried}");
        assert_eq!(
            (&retried["state"], &retried["attempts"]),
            (&json!("queued"), &json!(0))
        );
        let rows = settled(&f, &meeting).await;
        assert_eq!(rows[0]["state"], "sent", "{rows:?}");
        expected += 1;
        let mail = sink.wait_for(expected, 10).await;
        assert!(mail.iter().any(
            |r| r.header("Message-ID") == format!("<{meeting}.confirmation.email.0@localhost>")
        ));
        // A second retry: it is sent now, a conflict.
        let r = admin
            .post(
                &format!("/api/v1/communications/outbox/{id}/retry"),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 409);
        // The retry is in the audit log, without the message's text.
        let log = admin.ok("/api/v1/audit-log?area=communications").await;
        let entry = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "outbox.retry")
            .expect("the retry is audited")
            .clone();
        assert_eq!(entry["target_id"], json!(id));
        assert!(!entry.to_string().contains("Zoé"), "{entry}");
        continue_with_test_message(admin, sink, &mut expected).await;
        app.stop().await;
    }
}

/// A test email to the (running) server arrives.
async fn continue_with_test_message(
    admin: &crate::support::Caller,
    sink: &smtp::SmtpSink,
    expected: &mut usize,
) {
    let (s, r) = answer(
        admin
            .post(
                "/api/v1/communications/test-message",
                json!({"channel": "email", "to": "Admin@Example.com"}),
            )
            .await,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["sent"], &r["transport"], &r["to"], &r["error"]),
        (
            &json!(true),
            &json!("smtp"),
            &json!("admin@example.com"),
            &Value::Null
        )
    );
    *expected += 1;
    let mail = sink.wait_for(*expected, 10).await;
    let test = mail
        .iter()
        .find(|m| m.header("Subject") == "Switchboard test message")
        .expect("the test message arrived");
    assert_eq!(test.header("To"), "admin@example.com");
    assert!(test
        .part("text/plain")
        .unwrap()
        .contains("the transport works"));
}
