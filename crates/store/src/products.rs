//! Products that cases are about.

use serde::Serialize;
use switchboard_core::time;

use crate::{new_id, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Db {
    pub async fn product(&self, id: &str) -> Result<Product> {
        sqlx::query_as("SELECT id, name, created_at, updated_at FROM products WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("product"))
    }

    /// All products by name; a catalogue is small enough to list whole.
    pub async fn products(&self) -> Result<Vec<Product>> {
        Ok(sqlx::query_as(
            "SELECT id, name, created_at, updated_at FROM products ORDER BY name, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn create_product(&self, name: &str) -> Result<Product> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO products (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(id.clone())
        .bind(name.to_owned())
        .bind(time::now())
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::from_write(e, "a product with this name"))?;
        self.product(&id).await
    }

    pub async fn rename_product(&self, id: &str, name: &str) -> Result<Product> {
        let done = sqlx::query("UPDATE products SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name.to_owned())
            .bind(time::now())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::from_write(e, "a product with this name"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("product"));
        }
        self.product(id).await
    }

    pub async fn delete_product(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE product_id = $1")
            .bind(id.to_owned())
            .fetch_one(&mut *tx)
            .await?;
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "{used} case(s) are about this product"
            )));
        }
        crate::sql::delete_by_id(&mut tx, "products", id, "product").await?;
        tx.commit().await?;
        Ok(())
    }
}
