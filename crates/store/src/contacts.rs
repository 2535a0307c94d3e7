//! Contacts: the customer people.

use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_core::records::{ContactDraft, ContactInput, PreferredChannel};
use switchboard_core::{time, Invalid};

use crate::locked::Record;
use crate::sql::{like_escape, Sql};
use crate::{new_id, page, parse_custom, Db, Page, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub account_id: Option<String>,
    pub job_title: Option<String>,
    pub title: Option<String>,
    pub relationship_type: Option<String>,
    pub city: Option<String>,
    pub category: Option<String>,
    pub preferred_channel: Option<PreferredChannel>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub external_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

impl Contact {
    /// The contact as an input, the base a merge patch applies to.
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            account_id: self.account_id.clone(),
            job_title: self.job_title.clone(),
            title: self.title.clone(),
            relationship_type: self.relationship_type.clone(),
            city: self.city.clone(),
            category: self.category.clone(),
            preferred_channel: self.preferred_channel,
            locale: self.locale.clone(),
            time_zone: self.time_zone.clone(),
            external_id: self.external_id.clone(),
            custom: Some(Value::Object(self.custom.clone())),
        }
    }

    /// "First Last", or whatever part is known.
    pub fn display_name(&self) -> String {
        let name = [&self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            self.email
                .clone()
                .or_else(|| self.phone.clone())
                .unwrap_or_default()
        } else {
            name
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    account_id: Option<String>,
    job_title: Option<String>,
    title: Option<String>,
    relationship_type: Option<String>,
    city: Option<String>,
    category: Option<String>,
    preferred_channel: Option<String>,
    locale: Option<String>,
    time_zone: Option<String>,
    external_id: Option<String>,
    custom: String,
    created_at: String,
    updated_at: String,
}

impl From<Row> for Contact {
    fn from(r: Row) -> Self {
        Contact {
            id: r.id,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
            account_id: r.account_id,
            job_title: r.job_title,
            title: r.title,
            relationship_type: r.relationship_type,
            city: r.city,
            category: r.category,
            preferred_channel: r
                .preferred_channel
                .as_deref()
                .and_then(PreferredChannel::parse),
            locale: r.locale,
            time_zone: r.time_zone,
            external_id: r.external_id,
            custom: parse_custom(&r.custom),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, first_name, last_name, email, phone, account_id, job_title, title, \
    relationship_type, city, category, preferred_channel, locale, time_zone, external_id, custom, \
    created_at, updated_at";

impl Record for Contact {
    type Row = Row;
    const TABLE: &'static str = "contacts";
    const COLUMNS: &'static str = COLUMNS;
    const NOUN: &'static str = "contact";
}

/// Filters for listing contacts.
#[derive(Debug, Default)]
pub struct ContactFilter {
    /// Matches name, email or phone, case-insensitively.
    pub q: Option<String>,
    pub account_id: Option<String>,
    pub external_id: Option<String>,
}

impl Db {
    pub async fn contact(&self, id: &str) -> Result<Contact> {
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM contacts WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .map(Contact::from)
            .ok_or(StoreError::NotFound("contact"))
    }

    pub async fn create_contact(&self, d: &ContactDraft) -> Result<Contact> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        write_contact(&mut tx, &id, d, true).await?;
        tx.commit().await?;
        self.contact(&id).await
    }

    /// Reads the contact with its row locked, lets `change` compute the new
    /// state from it, and writes that, all in one transaction: concurrent
    /// updates apply one after the other instead of losing each other.
    pub async fn update_contact_with<F>(&self, id: &str, change: F) -> Result<Contact>
    where
        F: FnOnce(&Contact) -> Result<ContactDraft>,
    {
        let mut update = self.lock_for_update::<Contact, _>(id, change).await?;
        write_contact(&mut update.tx, id, &update.new, false).await?;
        update.commit().await
    }

    /// Deletes a contact and its own timeline. A contact that still has cases
    /// is refused: cases are history the business keeps.
    pub async fn delete_contact(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE contact_id = $1")
            .bind(id.to_owned())
            .fetch_one(&mut *tx)
            .await?;
        if cases > 0 {
            return Err(StoreError::Conflict(format!(
                "the contact still has {cases} case(s); reassign or delete them first"
            )));
        }
        // Routing history stays, without the person it named.
        sqlx::query(
            "UPDATE work_items SET contact_id = NULL, customer_name = NULL WHERE contact_id = $1",
        )
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM activities WHERE contact_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        // Erasing a customer erases their meetings and the messages about
        // them (which hold their address and name).
        for table in ["outbox", "meeting_advisors"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE meeting_id IN (SELECT id FROM meetings WHERE contact_id = $1)"
            ))
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        }
        // Their callbacks hold their phone number.
        for table in ["meetings", "callbacks"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE contact_id = $1"))
                .bind(id.to_owned())
                .execute(&mut *tx)
                .await?;
        }
        crate::sql::delete_by_id(&mut tx, "contacts", id, "contact").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Contacts in creation order, filtered.
    pub async fn contacts(
        &self,
        f: &ContactFilter,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Contact>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM contacts WHERE 1 = 1"));
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = format!(
                "%{}%",
                like_escape(&switchboard_core::validation::search_fold(q))
            );
            sql.push(" AND (search_text LIKE ")
                .bind(pattern)
                .push(" ESCAPE '\\'");
            // A number typed as the customer says it, e.g. "+33 6 12 34 56 78".
            if let Some(e164) = switchboard_core::validation::parse_phone(q) {
                sql.push(" OR phone = ").bind(e164);
            }
            sql.push(")");
        }
        if let Some(a) = &f.account_id {
            sql.push(" AND account_id = ").bind(a.clone());
        }
        if let Some(x) = &f.external_id {
            sql.push(" AND external_id = ").bind(x.clone());
        }
        if let Some(after) = after {
            sql.push(" AND id > ").bind(after.to_owned());
        }
        sql.push(" ORDER BY id LIMIT ").bind(i64::from(limit) + 1);
        let rows: Vec<Row> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(page(
            rows.into_iter().map(Contact::from).collect(),
            limit,
            |c| vec![c.id.clone()],
        ))
    }
}

/// Inserts or updates a contact inside `tx`, checking its references.
async fn write_contact(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    d: &ContactDraft,
    create: bool,
) -> Result<()> {
    if let Some(account_id) = &d.account_id {
        if !crate::sql::exists(tx, "accounts", account_id).await? {
            return Err(Invalid::one("account_id", "unknown", "no account has this id").into());
        }
    }
    if let Some(external_id) = &d.external_id {
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE external_id = $1 AND id <> $2")
                .bind(external_id.clone())
                .bind(id.to_owned())
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(
                "another contact already has this external_id".into(),
            ));
        }
    }
    let now = time::now();
    let custom = Value::Object(d.custom.clone()).to_string();
    let q = if create {
        "INSERT INTO contacts (first_name, last_name, email, phone, account_id, job_title, title, \
         relationship_type, city, category, preferred_channel, locale, time_zone, external_id, \
         custom, search_text, updated_at, created_at, id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)"
    } else {
        "UPDATE contacts SET first_name = $1, last_name = $2, email = $3, phone = $4, account_id = $5, \
         job_title = $6, title = $7, relationship_type = $8, city = $9, category = $10, \
         preferred_channel = $11, locale = $12, time_zone = $13, external_id = $14, custom = $15, \
         search_text = $16, updated_at = $17 WHERE id = $18"
    };
    let done = sqlx::query(q)
        .bind(d.first_name.clone())
        .bind(d.last_name.clone())
        .bind(d.email.clone())
        .bind(d.phone.clone())
        .bind(d.account_id.clone())
        .bind(d.job_title.clone())
        .bind(d.title.clone())
        .bind(d.relationship_type.clone())
        .bind(d.city.clone())
        .bind(d.category.clone())
        .bind(d.preferred_channel.map(|c| c.as_str().to_owned()))
        .bind(d.locale.clone())
        .bind(d.time_zone.clone())
        .bind(d.external_id.clone())
        .bind(custom)
        .bind(d.search_text())
        .bind(now)
        .bind(id.to_owned())
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::from_write(e, "a contact with this external_id"))?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("contact"));
    }
    Ok(())
}

