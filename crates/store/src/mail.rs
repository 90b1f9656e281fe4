//! The outgoing mail outbox: mail is queued in the same transaction as the change
//! that causes it and delivered by a background job, so a restart loses none.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::error::Result;
use crate::{Tx, micros, run};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    /// The ticket it is about: its Message-ID then finds the ticket when the client replies.
    pub ticket_id: Option<Uuid>,
    /// The thread headers (`<id>` each, space-separated in `thread_references`).
    pub in_reply_to: Option<String>,
    pub thread_references: Option<String>,
    /// The one-click unsubscribe link of an optional mail (RFC 8058).
    pub unsubscribe_url: Option<String>,
}

/// What a mail about a ticket carries so that the client's reply threads (R-CH-2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thread {
    pub ticket_id: Option<Uuid>,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    /// The one-click unsubscribe link of an optional mail (RFC 8058).
    pub unsubscribe_url: Option<String>,
}

const COLUMNS: &str = "id, recipient, subject, body, created_at, attempts, sent_at, ticket_id, in_reply_to, \
                       thread_references, unsubscribe_url";

/// # Errors
/// On a database failure.
pub async fn enqueue(tx: &mut Tx, recipient: &str, subject: &str, body: &str, now: DateTime<Utc>) -> Result<Uuid> {
    enqueue_in_thread(tx, recipient, subject, body, &Thread::default(), now).await
}

/// [`enqueue`] for a mail of a ticket's thread.
///
/// # Errors
/// On a database failure.
pub async fn enqueue_in_thread(
    tx: &mut Tx,
    recipient: &str,
    subject: &str,
    body: &str,
    thread: &Thread,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    run!(tx, |c| {
        sqlx::query(
        "INSERT INTO outbox_mail (id, recipient, subject, body, created_at, next_attempt_at, ticket_id, in_reply_to, \
         thread_references, unsubscribe_url) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)"
    )
    .bind(id)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(micros(now))
    .bind(thread.ticket_id)
    .bind(&thread.in_reply_to)
    .bind(&thread.references)
    .bind(&thread.unsubscribe_url)
    .execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    Ok(id)
}

/// Claims up to `limit` mails that are due, pushing their next attempt `lease` ahead so
/// that another server instance does not send them meanwhile. On PostgreSQL rows
/// locked by another instance are skipped.
///
/// # Errors
/// On a database failure.
pub async fn claim_due(tx: &mut Tx, now: DateTime<Utc>, lease: TimeDelta, limit: i64) -> Result<Vec<OutgoingMail>> {
    let select = match tx.backend() {
        crate::Backend::Postgres => {
            "SELECT id FROM outbox_mail WHERE sent_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED"
        }
        crate::Backend::Sqlite => {
            "SELECT id FROM outbox_mail WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2"
        }
    };
    let ids: Vec<Uuid> = run!(tx, |c| sqlx::query_scalar(select)
        .bind(micros(now))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
    let mut claimed = Vec::with_capacity(ids.len());
    let sql = format!(
        "UPDATE outbox_mail SET next_attempt_at = $2, attempts = attempts + 1 WHERE id = $1 RETURNING {COLUMNS}"
    );
    for id in ids {
        let mail: OutgoingMail = run!(tx, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(micros(now + lease))
            .fetch_one(&mut **c)
            .await)?;
        claimed.push(mail);
    }
    Ok(claimed)
}

/// # Errors
/// On a database failure.
pub async fn mark_sent(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE outbox_mail SET sent_at = $2, last_error = NULL WHERE id = $1"
    )
    .bind(id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a failed attempt and when to try again.
///
/// # Errors
/// On a database failure.
pub async fn mark_failed(tx: &mut Tx, id: Uuid, error: &str, retry_at: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE outbox_mail SET last_error = $2, next_attempt_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(error)
    .bind(micros(retry_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Mail to one recipient, newest first (for tests and the admin's view).
///
/// # Errors
/// On a database failure.
pub async fn list_for(tx: &mut Tx, recipient: &str) -> Result<Vec<OutgoingMail>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox_mail WHERE recipient = $1 ORDER BY created_at DESC, id DESC");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(recipient)
        .fetch_all(&mut **c)
        .await)?)
}

/// How many mails were queued to a recipient since an instant (the loop guard's count).
///
/// # Errors
/// On a database failure.
pub async fn count_to_since(tx: &mut Tx, recipient: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox_mail WHERE recipient = $1 AND created_at > $2"
    )
    .bind(recipient)
    .bind(micros(since))
    .fetch_one(&mut **c)
    .await)?)
}
