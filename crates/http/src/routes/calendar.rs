use actix_web::{get, post, put, web};
use reglament_api::ErrorCode;
use reglament_api::{
    CalendarSettings, CalendarSettingsInput, CalendarYear, CalendarYearView, Deadline, PortalSettings, WorkingDaysDue,
};
use reglament_api::{DeadlineQuery, WorkingDaysQuery};
use utoipa_actix_web::service_config::ServiceConfig;

use reglament_service::App;
use reglament_service::calendar::production::parse_instant;

use crate::extract::Auth;
use crate::problem::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    // The fixed paths come before `/calendar/{year}`.
    cfg.service(deadline)
        .service(add_working_days)
        .service(import_calendar)
        .service(get_calendar_settings)
        .service(put_calendar_settings)
        .service(get_portal_settings)
        .service(put_portal_settings)
        .service(get_calendar_year)
        .service(put_calendar_year);
}

/// The response due time of a tier for a ticket entering work at `start` (R-SLA-1):
/// the promise the web app shows when a ticket is created ("ответ не позднее …").
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(DeadlineQuery),
    responses(
        (status = 200, body = Deadline),
        (status = 400, description = "`unknown_tier`, `invalid_time`, `year_out_of_range`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sla/deadline")]
pub async fn deadline(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<DeadlineQuery>,
) -> Result<web::Json<Deadline>, ApiError> {
    let start = parse_instant("start", &query.start)?;
    Ok(web::Json(app.calendar().deadline(&p, &query.tier, start).await?))
}

/// `start` plus N working days: N × 9 business hours on the 8x5 schedule (R-CAL-6),
/// as used for auto-close, access blocks and critical fixes.
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(WorkingDaysQuery),
    responses(
        (status = 200, body = WorkingDaysDue),
        (status = 400, description = "`invalid_time`, `invalid_days`, `year_out_of_range`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar/add-working-days")]
pub async fn add_working_days(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<WorkingDaysQuery>,
) -> Result<web::Json<WorkingDaysDue>, ApiError> {
    let start = parse_instant("start", &query.start)?;
    let days = u32::try_from(query.days).ok().filter(|d| *d <= 3650).ok_or_else(|| {
        reglament_service::ServiceError::Refused {
            code: ErrorCode::InvalidDays,
            detail: "days must be 0 to 3650".to_owned(),
        }
    })?;
    Ok(web::Json(app.calendar().add_working_days(&p, start, days)?))
}

/// A year of the production calendar. A year without data answers plain
/// Monday–Friday with `fallback: true` and a warning (R-CAL-5).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(("year" = i32, Path, example = 2026)),
    responses(
        (status = 200, body = CalendarYearView),
        (status = 400, description = "`year_out_of_range`", body = Problem, content_type = "application/problem+json"),
    )
)]
// Digits only: `/calendar/import` with another method is then 405, not a year that does not parse.
#[get("/calendar/{year:-?[0-9]+}")]
pub async fn get_calendar_year(
    app: web::Data<App>,
    Auth(p): Auth,
    year: web::Path<i32>,
) -> Result<web::Json<CalendarYearView>, ApiError> {
    Ok(web::Json(app.calendar().calendar_year(&p, year.into_inner())?))
}

/// Replace a year of the production calendar (admins).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    params(("year" = i32, Path, example = 2027)),
    request_body = CalendarYear,
    responses(
        (status = 200, body = CalendarYearView),
        (status = 400, description = "`invalid_calendar`, `year_out_of_range`, `validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/calendar/{year:-?[0-9]+}")]
pub async fn put_calendar_year(
    app: web::Data<App>,
    Auth(p): Auth,
    year: web::Path<i32>,
    body: web::Json<CalendarYear>,
) -> Result<web::Json<CalendarYearView>, ApiError> {
    let data = body.into_inner();
    if data.year != *year {
        return Err(reglament_service::ServiceError::invalid("year", "must be the year of the path").into());
    }
    let mut saved = app.calendar().put_calendar_years(&p, vec![data]).await?;
    saved
        .pop()
        .map(web::Json)
        .ok_or_else(|| reglament_service::ServiceError::Internal("nothing saved".into()).into())
}

/// Import years of the production calendar (admins): a JSON array of the same shape
/// as `GET /api/v1/calendar/{year}` takes, all or nothing.
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    request_body = Vec<CalendarYear>,
    responses(
        (status = 200, body = Vec<CalendarYearView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calendar/import")]
pub async fn import_calendar(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<Vec<CalendarYear>>,
) -> Result<web::Json<Vec<CalendarYearView>>, ApiError> {
    Ok(web::Json(
        app.calendar().put_calendar_years(&p, body.into_inner()).await?,
    ))
}

/// Calendar settings: whether pre-holiday shortened days end at 17:00 (R-CAL-4).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    responses((status = 200, body = CalendarSettings))
)]
#[get("/calendar/settings")]
pub async fn get_calendar_settings(
    app: web::Data<App>,
    Auth(p): Auth,
) -> Result<web::Json<CalendarSettings>, ApiError> {
    p.require_scope(reglament_api::Scope::SlaRead)?;
    Ok(web::Json(app.calendar().business_calendar().settings()))
}

/// Change the calendar settings (admins).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    request_body = CalendarSettingsInput,
    responses(
        (status = 200, body = CalendarSettings),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/calendar/settings")]
pub async fn put_calendar_settings(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<CalendarSettingsInput>,
) -> Result<web::Json<CalendarSettings>, ApiError> {
    Ok(web::Json(
        app.calendar().put_calendar_settings(&p, body.into_inner()).await?,
    ))
}

/// Portal settings: the community portal address shown to customers without an active
/// contract (R-ACL-6).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PortalSettings),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/settings/portal")]
pub async fn get_portal_settings(app: web::Data<App>, Auth(_p): Auth) -> Result<web::Json<PortalSettings>, ApiError> {
    Ok(web::Json(app.accounts().portal_settings().await?))
}

/// Change the portal settings (admins).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    request_body = PortalSettings,
    responses(
        (status = 200, body = PortalSettings),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/settings/portal")]
pub async fn put_portal_settings(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<PortalSettings>,
) -> Result<web::Json<PortalSettings>, ApiError> {
    Ok(web::Json(
        app.accounts().put_portal_settings(&p, body.into_inner()).await?,
    ))
}