/// Rows one INSERT of an import carries (18 values each: under SQLite's
/// and PostgreSQL's limits on bound values).
const IMPORT_BATCH: usize = 500;

impl Db {
    /// Creates every contact of an import, or none: one transaction, the
    /// accounts named checked to exist and the external ids checked to be
    /// free first. `progress` hears the number written so far, after each
    /// batch. Answers the number created.
    pub async fn import_contacts(
        &self,
        drafts: &[ContactDraft],
        mut progress: impl FnMut(usize) + Send,
    ) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        let mut errors = Vec::new();
        let mut accounts: Vec<&String> = drafts
            .iter()
            .filter_map(|d| d.account_id.as_ref())
            .collect();
        accounts.sort();
        accounts.dedup();
        for a in accounts {
            if !crate::sql::exists(&mut tx, "accounts", a).await? {
                errors.push(switchboard_core::FieldError::new(
                    "account_id",
                    "unknown",
                    format!("no account has the id {a}"),
                ));
            }
        }
        for d in drafts {
            if let Some(x) = &d.external_id {
                let taken: Option<String> =
                    sqlx::query_scalar("SELECT id FROM contacts WHERE external_id = $1")
                        .bind(x.clone())
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    errors.push(switchboard_core::FieldError::new(
                        "external_id",
                        "taken",
                        format!("a contact already has the external_id {x}"),
                    ));
                }
            }
            if errors.len() >= switchboard_core::import::MAX_REPORTED {
                break;
            }
        }
        if !errors.is_empty() {
            return Err(Invalid(errors).into());
        }
        let now = time::now();
        let mut written = 0;
        for batch in drafts.chunks(IMPORT_BATCH) {
            let mut sql = Sql::new(
                "INSERT INTO contacts (first_name, last_name, email, phone, account_id, job_title, title, \
                 relationship_type, city, category, preferred_channel, locale, time_zone, external_id, \
                 custom, search_text, updated_at, created_at, id) VALUES ",
            );
            for (i, d) in batch.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind(d.first_name.clone()).push(", ");
                sql.bind(d.last_name.clone()).push(", ");
                sql.bind(d.email.clone()).push(", ");
                sql.bind(d.phone.clone()).push(", ");
                sql.bind(d.account_id.clone()).push(", ");
                sql.bind(d.job_title.clone()).push(", ");
                sql.bind(d.title.clone()).push(", ");
                sql.bind(d.relationship_type.clone()).push(", ");
                sql.bind(d.city.clone()).push(", ");
                sql.bind(d.category.clone()).push(", ");
                sql.bind(d.preferred_channel.map(|c| c.as_str().to_owned()))
                    .push(", ");
                sql.bind(d.locale.clone()).push(", ");
                sql.bind(d.time_zone.clone()).push(", ");
                sql.bind(d.external_id.clone()).push(", ");
                sql.bind(Value::Object(d.custom.clone()).to_string())
                    .push(", ");
                sql.bind(d.search_text()).push(", ");
                sql.bind(now.clone()).push(", ");
                sql.bind(now.clone()).push(", ");
                sql.bind(new_id()).push(")");
            }
            sqlx::query_with(&sql.text, sql.args)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::from_write(e, "a contact with this external_id"))?;
            written += batch.len();
            progress(written);
        }
        tx.commit().await?;
        Ok(written)
    }
}

