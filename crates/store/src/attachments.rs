//! Attachment metadata; the files live on disk under the data dir.

use chrono::{DateTime, Utc};
use reglament_api::{AttachmentId, TicketId};
use uuid::Uuid;

use crate::error::Result;
use crate::{Tx, micros, run};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub uploaded_by: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Purged 30 days after upload; the metadata stays (R-CONF-1).
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, ticket_id, uploaded_by, file_name, content_type, size, sha256, confidential, created_at, purged_at";

/// # Errors
/// On a database failure.
pub async fn insert(tx: &mut Tx, a: &Attachment) -> Result<()> {
    let sql = format!("INSERT INTO attachments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    run!(tx, |c| sqlx::query(&sql)
        .bind(a.id)
        .bind(a.ticket_id)
        .bind(a.uploaded_by)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(a.size)
        .bind(&a.sha256)
        .bind(a.confidential)
        .bind(micros(a.created_at))
        .bind(a.purged_at.map(micros))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such attachment.
pub async fn get(tx: &mut Tx, id: AttachmentId) -> Result<Attachment> {
    let sql = format!("SELECT {COLUMNS} FROM attachments WHERE id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?)
}

/// # Errors
/// On a database failure.
pub async fn for_ticket(tx: &mut Tx, ticket_id: TicketId) -> Result<Vec<Attachment>> {
    let sql = format!("SELECT {COLUMNS} FROM attachments WHERE ticket_id = $1 ORDER BY created_at, id");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(ticket_id)
        .fetch_all(&mut **c)
        .await)?)
}

/// Confidential attachments received at or before `received_before` and not purged yet.
///
/// # Errors
/// On a database failure.
pub async fn due_for_purge(tx: &mut Tx, received_before: DateTime<Utc>, limit: i64) -> Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM attachments WHERE confidential AND purged_at IS NULL AND created_at <= $1 \
         ORDER BY created_at LIMIT $2"
    );
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(micros(received_before))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?)
}

/// Marks an attachment purged; true when this call did it.
///
/// # Errors
/// On a database failure.
pub async fn mark_purged(tx: &mut Tx, id: AttachmentId, at: DateTime<Utc>) -> Result<bool> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE attachments SET purged_at = $2 WHERE id = $1 AND purged_at IS NULL"
    )
    .bind(id)
    .bind(micros(at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
