//! Locked read-modify-write of one record.
//!
//! An update computes the new state of a record from its current one (a
//! merge patch, a computed change). Reading, computing and writing in one
//! transaction with the row locked (PostgreSQL `FOR UPDATE`; on SQLite
//! `BEGIN IMMEDIATE` already holds the database's write lock) makes
//! concurrent updates apply one after the other instead of losing each
//! other's changes.
//!
//! [`Db::lock_for_update`] does the reading and computing; the caller writes
//! through [`Locked::tx`] and ends with [`Locked::commit`]. (A helper taking
//! the write step as an async closure would hold it all, but the futures of
//! async closures that borrow their arguments are not yet provably `Send`,
//! which axum's handlers need.)

use sqlx::any::AnyRow;

use crate::{Db, Result, StoreError};

/// A kind of record that is read by id from one table.
pub(crate) trait Record: From<Self::Row> {
    type Row: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin;
    const TABLE: &'static str;
    const COLUMNS: &'static str;
    /// What "not found" names.
    const NOUN: &'static str;
}

/// A record read with its row locked, and its new state.
pub(crate) struct Locked<'a, T, D> {
    db: &'a Db,
    id: String,
    /// The transaction to write the new state in.
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    pub current: T,
    pub new: D,
}

impl Db {
    /// Opens a write transaction, reads record `id` with its row locked and
    /// lets `change` compute the new state from it. Dropping the result
    /// without [`Locked::commit`] writes nothing.
    pub(crate) async fn lock_for_update<T: Record, D>(
        &self,
        id: &str,
        change: impl FnOnce(&T) -> Result<D>,
    ) -> Result<Locked<'_, T, D>> {
        let mut tx = self.write_tx().await?;
        let current = read::<T>(&mut *tx, id, self.for_update()).await?;
        let new = change(&current)?;
        Ok(Locked {
            db: self,
            id: id.to_owned(),
            tx,
            current,
            new,
        })
    }
}

impl<T: Record, D> Locked<'_, T, D> {
    /// Commits what was written and answers the record as stored now.
    pub(crate) async fn commit(self) -> Result<T> {
        self.tx.commit().await?;
        read::<T>(&self.db.pool, &self.id, "").await
    }
}

async fn read<'e, T: Record>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: &str,
    lock: &str,
) -> Result<T> {
    sqlx::query_as::<_, T::Row>(&format!(
        "SELECT {} FROM {} WHERE id = $1{lock}",
        T::COLUMNS,
        T::TABLE
    ))
    .bind(id.to_owned())
    .fetch_optional(ex)
    .await?
    .map(T::from)
    .ok_or(StoreError::NotFound(T::NOUN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::records::AccountDraft;

    fn send<T: Send>(_: T) {}

    /// Axum handlers await these updates: their futures must be `Send`.
    #[allow(dead_code)]
    fn updates_can_be_awaited_by_any_task(db: &Db, author: &crate::activities::Author) {
        send(db.update_account_with("a", |a| Ok(AccountDraft::parse(a.to_input())?)));
        send(db.update_contact_with("c", |_| Err(StoreError::NotFound("contact"))));
        send(db.update_case_with("c", author, |_| Err(StoreError::NotFound("case"))));
        send(db.update_agent_with("a", |_| Err(StoreError::NotFound("agent"))));
    }
}
