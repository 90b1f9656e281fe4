use actix_web::{get, put, web};

use reglament_api::{Tier, TierInput};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Auth;
use crate::problem::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tiers).service(get_tier).service(put_tier);
}

/// The support tiers of Appendix 1 of the regulation, with every column.
///
/// `response_target_minutes` counts business minutes of the tier's `schedule`
/// (1 business day = 540); `max_open_tickets` is `null` for unlimited.
#[utoipa::path(
    tag = "tiers",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Tier>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tiers")]
pub async fn list_tiers(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<Vec<Tier>>, ApiError> {
    Ok(web::Json(app.directory().list_tiers(&p).await?))
}

/// One tier.
#[utoipa::path(
    tag = "tiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "basic")),
    responses(
        (status = 200, body = Tier),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tiers/{code}")]
pub async fn get_tier(
    app: web::Data<App>,
    Auth(p): Auth,
    code: web::Path<String>,
) -> Result<web::Json<Tier>, ApiError> {
    Ok(web::Json(app.directory().get_tier(&p, &code).await?))
}

/// Create or replace a tier (admins).
#[utoipa::path(
    tag = "tiers",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "basic")),
    request_body = TierInput,
    responses(
        (status = 200, body = Tier),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/tiers/{code}")]
pub async fn put_tier(
    app: web::Data<App>,
    Auth(p): Auth,
    code: web::Path<String>,
    body: web::Json<TierInput>,
) -> Result<web::Json<Tier>, ApiError> {
    Ok(web::Json(app.directory().put_tier(&p, &code, body.into_inner()).await?))
}
