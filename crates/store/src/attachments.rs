//! Attachments: their metadata, and their bytes in chunks (R-OPS-1: every instance serves
//! every file); files written before that are on the instance's disk until moved.

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
    /// Where the bytes are: `database` (in `attachment_chunks`) or `disk`.
    pub storage: String,
}

/// The bytes of one chunk: a 20 MiB file is 80 rows, and a download holds one at a time.
pub const CHUNK: usize = 256 * 1024;

const COLUMNS: &str =
    "id, ticket_id, uploaded_by, file_name, content_type, size, sha256, confidential, created_at, purged_at, storage";

/// # Errors
/// On a database failure.
pub async fn insert(tx: &mut Tx, a: &Attachment) -> Result<()> {
    let sql = format!("INSERT INTO attachments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
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
        .bind(&a.storage)
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

/// Writes one chunk of an attachment's bytes.
///
/// # Errors
/// On a database failure.
pub async fn put_chunk(tx: &mut Tx, id: AttachmentId, seq: i32, data: &[u8]) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)"
    )
    .bind(id)
    .bind(seq)
    .bind(data)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One chunk of an attachment's bytes; `None` past the last.
///
/// # Errors
/// On a database failure.
pub async fn chunk(tx: &mut Tx, id: AttachmentId, seq: i32) -> Result<Option<Vec<u8>>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2"
    )
    .bind(id)
    .bind(seq)
    .fetch_optional(&mut **c)
    .await)?)
}

/// Removes an attachment's bytes (R-CONF-1's purge).
///
/// # Errors
/// On a database failure.
pub async fn delete_chunks(tx: &mut Tx, id: AttachmentId) -> Result<u64> {
    Ok(run!(tx, |c| sqlx::query(
        "DELETE FROM attachment_chunks WHERE attachment_id = $1"
    )
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Bytes of an attachment kept in the database.
///
/// # Errors
/// On a database failure.
pub async fn stored_bytes(tx: &mut Tx, id: AttachmentId) -> Result<i64> {
    let total: Option<i64> = run!(tx, |c| sqlx::query_scalar(
        "SELECT CAST(SUM(LENGTH(data)) AS BIGINT) FROM attachment_chunks WHERE attachment_id = $1"
    )
    .bind(id)
    .fetch_one(&mut **c)
    .await)?;
    Ok(total.unwrap_or(0))
}

/// Says where an attachment's bytes are now (after the move from disk).
///
/// # Errors
/// On a database failure.
pub async fn set_storage(tx: &mut Tx, id: AttachmentId, storage: &str) -> Result<()> {
    run!(tx, |c| sqlx::query("UPDATE attachments SET storage = $2 WHERE id = $1")
        .bind(id)
        .bind(storage)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Attachments whose bytes are still on disk and not purged, oldest first.
///
/// # Errors
/// On a database failure.
pub async fn on_disk(tx: &mut Tx, limit: i64) -> Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM attachments WHERE storage = 'disk' AND purged_at IS NULL ORDER BY created_at, id LIMIT $1"
    );
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?)
}
