use actix_web::{get, put, web};
use reglament_api::{ProductVersion, VersionInput};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Auth;
use crate::problem::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_versions).service(put_version);
}

/// The product versions: which are supported and which is the latest (R-TKT-4).
#[utoipa::path(tag = "tickets", security(("bearer" = [])), responses((status = 200, body = Vec<ProductVersion>)))]
#[get("/product-versions")]
pub async fn list_versions(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<Vec<ProductVersion>>, ApiError> {
    Ok(web::Json(app.directory().list_versions(&p).await?))
}

/// Add or change a product version (admins). Once the registry has versions, bug
/// reports must name one of them.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("version" = String, Path, example = "5.2")),
    request_body = VersionInput,
    responses(
        (status = 200, body = ProductVersion),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/product-versions/{version}")]
pub async fn put_version(
    app: web::Data<App>,
    Auth(p): Auth,
    version: web::Path<String>,
    body: web::Json<VersionInput>,
) -> Result<web::Json<ProductVersion>, ApiError> {
    Ok(web::Json(
        app.directory().put_version(&p, &version, body.into_inner()).await?,
    ))
}
