//! Outgoing webhooks (R-INT-2), for admins: subscriptions, the delivery log and the
//! test event.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use reglament_api::{
    DeliveriesQuery, NewWebhook, Page, Paging, Webhook, WebhookDelivery, WebhookDeliveryId, WebhookId, WebhookPatch,
};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(send_test_event)
        .service(retry_delivery);
}

/// Webhook subscriptions, oldest first (admins).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(Paging),
    responses(
        (status = 200, body = Page<Webhook>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    app: web::Data<App>,
    Auth(p): Auth,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Webhook>>, ApiError> {
    Ok(web::Json(app.integrations().list_webhooks(&p, paging.page()?).await?))
}

/// Subscribe a URL to events. Deliveries are POSTs of `{"type", "timestamp", "data"}`
/// signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the
/// base64 part of `secret`); a non-2xx answer or none within 10 s is retried with backoff
/// for about a day, then the subscription is paused and the admins told by mail.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, body = Webhook),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.integrations().create_webhook(&p, body.into_inner()).await?,
    ))
}

/// One subscription with its secret and backlog.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Webhook),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<WebhookId>,
) -> Result<web::Json<Webhook>, ApiError> {
    Ok(web::Json(app.integrations().get_webhook(&p, id.into_inner()).await?))
}

/// Change a subscription; `"paused": false` resumes a paused one and its waiting deliveries.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = WebhookPatch,
    responses(
        (status = 200, body = Webhook),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<WebhookId>,
    body: web::Json<WebhookPatch>,
) -> Result<web::Json<Webhook>, ApiError> {
    Ok(web::Json(
        app.integrations()
            .update_webhook(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Delete a subscription and its delivery log.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    app.integrations().delete_webhook(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log, newest first: status, attempts, last error and response time.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), DeliveriesQuery, Paging),
    responses(
        (status = 200, body = Page<WebhookDelivery>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<WebhookId>,
    query: web::Query<DeliveriesQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<WebhookDelivery>>, ApiError> {
    Ok(web::Json(
        app.integrations()
            .webhook_deliveries(&p, id.into_inner(), query.status, paging.page()?)
            .await?,
    ))
}

/// Send a `webhook.test` event to this subscription now (it goes through the outbox like
/// any other delivery).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = WebhookDelivery),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`webhook_paused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn send_test_event(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(app.integrations().send_test_event(&p, id.into_inner()).await?))
}

/// Send a failed delivery again, once the receiver is fixed and the subscription resumed:
/// it becomes pending with a fresh count of attempts and keeps its id (the `webhook-id`
/// header), so a receiver that did get it drops the repeat.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses(
        (status = 202, body = WebhookDelivery),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`webhook_paused`, `delivery_not_failed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    app: web::Data<App>,
    Auth(p): Auth,
    path: web::Path<(WebhookId, WebhookDeliveryId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    Ok(HttpResponse::Accepted().json(app.integrations().retry_delivery(&p, id, delivery).await?))
}
