use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::Result;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a connection pool and which engine is behind it.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// Shared by every clone: listeners hear changes made through any.
    pub(crate) changes: std::sync::Arc<crate::changes::Changes>,
    /// Whose configuration writes these are (see [`Db::acting`]).
    pub(crate) actor: Option<std::sync::Arc<crate::audit::Actor>>,
    /// Which webhooks want which events, shared by every clone.
    pub(crate) hooks: std::sync::Arc<crate::webhooks::Subscribers>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Connects to `sqlite://PATH` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(sqlx::Error::Configuration(
                "database URL must start with sqlite: or postgres:".into(),
            )
            .into());
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite serializes writers anyway; a few readers suffice.
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes;
                        // NORMAL sync is durable across application crashes
                        // and only risks the last commits on power loss.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
                            .await?;
                        // Measured with `switchboard bench chat`: chat
                        // writes touch index pages all over the file. A 32
                        // MiB page cache and mapped reads stop re-reading
                        // them; statement journals stay in memory instead
                        // of a temporary file; and checkpoints no longer run
                        // inside whichever commit crossed the threshold (a
                        // latency spike for everyone waiting on it): the
                        // checkpointer task does them (`start_checkpointer`).
                        conn.execute("PRAGMA cache_size = -32768; PRAGMA mmap_size = 268435456; PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            backend,
            changes: Default::default(),
            actor: None,
            hooks: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads and then
    /// writes fails outright (SQLITE_BUSY_SNAPSHOT) when another writer
    /// committed in between, whereas waiting for the lock up front lets the
    /// busy timeout apply.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Suffix that locks the rows a read-modify-write selects. SQLite needs
    /// none: `BEGIN IMMEDIATE` already holds the database's write lock.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// On SQLite, copies the write-ahead log into the database every second
    /// (PASSIVE: it never waits for, or blocks, readers and writers), off
    /// the writers' path. Commits themselves never checkpoint (see
    /// `connect`). When the process ends, SQLite checkpoints on close.
    pub fn start_checkpointer(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if pool.is_closed() {
                    return;
                }
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
                }
            }
        });
    }

    /// True once [`Db::close`] ran: background tasks stop then instead of
    /// failing every tick on a closed pool.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Raw access for benchmarks that measure the bare database as a baseline.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
