use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use reglament_api::ApiTokenId;
use reglament_api::{
    AcceptInvitationInput, ApiToken, BrowserSession, CreatedApiToken, LoginInput, NewApiToken, Page, PortalAccess,
    ProfilePatch, RefreshInput, TokenPair, User,
};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use validator::Validate as _;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(open_session)
        .service(refresh_session)
        .service(close_session)
        .service(sign_out_everywhere)
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
    Ok(web::Json(app.accounts().login(&input.email, &input.password).await?))
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
    Ok(web::Json(app.accounts().refresh(&body.refresh_token).await?))
}

/// Sign out: revokes the refresh token (and the tokens rotated from it).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshInput,
    responses((status = 204, description = "Signed out"))
)]
#[post("/auth/logout")]
pub async fn logout(app: web::Data<App>, body: web::Json<RefreshInput>) -> Result<HttpResponse, ApiError> {
    app.accounts().logout(&body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The cookie that carries a browser's refresh token, and the only path it is sent to.
pub const REFRESH_COOKIE: &str = "reglament_refresh";
pub const SESSION_PATH: &str = "/api/v1/auth/session";

fn refresh_cookie(value: String, max_age: actix_web::cookie::time::Duration) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .path(SESSION_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// The session answer: the refresh token goes into the cookie, never into the body.
fn session_response(pair: TokenPair, now: chrono::DateTime<chrono::Utc>) -> HttpResponse {
    let seconds = (pair.refresh_expires_at - now).num_seconds().max(0);
    let cookie = refresh_cookie(
        pair.refresh_token.clone(),
        actix_web::cookie::time::Duration::seconds(seconds),
    );
    HttpResponse::Ok()
        .cookie(cookie)
        .insert_header(("Cache-Control", "no-store"))
        .json(BrowserSession::from(pair))
}

fn clear_cookie(mut res: HttpResponse) -> HttpResponse {
    let _ = res.add_cookie(&refresh_cookie(String::new(), actix_web::cookie::time::Duration::ZERO));
    res
}

/// Sign in from the web app. The refresh token is set as an `HttpOnly; Secure;
/// SameSite=Strict` cookie scoped to `/api/v1/auth/session`; the body carries the access
/// token only, which the app keeps in memory. Integrations use `/auth/login` or API tokens.
#[utoipa::path(
    tag = "auth",
    request_body = LoginInput,
    responses(
        (status = 200, body = BrowserSession, headers(("Set-Cookie" = String, description = "the refresh cookie"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_credentials`, `account_disabled`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`access_expired`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/session")]
pub async fn open_session(app: web::Data<App>, body: web::Json<LoginInput>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    input.validate().map_err(reglament_service::ServiceError::from)?;
    Ok(session_response(
        app.accounts().login(&input.email, &input.password).await?,
        app.now(),
    ))
}

fn cookie_token(req: &HttpRequest) -> Result<String, ApiError> {
    req.cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            reglament_service::ServiceError::Refused {
                code: reglament_api::ErrorCode::InvalidRefreshToken,
                detail: "no session cookie; sign in".to_owned(),
            }
            .into()
        })
}

/// Renew the web app's access token from the refresh cookie; the cookie rotates.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = BrowserSession),
        (status = 401, description = "`invalid_refresh_token`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`access_expired`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/session/refresh")]
pub async fn refresh_session(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let token = cookie_token(&req)?;
    match app.accounts().refresh(&token).await {
        Ok(pair) => Ok(session_response(pair, app.now())),
        // A refused cookie is cleared; a server fault leaves it for the next try.
        Err(err @ reglament_service::ServiceError::Refused { .. }) => {
            let err = ApiError::from(err);
            Ok(clear_cookie(actix_web::ResponseError::error_response(&err)))
        }
        Err(err) => Err(err.into()),
    }
}

/// Sign the web app out: the refresh cookie's session is revoked and the cookie cleared.
#[utoipa::path(tag = "auth", responses((status = 204, description = "Signed out")))]
#[delete("/auth/session")]
pub async fn close_session(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Ok(token) = cookie_token(&req) {
        app.accounts().logout(&token).await?;
    }
    Ok(clear_cookie(HttpResponse::NoContent().finish()))
}

/// Sign out everywhere: every refresh token of the caller is revoked, so no browser or
/// device renews its session; access tokens run out within 15 minutes.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session of the user ended"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`session_required`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/sign-out-everywhere")]
pub async fn sign_out_everywhere(app: web::Data<App>, Auth(p): Auth) -> Result<HttpResponse, ApiError> {
    app.accounts().sign_out_everywhere(&p).await?;
    Ok(clear_cookie(HttpResponse::NoContent().finish()))
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
    Ok(web::Json(
        app.accounts().accept_invitation(&body.token, &body.password).await?,
    ))
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
    Ok(web::Json(app.accounts().portal_access(&p).await?))
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
    Ok(web::Json(app.accounts().update_profile(&p, body.into_inner()).await?))
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
    Ok(created(&app.accounts().create_api_token(&p, body.into_inner()).await?))
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
    Ok(web::Json(app.accounts().list_api_tokens(&p, paging.page()?).await?))
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
    app.accounts().revoke_api_token(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
