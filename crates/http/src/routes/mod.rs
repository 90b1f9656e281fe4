//! `/api/v1`: one module per resource.

pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod customers;
pub mod health;
pub mod overdue;
pub mod teams;
#[cfg(feature = "test-clock")]
pub mod test_clock;
pub mod tickets;
pub mod tiers;
pub mod users;
pub mod versions;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::problem::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let scope = web::scope("/api/v1");
    #[cfg(feature = "test-clock")]
    let scope = scope.configure(test_clock::configure);
    cfg.service(
        scope
            .configure(health::configure)
            .configure(attachments::configure)
            .configure(auth::configure)
            .configure(calendar::configure)
            .configure(overdue::configure)
            .configure(tiers::configure)
            .configure(customers::configure)
            .configure(teams::configure)
            .configure(tickets::configure)
            .configure(users::configure)
            .configure(versions::configure)
            .default_service(web::to(api_not_found)),
    );
}

/// Unknown API paths answer problem+json, never the web app's page.
async fn api_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::transport(
        actix_web::http::StatusCode::NOT_FOUND,
        "no_such_endpoint",
        format!("no endpoint {} {}", req.method(), req.path()),
    ))
}

/// `201 Created` with the object as JSON.
pub fn created<T: serde::Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}
