use actix_web::{HttpResponse, delete, get, patch, post, web};
use reglament_api::ApiTokenId;
use reglament_api::{
    AcceptInvitationInput, ApiToken, CreatedApiToken, LoginInput, NewApiToken, Page, PortalAccess, ProfilePatch,
    RefreshInput, TokenPair, User,
};
use reglament_service::App;

use validator::Validate as _;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(accept_invitation)
        .service(me)
        .service(my_access)
        .service(update_me)
        .service(create_api_token)
        .service(list_api_tokens)
        .service(revoke_api_token);
}

/// Sign in with email and password.
///
/// Answers a short-lived access token (JWT, `Authorization: Bearer …`) and a
/// one-use refresh token. After 5 failures in a row the address is slowed down:
/// 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = LoginInput,
    responses(
        (status = 200, body = TokenPair),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_credentials`, `account_disabled`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(app: web::Data<App>, body: web::Json<LoginInput>) -> Result<web::Json<TokenPair>, ApiError> {
    let input = body.into_inner();
    input.validate().map_err(reglament_service::ServiceError::from)?;
    Ok(web::Json(app.login(&input.email, &input.password).await?))
}

/// Exchange a refresh token for a new pair; the old refresh token stops working.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshInput,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`invalid_refresh_token`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(app: web::Data<App>, body: web::Json<RefreshInput>) -> Result<web::Json<TokenPair>, ApiError> {
    Ok(web::Json(app.refresh(&body.refresh_token).await?))
}

/// Sign out: revokes the refresh token (and the tokens rotated from it).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshInput,
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
pub async fn logout(app: web::Data<App>, body: web::Json<RefreshInput>) -> Result<HttpResponse, ApiError> {
    app.logout(&body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set the password from an invitation's one-time link.
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInvitationInput,
    responses(
        (status = 200, body = User),
        (status = 400, description = "`invalid_invitation`, `validation_failed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/accept-invitation")]
pub async fn accept_invitation(
    app: web::Data<App>,
    body: web::Json<AcceptInvitationInput>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(app.accept_invitation(&body.token, &body.password).await?))
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, body = User),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(Auth(p): Auth) -> web::Json<User> {
    web::Json(p.user.into())
}

/// What the caller may do under the customer's contract: whether tickets may be opened
/// today (R-ACL-6), when access ends after the last contract (R-ACL-5), and the community
/// portal address for those without an active contract.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PortalAccess),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/access")]
pub async fn my_access(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<PortalAccess>, ApiError> {
    Ok(web::Json(app.portal_access(&p).await?))
}

/// Change one's own name, language (`ru`, `en`) or time zone.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, body = User),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub async fn update_me(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<ProfilePatch>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(app.update_profile(&p, body.into_inner()).await?))
}

/// Create an API token for an integration or a script. The token is shown once.
///
/// Scopes: `directory:read`, `directory:write`, `tickets:read`, `tickets:write`,
/// `sla:read`. A token can do no more than its owner's role allows.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = NewApiToken,
    responses(
        (status = 201, body = CreatedApiToken),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`session_required`: tokens are made from a signed-in session", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-tokens")]
pub async fn create_api_token(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewApiToken>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(&app.create_api_token(&p, body.into_inner()).await?))
}

/// The caller's API tokens (never the tokens themselves).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(Paging),
    responses((status = 200, body = Page<ApiToken>))
)]
#[get("/api-tokens")]
pub async fn list_api_tokens(
    app: web::Data<App>,
    Auth(p): Auth,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<ApiToken>>, ApiError> {
    Ok(web::Json(app.list_api_tokens(&p, paging.page()?).await?))
}

/// Revoke one of the caller's API tokens; it is refused from then on.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-tokens/{id}")]
pub async fn revoke_api_token(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<ApiTokenId>,
) -> Result<HttpResponse, ApiError> {
    app.revoke_api_token(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
