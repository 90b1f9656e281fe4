//! Reglament's HTTP transport: `/api/v1` routes over the service layer, bearer
//! authentication (JWT or API token), RFC 9457 problem+json errors, the OpenAPI
//! document with its docs page, and the web app with a fallback for client routes.

mod extract;
pub mod metrics;
pub mod openapi;
mod problem;
mod routes;
pub mod security;
mod text_input;
mod web_app;

use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::dev::Server;
use actix_web::{App as ActixApp, HttpServer, web};
use reglament_service::App;

pub use problem::{ApiError, Problem};

/// The largest JSON body the API accepts.
pub const JSON_LIMIT: usize = 256 * 1024;

/// What the HTTP server needs besides the application.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The built web app (`frontend/dist`); a page explaining how to build it is
    /// served when the folder is missing.
    pub web_root: Option<PathBuf>,
    /// Worker threads; 0 is one per core.
    pub workers: usize,
    /// The settable clock behind `PUT /api/v1/test/clock` (feature `test-clock`).
    pub test_clock: Option<std::sync::Arc<reglament_service::ManualClock>>,
    /// The bearer token of `GET /metrics`; `None`: metrics are off (R-INT-3).
    pub metrics_token: Option<String>,
}

/// Mounts the API, the docs and the web app on an actix app.
pub fn configure(app: App, config: HttpConfig) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        if let Some(clock) = &config.test_clock {
            cfg.app_data(web::Data::new(clock.clone()));
        }
        cfg.app_data(web::Data::new(app.clone()))
            .app_data(web::Data::new(metrics::MetricsToken(config.metrics_token.clone())))
            .route("/metrics", web::get().to(metrics::metrics))
            .app_data(extract::json_config())
            .app_data(extract::query_config())
            .app_data(extract::path_config())
            .configure(routes::configure)
            .configure(openapi::configure)
            .configure(web_app::configure(config.web_root.clone()));
    }
}

/// Starts serving on `listener`. The returned server runs when awaited.
///
/// # Errors
/// When the listener cannot be used.
pub fn serve(app: App, config: HttpConfig, listener: TcpListener) -> std::io::Result<Server> {
    let workers = config.workers;
    let mount = configure(app, config);
    let mut server = HttpServer::new(move || {
        ActixApp::new()
            .wrap(actix_web::middleware::from_fn(text_input::refuse_nul))
            .wrap(tracing_actix_web::TracingLogger::default())
            .wrap(actix_web::middleware::Compress::default())
            .wrap(actix_web::middleware::from_fn(metrics::record))
            .wrap(actix_web::middleware::from_fn(security::headers))
            .configure(mount.clone())
    })
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.shutdown_timeout(10).run())
}
