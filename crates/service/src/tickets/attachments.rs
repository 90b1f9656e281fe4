//! Attachments: stored in the database in chunks (every instance serves every file,
//! R-OPS-1; or, configured so, on the instance's disk), downloadable only by those who
//! see the ticket, and purged 30 days after receipt when confidential (R-CONF-1).

use reglament_api as api;
use reglament_api::ErrorCode;
use reglament_api::{AttachmentId, TicketId};
use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use reglament_store::attachments::{self as store, Attachment};
use reglament_store::tickets as store_tickets;
use serde_json::json;
use uuid::Uuid;

use super::Tickets;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};
use reglament_api::Scope;

/// Confidential content lives this long after receipt (R-CONF-1).
pub const CONFIDENTIAL_DAYS: i64 = 30;

/// The types a ticket accepts: documents, images, logs and archives; never HTML,
/// scripts or executables.
pub const ALLOWED_TYPES: [&str; 22] = [
    "text/plain",
    "text/csv",
    "text/markdown",
    "text/xml",
    "application/xml",
    "application/json",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// Where a downloadable attachment's bytes are.
#[derive(Debug, Clone)]
pub enum FileBody {
    /// In the database: read chunk by chunk with [`Tickets::attachment_chunk`].
    Database,
    /// A file on this instance's disk.
    Disk(PathBuf),
}

/// Reads until `buf` is full or the file ends; answers how many bytes were read.
async fn read_full(file: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use tokio::io::AsyncReadExt as _;
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Copies a file into an attachment's chunks, in the caller's transaction: one chunk in
/// memory at a time.
async fn copy_into_database(tx: &mut reglament_store::Tx, id: AttachmentId, path: &Path) -> Result<u64> {
    let io = |e: std::io::Error| ServiceError::Internal(Box::new(e));
    let mut file = tokio::fs::File::open(path).await.map_err(io)?;
    let mut buf = vec![0_u8; store::CHUNK];
    let (mut seq, mut total) = (0_i32, 0_u64);
    loop {
        let n = read_full(&mut file, &mut buf).await.map_err(io)?;
        if n == 0 {
            break;
        }
        store::put_chunk(tx, id, seq, &buf[..n]).await?;
        seq += 1;
        total += n as u64;
        if n < buf.len() {
            break;
        }
    }
    Ok(total)
}

/// A file received into a temporary place, before it is attached.
#[derive(Debug, Clone)]
pub struct Upload {
    pub temp_path: PathBuf,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    /// The first bytes, to check them against the declared type.
    pub head: Vec<u8>,
    pub confidential: bool,
}

/// The magic bytes a declared type must start with, where the type has them.
fn magic_matches(content_type: &str, head: &[u8]) -> bool {
    let zip = head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06");
    match content_type {
        "image/png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => head.starts_with(b"GIF8"),
        "image/webp" => head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP",
        "application/pdf" => head.starts_with(b"%PDF"),
        "application/gzip" => head.starts_with(&[0x1F, 0x8B]),
        "application/x-7z-compressed" => head.starts_with(b"7z\xBC\xAF\x27\x1C"),
        t if t == "application/zip" || t.contains("openxmlformats") || t.contains("opendocument") => zip,
        _ => true,
    }
}

/// The media type without its parameters, lowercase.
fn normalized_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_lowercase()
}

/// The allowed type a file name's extension names, for a file sent as
/// `application/octet-stream` (generated API clients, many mailers).
fn type_by_name(file_name: &str) -> Option<&'static str> {
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "md" => "text/markdown",
        "xml" => "application/xml",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "7z" => "application/x-7z-compressed",
        "tar" => "application/x-tar",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        _ => return None,
    })
}

/// A file's type: the declared one, or for `application/octet-stream` (a type that says
/// nothing) the one its name's extension gives, when that type is allowed.
pub(crate) fn file_type(declared: &str, file_name: &str) -> String {
    let declared = normalized_type(declared);
    if (declared == "application/octet-stream" || declared.is_empty())
        && let Some(by_name) = type_by_name(file_name)
    {
        return by_name.to_owned();
    }
    declared
}

