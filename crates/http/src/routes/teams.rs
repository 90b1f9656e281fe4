use actix_web::{HttpResponse, delete, get, patch, post, web};
use reglament_api::{CustomerId, TeamId};
use reglament_api::{Page, Team, TeamInput};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_teams)
        .service(create_team)
        .service(get_team)
        .service(rename_team)
        .service(delete_team);
}

/// A customer's teams.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "customer"), Paging),
    responses(
        (status = 200, body = Page<Team>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}/teams")]
pub async fn list_teams(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Team>>, ApiError> {
    Ok(web::Json(
        app.directory().list_teams(&p, id.into_inner(), paging.page()?).await?,
    ))
}

/// Add a team. Only tiers with "several teams" allow more than one (R-ACL-3).
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "customer")),
    request_body = TeamInput,
    responses(
        (status = 201, body = Team),
        (status = 409, description = "`already_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`several_teams_not_allowed`, `no_contract`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/teams")]
pub async fn create_team(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
    body: web::Json<TeamInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.directory()
            .create_team(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// One team.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Team),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/teams/{id}")]
pub async fn get_team(app: web::Data<App>, Auth(p): Auth, id: web::Path<TeamId>) -> Result<web::Json<Team>, ApiError> {
    Ok(web::Json(app.directory().get_team(&p, id.into_inner()).await?))
}

/// Rename a team.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = TeamInput,
    responses(
        (status = 200, body = Team),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/teams/{id}")]
pub async fn rename_team(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TeamId>,
    body: web::Json<TeamInput>,
) -> Result<web::Json<Team>, ApiError> {
    Ok(web::Json(
        app.directory()
            .rename_team(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Delete a team; its members stay with the customer, without a team.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/teams/{id}")]
pub async fn delete_team(app: web::Data<App>, Auth(p): Auth, id: web::Path<TeamId>) -> Result<HttpResponse, ApiError> {
    app.directory().delete_team(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
