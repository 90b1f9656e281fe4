use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::error::{Result, StoreError};

static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

#[derive(Clone, Debug)]
enum Pool {
    Pg(PgPool),
    Sqlite(SqlitePool),
}

/// The database: a pool of either backend.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// A transaction on either backend. Every store function takes one, so that a
/// use case writes all it changes, or nothing. A store function that fails ends
/// the transaction (PostgreSQL aborts it; SQLite would go on): drop it and start over.
pub enum Tx {
    Pg(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
    /// A pooled connection in autocommit: reads that need no snapshot across
    /// statements save the `BEGIN` and `COMMIT` round trips.
    PgConn(sqlx::pool::PoolConnection<Postgres>),
    SqliteConn(sqlx::pool::PoolConnection<Sqlite>),
}

/// Runs the same body against whichever backend a [`Tx`] holds; `$c` is bound to
/// the connection (`&mut *c` is an executor).
#[macro_export]
#[doc(hidden)]
macro_rules! run {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Pg($c) => $body,
            $crate::Tx::Sqlite($c) => $body,
            $crate::Tx::PgConn($c) => $body,
            $crate::Tx::SqliteConn($c) => $body,
        }
    };
}

impl Store {
    /// Opens the database at `url` (`postgres://…` or `sqlite://…`), creating a
    /// SQLite file when it is missing. Does not migrate.
    ///
    /// # Errors
    /// When the URL is not understood or the database cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // The default random_page_cost (4.0) models spinning disks: with it PostgreSQL walks
            // the global ticket-number index past other customers' rows rather than the
            // customer's own index (20 ms instead of 1.5 ms for a page of a large customer,
            // issue 11). A helpdesk's working set is in memory or on SSD: 1.1, per session, unless
            // the URL sets it (`?options=-c%20random_page_cost%3D…`).
            let mut options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(e.to_string()))?;
            if !url.contains("random_page_cost") {
                options = options.options([("random_page_cost", "1.1")]);
            }
            Pool::Pg(
                PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?,
            )
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?,
            )
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use postgres://… or sqlite://…"
            )));
        };
        Ok(Self { pool })
    }

    /// The pool's connections: (open, idle), for the metrics.
    #[must_use]
    pub fn pool_use(&self) -> (u32, usize) {
        match &self.pool {
            Pool::Pg(p) => (p.size(), p.num_idle()),
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
        }
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Pg(_) => Backend::Postgres,
            Pool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Applies the embedded migrations of this backend and seeds the reference data.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn migrate(&self, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
        match &self.pool {
            Pool::Pg(pool) => PG_MIGRATIONS.run(pool).await?,
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
        }
        let mut tx = self.begin().await?;
        crate::tiers::seed_if_empty(&mut tx, now).await?;
        crate::calendar::seed_missing(&mut tx, now).await?;
        tx.commit().await
    }

    /// A transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that two writers queue on the busy timeout instead
    /// of failing when the second one upgrades its read lock.
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Pg(pool) => Tx::Pg(pool.begin().await?),
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// A connection for reading, in autocommit: every statement sees the data
    /// committed when it starts (PostgreSQL's READ COMMITTED gives no more inside a
    /// transaction), and no `BEGIN`/`COMMIT` round trips are spent.
    ///
    /// # Errors
    /// When no connection can be had.
    pub async fn read(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Pg(pool) => Tx::PgConn(pool.acquire().await?),
            Pool::Sqlite(pool) => Tx::SqliteConn(pool.acquire().await?),
        })
    }

    /// Checks that the database answers.
    ///
    /// # Errors
    /// When it does not.
    pub async fn ping(&self) -> Result<()> {
        let mut tx = self.read().await?;
        run!(&mut tx, |c| sqlx::query("SELECT 1")
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    /// Migrations this build knows that the database has not applied successfully: 0 when
    /// the schema is current (readiness, R-OPS-3).
    ///
    /// # Errors
    /// When the database does not answer.
    pub async fn migrations_pending(&self) -> Result<usize> {
        let (known, versions): (&sqlx::migrate::Migrator, Vec<i64>) = match &self.pool {
            Pool::Pg(pool) => (
                &PG_MIGRATIONS,
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(pool)
                    .await?,
            ),
            Pool::Sqlite(pool) => (
                &SQLITE_MIGRATIONS,
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(pool)
                    .await?,
            ),
        };
        Ok(known.iter().filter(|m| !versions.contains(&m.version)).count())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Pg(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close().await,
        }
    }
}

impl Tx {
    /// # Errors
    /// When the commit fails; nothing of the transaction is then written.
    pub async fn commit(self) -> Result<()> {
        match self {
            Self::Pg(tx) => tx.commit().await?,
            Self::Sqlite(tx) => tx.commit().await?,
            Self::PgConn(_) | Self::SqliteConn(_) => {}
        }
        Ok(())
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Self::Pg(_) | Self::PgConn(_) => Backend::Postgres,
            Self::Sqlite(_) | Self::SqliteConn(_) => Backend::Sqlite,
        }
    }
}
