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