/// Whether a ticket accepts a file, whichever way it comes (an upload, a mail): its type
/// on the allow-list, its content of that type, not empty, not over the size limit.
///
/// # Errors
/// The refusal's code and reason.
pub(crate) fn check_file(content_type: &str, head: &[u8], size: u64, max: u64) -> Result<(), (ErrorCode, String)> {
    let content_type = normalized_type(content_type);
    if !ALLOWED_TYPES.contains(&content_type.as_str()) {
        return Err((
            ErrorCode::UnsupportedMediaType,
            format!("{content_type:?} is not accepted; send documents, images, logs or archives"),
        ));
    }
    if !magic_matches(&content_type, head) {
        return Err((
            ErrorCode::ContentTypeMismatch,
            format!("the file's content is not {content_type}"),
        ));
    }
    if size == 0 {
        return Err((ErrorCode::EmptyFile, "the file is empty".to_owned()));
    }
    if size > max {
        return Err((
            ErrorCode::AttachmentTooLarge,
            format!("the file is larger than {} MiB", max / (1024 * 1024)),
        ));
    }
    Ok(())
}

/// A file name that is safe to show and to send back in a header.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(255)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned.trim().to_owned()
    }
}

impl Tickets<'_> {
    #[must_use]
    pub fn attachments_dir(&self) -> &Path {
        &self.config.attachments_dir
    }

    #[must_use]
    pub fn max_attachment_bytes(&self) -> u64 {
        self.config.max_attachment_bytes
    }

    /// Checks, before a body is read, that the caller may attach to the ticket.
    ///
    /// # Errors
    /// `not_found` for a ticket the caller may not see.
    pub async fn check_can_attach(&self, p: &Principal, ticket_id: TicketId) -> Result<()> {
        p.require_scope(Scope::TicketsWrite)?;
        let mut tx = self.store.read().await?;
        self.visible_ticket(&mut tx, p, ticket_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Attaches a received file to a ticket. The temporary file is moved into place or removed.
    ///
    /// # Errors
    /// `not_found`, `unsupported_media_type` (415), `content_type_mismatch` (415), `empty_file` (400).
    pub async fn attach(&self, p: &Principal, ticket_id: TicketId, upload: Upload) -> Result<api::Attachment> {
        let result = self.attach_inner(p, ticket_id, &upload).await;
        let _ = tokio::fs::remove_file(&upload.temp_path).await;
        result.map(Into::into)
    }

    async fn attach_inner(&self, p: &Principal, ticket_id: TicketId, upload: &Upload) -> Result<Attachment> {
        let content_type = file_type(&upload.content_type, &upload.file_name);
        check_file(&content_type, &upload.head, upload.size, self.max_attachment_bytes())
            .map_err(|(code, detail)| ServiceError::Refused { code, detail })?;
        let now = self.now();
        let attachment = Attachment {
            id: Uuid::now_v7(),
            ticket_id: ticket_id.0,
            uploaded_by: p.user.id.0,
            file_name: clean_name(&upload.file_name),
            content_type,
            size: i64::try_from(upload.size).unwrap_or(i64::MAX),
            sha256: upload.sha256.clone(),
            confidential: upload.confidential,
            created_at: now,
            purged_at: None,
            storage: if self.config.files_on_disk { "disk" } else { "database" }.to_owned(),
        };
        let mut tx = self.store.begin().await?;
        self.visible_ticket(&mut tx, p, ticket_id).await?;
        store::insert(&mut tx, &attachment).await?;
        let data = json!({"attachment_id": attachment.id, "file_name": attachment.file_name, "size": attachment.size,
            "confidential": attachment.confidential});
        store_tickets::record_event(&mut tx, ticket_id, Some(p.user.id.0), "attachment_added", &data, now).await?;
        if !self.config.files_on_disk {
            copy_into_database(&mut tx, AttachmentId(attachment.id), &upload.temp_path).await?;
            tx.commit().await?;
            return Ok(attachment);
        }
        let target = self.attachments_dir().join(attachment.id.to_string());
        tokio::fs::rename(&upload.temp_path, &target)
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        if let Err(err) = tx.commit().await {
            let _ = tokio::fs::remove_file(&target).await;
            return Err(err.into());
        }
        Ok(attachment)
    }

    /// # Errors
    /// `not_found` for a ticket the caller may not see.
    pub async fn list_attachments(&self, p: &Principal, ticket_id: TicketId) -> Result<Vec<api::Attachment>> {
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        self.visible_ticket(&mut tx, p, ticket_id).await?;
        let list = store::for_ticket(&mut tx, ticket_id).await?;
        tx.commit().await?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// The attachment and where its bytes are, for those who see its ticket.
    ///
    /// # Errors
    /// `not_found`, `attachment_purged` (410).
    pub async fn attachment_file(&self, p: &Principal, id: AttachmentId) -> Result<(Attachment, FileBody)> {
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        let attachment = store::get(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("attachment"))?;
        self.visible_ticket(&mut tx, p, TicketId(attachment.ticket_id))
            .await
            .map_err(|_| ServiceError::not_found("attachment"))?;
        tx.commit().await?;
        if attachment.purged_at.is_some() {
            return Err(ServiceError::Refused {
                code: ErrorCode::AttachmentPurged,
                detail: "the confidential file was purged 30 days after it was received".to_owned(),
            });
        }
        let body = if attachment.storage == "database" {
            FileBody::Database
        } else {
            FileBody::Disk(self.attachments_dir().join(id.to_string()))
        };
        Ok((attachment, body))
    }

    /// One chunk of an attachment kept in the database, for a download that
    /// [`Self::attachment_file`] allowed; `None` past the last.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn attachment_chunk(&self, id: AttachmentId, seq: i32) -> Result<Option<Vec<u8>>> {
        let mut tx = self.store.read().await?;
        let chunk = store::chunk(&mut tx, id, seq).await?;
        tx.commit().await?;
        Ok(chunk)
    }

    /// Moves the files written to this instance's disk before attachments lived in the
    /// database into it (R-OPS-1), one transaction per file, logging progress; a file
    /// missing here (another instance's disk) is left for that instance. Answers how many
    /// moved.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn move_files_to_database(&self) -> Result<usize> {
        if self.config.files_on_disk {
            return Ok(0);
        }
        let mut tx = self.store.read().await?;
        let waiting = store::on_disk(&mut tx, i64::MAX).await?;
        tx.commit().await?;
        let (total, mut moved) = (waiting.len(), 0);
        for attachment in waiting {
            let id = AttachmentId(attachment.id);
            let path = self.attachments_dir().join(id.to_string());
            if !path.exists() {
                continue;
            }
            let mut tx = self.store.begin().await?;
            store::delete_chunks(&mut tx, id).await?;
            copy_into_database(&mut tx, id, &path).await?;
            store::set_storage(&mut tx, id, "database").await?;
            tx.commit().await?;
            let _ = tokio::fs::remove_file(&path).await;
            moved += 1;
            if moved % 100 == 0 || moved == total {
                tracing::info!(moved, of = total, "attachments moved from disk into the database");
            }
        }
        if total > moved {
            tracing::warn!(
                left = total - moved,
                "attachments still on another instance's disk: start that instance to move them"
            );
        }
        Ok(moved)
    }

    /// R-CONF-1: confidential files are deleted 30 days after receipt; the metadata and
    /// the purge event stay.
    pub(crate) async fn purge_confidential(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let due = store::due_for_purge(&mut tx, now - TimeDelta::days(CONFIDENTIAL_DAYS), 200).await?;
        tx.commit().await?;
        let mut purged = 0;
        for attachment in due {
            let mut tx = self.store.begin().await?;
            if !store::mark_purged(&mut tx, AttachmentId(attachment.id), now).await? {
                continue;
            }
            store::delete_chunks(&mut tx, AttachmentId(attachment.id)).await?;
            let data = json!({"attachment_id": attachment.id, "file_name": attachment.file_name, "received_at": attachment.created_at});
            store_tickets::record_event(
                &mut tx,
                TicketId(attachment.ticket_id),
                None,
                "attachment_purged",
                &data,
                now,
            )
            .await?;
            tx.commit().await?;
            if attachment.storage == "database" {
                purged += 1;
                continue;
            }
            match tokio::fs::remove_file(self.attachments_dir().join(attachment.id.to_string())).await {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    tracing::error!(attachment = %attachment.id, error = %err, "purged in the database but the file remains");
                }
                _ => {}
            }
            purged += 1;
        }
        Ok(purged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_must_match_the_content() {
        assert!(magic_matches("image/png", b"\x89PNG\r\n\x1a\nrest"));
        assert!(!magic_matches("image/png", b"<html><script>"));
        assert!(magic_matches("application/pdf", b"%PDF-1.7"));
        assert!(!magic_matches("application/pdf", b"MZ\x90\x00"));
        assert!(magic_matches(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04"
        ));
        assert!(magic_matches("text/plain", b"any text"));
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\logs\\app\".log"), "app.log");
        assert_eq!(clean_name("   "), "file");
    }
}
