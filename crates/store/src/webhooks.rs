//! Webhook subscriptions and their delivery outbox (R-INT-2).

use chrono::{DateTime, Utc};
use reglament_api::{WebhookDeliveryId, WebhookId};
use uuid::Uuid;

use crate::error::Result;
use crate::{Page, PageRequest, Tx, micros, run};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Comma-separated event types.
    pub events: String,
    pub secret: String,
    pub paused_at: Option<DateTime<Utc>>,
    pub pause_reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Deliveries waiting for an attempt.
    pub backlog: i64,
}

const WEBHOOK: &str = "id, url, description, events, secret, paused_at, pause_reason, created_by, created_at, \
     updated_at, (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id \
     AND d.status = 'pending') AS backlog";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub event: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_status: Option<i32>,
    pub last_response_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY: &str = "id, webhook_id, event, payload, status, attempts, next_attempt_at, last_error, last_status, \
     last_response_ms, created_at, delivered_at";

/// # Errors
/// On a database failure.
pub async fn insert(tx: &mut Tx, w: &Webhook) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO webhooks (id, url, description, events, secret, paused_at, pause_reason, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(w.id)
    .bind(&w.url)
    .bind(&w.description)
    .bind(&w.events)
    .bind(&w.secret)
    .bind(w.paused_at.map(micros))
    .bind(&w.pause_reason)
    .bind(w.created_by)
    .bind(micros(w.created_at))
    .bind(micros(w.updated_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn update(tx: &mut Tx, w: &Webhook) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE webhooks SET url = $2, description = $3, events = $4, paused_at = $5, pause_reason = $6, \
         updated_at = $7 WHERE id = $1"
    )
    .bind(w.id)
    .bind(&w.url)
    .bind(&w.description)
    .bind(&w.events)
    .bind(w.paused_at.map(micros))
    .bind(&w.pause_reason)
    .bind(micros(w.updated_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `NotFound`, or on a database failure.
pub async fn get(tx: &mut Tx, id: WebhookId) -> Result<Webhook> {
    let sql = format!("SELECT {WEBHOOK} FROM webhooks WHERE id = $1");
    run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await)?.ok_or(crate::StoreError::NotFound)
}

/// Every subscription, oldest first.
///
/// # Errors
/// On a database failure.
pub async fn list(tx: &mut Tx, page: PageRequest) -> Result<Page<Webhook>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
        .fetch_one(&mut **c)
        .await)?;
    let sql = format!("SELECT {WEBHOOK} FROM webhooks ORDER BY created_at, id LIMIT $1 OFFSET $2");
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// The subscriptions that receive events now: (id, events), paused ones left out.
///
/// # Errors
/// On a database failure.
pub async fn active(tx: &mut Tx) -> Result<Vec<(Uuid, String)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT id, events FROM webhooks WHERE paused_at IS NULL"
    )
    .fetch_all(&mut **c)
    .await)?)
}

