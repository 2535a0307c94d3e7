//! Contacts from CSV: all or nothing, every bad row named by its line,
//! columns mapped by header or by choice.

use serde_json::{json, Value};
use switchboard_core::access::Role;

use crate::support::{answer, apps, fields, Caller};

async fn import(who: &Caller, csv: &str, columns: Option<Value>) -> (u16, Value) {
    let mut path = "/api/v1/contacts/import".to_owned();
    if let Some(c) = columns {
        path.push_str(&format!("?columns={}", urlencode(&c.to_string())));
    }
    answer(
        who.request(reqwest::Method::POST, &path)
            .header("content-type", "text/csv; charset=utf-8")
            .body(csv.to_owned())
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn count(admin: &Caller) -> usize {
    admin.ok("/api/v1/contacts?limit=200").await["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_csv_imports_whole_or_not_at_all_and_names_each_bad_line() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        admin
            .create(
                "/api/v1/contacts",
                json!({"first_name": "Old", "external_id": "crm-1"}),
            )
            .await;
        let before = count(&admin).await;

        // Bad rows: each named by its line; nothing written.
        let bad = "First name,E-mail address,phone\n\
                   Ann,ann@example.com,+33612345678\n\
                   Bob,not-an-email,\n\
                   ,,\n\
                   Cy,cy@example.com,12\n";
        let (st, body) = import(&admin, bad, Some(json!({"email": "E-mail address"}))).await;
        assert_eq!(st, 422, "{body}");
        assert_eq!(
            fields(&body),
            vec!["lines[3].email", "lines[4].last_name", "lines[5].phone"]
        );
        assert_eq!(count(&admin).await, before, "nothing imported");

        // A mapping naming what is not there, a wrong type, a taken id.
        let (st, body) = import(
            &admin,
            "a,b\n1,2\n",
            Some(json!({"shoe": "a", "email": "z"})),
        )
        .await;
        assert_eq!(st, 422);
        assert_eq!(fields(&body), vec!["columns.email", "columns.shoe"]);
        let (st, body) = import(&admin, "email\nx@example.com\n", Some(json!(["email"]))).await;
        assert_eq!((st, fields(&body)), (422, vec!["columns".to_owned()]));
        let (st, _) = answer(
            admin
                .request(reqwest::Method::POST, "/api/v1/contacts/import")
                .json(&json!({"email": "x@example.com"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 415);
        let taken = "first_name,external_id\nNew,crm-2\nAgain,crm-1\n";
        let (st, body) = import(&admin, taken, None).await;
        assert_eq!(
            (st, fields(&body)),
            (422, vec!["external_id".to_owned()]),
            "{body}"
        );
        assert_eq!(count(&admin).await, before);
        let ragged = "first_name,email\nAnn\n";
        let (st, body) = import(&admin, ragged, None).await;
        assert_eq!((st, fields(&body)), (422, vec!["file".to_owned()]));

        // A good file: quoted commas, accents and hostile text kept as text.
        let good = "Last name,First name,Email,City,preferred_channel\n\
                    \"O'Brien, Sr\",Seán,sean@example.com,Cork,email\n\
                    \"<script>alert(1)</script>\",=cmd|' /C calc'!A0,,Paris,\n";
        let (st, body) = import(&admin, good, None).await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(body, json!({"imported": 2}));
        assert_eq!(count(&admin).await, before + 2);
        let found = admin.ok("/api/v1/contacts?q=sean").await;
        let sean = &found["items"][0];
        assert_eq!(sean["last_name"], "O'Brien, Sr");
        assert_eq!(sean["preferred_channel"], "email");

        // Agents and supervisors may not import.
        for role in [Role::Agent, Role::Supervisor] {
            let who = app.token(role).await;
            let (st, _) = import(&who, good, None).await;
            assert_eq!(st, 403);
        }
        app.stop().await;
    }
}

/// An import sent with an `X-Import-Id` can be followed: rows checked,
/// then written out of the total, then done (or refused). A bad id is
/// named; an unknown one is 404; only admins may look.
#[tokio::test]
async fn an_imports_progress_can_be_followed_by_its_id() {
    for app in apps().await {
        let admin = app.token(Role::Admin).await;
        let mut csv = String::from("first_name,email\n");
        for i in 0..1200 {
            csv.push_str(&format!("Ana{i},ana{i}@example.com\n"));
        }
        let send = |id: &str, body: String| {
            admin
                .request(reqwest::Method::POST, "/api/v1/contacts/import")
                .header("content-type", "text/csv")
                .header("x-import-id", id)
                .body(body)
                .send()
        };
        let (s, b) = answer(send("import-0001", csv.clone()).await.unwrap()).await;
        assert_eq!((s, b["imported"].as_u64()), (200, Some(1200)), "{b}");
        let p = admin
            .ok("/api/v1/contacts/import/progress/import-0001")
            .await;
        assert_eq!(
            (
                p["stage"].as_str(),
                p["total"].as_u64(),
                p["written"].as_u64(),
                p["checked"].as_u64()
            ),
            (Some("done"), Some(1200), Some(1200), Some(1200)),
            "{p}"
        );
        // A refused file ends refused, with nothing written.
        let (s, _) = answer(
            send("import-0002", "first_name,email\n,not-an-email\n".into())
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 422);
        let p = admin
            .ok("/api/v1/contacts/import/progress/import-0002")
            .await;
        assert_eq!(
            (p["stage"].as_str(), p["written"].as_u64()),
            (Some("refused"), Some(0)),
            "{p}"
        );
        let (s, b) = answer(send("no", csv.clone()).await.unwrap()).await;
        assert_eq!(
            (s, fields(&b)),
            (422, vec!["x-import-id".to_owned()]),
            "{b}"
        );
        let (s, _) = answer(
            admin
                .get("/api/v1/contacts/import/progress/unknown-id")
                .await,
        )
        .await;
        assert_eq!(s, 404);
        let boss = app.token(Role::Supervisor).await;
        let (s, _) = answer(
            boss.get("/api/v1/contacts/import/progress/import-0001")
                .await,
        )
        .await;
        assert_eq!(s, 403);
        app.stop().await;
    }
}
