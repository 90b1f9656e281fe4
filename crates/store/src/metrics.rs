//! The figures `/metrics` reads at scrape time (R-INT-3).

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::Result;
use crate::{Tx, micros, run};

/// Tickets not closed, by the tier of the customer's contract in force and by status,
/// with how many of them are overdue.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TicketCount {
    pub tier: String,
    pub status: String,
    pub count: i64,
    pub overdue: i64,
}

/// # Errors
/// On a database failure.
pub async fn tickets_by_tier(tx: &mut Tx, today: NaiveDate, now: DateTime<Utc>) -> Result<Vec<TicketCount>> {
    Ok(run!(tx, |c| {
        sqlx::query_as(
        "SELECT COALESCE(k.tier_code, 'none') AS tier, t.status, COUNT(*) AS count, \
           SUM(CASE WHEN t.awaiting_response AND t.response_due_at < $2 THEN 1 ELSE 0 END) AS overdue \
         FROM tickets t LEFT JOIN contracts k ON k.customer_id = t.customer_id AND k.starts_on <= $1 AND k.ends_on >= $1 \
         WHERE t.status <> 'closed' GROUP BY COALESCE(k.tier_code, 'none'), t.status"
    )
    .bind(today)
    .bind(micros(now))
    .fetch_all(&mut **c)
    .await
    })?)
}

/// Outgoing mail not yet sent.
///
/// # Errors
/// On a database failure.
pub async fn outbox_backlog(tx: &mut Tx) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_mail WHERE sent_at IS NULL"
    )
    .fetch_one(&mut **c)
    .await)?)
}

/// Rejected mail waiting for an admin.
///
/// # Errors
/// On a database failure.
pub async fn rejected_mail(tx: &mut Tx) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM rejected_mail")
        .fetch_one(&mut **c)
        .await)?)
}
