//! The registry of product versions (R-TKT-4).

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::Result;
use crate::{Tx, micros, run};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductVersion {
    pub version: String,
    /// Bug reports about it are accepted.
    pub supported: bool,
    /// Fixes are made only for the latest version; exactly one is latest.
    pub latest: bool,
    pub released_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// # Errors
/// On a database failure.
pub async fn list(tx: &mut Tx) -> Result<Vec<ProductVersion>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT version, supported, latest, released_on, updated_at FROM product_versions \
         ORDER BY released_on DESC, version DESC"
    )
    .fetch_all(&mut **c)
    .await)?)
}

/// # Errors
/// On a database failure.
pub async fn get(tx: &mut Tx, version: &str) -> Result<Option<ProductVersion>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT version, supported, latest, released_on, updated_at FROM product_versions WHERE version = $1"
    )
    .bind(version)
    .fetch_optional(&mut **c)
    .await)?)
}

/// Inserts or replaces a version; a new latest one takes the flag from the others.
///
/// # Errors
/// On a database failure.
pub async fn put(tx: &mut Tx, v: &ProductVersion) -> Result<()> {
    if v.latest {
        run!(tx, |c| sqlx::query(
            "UPDATE product_versions SET latest = FALSE WHERE latest AND version <> $1"
        )
        .bind(&v.version)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    run!(tx, |c| {
        sqlx::query(
        "INSERT INTO product_versions (version, supported, latest, released_on, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (version) DO UPDATE SET supported = $2, latest = $3, released_on = $4, updated_at = $5"
    )
    .bind(&v.version)
    .bind(v.supported)
    .bind(v.latest)
    .bind(v.released_on)
    .bind(micros(v.updated_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}
