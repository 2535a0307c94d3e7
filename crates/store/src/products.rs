//! Products that cases are about.

use serde::Serialize;
use switchboard_core::time;

use crate::audit::{snapshot, Area, Of};
use crate::{new_id, Db, Result, StoreError};
use serde_json::Value;

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
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO products (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(id.clone())
        .bind(name.to_owned())
        .bind(time::now())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "a product with this name"))?;
        let of = Of::Row("products", &id);
        self.audit_of(&mut tx, Area::Workspace, "product.create", of, Value::Null)
            .await?;
        tx.commit().await?;
        self.product(&id).await
    }

    pub async fn rename_product(&self, id: &str, name: &str) -> Result<Product> {
        let mut tx = self.write_tx().await?;
        let of = Of::Row("products", id);
        let before = snapshot(&mut tx, of).await?;
        let done = sqlx::query("UPDATE products SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(name.to_owned())
            .bind(time::now())
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "a product with this name"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("product"));
        }
        self.audit_of(&mut tx, Area::Workspace, "product.update", of, before)
            .await?;
        tx.commit().await?;
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
        let of = Of::Row("products", id);
        let before = snapshot(&mut tx, of).await?;
        crate::sql::delete_by_id(&mut tx, "products", id, "product").await?;
        self.audit_of(&mut tx, Area::Workspace, "product.delete", of, before)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
