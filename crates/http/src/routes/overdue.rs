use actix_web::{get, post, web};
use reglament_api::EscalationQuery;
use reglament_api::{Escalation, EscalationInput, OverdueCounts, Page, ReportQuery, SlaReport};
use reglament_api::{EscalationId, TicketId};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(overdue)
        .service(escalate)
        .service(list_escalations)
        .service(acknowledge_escalation)
        .service(report);
}

/// The SLA dashboards' figures for months `from`..`to`: compliance (answers on time /
/// all answers) per tier and per customer by month, tickets overdue now by tier, and
/// the distribution of response times in business minutes. Staff see every customer,
/// a client their company.
#[utoipa::path(
    tag = "sla",
    security(("bearer" = [])),
    params(ReportQuery),
    responses(
        (status = 200, body = SlaReport),
        (status = 400, description = "`validation_failed`: a bad month", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sla/report")]
pub async fn report(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<ReportQuery>,
) -> Result<web::Json<SlaReport>, ApiError> {
    Ok(web::Json(app.tickets().sla_report(&p, query.into_inner()).await?))
}

/// Tickets whose running response cycle is past due: total, by customer, team and
/// tier (R-INT-1). Works with an API token with the `sla:read` scope, so that a CI
/// script can fail a build on a non-zero `total`. A client sees their own (R-ESC-1).
#[utoipa::path(
    tag = "sla",
    security(("bearer" = [])),
    responses(
        (status = 200, body = OverdueCounts),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sla/overdue")]
pub async fn overdue(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<OverdueCounts>, ApiError> {
    Ok(web::Json(app.tickets().overdue_counts(&p).await?))
}

/// Escalate an overdue ticket to the head of support (key contacts, R-ESC-2).
#[utoipa::path(
    tag = "sla",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = EscalationInput,
    responses(
        (status = 201, body = Escalation),
        (status = 403, description = "`key_contact_only`", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_escalated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_overdue`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/escalate")]
pub async fn escalate(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<EscalationInput>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Ok(created(
        &app.tickets().escalate(&p, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Escalations, newest first: all for staff, the customer's for a client.
#[utoipa::path(
    tag = "sla",
    security(("bearer" = [])),
    params(EscalationQuery, Paging),
    responses((status = 200, body = Page<Escalation>))
)]
#[get("/escalations")]
pub async fn list_escalations(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<EscalationQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Escalation>>, ApiError> {
    Ok(web::Json(
        app.tickets()
            .list_escalations(&p, query.open.unwrap_or(false), paging.page()?)
            .await?,
    ))
}

/// Acknowledge an escalation (support leads, admins).
#[utoipa::path(
    tag = "sla",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Escalation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/escalations/{id}/acknowledge")]
pub async fn acknowledge_escalation(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<EscalationId>,
) -> Result<web::Json<Escalation>, ApiError> {
    Ok(web::Json(
        app.tickets().acknowledge_escalation(&p, id.into_inner()).await?,
    ))
}
