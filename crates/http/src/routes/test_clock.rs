//! The sandbox clock (cargo feature `test-clock`, off by default): black-box tests
//! set the server's time and run the background jobs at once.

use std::sync::Arc;

use actix_web::{post, put, web};
use chrono::{DateTime, Utc};
use reglament_domain::StaffRole;
use reglament_service::jobs::JobReport;
use reglament_service::{App, ManualClock};
use serde::{Deserialize, Serialize};

use crate::extract::Auth;
use crate::problem::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_clock).service(run_jobs);
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockInput {
    pub now: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct ClockOutput {
    pub now: DateTime<Utc>,
}

/// Moves the server's clock (admins); it runs on from there.
#[put("/test/clock")]
pub async fn set_clock(
    app: web::Data<App>,
    clock: web::Data<Arc<ManualClock>>,
    Auth(p): Auth,
    body: web::Json<ClockInput>,
) -> Result<web::Json<ClockOutput>, ApiError> {
    p.require_role(&[StaffRole::Admin])?;
    clock.set(body.now);
    tracing::warn!(now = %body.now, "test clock moved");
    Ok(web::Json(ClockOutput { now: app.now() }))
}

/// Runs one round of the background jobs now (admins).
#[post("/test/jobs")]
pub async fn run_jobs(app: web::Data<App>, Auth(p): Auth) -> Result<web::Json<JobReport>, ApiError> {
    p.require_role(&[StaffRole::Admin])?;
    Ok(web::Json(app.jobs().run_once().await?))
}
