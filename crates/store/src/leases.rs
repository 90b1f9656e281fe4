//! Leases (R-OPS-2): a loop that must have one reader across instances (IMAP, the
//! Telegram poller) runs where its row is held; the holder renews it, and another instance
//! takes it once it expires unrenewed.

use chrono::{DateTime, Duration, Utc};

use crate::error::Result;
use crate::{Tx, micros, run};

/// Who holds a lease, since when, until when.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    pub acquired_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Takes the lease, or renews it for its holder, for `ttl` from `now`; true when `holder`
/// holds it now. One statement, so two instances never both win.
///
/// # Errors
/// On a database failure.
pub async fn acquire(tx: &mut Tx, name: &str, holder: &str, now: DateTime<Utc>, ttl: Duration) -> Result<bool> {
    let won = run!(tx, |c| sqlx::query(
        "INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, \
         acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END \
         WHERE leases.holder = excluded.holder OR leases.expires_at < excluded.acquired_at"
    )
    .bind(name)
    .bind(holder)
    .bind(micros(now))
    .bind(micros(now + ttl))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(won == 1)
}

/// Gives the lease up (a stopping instance), so that another takes it at once.
///
/// # Errors
/// On a database failure.
pub async fn release(tx: &mut Tx, name: &str, holder: &str) -> Result<bool> {
    let gone = run!(tx, |c| sqlx::query(
        "DELETE FROM leases WHERE name = $1 AND holder = $2"
    )
    .bind(name)
    .bind(holder)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(gone == 1)
}

/// Every lease, held or expired.
///
/// # Errors
/// On a database failure.
pub async fn all(tx: &mut Tx) -> Result<Vec<Lease>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT name, holder, acquired_at, expires_at FROM leases ORDER BY name"
    )
    .fetch_all(&mut **c)
    .await)?)
}
