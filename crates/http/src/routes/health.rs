use actix_web::{HttpResponse, get, web};
use reglament_api::{Health, Readiness};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready);
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
        status: if database_ok { "ok" } else { "degraded" }.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: app.store.backend().as_str().to_owned(),
        database_ok,
        warnings: app.calendar().calendar_warnings(),
        now: app.now(),
        instance: app.instances().id().to_owned(),
        leaders: app.instances().leaders().await.unwrap_or_default(),
    };
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Readiness, without authentication (R-OPS-3): 200 when this instance should get traffic
/// — the database answers, its schema is current, and the instance is not stopping — else
/// 503 with the reasons. `/health` is liveness: the process answers.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready for traffic", body = Readiness),
        (status = 503, description = "Not ready: the reasons", body = Readiness),
    )
)]
#[get("/health/ready")]
pub async fn ready(app: web::Data<App>) -> HttpResponse {
    let readiness = app.instances().readiness().await;
    if readiness.status == "ready" {
        HttpResponse::Ok().json(readiness)
    } else {
        HttpResponse::ServiceUnavailable().json(readiness)
    }
}
