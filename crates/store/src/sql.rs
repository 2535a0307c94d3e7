//! A small builder for SQL with numbered placeholders.
//!
//! PostgreSQL wants `$1, $2…`; SQLite accepts the same. sqlx's own query
//! builder writes `?` for the `Any` driver, which PostgreSQL refuses, hence
//! this helper for queries whose shape depends on the request.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};
use std::fmt::Write;

pub(crate) struct Sql {
    pub text: String,
    pub args: AnyArguments<'static>,
    n: usize,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: AnyArguments::default(),
            n: 0,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        self.n += 1;
        write!(self.text, "${}", self.n).expect("writing to a String");
        self.args.add(value).expect("encoding a plain value");
        self
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether a row with this id exists in `table`, read inside the writing
/// transaction. `table` always comes from this crate's code, never from input.
pub(crate) async fn exists(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&mut *tx)
            .await?;
    Ok(found.is_some())
}

/// Every optional reference `(field, table, id)` that names no row, as field
/// errors, so a request hears about all of them at once.
pub(crate) async fn unknown_references(
    tx: &mut sqlx::AnyConnection,
    refs: &[(&str, &str, &Option<String>)],
) -> Result<Vec<switchboard_core::FieldError>, sqlx::Error> {
    let mut errors = Vec::new();
    for (field, table, value) in refs {
        if let Some(id) = value {
            if !exists(tx, table, id).await? {
                // "contacts" → "no contact has this id"
                let noun = table.strip_suffix('s').unwrap_or(table);
                errors.push(switchboard_core::FieldError::new(
                    *field,
                    "unknown",
                    format!("no {noun} has this id"),
                ));
            }
        }
    }
    Ok(errors)
}

/// Deletes the row with this id, or answers that there was none.
pub(crate) async fn delete_by_id(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    id: &str,
    what: &'static str,
) -> Result<(), crate::StoreError> {
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(crate::StoreError::NotFound(what));
    }
    Ok(())
}
