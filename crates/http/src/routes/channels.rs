//! Email and Telegram intake (R-CH-2, R-CH-3): the rejected-mail list, Telegram chats
//! and the bot's state.

use actix_web::{HttpResponse, delete, get, post, web};
use reglament_api::{
    CustomerId, MailProcessed, Page, Paging, RejectedMail, RejectedMailId, TelegramChat, TelegramChatsQuery,
    TelegramLinkCode, TelegramStatus,
};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_rejected_mail)
        .service(delete_rejected_mail)
        .service(process_rejected_mail)
        .service(create_telegram_link_code)
        .service(list_telegram_chats)
        .service(unlink_telegram_chat)
        .service(telegram_status);
}

/// Mail the intake did not process, newest first: unknown or disabled senders, staff
/// senders, and clients' mail that could not become a ticket (admins, support leads).
/// Nobody was answered except a registered client whose mail was refused (R-CH-2).
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    params(Paging),
    responses((status = 200, body = Page<RejectedMail>))
)]
#[get("/mail/rejected")]
pub async fn list_rejected_mail(
    app: web::Data<App>,
    Auth(p): Auth,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<RejectedMail>>, ApiError> {
    Ok(web::Json(app.channels().list_rejected_mail(&p, paging.page()?).await?))
}

/// Delete a rejected mail. The same message fetched again stays unprocessed.
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/mail/rejected/{id}")]
pub async fn delete_rejected_mail(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<RejectedMailId>,
) -> Result<HttpResponse, ApiError> {
    app.channels().delete_rejected_mail(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Process a rejected mail again, say after registering its sender: it becomes a
/// ticket or a reply and leaves the list, or stays with the new reason.
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = MailProcessed),
        (status = 422, description = "`mail_not_processable`: its content was purged (R-CONF-1)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/mail/rejected/{id}/process")]
pub async fn process_rejected_mail(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<RejectedMailId>,
) -> Result<web::Json<MailProcessed>, ApiError> {
    Ok(web::Json(
        app.channels().process_rejected_mail(&p, id.into_inner()).await?,
    ))
}

/// A one-time code (valid 24 hours) that links a Telegram group chat to the customer:
/// send its `command` in the chat where the bot is a member (R-CH-3).
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 201, body = TelegramLinkCode),
        (status = 422, description = "`telegram_not_in_tier`: only premium and premium_plus customers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/telegram/link-code")]
pub async fn create_telegram_link_code(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.channels().create_telegram_link_code(&p, id.into_inner()).await?,
    ))
}

/// Linked Telegram chats (staff), of one customer with `customer_id`.
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    params(TelegramChatsQuery),
    responses((status = 200, body = Vec<TelegramChat>))
)]
#[get("/telegram/chats")]
pub async fn list_telegram_chats(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<TelegramChatsQuery>,
) -> Result<web::Json<Vec<TelegramChat>>, ApiError> {
    Ok(web::Json(
        app.channels()
            .list_telegram_chats(&p, query.into_inner().customer_id)
            .await?,
    ))
}

/// Unlink a chat: the bot ignores it from now on.
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    params(("chat_id" = i64, Path)),
    responses((status = 204, description = "Unlinked"))
)]
#[delete("/telegram/chats/{chat_id}")]
pub async fn unlink_telegram_chat(
    app: web::Data<App>,
    Auth(p): Auth,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    app.channels().unlink_telegram_chat(&p, chat_id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The bot: whether it runs here, its offset, linked chats and the messages it ignored.
#[utoipa::path(
    tag = "channels",
    security(("bearer" = [])),
    responses((status = 200, body = TelegramStatus))
)]
#[get("/telegram/status")]
pub async fn telegram_status(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<TelegramStatus>, ApiError> {
    Ok(web::Json(app.channels().telegram_status(&p).await?))
}
