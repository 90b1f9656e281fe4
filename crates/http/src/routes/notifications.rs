use actix_web::{HttpResponse, delete, get, post, put, web};
use reglament_api::{
    NotificationId, NotificationList, NotificationPreference, NotificationsQuery, Paging, PreferenceChange,
    TelegramAccountCode, TelegramAccountStatus, UnsubscribeQuery,
};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    // The fixed path before `/notifications/{id}/read`.
    cfg.service(mark_all_read)
        .service(get_preferences)
        .service(put_preferences)
        .service(get_telegram)
        .service(create_telegram_code)
        .service(unlink_telegram)
        .service(unsubscribe_page)
        .service(unsubscribe)
        .service(list_notifications)
        .service(mark_read);
}

/// The page an unsubscribe link opens in a browser: a button that confirms (a link
/// prefetched by a mail scanner changes nothing, RFC 8058).
#[utoipa::path(
    tag = "notifications",
    params(UnsubscribeQuery),
    responses((status = 200, description = "A page with the confirm button", content_type = "text/html", body = String))
)]
#[get("/unsubscribe")]
pub async fn unsubscribe_page(query: web::Query<UnsubscribeQuery>) -> HttpResponse {
    let token: String = query
        .token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><title>Отписка</title>\
         <p>Больше не присылать письма о таких изменениях? В приложении они останутся. \
         / Stop mail about this kind of change? It stays in the app.</p>\
         <form method=\"post\" action=\"/api/v1/unsubscribe?token={token}\">\
         <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">Отписаться / Unsubscribe</button></form></html>"
        ))
}

/// One-click unsubscribe (RFC 8058, `List-Unsubscribe=One-Click`): the link's kind of
/// notice goes to the app only for the link's person, without signing in. The link is
/// signed and expires after 90 days (R-NTF-5).
#[utoipa::path(
    tag = "notifications",
    params(UnsubscribeQuery),
    responses(
        (status = 200, description = "Unsubscribed", content_type = "text/html", body = String),
        (status = 401, description = "`invalid_token`: forged, unknown or expired", body = Problem,
         content_type = "application/problem+json"),
    )
)]
#[post("/unsubscribe")]
pub async fn unsubscribe(app: web::Data<App>, query: web::Query<UnsubscribeQuery>) -> Result<HttpResponse, ApiError> {
    let done = app.notifications().unsubscribe(&query.token).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><title>Готово</title>\
         <p>Готово: письма этого вида ({}) больше не приходят, уведомления остаются в приложении. \
         / Done: no more mail of this kind; the notifications stay in the app.</p></html>",
            done.kind
        )))
}

/// Whether the caller's Telegram is linked to the bot for notifications (R-NTF-5). Staff only.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = TelegramAccountStatus),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/notifications/telegram")]
pub async fn get_telegram(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<TelegramAccountStatus>, ApiError> {
    Ok(web::Json(app.notifications().telegram_account(&p).await?))
}

/// A one-time code (15 minutes) that links the caller's Telegram: send `/start CODE` to the
/// bot in a private chat; Telegram can then be chosen in the preferences (R-NTF-5). A new
/// code replaces the caller's earlier one. Staff only.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 201, body = TelegramAccountCode),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
         description = "`telegram_not_configured`: this server runs no bot"),
    )
)]
#[post("/notifications/telegram/code")]
pub async fn create_telegram_code(app: web::Data<App>, Auth(p): Auth) -> Result<HttpResponse, ApiError> {
    let code = app.notifications().create_telegram_code(&p).await?;
    Ok(HttpResponse::Created().json(code))
}

/// Unlink the caller's Telegram; notifications routed there go by mail from now on.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/notifications/telegram")]
pub async fn unlink_telegram(app: web::Data<App>, Auth(p): Auth) -> Result<HttpResponse, ApiError> {
    app.notifications().unlink_telegram(&p).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Where each kind of the caller's notifications goes besides the app (R-NTF-5): `in_app`,
/// `mail` (bursts of more than 5 in a minute fold into one mail), `telegram` (staff, once
/// linked; bursts fold the same way), `digest_hourly`, `digest_daily`. Staff route their
/// alerts (R-NTF-1/2/3); clients the optional notices about their tickets (`ticket_status`,
/// `auto_close_reminder`; answers are always mailed, R-NTF-4).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<NotificationPreference>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/notifications/preferences")]
pub async fn get_preferences(
    app: web::Data<App>,
    Auth(p): Auth,
) -> Result<web::Json<Vec<NotificationPreference>>, ApiError> {
    Ok(web::Json(app.notifications().preferences(&p).await?))
}

/// Change where kinds of the caller's notifications go; a kind left out keeps its choice,
/// `channel: null` returns it to the default (R-NTF-5).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    request_body = Vec<PreferenceChange>,
    responses(
        (status = 200, body = Vec<NotificationPreference>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json",
         description = "`telegram_not_linked`: link Telegram before choosing it"),
    )
)]
#[put("/notifications/preferences")]
pub async fn put_preferences(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<Vec<PreferenceChange>>,
) -> Result<web::Json<Vec<NotificationPreference>>, ApiError> {
    Ok(web::Json(
        app.notifications().set_preferences(&p, &body.into_inner()).await?,
    ))
}

/// The caller's notifications, newest first, with the unread count (R-NTF): new tickets,
/// client messages, assignments, escalations, estimates decided (R-NTF-1), SLA warnings
/// and breaches (R-NTF-2), duty-roster gaps (R-NTF-3). `unread=true` lists the unread ones.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(NotificationsQuery, Paging),
    responses((status = 200, body = NotificationList))
)]
#[get("/notifications")]
pub async fn list_notifications(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<NotificationsQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<NotificationList>, ApiError> {
    let unread_only = query.unread.unwrap_or(false);
    Ok(web::Json(
        app.notifications().list(&p, unread_only, paging.page()?).await?,
    ))
}

/// Mark one of the caller's notifications read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = NotificationId, Path)),
    responses(
        (status = 204, description = "Read"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/notifications/{id}/read")]
pub async fn mark_read(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<NotificationId>,
) -> Result<HttpResponse, ApiError> {
    app.notifications().mark_read(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mark every notification of the caller read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 204, description = "All read"))
)]
#[post("/notifications/read-all")]
pub async fn mark_all_read(app: web::Data<App>, Auth(p): Auth) -> Result<HttpResponse, ApiError> {
    app.notifications().mark_all_read(&p).await?;
    Ok(HttpResponse::NoContent().finish())
}
