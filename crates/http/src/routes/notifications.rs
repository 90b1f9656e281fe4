use actix_web::{HttpResponse, get, post, put, web};
use reglament_api::{
    NotificationId, NotificationList, NotificationPreference, NotificationsQuery, Paging, PreferenceChange,
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
        .service(list_notifications)
        .service(mark_read);
}

/// Where each kind of the caller's notifications goes besides the app (R-NTF-5): `in_app`,
/// `mail` (bursts of more than 5 in a minute fold into one mail), `digest_hourly`,
/// `digest_daily`. Staff only.
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
    p.require_staff()?;
    Ok(web::Json(app.notifications().preferences(&p).await?))
}

/// Change where kinds of the caller's notifications go; a kind left out keeps its choice,
/// `channel: null` returns it to the default (R-NTF-5). Staff only.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    request_body = Vec<PreferenceChange>,
    responses(
        (status = 200, body = Vec<NotificationPreference>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/notifications/preferences")]
pub async fn put_preferences(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<Vec<PreferenceChange>>,
) -> Result<web::Json<Vec<NotificationPreference>>, ApiError> {
    p.require_staff()?;
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
