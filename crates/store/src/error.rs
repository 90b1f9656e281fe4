#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the row; the field it guards (`email`, `name`, …), never
    /// the constraint's name, which is the schema's business.
    #[error("another object has the same {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database URL or options: {0}")]
    Config(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // PostgreSQL names the constraint (`users_email_key`), SQLite the columns
                // (`UNIQUE constraint failed: teams.customer_id, teams.name_key`).
                Self::Conflict(conflict_field(db.constraint().unwrap_or_else(|| db.message())).to_owned())
            }
            _ => Self::Database(err),
        }
    }
}

/// The field a unique constraint of the schema guards, as clients know it.
fn conflict_field(constraint: &str) -> &'static str {
    const FIELDS: [(&str, &str); 7] = [
        ("email", "email"),
        ("name_key", "name"),
        ("token_hash", "token"),
        ("version", "version"),
        ("number", "number"),
        ("year", "year"),
        ("code", "code"),
    ];
    FIELDS
        .iter()
        .find(|(column, _)| constraint.contains(column))
        .map_or("value", |(_, field)| field)
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
