//! Notifications (R-NTF) and the SLA stages already told (R-NTF-2).

use chrono::{DateTime, Utc};
use reglament_api::{CustomerId, Notification, NotificationId, TicketId, UserId};

use crate::error::Result;
use crate::{Page, PageRequest, Tx, micros, run};

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub recipient_id: UserId,
    pub kind: &'a str,
    pub ticket_id: Option<TicketId>,
    pub title: &'a str,
    pub body: &'a str,
    /// Once per recipient and key (an SLA warning per cycle); `None`: always written.
    pub dedup_key: Option<&'a str>,
    /// Where it goes besides the app (R-NTF-5): `in_app`, `mail`, `telegram`, `digest_hourly`,
    /// `digest_daily`.
    pub channel: &'a str,
}

/// Writes a notification and its live event; false when the recipient already has one
/// with its key.
///
/// # Errors
/// On a database failure.
pub async fn insert(tx: &mut Tx, n: &NewNotification<'_>, now: DateTime<Utc>) -> Result<bool> {
    let id = NotificationId(uuid::Uuid::now_v7());
    let written = run!(tx, |c| {
        sqlx::query(
        "INSERT INTO notifications (id, recipient_id, kind, ticket_id, title, body, dedup_key, created_at, channel) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (recipient_id, dedup_key) DO NOTHING"
    )
    .bind(id)
    .bind(n.recipient_id)
    .bind(n.kind)
    .bind(n.ticket_id)
    .bind(n.title)
    .bind(n.body)
    .bind(n.dedup_key)
    .bind(micros(now))
    .bind(n.channel)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if written != 1 {
        return Ok(false);
    }
    let shown = Notification {
        id,
        kind: n.kind.to_owned(),
        ticket_id: n.ticket_id,
        title: n.title.to_owned(),
        body: n.body.to_owned(),
        created_at: micros(now),
        read_at: None,
    };
    let payload = serde_json::json!({ "notification": shown }).to_string();
    crate::live::notified(tx, n.recipient_id, n.ticket_id, &payload, now).await?;
    Ok(true)
}

/// The channels a person chose, by kind (R-NTF-5).
///
/// # Errors
/// On a database failure.
pub async fn preferences(tx: &mut Tx, user: UserId) -> Result<Vec<(String, String)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT kind, channel FROM notification_preferences WHERE user_id = $1 ORDER BY kind"
    )
    .bind(user)
    .fetch_all(&mut **c)
    .await)?)
}

/// Sets (or, with `None`, forgets) a person's channel for a kind.
///
/// # Errors
/// On a database failure.
pub async fn set_preference(tx: &mut Tx, user: UserId, kind: &str, channel: Option<&str>) -> Result<()> {
    match channel {
        Some(channel) => run!(tx, |c| sqlx::query(
            "INSERT INTO notification_preferences (user_id, kind, channel) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET channel = $3"
        )
        .bind(user)
        .bind(kind)
        .bind(channel)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?,
        None => run!(tx, |c| sqlx::query(
            "DELETE FROM notification_preferences WHERE user_id = $1 AND kind = $2"
        )
        .bind(user)
        .bind(kind)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?,
    };
    Ok(())
}

/// The channel each of `users` chose for `kind`, where they chose one.
///
/// # Errors
/// On a database failure.
pub async fn chosen_channels(tx: &mut Tx, kind: &str) -> Result<Vec<(UserId, String)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT user_id, channel FROM notification_preferences WHERE kind = $1"
    )
    .bind(kind)
    .fetch_all(&mut **c)
    .await)?)
}

/// A notification waiting to be mailed (alone, folded or in a digest).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Undelivered {
    pub id: NotificationId,
    pub recipient_id: UserId,
    pub channel: String,
    pub kind: String,
    pub ticket_id: Option<TicketId>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The people with notifications not yet delivered beyond the app, longest waiting first.
///
/// # Errors
/// On a database failure.
pub async fn waiting_recipients(tx: &mut Tx, limit: i64) -> Result<Vec<UserId>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT recipient_id FROM notifications WHERE delivered_at IS NULL AND channel <> 'in_app' \
         GROUP BY recipient_id ORDER BY MIN(created_at) LIMIT $1"
    )
    .bind(limit)
    .fetch_all(&mut **c)
    .await)?)
}

/// A person's notifications not yet delivered beyond the app, oldest first.
///
/// # Errors
/// On a database failure.
pub async fn undelivered(tx: &mut Tx, recipient: UserId, limit: i64) -> Result<Vec<Undelivered>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT id, recipient_id, channel, kind, ticket_id, title, body, created_at FROM notifications \
         WHERE recipient_id = $1 AND delivered_at IS NULL AND channel <> 'in_app' ORDER BY created_at, id LIMIT $2"
    )
    .bind(recipient)
    .bind(limit)
    .fetch_all(&mut **c)
    .await)?)
}

/// When the person was last sent notifications by a channel (`mail`, `telegram`; alone or folded).
///
/// # Errors
/// On a database failure.
pub async fn last_delivered(tx: &mut Tx, recipient: UserId, channel: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT MAX(delivered_at) FROM notifications WHERE recipient_id = $1 AND channel = $2"
    )
    .bind(recipient)
    .bind(channel)
    .fetch_one(&mut **c)
    .await)?)
}

