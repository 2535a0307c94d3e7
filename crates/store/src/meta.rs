//! Small key/value facts about the installation (e.g. demo data loaded).

use crate::{Db, Result};

impl Db {
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets `key` only if it is not set yet; true when this call set it.
    pub async fn meta_claim(&self, key: &str, value: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key.to_owned())
        .bind(value.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
