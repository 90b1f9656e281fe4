//! `GET /metrics` in the Prometheus text format (R-INT-3), through the `metrics` facade
//! and `metrics-exporter-prometheus`: HTTP requests by route and status with latency
//! histograms (recorded by [`record`]), and whatever the service records (intake batch
//! sizes, job rounds, mail) plus the gauges it reads from the database at scrape time.
//! Served only with `REGLAMENT_METRICS_TOKEN` set, to callers that bear it.

use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use reglament_service::App;

/// The process's recorder, installed once (tests run many servers in one process).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".to_owned()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("reglament_intake_batch_size".to_owned()),
                    &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0],
                )
            })
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("one recorder per process")
    })
}

/// The token `/metrics` wants, as app data.
#[derive(Clone)]
pub struct MetricsToken(pub Option<String>);

/// Middleware: counts every request by method, route template and status, and records
/// its duration.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let _ = handle();
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await?;
    // The template (`/api/v1/tickets/{id}`), never the path: one series per route.
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// `GET /metrics`.
pub async fn metrics(req: HttpRequest, app: web::Data<App>, token: web::Data<MetricsToken>) -> HttpResponse {
    let Some(expected) = token.0.as_deref() else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("metrics are off: set REGLAMENT_METRICS_TOKEN\n");
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given != Some(expected) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .content_type("text/plain; charset=utf-8")
            .body("the metrics token is required\n");
    }
    render(&app).await
}

/// The exposition itself, with the database gauges read now.
async fn render(app: &App) -> HttpResponse {
    if let Err(err) = app.integrations().refresh_gauges().await {
        tracing::warn!(error = %err, "metrics: the database gauges are stale");
    }
    let handle = handle();
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// `GET /metrics` on the separate listen address (`REGLAMENT_METRICS_LISTEN`): no token,
/// the address itself is the protection (bind it to an internal interface).
async fn open_metrics(app: web::Data<App>) -> HttpResponse {
    render(&app).await
}

/// Serves `GET /metrics` alone on `listener`, one worker.
///
/// # Errors
/// When the listener cannot be used.
pub fn serve_separately(app: App, listener: std::net::TcpListener) -> std::io::Result<actix_web::dev::Server> {
    handle();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(web::Data::new(app.clone()))
            .route("/metrics", web::get().to(open_metrics))
    })
    .workers(1)
    .listen(listener)?
    .shutdown_timeout(5)
    .run();
    Ok(server)
}