/// Marks notifications delivered; answers how many were still undelivered (fewer than
/// asked: another instance took some, and the caller rolls back).
///
/// # Errors
/// On a database failure.
pub async fn mark_delivered(tx: &mut Tx, ids: &[NotificationId], now: DateTime<Utc>) -> Result<u64> {
    let mut n = 0;
    for id in ids {
        n += run!(tx, |c| sqlx::query(
            "UPDATE notifications SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL"
        )
        .bind(*id)
        .bind(micros(now))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: NotificationId,
    kind: String,
    ticket_id: Option<TicketId>,
    title: String,
    body: String,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

/// A recipient's notifications, newest first, and how many are unread.
///
/// # Errors
/// On a database failure.
pub async fn list(
    tx: &mut Tx,
    recipient: UserId,
    unread_only: bool,
    page: PageRequest,
) -> Result<(Page<Notification>, i64)> {
    let filter = if unread_only { " AND read_at IS NULL" } else { "" };
    let rows: Vec<Row> = run!(tx, |c| sqlx::query_as(&format!(
        "SELECT id, kind, ticket_id, title, body, created_at, read_at FROM notifications \
         WHERE recipient_id = $1{filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(recipient)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut **c)
    .await)?;
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1{filter}"
    ))
    .bind(recipient)
    .fetch_one(&mut **c)
    .await)?;
    let unread: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL"
    )
    .bind(recipient)
    .fetch_one(&mut **c)
    .await)?;
    let items = rows
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            kind: r.kind,
            ticket_id: r.ticket_id,
            title: r.title,
            body: r.body,
            created_at: r.created_at,
            read_at: r.read_at,
        })
        .collect();
    Ok((page.page(items, total), unread))
}

/// Marks one of the recipient's notifications read; false when they have no such one.
///
/// # Errors
/// On a database failure.
pub async fn mark_read(tx: &mut Tx, recipient: UserId, id: NotificationId, now: DateTime<Utc>) -> Result<bool> {
    let found: Option<NotificationId> = run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM notifications WHERE id = $1 AND recipient_id = $2"
    )
    .bind(id)
    .bind(recipient)
    .fetch_optional(&mut **c)
    .await)?;
    if found.is_none() {
        return Ok(false);
    }
    run!(tx, |c| sqlx::query(
        "UPDATE notifications SET read_at = $3 WHERE id = $1 AND recipient_id = $2 AND read_at IS NULL"
    )
    .bind(id)
    .bind(recipient)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(true)
}

/// Marks every notification of the recipient read; answers how many were unread.
///
/// # Errors
/// On a database failure.
pub async fn mark_all_read(tx: &mut Tx, recipient: UserId, now: DateTime<Utc>) -> Result<u64> {
    Ok(run!(tx, |c| sqlx::query(
        "UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL"
    )
    .bind(recipient)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Records that a cycle's stage was told; false when it already was (another round or
/// instance).
///
/// # Errors
/// On a database failure.
pub async fn record_sla_alert(
    tx: &mut Tx,
    ticket: TicketId,
    cycle_started_at: DateTime<Utc>,
    stage: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let written = run!(tx, |c| sqlx::query(
        "INSERT INTO sla_alerts (ticket_id, cycle_started_at, stage, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (ticket_id, cycle_started_at, stage) DO NOTHING"
    )
    .bind(ticket)
    .bind(micros(cycle_started_at))
    .bind(stage)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(written == 1)
}

/// A running response cycle not yet warned about (R-NTF-2).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunningCycle {
    pub id: TicketId,
    pub number: i64,
    pub subject: String,
    pub customer_id: CustomerId,
    pub assignee_id: Option<UserId>,
    pub response_started_at: DateTime<Utc>,
    pub response_due_at: DateTime<Utc>,
    pub response_schedule: String,
    /// The tier's warning share (R-NTF-2), in percent.
    pub warn_percent: i32,
}

/// Open tickets whose response cycle runs, is not breached and has had no warning, soonest
/// due first.
///
/// # Errors
/// On a database failure.
pub async fn unwarned_cycles(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> Result<Vec<RunningCycle>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT t.id, t.number, t.subject, t.customer_id, t.assignee_id, t.response_started_at, t.response_due_at, \
                t.response_schedule, COALESCE(tr.warn_percent, 75) AS warn_percent \
         FROM tickets t LEFT JOIN tiers tr ON tr.code = t.response_tier \
         WHERE t.awaiting_response AND t.status = 'open' AND NOT t.response_breached \
           AND t.response_due_at IS NOT NULL AND t.response_started_at IS NOT NULL AND t.response_due_at > $1 \
           AND NOT EXISTS (SELECT 1 FROM sla_alerts a WHERE a.ticket_id = t.id \
                           AND a.cycle_started_at = t.response_started_at AND a.stage = 'warning') \
         ORDER BY t.response_due_at LIMIT $2"
    )
    .bind(micros(now))
    .bind(limit)
    .fetch_all(&mut **c)
    .await)?)
}

/// Active staff with one of these roles.
///
/// # Errors
/// On a database failure.
pub async fn staff_with_role(tx: &mut Tx, role: &str) -> Result<Vec<UserId>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE kind = 'staff' AND role = $1 AND active ORDER BY id"
    )
    .bind(role)
    .fetch_all(&mut **c)
    .await)?)
}

/// Each active staff member's language and time zone, for writing their notifications in
/// them (R-NTF-6): one query for all, the staff being few.
///
/// # Errors
/// On a database failure.
pub async fn staff_readers(tx: &mut Tx) -> Result<Vec<(UserId, String, String)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT id, locale, time_zone FROM users WHERE kind = 'staff' AND active ORDER BY id"
    )
    .fetch_all(&mut **c)
    .await)?)
}
