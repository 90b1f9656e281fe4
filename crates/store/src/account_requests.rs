//! Structured account management requests (R-ACC-2, R-ACC-3).

use chrono::{DateTime, Utc};
use reglament_api::{TicketId, UserId};
use uuid::Uuid;

use crate::error::Result;
use crate::{Tx, micros, run};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRequestRow {
    pub ticket_id: Uuid,
    /// The request as JSON (`reglament_api::AccountRequest`).
    pub request: String,
    pub applied_at: Option<DateTime<Utc>>,
    pub applied_by: Option<Uuid>,
    pub user_id: Option<Uuid>,
}

/// # Errors
/// On a database failure.
pub async fn insert(tx: &mut Tx, ticket_id: TicketId, request: &str) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO account_requests (ticket_id, request) VALUES ($1, $2)"
    )
    .bind(ticket_id)
    .bind(request)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn get(tx: &mut Tx, ticket_id: TicketId) -> Result<Option<AccountRequestRow>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT ticket_id, request, applied_at, applied_by, user_id FROM account_requests WHERE ticket_id = $1"
    )
    .bind(ticket_id)
    .fetch_optional(&mut **c)
    .await)?)
}

/// Marks the request applied unless it was already; answers whether it was marked now.
///
/// # Errors
/// On a database failure.
pub async fn mark_applied(
    tx: &mut Tx,
    ticket_id: TicketId,
    by: UserId,
    user_id: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let n = run!(tx, |c| sqlx::query(
        "UPDATE account_requests SET applied_at = $2, applied_by = $3, user_id = $4 \
         WHERE ticket_id = $1 AND applied_at IS NULL"
    )
    .bind(ticket_id)
    .bind(micros(now))
    .bind(by)
    .bind(user_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}
