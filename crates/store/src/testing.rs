//! Fresh databases for tests: a SQLite file in a temporary folder, or a new
//! PostgreSQL database per test so that tests run in parallel.

use crate::{Backend, Store};

/// The PostgreSQL server tests use: `REGLAMENT_TEST_PG_URL`, default the local one.
#[must_use]
pub fn pg_admin_url() -> String {
    std::env::var("REGLAMENT_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that lives as long as this value (the SQLite folder is removed on drop;
/// PostgreSQL test databases are named `reglament_test_*` and dropped by [`TestDb::drop_now`]
/// or by the next test run's sweep).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<TempDir>,
}

/// A temporary folder removed on drop.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// # Panics
    /// When the folder cannot be made.
    #[must_use]
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("reglament-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        Self(path)
    }

    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether the PostgreSQL half of the tests runs: always under CI (`CI=true`),
/// elsewhere when the server answers. A skip is said aloud.
pub async fn postgres_available() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let reachable = Store::connect(&pg_admin_url(), 1).await.is_ok();
    if !reachable && !ci {
        eprintln!(
            "NOTICE: PostgreSQL at {} is not reachable: skipping the PostgreSQL half",
            pg_admin_url()
        );
    }
    reachable || ci
}

impl TestDb {
    /// A new, migrated database of the given backend.
    ///
    /// # Panics
    /// When it cannot be made (a test can do nothing else then).
    pub async fn new(backend: Backend, now: chrono::DateTime<chrono::Utc>) -> Self {
        let db = match backend {
            Backend::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let store = Store::connect(&url, 8).await.expect("open SQLite");
                Self {
                    store,
                    url,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("reglament_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&pg_admin_url())
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create database");
                admin.close().await;
                let base = pg_admin_url();
                let url = match base.rfind('/') {
                    Some(i) if base[..i].contains('@') || base[..i].ends_with(':') || base[..i].contains("//") => {
                        format!("{}/{name}", &base[..i])
                    }
                    _ => format!("{base}/{name}"),
                };
                let store = Store::connect(&url, 16).await.expect("connect to the test database");
                Self {
                    store,
                    url,
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        };
        db.store.migrate(now).await.expect("migrate");
        db
    }

    /// Closes the pool and drops a PostgreSQL test database.
    pub async fn drop_now(self) {
        self.store.close().await;
        if let Some(name) = &self.pg_name
            && let Ok(admin) = sqlx::PgPool::connect(&pg_admin_url()).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await;
            admin.close().await;
        }
    }
}
