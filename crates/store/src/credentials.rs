//! API tokens and browser sessions. Only hashes of their secrets are stored.

use serde::Serialize;
use switchboard_core::access::Role;
use switchboard_core::time;

use crate::audit::{snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: RoleText,
    /// The agent the token acts as (author of what it writes), if any.
    pub agent_id: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// After this time the token no longer works; none: until revoked.
    pub expires_at: Option<String>,
    /// Who made it: an admin's name, or `command line`.
    pub created_by: Option<String>,
}

/// A token to create, besides its secret's digest.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: Role,
    pub agent_id: Option<&'a str>,
    pub expires_at: Option<&'a str>,
    pub created_by: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct RoleText(pub Role);

impl TryFrom<String> for RoleText {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        Role::parse(&s)
            .map(RoleText)
            .ok_or_else(|| format!("unknown role {s}"))
    }
}

/// Who a presented secret belongs to.
#[derive(Debug, Clone)]
pub enum Holder {
    Token {
        token: ApiToken,
        agent_name: Option<String>,
    },
    Session {
        agent_id: String,
        csrf_token: String,
    },
}

const TOKEN_COLUMNS: &str =
    "id, name, role, agent_id, created_at, revoked_at, expires_at, created_by";

impl Db {
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        agent_id: Option<&str>,
        token_hash: &str,
    ) -> Result<ApiToken> {
        self.create_token_with(
            NewToken {
                name,
                role,
                agent_id,
                expires_at: None,
                created_by: None,
            },
            token_hash,
        )
        .await
    }

    pub async fn create_token_with(&self, t: NewToken<'_>, token_hash: &str) -> Result<ApiToken> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, role, agent_id, token_hash, created_at, expires_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.clone())
        .bind(t.name.to_owned())
        .bind(t.role.as_str())
        .bind(t.agent_id.map(str::to_owned))
        .bind(token_hash.to_owned())
        .bind(time::now())
        .bind(t.expires_at.map(str::to_owned))
        .bind(t.created_by.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        let of = Of::Row("api_tokens", &id);
        self.audit_of(&mut tx, Area::Integrations, "token.create", of, Value::Null)
            .await?;
        tx.commit().await?;
        self.token(&id).await
    }

    pub async fn token(&self, id: &str) -> Result<ApiToken> {
        sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("token"))
    }

    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revoking twice is harmless; the first revocation time is kept.
    pub async fn revoke_token(&self, id: &str) -> Result<ApiToken> {
        let mut tx = self.write_tx().await?;
        let of = Of::Row("api_tokens", id);
        let before = snapshot(&mut tx, of).await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(time::now())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            self.audit_of(&mut tx, Area::Integrations, "token.revoke", of, before)
                .await?;
        }
        tx.commit().await?;
        self.token(id).await
    }

    /// The live token with this hash: not revoked, and its agent (if any) active.
    pub async fn token_holder(&self, token_hash: &str) -> Result<Option<Holder>> {
        let token: Option<ApiToken> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(token) = token else { return Ok(None) };
        if let Some(expires) = &token.expires_at {
            // Unreadable counts as expired: a token fails closed.
            match time::parse(expires) {
                Some(at) if at > jiff::Timestamp::now() => {}
                _ => return Ok(None),
            }
        }
        let agent_name = match &token.agent_id {
            None => None,
            Some(agent_id) => {
                // A token acts as its agent and can never do more than the
                // agent may do now: demoting or deactivating the agent
                // disables tokens whose role they no longer hold.
                let agent = self.agent(agent_id).await?;
                if !agent.active || !agent.roles.contains(&token.role.0) {
                    return Ok(None);
                }
                Some(agent.name)
            }
        };
        Ok(Some(Holder::Token { token, agent_name }))
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        agent_id: &str,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, agent_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash.to_owned())
        .bind(agent_id.to_owned())
        .bind(csrf_token.to_owned())
        .bind(time::now())
        .bind(expires_at.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session with this hash, if it has not expired.
    pub async fn session_holder(&self, id_hash: &str) -> Result<Option<Holder>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT s.agent_id, s.csrf_token FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND a.active = 1",
        )
        .bind(id_hash.to_owned())
        .bind(time::now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(agent_id, csrf_token)| Holder::Session {
            agent_id,
            csrf_token,
        }))
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(time::now())
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
