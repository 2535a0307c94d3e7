//! Cases, and the `case_event` timeline entries their changes write.

use serde::Serialize;
use switchboard_core::records::{ActivityKind, CaseDraft, CaseInput, CaseStatus, Priority};
use switchboard_core::validation::search_fold;
use switchboard_core::webhooks::EventType;
use switchboard_core::{case_change, time, Invalid};

use crate::activities::{insert_activity, Author, NewActivity};
use crate::locked::Record;
use crate::sql::{like_escape, Sql};
use crate::{new_id, page, Db, Page, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub priority: Priority,
    pub status: CaseStatus,
    pub product_id: Option<String>,
    pub owner_id: Option<String>,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Case {
    pub fn to_input(&self) -> CaseInput {
        CaseInput {
            title: Some(self.title.clone()),
            description: self.description.clone(),
            priority: Some(self.priority),
            status: Some(self.status),
            product_id: self.product_id.clone(),
            owner_id: self.owner_id.clone(),
            contact_id: self.contact_id.clone(),
            account_id: self.account_id.clone(),
        }
    }

    fn to_draft(&self) -> CaseDraft {
        CaseDraft {
            title: self.title.clone(),
            description: self.description.clone(),
            priority: self.priority,
            status: self.status,
            product_id: self.product_id.clone(),
            owner_id: self.owner_id.clone(),
            contact_id: self.contact_id.clone(),
            account_id: self.account_id.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: String,
    title: String,
    description: Option<String>,
    priority: String,
    status: String,
    product_id: Option<String>,
    owner_id: Option<String>,
    contact_id: Option<String>,
    account_id: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<Row> for Case {
    fn from(r: Row) -> Self {
        Case {
            id: r.id,
            title: r.title,
            description: r.description,
            priority: Priority::parse(&r.priority).unwrap_or(Priority::Normal),
            status: CaseStatus::parse(&r.status).unwrap_or(CaseStatus::Active),
            product_id: r.product_id,
            owner_id: r.owner_id,
            contact_id: r.contact_id,
            account_id: r.account_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, title, description, priority, status, product_id, owner_id, contact_id, account_id, created_at, updated_at";

impl Record for Case {
    type Row = Row;
    const TABLE: &'static str = "cases";
    const COLUMNS: &'static str = COLUMNS;
    const NOUN: &'static str = "case";
}

/// Filters for listing cases.
#[derive(Debug, Default)]
pub struct CaseFilter {
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub status: Option<CaseStatus>,
}

/// More filters for the workspace's case list and search.
#[derive(Debug, Default)]
pub struct CaseSearch {
    /// Matches the title, or the name, email or phone of the case's contact
    /// (folded: case and accents do not matter).
    pub q: Option<String>,
    pub priority: Option<Priority>,
    pub owner_id: Option<String>,
}

impl Db {
    pub async fn case(&self, id: &str) -> Result<Case> {
        fetch_case(&self.pool, id)
            .await?
            .ok_or(StoreError::NotFound("case"))
    }

    pub async fn create_case(&self, d: &CaseDraft, author: &Author) -> Result<Case> {
        let mut tx = self.write_tx().await?;
        check_references(&mut tx, d).await?;
        let id = new_id();
        let now = time::now();
        sqlx::query(
            "INSERT INTO cases (id, title, description, priority, status, product_id, owner_id, contact_id, \
             account_id, created_at, updated_at, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
        )
        .bind(id.clone())
        .bind(d.title.clone())
        .bind(d.description.clone())
        .bind(d.priority.as_str())
        .bind(d.status.as_str())
        .bind(d.product_id.clone())
        .bind(d.owner_id.clone())
        .bind(d.contact_id.clone())
        .bind(d.account_id.clone())
        .bind(now.clone())
        .bind(search_fold(&d.title))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "the case"))?;
        let event = NewActivity {
            kind: ActivityKind::CaseEvent,
            // Regards the case only: the contact's full timeline reaches it
            // through the contact's cases, and the customer filter stays clean.
            contact_id: None,
            case_id: Some(id.clone()),
            conversation_id: None,
            subject: Some(format!("Case opened: {}", d.title)),
            body: Some(format!(
                "priority: {}\nstatus: {}",
                d.priority.as_str(),
                d.status.as_str()
            )),
            occurred_at: now,
        };
        insert_activity(&mut tx, &event, author).await?;
        self.emit(&mut tx, EventType::CaseCreated, case_data(&id, d, None))
            .await?;
        tx.commit().await?;
        self.case(&id).await
    }

    /// Writes the new state and, when something visible changed, one
    /// `case_event` activity saying what, in the same transaction.
    pub async fn update_case(&self, id: &str, d: &CaseDraft, author: &Author) -> Result<Case> {
        self.update_case_with(id, author, |_| Ok(d.clone())).await
    }

    /// Locked read-modify-write: `change` computes the new state from the
    /// current one inside the transaction that writes it and its event.
    pub async fn update_case_with<F>(&self, id: &str, author: &Author, change: F) -> Result<Case>
    where
        F: FnOnce(&Case) -> Result<CaseDraft>,
    {
        let mut update = self.lock_for_update::<Case, _>(id, change).await?;
        let (tx, d) = (&mut update.tx, &update.new);
        check_references(tx, d).await?;
        let changes = case_change::describe(&update.current.to_draft(), d);
        if changes.is_empty() {
            return Ok(update.current);
        }
        let now = time::now();
        sqlx::query(
            "UPDATE cases SET title = $1, description = $2, priority = $3, status = $4, product_id = $5, \
             owner_id = $6, contact_id = $7, account_id = $8, updated_at = $9, search_text = $11 WHERE id = $10",
        )
        .bind(d.title.clone())
        .bind(d.description.clone())
        .bind(d.priority.as_str())
        .bind(d.status.as_str())
        .bind(d.product_id.clone())
        .bind(d.owner_id.clone())
        .bind(d.contact_id.clone())
        .bind(d.account_id.clone())
        .bind(now.clone())
        .bind(id.to_owned())
        .bind(search_fold(&d.title))
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::from_write(e, "the case"))?;
        // Conversations of another customer are no longer about this case.
        sqlx::query(
            "UPDATE conversations SET case_id = NULL WHERE case_id = $1 \
             AND (contact_id IS NULL OR $2 IS NULL OR contact_id <> $2)",
        )
        .bind(id.to_owned())
        .bind(d.contact_id.clone())
        .execute(&mut **tx)
        .await?;
        // The case's entries follow it to its (possibly new) contact.
        sqlx::query("UPDATE activities SET case_contact_id = $1 WHERE case_id = $2")
            .bind(d.contact_id.clone())
            .bind(id.to_owned())
            .execute(&mut **tx)
            .await?;
        let event = NewActivity {
            kind: ActivityKind::CaseEvent,
            // Regards the case only: the contact's full timeline reaches it
            // through the contact's cases, and the customer filter stays clean.
            contact_id: None,
            case_id: Some(id.to_owned()),
            conversation_id: None,
            subject: Some(format!("Case updated: {}", d.title)),
            body: Some(changes.join("\n")),
            occurred_at: now,
        };
        insert_activity(tx, &event, author).await?;
        self.emit(tx, EventType::CaseChanged, case_data(id, d, Some(&changes)))
            .await?;
        update.commit().await
    }

    /// Deletes a case. Its timeline entries that also regard a contact or a
    /// conversation stay there, unlinked from the case; the others go.
    pub async fn delete_case(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        // Conversations about it are no longer about a case.
        sqlx::query("UPDATE conversations SET case_id = NULL WHERE case_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM activities WHERE case_id = $1 AND (kind = 'case_event' OR (contact_id IS NULL AND conversation_id IS NULL))",
        )
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE activities SET case_id = NULL, case_contact_id = NULL WHERE case_id = $1",
        )
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        crate::sql::delete_by_id(&mut tx, "cases", id, "case").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cases newest first.
    pub async fn cases(
        &self,
        f: &CaseFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Case>> {
        self.cases_matching(f, &CaseSearch::default(), after, limit)
            .await
    }

    /// Cases newest first, filtered and searched.
    pub async fn cases_matching(
        &self,
        f: &CaseFilter,
        search: &CaseSearch,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Case>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM cases WHERE 1 = 1"));
        if let Some(q) = search.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = format!("%{}%", like_escape(&search_fold(q)));
            sql.push(" AND (search_text LIKE ")
                .bind(pattern.clone())
                .push(" ESCAPE '\\' OR contact_id IN (SELECT id FROM contacts WHERE search_text LIKE ")
                .bind(pattern)
                .push(" ESCAPE '\\'))");
        }
        if let Some(p) = search.priority {
            sql.push(" AND priority = ").bind(p.as_str().to_owned());
        }
        if let Some(o) = &search.owner_id {
            sql.push(" AND owner_id = ").bind(o.clone());
        }
        if let Some(c) = &f.contact_id {
            sql.push(" AND contact_id = ").bind(c.clone());
        }
        if let Some(a) = &f.account_id {
            sql.push(" AND account_id = ").bind(a.clone());
        }
        if let Some(s) = f.status {
            sql.push(" AND status = ").bind(s.as_str().to_owned());
        }
        if let Some(after) = after {
            sql.push(" AND id < ").bind(after.to_owned());
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let rows: Vec<Row> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(page(
            rows.into_iter().map(Case::from).collect(),
            limit,
            |c| vec![c.id.clone()],
        ))
    }
}

async fn fetch_case<'e, E>(ex: E, id: &str) -> Result<Option<Case>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM cases WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(ex)
            .await?
            .map(Case::from),
    )
}

/// Every id the case names must exist; all unknown ones are reported at once.
async fn check_references(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    d: &CaseDraft,
) -> Result<()> {
    let errors = crate::sql::unknown_references(
        tx,
        &[
            ("product_id", "products", &d.product_id),
            ("owner_id", "agents", &d.owner_id),
            ("contact_id", "contacts", &d.contact_id),
            ("account_id", "accounts", &d.account_id),
        ],
    )
    .await?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors).into())
    }
}

/// What a case webhook carries: the case as it now is (and, for a change,
/// the same lines the timeline shows).
fn case_data(id: &str, d: &CaseDraft, changes: Option<&[String]>) -> serde_json::Value {
    serde_json::json!({
        "case_id": id, "title": d.title, "status": d.status.as_str(),
        "priority": d.priority.as_str(), "contact_id": d.contact_id,
        "account_id": d.account_id, "owner_id": d.owner_id, "product_id": d.product_id,
        "changes": changes,
    })
}
