use actix_web::{HttpResponse, delete, get, post, put, web};
use reglament_api::{DutyOverride, DutyOverrideId, DutyOverrideInput, DutyQuery, DutyRoster, DutyRotationInput};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Auth;
use crate::problem::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_roster)
        .service(put_rotation)
        .service(add_override)
        .service(remove_override);
}

/// The duty roster of the 24x7 tiers (R-NTF-3): the weekly rotation, the overrides to
/// come, who is on duty now, the next weeks and the gaps of the next 7 days. Outside the
/// 8x5 working hours the alerts of 24x7 tickets go to the person on duty. Staff only.
#[utoipa::path(
    tag = "duty",
    security(("bearer" = [])),
    params(DutyQuery),
    responses(
        (status = 200, body = DutyRoster),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty")]
pub async fn get_roster(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<DutyQuery>,
) -> Result<web::Json<DutyRoster>, ApiError> {
    Ok(web::Json(app.notifications().roster(&p, query.weeks).await?))
}

/// Set the weekly rotation: active staff in order of their weeks, handed over each Monday
/// at `handover_time` Moscow time. Admins and support leads.
#[utoipa::path(
    tag = "duty",
    security(("bearer" = [])),
    request_body = DutyRotationInput,
    responses(
        (status = 200, body = DutyRoster),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/duty/rotation")]
pub async fn put_rotation(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<DutyRotationInput>,
) -> Result<web::Json<DutyRoster>, ApiError> {
    Ok(web::Json(
        app.notifications().set_rotation(&p, body.into_inner()).await?,
    ))
}

/// Put someone else on duty for a while (a holiday, a sick day); where overrides
/// overlap, the latest made wins. Admins and support leads.
#[utoipa::path(
    tag = "duty",
    security(("bearer" = [])),
    request_body = DutyOverrideInput,
    responses(
        (status = 201, body = DutyOverride),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty/overrides")]
pub async fn add_override(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<DutyOverrideInput>,
) -> Result<HttpResponse, ApiError> {
    let created = app.notifications().add_override(&p, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Remove an override. Admins and support leads.
#[utoipa::path(
    tag = "duty",
    security(("bearer" = [])),
    params(("id" = DutyOverrideId, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/duty/overrides/{id}")]
pub async fn remove_override(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<DutyOverrideId>,
) -> Result<HttpResponse, ApiError> {
    app.notifications().remove_override(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
