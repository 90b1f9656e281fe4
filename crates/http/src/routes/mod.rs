//! `/api/v1`: one module per resource.

pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod channels;
pub mod customers;
pub mod duty;
pub mod health;
pub mod notifications;
pub mod overdue;
pub mod services;
pub mod stream;
pub mod teams;
#[cfg(feature = "test-clock")]
pub mod test_clock;
pub mod tickets;
pub mod tiers;
pub mod users;
pub mod versions;
pub mod webhooks;

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::problem::ApiError;

/// Every operation of `/api/v1`, each registered once with its documentation: the
/// server mounts these, and the OpenAPI document is collected from the same calls
/// ([`crate::openapi::document`]).
pub fn api(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure)
        .configure(attachments::configure)
        .configure(auth::configure)
        .configure(calendar::configure)
        .configure(channels::configure)
        .configure(overdue::configure)
        .configure(tiers::configure)
        .configure(customers::configure)
        .configure(teams::configure)
        .configure(services::configure)
        .configure(tickets::configure)
        .configure(users::configure)
        .configure(notifications::configure)
        .configure(duty::configure)
        .configure(stream::configure)
        .configure(versions::configure)
        .configure(webhooks::configure);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(|cfg| {
                #[cfg(feature = "test-clock")]
                test_clock::configure(cfg);
                api(&mut ServiceConfig::new(cfg));
            })
            .default_service(web::to(api_not_found)),
    );
}

/// Unknown API paths answer problem+json, never the web app's page: 405
/// `method_not_allowed` with `Allow` for a path the API has under other methods, else 404
/// `no_such_endpoint`.
async fn api_not_found(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError as _;
    let allowed = allowed_methods(req.path());
    // A path that matches a template only loosely (a year that is not a number) is no endpoint.
    if allowed.is_empty() || allowed.contains(&req.method().as_str()) {
        return ApiError::transport(
            reglament_api::ErrorCode::NoSuchEndpoint,
            format!("no endpoint {} {}", req.method(), req.path()),
        )
        .error_response();
    }
    let allow = allowed.join(", ");
    let mut res = ApiError::transport(
        reglament_api::ErrorCode::MethodNotAllowed,
        format!(
            "{} {} is not an endpoint; this path takes {allow}",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        res.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    res
}

/// The methods the API document lists for a request path (`{id}` matches any segment).
fn allowed_methods(path: &str) -> Vec<&'static str> {
    crate::openapi::documented_path(path)
        .map(|p| p.methods.clone())
        .unwrap_or_default()
}

/// `201 Created` with the object as JSON.
pub fn created<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}
