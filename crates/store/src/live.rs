//! The live stream's events (Server-Sent Events): written in the transaction of the
//! change, read in `seq` order by every instance, which pushes them to its connected
//! browsers. A ticket's event says only which ticket changed and how; the browser reads
//! the ticket through the API, where the access rules apply.

use chrono::{DateTime, Utc};
use reglament_api::{CustomerId, TicketId, UserId};
use serde_json::json;

use crate::error::Result;
use crate::{Tx, micros, run};

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveEvent {
    pub seq: i64,
    /// `ticket` (a ticket changed) or `notification` (one for `recipient_id`).
    pub kind: String,
    pub ticket_id: Option<TicketId>,
    pub customer_id: Option<CustomerId>,
    pub recipient_id: Option<UserId>,
    /// Only staff see it (an internal note).
    pub staff_only: bool,
    /// The event's JSON, as sent.
    pub payload: String,
}

/// The payload of a ticket's event.
#[must_use]
pub fn ticket_payload(ticket_id: TicketId, change: &str) -> String {
    json!({"ticket_id": ticket_id, "change": change}).to_string()
}

/// A ticket changed (`change` is its history kind, or `message`).
///
/// # Errors
/// On a database failure.
pub async fn ticket_changed(
    tx: &mut Tx,
    ticket_id: TicketId,
    change: &str,
    staff_only: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO live_events (kind, ticket_id, customer_id, staff_only, payload, created_at) \
         SELECT 'ticket', id, customer_id, $2, $3, $4 FROM tickets WHERE id = $1"
    )
    .bind(ticket_id)
    .bind(staff_only)
    .bind(ticket_payload(ticket_id, change))
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A notification written for `recipient`.
///
/// # Errors
/// On a database failure.
pub async fn notified(
    tx: &mut Tx,
    recipient: UserId,
    ticket_id: Option<TicketId>,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO live_events (kind, ticket_id, recipient_id, staff_only, payload, created_at) \
         VALUES ('notification', $1, $2, $3, $4, $5)"
    )
    .bind(ticket_id)
    .bind(recipient)
    .bind(false)
    .bind(payload)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Something every instance caches changed (`users`, `webhooks`, `calendar`): each
/// instance's reader of the events forgets it (R-OPS-1). Never shown to a browser.
///
/// # Errors
/// On a database failure.
pub async fn cache_changed(tx: &mut Tx, what: &str, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO live_events (kind, staff_only, payload, created_at) VALUES ('cache', $1, $2, $3)"
    )
    .bind(true)
    .bind(what)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Events after `seq`, oldest first.
///
/// # Errors
/// On a database failure.
pub async fn after(tx: &mut Tx, seq: i64, limit: i64) -> Result<Vec<LiveEvent>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT seq, kind, ticket_id, customer_id, recipient_id, staff_only, payload FROM live_events \
         WHERE seq > $1 ORDER BY seq LIMIT $2"
    )
    .bind(seq)
    .bind(limit)
    .fetch_all(&mut **c)
    .await)?)
}

/// The last event's `seq` (0 without any).
///
/// # Errors
/// On a database failure.
pub async fn last_seq(tx: &mut Tx) -> Result<i64> {
    let seq: Option<i64> = run!(tx, |c| sqlx::query_scalar("SELECT MAX(seq) FROM live_events")
        .fetch_one(&mut **c)
        .await)?;
    Ok(seq.unwrap_or(0))
}

/// Forgets events written before `before` (a browser away longer reloads).
///
/// # Errors
/// On a database failure.
pub async fn prune(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    Ok(run!(tx, |c| sqlx::query(
        "DELETE FROM live_events WHERE created_at < $1"
    )
    .bind(micros(before))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?)
}
