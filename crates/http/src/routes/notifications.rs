use actix_web::{HttpResponse, get, post, web};
use reglament_api::{NotificationId, NotificationList, NotificationsQuery, Paging};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    // The fixed path before `/notifications/{id}/read`.
    cfg.service(mark_all_read)
        .service(list_notifications)
        .service(mark_read);
}

/// The caller's notifications, newest first, with the unread count (R-NTF): SLA warnings
/// before a response deadline and breaches (R-NTF-2). `unread=true` lists the unread ones.
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
