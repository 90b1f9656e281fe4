use actix_files::NamedFile;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt as _;
use reglament_api::Attachment;
use reglament_api::ErrorCode;
use reglament_api::UploadQuery;
use reglament_api::{AttachmentId, TicketId};
use reglament_service::tickets::attachments::{FileBody, Upload};
use reglament_service::{App, ServiceError};
use utoipa_actix_web::service_config::ServiceConfig;

use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;
use uuid::Uuid;

use crate::extract::Auth;
use crate::problem::{ApiError, Problem};
use crate::routes::created;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload).service(list).service(download);
}

fn internal(err: std::io::Error) -> ApiError {
    ServiceError::Internal(Box::new(err)).into()
}

/// Attach a file to a ticket: the body is the file, `Content-Type` its type. Files
/// over the size limit (default 20 MiB) are refused with 413, types other than
/// documents, images, logs and archives with 415, and a body that is not what its
/// type says (by its first bytes) with 415 `content_type_mismatch`.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), UploadQuery),
    request_body(
        description = "The file's bytes. Send its type as `Content-Type`, or `application/octet-stream` and a `name` whose extension gives the type (`report.pdf`).",
        content(
            (inline(crate::openapi::FileBody) = "application/octet-stream"),
        )
    ),
    responses(
        (status = 201, body = Attachment),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`attachment_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`, `content_type_mismatch`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/attachments")]
pub async fn upload(
    app: web::Data<App>,
    Auth(p): Auth,
    req: HttpRequest,
    id: web::Path<TicketId>,
    query: web::Query<UploadQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ticket_id = id.into_inner();
    app.tickets().check_can_attach(&p, ticket_id).await?;
    let limit = app.tickets().max_attachment_bytes();
    if let Some(length) = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && length > limit
    {
        return Err(too_large(limit));
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let dir = app.tickets().attachments_dir().to_owned();
    tokio::fs::create_dir_all(&dir).await.map_err(internal)?;
    let temp_path = dir.join(format!("upload-{}", Uuid::new_v4()));
    let mut file = tokio::fs::File::create(&temp_path).await.map_err(internal)?;
    let (mut size, mut hasher, mut head) = (0_u64, Sha256::new(), Vec::with_capacity(16));
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(err) => {
                let _ = tokio::fs::remove_file(&temp_path).await;
                return Err(ApiError::transport(
                    reglament_api::ErrorCode::UploadFailed,
                    err.to_string(),
                ));
            }
        };
        size += chunk.len() as u64;
        if size > limit {
            drop(file);
            let _ = tokio::fs::remove_file(&temp_path).await;
            return Err(too_large(limit));
        }
        if head.len() < 16 {
            head.extend(chunk.iter().take(16 - head.len()));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    drop(file);
    let upload = Upload {
        temp_path,
        file_name: query.name.clone(),
        content_type,
        size,
        sha256: hex::encode(hasher.finalize()),
        head,
        confidential: query.confidential.unwrap_or(false),
    };
    Ok(created(&app.tickets().attach(&p, ticket_id, upload).await?))
}

fn too_large(limit: u64) -> ApiError {
    ServiceError::Refused {
        code: ErrorCode::AttachmentTooLarge,
        detail: format!("attachments are limited to {} MiB", limit / (1024 * 1024)),
    }
    .into()
}

/// A ticket's attachments (purged ones keep their metadata, R-CONF-1).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<Attachment>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/attachments")]
pub async fn list(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
) -> Result<web::Json<Vec<Attachment>>, ApiError> {
    Ok(web::Json(app.tickets().list_attachments(&p, id.into_inner()).await?))
}

/// Download an attachment; only those who see its ticket may.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The file, as its type", body = inline(crate::openapi::FileBody), content_type = "application/octet-stream"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`attachment_purged`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments/{id}")]
pub async fn download(
    app: web::Data<App>,
    Auth(p): Auth,
    req: HttpRequest,
    id: web::Path<AttachmentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (attachment, body) = app.tickets().attachment_file(&p, id).await?;
    let mime: actix_web::mime::Mime = attachment
        .content_type
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(attachment.file_name)],
    };
    match body {
        FileBody::Disk(path) => {
            let file = NamedFile::open_async(&path).await.map_err(internal)?;
            let file = file.set_content_type(mime).set_content_disposition(disposition);
            Ok(file.into_response(&req))
        }
        FileBody::Database => {
            // One chunk in memory at a time, each read when the client takes the last.
            let chunks = futures_util::stream::try_unfold(0_i32, move |seq| {
                let app = app.clone();
                async move {
                    match app.tickets().attachment_chunk(id, seq).await {
                        Ok(Some(bytes)) => Ok(Some((actix_web::web::Bytes::from(bytes), seq + 1))),
                        Ok(None) => Ok(None),
                        Err(err) => {
                            tracing::error!(attachment = %id, error = %err, "reading an attachment failed mid-download");
                            Err(std::io::Error::other(err.to_string()))
                        }
                    }
                }
            });
            Ok(HttpResponse::Ok()
                .content_type(mime)
                .insert_header(disposition)
                .no_chunking(u64::try_from(attachment.size).unwrap_or_default())
                .streaming(chunks))
        }
    }
}