/// # Errors
/// `NotFound`, or on a database failure.
pub async fn delete(tx: &mut Tx, id: WebhookId) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "DELETE FROM webhook_deliveries WHERE webhook_id = $1"
    )
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    let n = run!(tx, |c| sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Queues one event for each of `webhooks`, due at once.
///
/// # Errors
/// On a database failure.
pub async fn enqueue(
    tx: &mut Tx,
    webhooks: &[Uuid],
    event: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(webhooks.len());
    for webhook in webhooks {
        let id = Uuid::now_v7();
        run!(tx, |c| sqlx::query(
            "INSERT INTO webhook_deliveries (id, webhook_id, event, payload, status, attempts, next_attempt_at, \
             created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)"
        )
        .bind(id)
        .bind(webhook)
        .bind(event)
        .bind(payload)
        .bind(micros(now))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        ids.push(id);
    }
    Ok(ids)
}

/// A due delivery with what sending it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i32,
}

/// Claims up to `limit` due deliveries of subscriptions that are not paused: each one's
/// attempt is counted and its next attempt pushed to `lease_until`, so that another
/// server instance does not send it meanwhile. On PostgreSQL rows locked by another
/// instance are skipped.
///
/// # Errors
/// On a database failure.
pub async fn claim_due(tx: &mut Tx, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<Due>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let select = format!(
        "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.paused_at IS NULL \
         ORDER BY d.next_attempt_at, d.id LIMIT $2{lock}"
    );
    let ids: Vec<Uuid> = run!(tx, |c| sqlx::query_scalar(&select)
        .bind(micros(now))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
    let mut due = Vec::with_capacity(ids.len());
    for id in ids {
        run!(tx, |c| sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(micros(lease_until))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
        let row: Due = run!(tx, |c| sqlx::query_as(
            "SELECT d.id, d.webhook_id, w.url, w.secret, d.payload, d.attempts \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1"
        )
        .bind(id)
        .fetch_one(&mut **c)
        .await)?;
        due.push(row);
    }
    Ok(due)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status: Option<i32>,
    pub response_ms: i64,
    pub error: Option<String>,
}

/// Records an attempt: delivered, due again at `retry_at`, or failed for good when
/// `retry_at` is `None`.
///
/// # Errors
/// On a database failure.
pub async fn record_attempt(
    tx: &mut Tx,
    id: Uuid,
    attempt: &Attempt,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (status, next, delivered) = match (&attempt.error, retry_at) {
        (None, _) => ("delivered", None, Some(micros(now))),
        (Some(_), Some(at)) => ("pending", Some(micros(at)), None),
        (Some(_), None) => ("failed", None, None),
    };
    run!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, delivered_at = $4, last_error = $5, \
         last_status = $6, last_response_ms = $7 WHERE id = $1"
    )
    .bind(id)
    .bind(status)
    .bind(next)
    .bind(delivered)
    .bind(&attempt.error)
    .bind(attempt.status)
    .bind(attempt.response_ms)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Pauses a subscription unless it is paused already; answers whether it was paused now.
///
/// # Errors
/// On a database failure.
pub async fn pause(tx: &mut Tx, id: WebhookId, reason: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = run!(tx, |c| sqlx::query(
        "UPDATE webhooks SET paused_at = $2, pause_reason = $3, updated_at = $2 WHERE id = $1 AND paused_at IS NULL"
    )
    .bind(id)
    .bind(micros(now))
    .bind(reason)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A subscription's deliveries, newest first, optionally of one status.
///
/// # Errors
/// On a database failure.
pub async fn deliveries(
    tx: &mut Tx,
    webhook_id: WebhookId,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<Delivery>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $1 AND ($2 IS NULL OR status = $2)"
    )
    .bind(webhook_id)
    .bind(status)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!(
        "SELECT {DELIVERY} FROM webhook_deliveries WHERE webhook_id = $1 AND ($2 IS NULL OR status = $2) \
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    );
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(webhook_id)
        .bind(status)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// # Errors
/// `NotFound`, or on a database failure.
pub async fn delivery(tx: &mut Tx, id: WebhookDeliveryId) -> Result<Delivery> {
    let sql = format!("SELECT {DELIVERY} FROM webhook_deliveries WHERE id = $1");
    run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await)?.ok_or(crate::StoreError::NotFound)
}

/// Makes a failed delivery due again at `now` with a fresh count of attempts; the id (the
/// `webhook-id` a receiver dedupes by) stays. Answers whether it was failed.
///
/// # Errors
/// On a database failure.
pub async fn retry_failed(tx: &mut Tx, id: WebhookDeliveryId, now: DateTime<Utc>) -> Result<bool> {
    let n = run!(tx, |c| sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2 \
         WHERE id = $1 AND status = 'failed'"
    )
    .bind(id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Deliveries waiting for an attempt, all subscriptions (the metrics' webhook backlog).
///
/// # Errors
/// On a database failure.
pub async fn backlog(tx: &mut Tx) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'"
    )
    .fetch_one(&mut **c)
    .await)?)
}

/// The addresses of active admins, who are told when a subscription is paused.
///
/// # Errors
/// On a database failure.
pub async fn admin_emails(tx: &mut Tx) -> Result<Vec<String>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT email FROM users WHERE kind = 'staff' AND role = 'admin' AND active ORDER BY email"
    )
    .fetch_all(&mut **c)
    .await)?)
}

/// Deletes finished deliveries (delivered or failed) created before `before`: the log
/// keeps 30 days, and payloads carry ticket subjects.
///
/// # Errors
/// On a database failure.
pub async fn purge_finished(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    Ok(run!(tx, |c| sqlx::query(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1"
    )
    .bind(micros(before))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?)
}
