//! Activities: the timeline.

use serde::Serialize;
use switchboard_core::cursor::Cursor;
use switchboard_core::records::{ActivityDraft, ActivityKind};
use switchboard_core::{time, FieldError, Invalid};

use crate::sql::Sql;
use crate::{new_id, page, Db, Page, Result, StoreError};

/// Who wrote an entry: an agent, or an integration acting through a token.
#[derive(Debug, Clone)]
pub struct Author {
    pub agent_id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub kind: KindText,
    pub contact_id: Option<String>,
    pub case_id: Option<String>,
    pub conversation_id: Option<String>,
    pub author_id: Option<String>,
    pub author_name: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub occurred_at: String,
    pub created_at: String,
    pub updated_at: String,
}

/// An activity kind as read back from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct KindText(pub ActivityKind);

impl TryFrom<String> for KindText {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        ActivityKind::parse(&s)
            .map(KindText)
            .ok_or_else(|| format!("unknown activity kind {s}"))
    }
}

pub(crate) struct NewActivity {
    pub kind: ActivityKind,
    pub contact_id: Option<String>,
    pub case_id: Option<String>,
    pub conversation_id: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub occurred_at: String,
}

const COLUMNS: &str =
    "id, kind, contact_id, case_id, conversation_id, author_id, author_name, subject, body, \
    occurred_at, created_at, updated_at";

pub(crate) async fn insert_activity(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    a: &NewActivity,
    author: &Author,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO activities (id, kind, contact_id, case_id, conversation_id, author_id, author_name, \
         subject, body, occurred_at, created_at, updated_at, case_contact_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, \
         (SELECT contact_id FROM cases WHERE id = $4))",
    )
    .bind(id.clone())
    .bind(a.kind.as_str())
    .bind(a.contact_id.clone())
    .bind(a.case_id.clone())
    .bind(a.conversation_id.clone())
    .bind(author.agent_id.clone())
    .bind(author.name.clone())
    .bind(a.subject.clone())
    .bind(a.body.clone())
    .bind(a.occurred_at.clone())
    .bind(time::now())
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::from_write(e, "the activity"))?;
    Ok(id)
}

/// Which part of a contact's history the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything below together.
    All,
    /// Entries regarding the contact itself.
    Customer,
    /// Entries regarding the contact's cases (or the one case asked for).
    Case,
    /// Entries regarding one conversation.
    Conversation,
}

#[derive(Debug, Clone)]
pub struct TimelineQuery {
    pub contact_id: String,
    pub scope: Scope,
    pub case_id: Option<String>,
    pub conversation_id: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl Db {
    pub async fn activity(&self, id: &str) -> Result<Activity> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM activities WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("activity"))
    }

    pub async fn create_activity(&self, d: &ActivityDraft, author: &Author) -> Result<Activity> {
        let mut tx = self.write_tx().await?;

        let mut errors = crate::sql::unknown_references(
            &mut tx,
            &[
                ("contact_id", "contacts", &d.contact_id),
                ("case_id", "cases", &d.case_id),
            ],
        )
        .await?;
        // An entry about a contact and a case must not join one customer to
        // another customer's case.
        if let (true, Some(contact_id), Some(case_id)) =
            (errors.is_empty(), &d.contact_id, &d.case_id)
        {
            let owner: Option<String> =
                sqlx::query_scalar("SELECT contact_id FROM cases WHERE id = $1")
                    .bind(case_id.clone())
                    .fetch_one(&mut *tx)
                    .await?;
            if owner.as_deref() != Some(contact_id.as_str()) {
                errors.push(FieldError::new(
                    "case_id",
                    "mismatch",
                    "this case is not the contact's",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Invalid(errors).into());
        }
        let new = NewActivity {
            kind: d.kind,
            contact_id: d.contact_id.clone(),
            case_id: d.case_id.clone(),
            conversation_id: d.conversation_id.clone(),
            subject: d.subject.clone(),
            body: d.body.clone(),
            occurred_at: d.occurred_at.clone(),
        };
        let id = insert_activity(&mut tx, &new, author).await?;
        tx.commit().await?;
        self.activity(&id).await
    }

    pub async fn update_activity_text(
        &self,
        id: &str,
        subject: Option<String>,
        body: Option<String>,
    ) -> Result<Activity> {
        let done = sqlx::query(
            "UPDATE activities SET subject = $1, body = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(subject)
        .bind(body)
        .bind(time::now())
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("activity"));
        }
        self.activity(id).await
    }

    pub async fn delete_activity(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM activities WHERE id = $1")
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("activity"));
        }
        Ok(())
    }

    /// A contact's timeline, newest first.
    ///
    /// Each regarding link has its own index; every branch reads at most one
    /// page from its index and the union is merged, so the cost follows the
    /// page size rather than the length of the customer's history.
    pub async fn timeline(&self, q: &TimelineQuery) -> Result<Page<Activity>> {
        let contact: Option<String> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
            .bind(q.contact_id.clone())
            .fetch_optional(&self.pool)
            .await?;
        if contact.is_none() {
            return Err(StoreError::NotFound("contact"));
        }
        if let Some(case_id) = &q.case_id {
            let owner: Option<Option<String>> =
                sqlx::query_scalar("SELECT contact_id FROM cases WHERE id = $1")
                    .bind(case_id.clone())
                    .fetch_optional(&self.pool)
                    .await?;
            if owner.flatten().as_deref() != Some(q.contact_id.as_str()) {
                return Err(StoreError::NotFound("case"));
            }
        }
        if q.scope == Scope::Conversation && q.conversation_id.is_none() {
            return Err(Invalid::one(
                "conversation_id",
                "required",
                "is required when scope is conversation",
            )
            .into());
        }

        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM ("));
        let mut branches = 0;
        let mut branch = |sql: &mut Sql, filter: &dyn Fn(&mut Sql)| {
            if branches > 0 {
                sql.push(" UNION ");
            }
            branches += 1;
            sql.push(&format!(
                "SELECT * FROM (SELECT {COLUMNS} FROM activities WHERE "
            ));
            filter(sql);
            if let Some(c) = &q.cursor {
                // A row-value comparison lets both engines seek the
                // (link, occurred_at, id) index instead of scanning it.
                sql.push(" AND (occurred_at, id) < (")
                    .bind(c.0[0].clone())
                    .push(", ")
                    .bind(c.0[1].clone())
                    .push(")");
            }
            sql.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
                .bind(i64::from(q.limit) + 1)
                .push(&format!(") AS b{branches}"));
        };
        if matches!(q.scope, Scope::All | Scope::Customer) {
            branch(&mut sql, &|s: &mut Sql| {
                s.push("contact_id = ").bind(q.contact_id.clone());
            });
        }
        if matches!(q.scope, Scope::All | Scope::Case) {
            branch(&mut sql, &|s: &mut Sql| match &q.case_id {
                Some(case_id) => {
                    s.push("case_id = ").bind(case_id.clone());
                }
                None => {
                    s.push("case_contact_id = ").bind(q.contact_id.clone());
                }
            });
        }
        if let (Scope::All | Scope::Conversation, Some(conv)) = (q.scope, &q.conversation_id) {
            branch(&mut sql, &|s: &mut Sql| {
                s.push("conversation_id = ").bind(conv.clone());
            });
        }
        sql.push(") AS timeline ORDER BY occurred_at DESC, id DESC LIMIT ")
            .bind(i64::from(q.limit) + 1);
        let rows: Vec<Activity> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(page(rows, q.limit, |a| {
            vec![a.occurred_at.clone(), a.id.clone()]
        }))
    }
}