impl Db {
    /// For `switchboard bench import`: `rows` contacts' worth of values
    /// written by plain multi-row INSERTs into a scratch copy of the
    /// contacts table (dropped after), in one transaction, unchecked.
    pub async fn bench_raw_contact_inserts(&self, rows: u32) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DROP TABLE IF EXISTS bench_contacts")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "CREATE TABLE bench_contacts AS SELECT first_name, last_name, email, phone, account_id, job_title, \
             title, relationship_type, city, category, preferred_channel, locale, time_zone, external_id, custom, \
             search_text, updated_at, created_at, id FROM contacts WHERE 1 = 0",
        )
        .execute(&mut *tx)
        .await?;
        let now = time::now();
        let all: Vec<u32> = (0..rows).collect();
        for batch in all.chunks(IMPORT_BATCH) {
            let mut sql = Sql::new("INSERT INTO bench_contacts VALUES ");
            for (n, i) in batch.iter().enumerate() {
                sql.push(if n == 0 { "(" } else { ", (" });
                sql.bind(format!("Ann{i}")).push(", ");
                sql.bind(format!("Smith{i}")).push(", ");
                sql.bind(format!("ann{i}@example.com")).push(", ");
                sql.bind(format!("+3361{:07}", i % 10_000_000)).push(", ");
                for _ in 0..4 {
                    sql.bind(None::<String>).push(", ");
                }
                sql.bind("Paris".to_owned()).push(", ");
                for _ in 0..5 {
                    sql.bind(None::<String>).push(", ");
                }
                sql.bind("{}".to_owned()).push(", ");
                sql.bind(format!("ann{i} smith{i}")).push(", ");
                sql.bind(now.clone()).push(", ");
                sql.bind(now.clone()).push(", ");
                sql.bind(new_id()).push(")");
            }
            sqlx::query_with(&sql.text, sql.args)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DROP TABLE bench_contacts")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
