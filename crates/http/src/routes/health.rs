use actix_web::{HttpResponse, get, web};
use reglament_service::App;
use serde::Serialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    pub status: &'static str,
    pub version: &'static str,
    /// `postgres` or `sqlite`.
    pub database: &'static str,
    pub database_ok: bool,
    /// Things that work but need an admin's attention.
    pub warnings: Vec<String>,
    pub now: chrono::DateTime<chrono::Utc>,
}

/// Health of the service, without authentication (for load balancers and monitoring).
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The service answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
#[get("/health")]
pub async fn health(app: web::Data<App>) -> HttpResponse {
    let database_ok = app.store.ping().await.is_ok();
    let body = Health {
        status: if database_ok { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        database: app.store.backend().as_str(),
        database_ok,
        warnings: app.calendar_warnings(),
        now: app.now(),
    };
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
