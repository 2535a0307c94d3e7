//! Accounts: the customers' companies.

use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_core::records::{AccountDraft, AccountInput};
use switchboard_core::time;
use switchboard_core::validation::search_fold;

use crate::locked::Record;
use crate::sql::{like_escape, Sql};
use crate::{new_id, page, parse_custom, Db, Page, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: String,
    pub name: String,
    pub city: Option<String>,
    pub category: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

impl Account {
    pub fn to_input(&self) -> AccountInput {
        AccountInput {
            name: Some(self.name.clone()),
            city: self.city.clone(),
            category: self.category.clone(),
            custom: Some(Value::Object(self.custom.clone())),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: String,
    name: String,
    city: Option<String>,
    category: Option<String>,
    custom: String,
    created_at: String,
    updated_at: String,
}

impl From<Row> for Account {
    fn from(r: Row) -> Self {
        Account {
            id: r.id,
            name: r.name,
            city: r.city,
            category: r.category,
            custom: parse_custom(&r.custom),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, name, city, category, custom, created_at, updated_at";

impl Record for Account {
    type Row = Row;
    const TABLE: &'static str = "accounts";
    const COLUMNS: &'static str = COLUMNS;
    const NOUN: &'static str = "account";
}

impl Db {
    pub async fn account(&self, id: &str) -> Result<Account> {
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .map(Account::from)
            .ok_or(StoreError::NotFound("account"))
    }

    pub async fn create_account(&self, d: &AccountDraft) -> Result<Account> {
        let id = new_id();
        let now = time::now();
        sqlx::query(
            "INSERT INTO accounts (id, name, city, category, custom, search_text, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id.clone())
        .bind(d.name.clone())
        .bind(d.city.clone())
        .bind(d.category.clone())
        .bind(Value::Object(d.custom.clone()).to_string())
        .bind(search_fold(&d.name))
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.account(&id).await
    }

    /// Locked read-modify-write, as for contacts.
    pub async fn update_account_with<F>(&self, id: &str, change: F) -> Result<Account>
    where
        F: FnOnce(&Account) -> Result<AccountDraft>,
    {
        let mut update = self.lock_for_update::<Account, _>(id, change).await?;
        let d = &update.new;
        sqlx::query(
            "UPDATE accounts SET name = $1, city = $2, category = $3, custom = $4, search_text = $5, \
             updated_at = $6 WHERE id = $7",
        )
        .bind(d.name.clone())
        .bind(d.city.clone())
        .bind(d.category.clone())
        .bind(Value::Object(d.custom.clone()).to_string())
        .bind(search_fold(&d.name))
        .bind(time::now())
        .bind(id.to_owned())
        .execute(&mut *update.tx)
        .await?;
        update.commit().await
    }

    /// Refused while contacts or cases still belong to the account.
    pub async fn delete_account(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let used: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM contacts WHERE account_id = $1) + (SELECT COUNT(*) FROM cases WHERE account_id = $1)",
        )
        .bind(id.to_owned())
        .fetch_one(&mut *tx)
        .await?;
        if used > 0 {
            return Err(StoreError::Conflict(
                "the account still has contacts or cases; move or delete them first".into(),
            ));
        }
        crate::sql::delete_by_id(&mut tx, "accounts", id, "account").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn accounts(
        &self,
        q: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Account>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM accounts WHERE 1 = 1"));
        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
            sql.push(" AND search_text LIKE ")
                .bind(format!("%{}%", like_escape(&search_fold(q))))
                .push(" ESCAPE '\\'");
        }
        if let Some(after) = after {
            sql.push(" AND id > ").bind(after.to_owned());
        }
        sql.push(" ORDER BY id LIMIT ").bind(i64::from(limit) + 1);
        let rows: Vec<Row> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(page(
            rows.into_iter().map(Account::from).collect(),
            limit,
            |a| vec![a.id.clone()],
        ))
    }
}
