//! The production calendar by year and the settings table.

use chrono::{DateTime, Utc};
use reglament_domain::CalendarYear;

use crate::error::Result;
use crate::{StoreError, Tx, micros, run};

/// Adds the shipped years that the database lacks; years admins edited stay as they are.
pub(crate) async fn seed_missing(tx: &mut Tx, now: DateTime<Utc>) -> Result<()> {
    let shipped = reglament_domain::calendar::shipped_years().map_err(|e| StoreError::Config(e.to_string()))?;
    for year in shipped {
        let exists: Option<i64> = run!(tx, |c| sqlx::query_scalar(
            "SELECT year FROM calendar_years WHERE year = $1"
        )
        .bind(i64::from(year.year))
        .fetch_optional(&mut **c)
        .await)?;
        if exists.is_none() {
            put_year(tx, &year, now).await?;
        }
    }
    Ok(())
}

/// Every stored year.
///
/// # Errors
/// On a database failure or a stored year that does not parse.
pub async fn list_years(tx: &mut Tx) -> Result<Vec<CalendarYear>> {
    let rows: Vec<String> = run!(tx, |c| sqlx::query_scalar(
        "SELECT data FROM calendar_years ORDER BY year"
    )
    .fetch_all(&mut **c)
    .await)?;
    rows.iter()
        .map(|data| serde_json::from_str(data).map_err(|e| StoreError::Config(format!("a stored calendar year: {e}"))))
        .collect()
}

/// Inserts or replaces a year.
///
/// # Errors
/// On a database failure.
pub async fn put_year(tx: &mut Tx, year: &CalendarYear, now: DateTime<Utc>) -> Result<()> {
    let data = serde_json::to_string(year).map_err(|e| StoreError::Config(e.to_string()))?;
    run!(tx, |c| sqlx::query(
        "INSERT INTO calendar_years (year, data, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (year) DO UPDATE SET data = $2, updated_at = $3"
    )
    .bind(i64::from(year.year))
    .bind(&data)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn get_setting(tx: &mut Tx, key: &str) -> Result<Option<String>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(&mut **c)
    .await)?)
}

/// # Errors
/// On a database failure.
pub async fn put_setting(tx: &mut Tx, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3"
    )
    .bind(key)
    .bind(value)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
