use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use futures_util::StreamExt as _;
use reglament_api::UsersQuery;
use reglament_api::{CreatedUser, NewClient, NewStaff, Page, User, UserPatch};
use reglament_api::{CustomerId, UserId};
use reglament_api::{ErrorCode, ImportClientList, ImportQuery, ImportReport};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use reglament_service::accounts::users::UserQuery;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_client)
        .service(import_clients)
        .service(create_staff)
        .service(get_user)
        .service(update_user);
}

/// Users. Staff see everyone; a client sees the clients of their own customer.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UsersQuery, Paging),
    responses(
        (status = 200, body = Page<User>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<UsersQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<User>>, ApiError> {
    let q = query.into_inner();
    let query = UserQuery {
        kind: q.kind,
        customer_id: q.customer_id.map(Into::into),
        team_id: q.team_id.map(Into::into),
        active: q.active,
        search: q.q,
    };
    Ok(web::Json(app.accounts().list_users(&p, query, paging.page()?).await?))
}

/// Register a client of a customer (R-ACC-1), within the tier's contact count (R-ACL-4).
///
/// Without a `password` the client is mailed a one-time link to set one, also
/// answered as `invitation_url`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "customer")),
    request_body = NewClient,
    responses(
        (status = 201, body = CreatedUser),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`contact_limit_reached`, `no_contract`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/clients")]
pub async fn create_client(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
    body: web::Json<NewClient>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.accounts()
            .create_client(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Create a staff account (admins).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = NewStaff,
    responses(
        (status = 201, body = CreatedUser),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff")]
pub async fn create_staff(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewStaff>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(&app.accounts().create_staff(&p, body.into_inner()).await?))
}

/// One user. Anyone a client may not see is 404 (R-ACL-2).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = User),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(app: web::Data<App>, Auth(p): Auth, id: web::Path<UserId>) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(app.accounts().get_user(&p, id.into_inner()).await?))
}

/// Change a user: name, email, team, key-contact flag, role, active.
/// Reactivating a client takes a contact slot (R-ACL-4).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UserPatch,
    responses(
        (status = 200, body = User),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`contact_limit_reached`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<UserId>,
    body: web::Json<UserPatch>,
) -> Result<web::Json<User>, ApiError> {
    Ok(web::Json(
        app.accounts()
            .update_user(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The largest registration list accepted (about 20,000 rows).
const IMPORT_LIMIT: usize = 8 * 1024 * 1024;

/// Register clients from a list (R-ACC-1): CSV with a header (`key_contact`, `full_name`,
/// `email`, `telegram`, `team`; `,` or `;`; Russian headers too) as `text/csv` (or a file
/// sent as `application/octet-stream`), or `{"rows": [...]}` as `application/json`. With `dry_run=true` each row's outcome is
/// answered and nothing is written; otherwise the import is all or nothing (422
/// `import_has_errors` when any row is in error) and each new client is invited by mail.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ImportQuery),
    request_body(
        description = "The list: CSV as `text/csv` (or as `application/octet-stream`, a file), or JSON `{\"rows\": [...]}`",
        content(
            (String = "text/csv"),
            (ImportClientList = "application/json"),
            (inline(crate::openapi::FileBody) = "application/octet-stream"),
        )
    ),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, description = "`invalid_import`", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`import_has_errors`, `no_contract`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/clients/import")]
pub async fn import_clients(
    app: web::Data<App>,
    Auth(p): Auth,
    req: HttpRequest,
    id: web::Path<CustomerId>,
    query: web::Query<ImportQuery>,
    mut payload: web::Payload,
) -> Result<web::Json<ImportReport>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::transport(ErrorCode::UploadFailed, e.to_string()))?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(ApiError::transport(
                ErrorCode::PayloadTooLarge,
                format!("registration lists are limited to {} MiB", IMPORT_LIMIT >> 20),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/csv")
        .to_owned();
    Ok(web::Json(
        app.accounts()
            .import_clients(
                &p,
                id.into_inner(),
                &content_type,
                &body,
                query.dry_run.unwrap_or(false),
            )
            .await?,
    ))
}
