//! Agents: the people who sign in to Switchboard.

use serde::Serialize;
use switchboard_core::access::{format_roles, parse_roles, Role};
use switchboard_core::changes::Change;
use switchboard_core::time;

use crate::audit::{snapshot, Area, Of};
use crate::locked::Record;
use crate::sql::Sql;
use crate::{new_id, page, Db, Page, Result, StoreError};
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: String,
    name: String,
    email: String,
    roles: String,
    active: i64,
    created_at: String,
    updated_at: String,
}

impl From<Row> for Agent {
    fn from(r: Row) -> Self {
        Agent {
            id: r.id,
            name: r.name,
            email: r.email,
            roles: parse_roles(&r.roles),
            active: r.active != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, name, email, roles, active, created_at, updated_at";

impl Record for Agent {
    type Row = Row;
    const TABLE: &'static str = "agents";
    const COLUMNS: &'static str = COLUMNS;
    const NOUN: &'static str = "agent";
}

/// The new state of an agent; the password, if changed, arrives hashed.
#[derive(Debug, Clone)]
pub struct AgentChange {
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub password_hash: Option<String>,
    /// New routing settings, written in the same transaction; None keeps them.
    pub routing: Option<switchboard_core::records::AgentRoutingInput>,
}

/// The fields of an agent the store writes. The password arrives hashed.
pub struct AgentRecord<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub roles: &'a [Role],
    pub active: bool,
    pub password_hash: Option<&'a str>,
}

impl Db {
    pub async fn agent(&self, id: &str) -> Result<Agent> {
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM agents WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .map(Agent::from)
            .ok_or(StoreError::NotFound("agent"))
    }

    pub async fn agent_by_email(&self, email: &str) -> Result<Option<Agent>> {
        Ok(
            sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM agents WHERE email = $1"))
                .bind(email.to_lowercase())
                .fetch_optional(&self.pool)
                .await?
                .map(Agent::from),
        )
    }

    /// The agent and their password hash, for sign-in.
    pub async fn agent_credentials(&self, email: &str) -> Result<Option<(Agent, String)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, password_hash FROM agents WHERE email = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        match row {
            None => Ok(None),
            Some((id, hash)) => Ok(Some((self.agent(&id).await?, hash))),
        }
    }

    pub async fn create_agent(&self, r: &AgentRecord<'_>) -> Result<Agent> {
        self.create_agent_with(r, None).await
    }

    /// Creates an agent and, in the same transaction, its routing settings
    /// (errors named under `routing.`): nothing is saved if either fails.
    pub async fn create_agent_with(
        &self,
        r: &AgentRecord<'_>,
        routing: Option<&switchboard_core::records::AgentRoutingInput>,
    ) -> Result<Agent> {
        let id = new_id();
        let hash = r
            .password_hash
            .ok_or_else(|| StoreError::Conflict("a new agent needs a password".into()))?;
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO agents (id, name, email, roles, active, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id.clone())
        .bind(r.name.to_owned())
        .bind(r.email.to_lowercase())
        .bind(format_roles(r.roles))
        .bind(i64::from(r.active))
        .bind(hash.to_owned())
        .bind(time::now())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "an agent with this email"))?;
        let of = Of::Row("agents", &id);
        self.audit_of(&mut tx, Area::People, "agent.create", of, Value::Null)
            .await?;
        if let Some(routing) = routing {
            self.put_agent_routing_in(&mut tx, &id, routing, "routing.")
                .await?;
        }
        tx.commit().await?;
        if routing.is_some() {
            self.announce(Change::Routing);
        }
        self.agent(&id).await
    }

    /// Updates an agent with a locked read-modify-write: `change` computes
    /// the new state from the current one. Refuses (409) a change that would
    /// leave no active admin, checked inside the same transaction so two
    /// admins demoting each other cannot both succeed. A new password or
    /// deactivation also signs the agent out everywhere.
    pub async fn update_agent_with<F>(&self, id: &str, change: F) -> Result<Agent>
    where
        F: FnOnce(&Agent) -> Result<AgentChange>,
    {
        let mut update = self.lock_for_update::<Agent, _>(id, change).await?;
        let (tx, current, r) = (&mut update.tx, &update.current, &update.new);
        let before = snapshot(tx, Of::Row("agents", id)).await?;
        let was_admin = current.active && current.roles.contains(&Role::Admin);
        let stays_admin = r.active && r.roles.contains(&Role::Admin);
        if was_admin && !stays_admin {
            // Lock every admin row (PostgreSQL) so a concurrent demotion waits.
            let roles: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT roles FROM agents WHERE active = 1 AND id <> $1{}",
                self.for_update()
            ))
            .bind(id.to_owned())
            .fetch_all(&mut **tx)
            .await?;
            if !roles.iter().any(|r| parse_roles(r).contains(&Role::Admin)) {
                return Err(StoreError::Conflict(
                    "this is the last active admin; make another admin first".into(),
                ));
            }
        }
        sqlx::query(
            "UPDATE agents SET name = $1, email = $2, roles = $3, active = $4, \
             password_hash = COALESCE($5, password_hash), updated_at = $6 WHERE id = $7",
        )
        .bind(r.name.clone())
        .bind(r.email.to_lowercase())
        .bind(format_roles(&r.roles))
        .bind(i64::from(r.active))
        .bind(r.password_hash.clone())
        .bind(time::now())
        .bind(id.to_owned())
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::from_write(e, "an agent with this email"))?;
        if r.password_hash.is_some() || !r.active {
            sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
                .bind(id.to_owned())
                .execute(&mut **tx)
                .await?;
        }
        let of = Of::Row("agents", id);
        self.audit_of(tx, Area::People, "agent.update", of, before)
            .await?;
        if let Some(routing) = &r.routing {
            self.put_agent_routing_in(tx, id, routing, "routing.")
                .await?;
        }
        let agent = update.commit().await?;
        self.announce(Change::Routing);
        Ok(agent)
    }

    pub async fn agents(&self, after: Option<&str>, limit: u32) -> Result<Page<Agent>> {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM agents WHERE 1 = 1"));
        if let Some(after) = after {
            sql.push(" AND id > ").bind(after.to_owned());
        }
        sql.push(" ORDER BY id LIMIT ").bind(i64::from(limit) + 1);
        let rows: Vec<Row> = sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(page(
            rows.into_iter().map(Agent::from).collect(),
            limit,
            |a| vec![a.id.clone()],
        ))
    }
}
