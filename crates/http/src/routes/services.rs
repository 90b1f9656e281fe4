//! Professional services and bookings (SPEC section 10): certificates and their ledger,
//! orders (estimates, work logs), bookings, capacity and specialists.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use reglament_api::{
    Booking, BookingId, BookingPatch, BookingsQuery, CapacityQuery, Certificate, CertificateId, CertificatesQuery,
    EstimateId, LedgerCorrection, LedgerEntry, MonthCapacity, NewBooking, NewCertificate, NewEstimate, NewWorkLog,
    Order, Page, Paging, Specialist, SpecialistPatch, TicketId, UserId,
};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_certificates)
        .service(create_certificate)
        .service(get_certificate)
        .service(certificate_ledger)
        .service(certificate_ledger_csv)
        .service(correct_ledger)
        .service(get_order)
        .service(propose_estimate)
        .service(approve_estimate)
        .service(decline_estimate)
        .service(log_work)
        .service(capacity)
        .service(list_bookings)
        .service(create_booking)
        .service(get_booking)
        .service(change_booking)
        .service(cancel_booking)
        .service(list_specialists)
        .service(set_specialist_hours);
}

/// Certificates of prepaid hours: staff all (or `customer_id`'s), a client their company's.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(CertificatesQuery, Paging),
    responses(
        (status = 200, body = Page<Certificate>),
        (status = 404, description = "`not_found`: the customer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/certificates")]
pub async fn list_certificates(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<CertificatesQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Certificate>>, ApiError> {
    Ok(web::Json(
        app.pro_services()
            .list_certificates(&p, query.into_inner().customer_id, paging.page()?)
            .await?,
    ))
}

/// Record a customer's certificate (admins, account managers).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    request_body = NewCertificate,
    responses(
        (status = 201, body = Certificate),
        (status = 404, description = "`not_found`: the customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_exists` (the number)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/certificates")]
pub async fn create_certificate(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewCertificate>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.pro_services().create_certificate(&p, body.into_inner()).await?,
    ))
}

/// One certificate with its balance.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Certificate))
)]
#[get("/certificates/{id}")]
pub async fn get_certificate(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CertificateId>,
) -> Result<web::Json<Certificate>, ApiError> {
    Ok(web::Json(
        app.pro_services().get_certificate(&p, id.into_inner()).await?,
    ))
}

/// A certificate's ledger, oldest first, with the balance after each row (R-PS-4).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), Paging),
    responses((status = 200, body = Page<LedgerEntry>))
)]
#[get("/certificates/{id}/ledger")]
pub async fn certificate_ledger(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CertificateId>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<LedgerEntry>>, ApiError> {
    Ok(web::Json(
        app.pro_services()
            .certificate_ledger(&p, id.into_inner(), paging.page()?)
            .await?,
    ))
}

/// The whole ledger as CSV (UTF-8, times in Moscow).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The ledger", body = String, content_type = "text/csv"))
)]
#[get("/certificates/{id}/ledger.csv")]
pub async fn certificate_ledger_csv(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CertificateId>,
) -> Result<HttpResponse, ApiError> {
    let (name, csv) = app.pro_services().certificate_ledger_csv(&p, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(csv))
}

/// Correct a ledger: a new row, never an edit (admins, account managers; an override of
/// the balance is an admin's).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = LedgerCorrection,
    responses(
        (status = 201, body = LedgerEntry),
        (status = 422, description = "`insufficient_balance`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/certificates/{id}/corrections")]
pub async fn correct_ledger(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CertificateId>,
    body: web::Json<LedgerCorrection>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.pro_services()
            .correct_ledger(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// An order (a `service_request` ticket): its estimates and logged work.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "ticket")),
    responses(
        (status = 200, body = Order),
        (status = 422, description = "`not_a_service_request`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/order")]
pub async fn get_order(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
) -> Result<web::Json<Order>, ApiError> {
    Ok(web::Json(app.pro_services().get_order(&p, id.into_inner()).await?))
}

/// Answer an order with an estimate, or revise it (R-PS-2); staff only. It is a public
/// answer: it ends the response cycle (R-PS-1) and is mailed to the author.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "ticket")),
    request_body = NewEstimate,
    responses(
        (status = 201, body = Order),
        (status = 409, description = "`ticket_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_service_request`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/estimates")]
pub async fn propose_estimate(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<NewEstimate>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.pro_services()
            .propose_estimate(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The key contact approves the estimate in force (R-PS-2); then work may be logged.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "ticket"), ("estimate" = Uuid, Path)),
    responses(
        (status = 200, body = Order),
        (status = 409, description = "`estimate_not_pending`, `ticket_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_service_request`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/estimates/{estimate}/approve")]
pub async fn approve_estimate(
    app: web::Data<App>,
    Auth(p): Auth,
    path: web::Path<(TicketId, EstimateId)>,
) -> Result<web::Json<Order>, ApiError> {
    let (id, estimate) = path.into_inner();
    Ok(web::Json(
        app.pro_services().decide_estimate(&p, id, estimate, true).await?,
    ))
}

/// The key contact declines the estimate in force (R-PS-2).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "ticket"), ("estimate" = Uuid, Path)),
    responses(
        (status = 200, body = Order),
        (status = 409, description = "`estimate_not_pending`, `ticket_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_service_request`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/estimates/{estimate}/decline")]
pub async fn decline_estimate(
    app: web::Data<App>,
    Auth(p): Auth,
    path: web::Path<(TicketId, EstimateId)>,
) -> Result<web::Json<Order>, ApiError> {
    let (id, estimate) = path.into_inner();
    Ok(web::Json(
        app.pro_services().decide_estimate(&p, id, estimate, false).await?,
    ))
}

/// Log an interval of work on an approved order (R-PS-3, R-PS-4): specialists and admins.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "ticket")),
    request_body = NewWorkLog,
    responses(
        (status = 201, body = Order),
        (status = 409, description = "`work_log_overlap`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_service_request`, `estimate_not_approved`, `no_active_certificate`, `insufficient_balance`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/work-logs")]
pub async fn log_work(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<NewWorkLog>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.pro_services()
            .log_work(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The booking calendar: capacity, booked and free hours and the deadline of each month (R-BK-2).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(CapacityQuery),
    responses((status = 200, body = Vec<MonthCapacity>))
)]
#[get("/bookings/capacity")]
pub async fn capacity(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<CapacityQuery>,
) -> Result<web::Json<Vec<MonthCapacity>>, ApiError> {
    Ok(web::Json(app.bookings().capacity(&p, query.into_inner()).await?))
}

/// Bookings: staff all (or `customer_id`'s), a client their company's.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(BookingsQuery, Paging),
    responses(
        (status = 200, body = Page<Booking>),
        (status = 404, description = "`not_found`: the customer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/bookings")]
pub async fn list_bookings(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<BookingsQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Booking>>, ApiError> {
    Ok(web::Json(
        app.bookings()
            .list_bookings(&p, query.into_inner(), paging.page()?)
            .await?,
    ))
}

/// Book specialists' hours for a later month (R-BK-1…5): a key contact for their company,
/// admins and account managers for a customer they name.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    request_body = NewBooking,
    responses(
        (status = 201, body = Booking),
        (status = 404, description = "`not_found`: the customer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`booking_closed`, `capacity_exceeded`, `no_active_certificate`, `certificate_expired`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/bookings")]
pub async fn create_booking(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewBooking>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(&app.bookings().create_booking(&p, body.into_inner()).await?))
}

/// One booking.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Booking))
)]
#[get("/bookings/{id}")]
pub async fn get_booking(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<BookingId>,
) -> Result<web::Json<Booking>, ApiError> {
    Ok(web::Json(app.bookings().get_booking(&p, id.into_inner()).await?))
}

/// Change a booking's hours until the month's deadline (R-BK-3).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = BookingPatch,
    responses(
        (status = 200, body = Booking),
        (status = 422, description = "`booking_closed`, `capacity_exceeded`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/bookings/{id}")]
pub async fn change_booking(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<BookingId>,
    body: web::Json<BookingPatch>,
) -> Result<web::Json<Booking>, ApiError> {
    Ok(web::Json(
        app.bookings()
            .change_booking(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Cancel a booking until the month's deadline (R-BK-3).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 422, description = "`booking_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/bookings/{id}")]
pub async fn cancel_booking(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<BookingId>,
) -> Result<HttpResponse, ApiError> {
    app.bookings().cancel_booking(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Specialists and their weekly hours (staff).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(Paging),
    responses((status = 200, body = Page<Specialist>))
)]
#[get("/specialists")]
pub async fn list_specialists(
    app: web::Data<App>,
    Auth(p): Auth,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Specialist>>, ApiError> {
    Ok(web::Json(app.bookings().list_specialists(&p, paging.page()?).await?))
}

/// Set a specialist's weekly hours (admins, account managers).
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the specialist's user id")),
    request_body = SpecialistPatch,
    responses((status = 200, body = Specialist))
)]
#[put("/specialists/{id}")]
pub async fn set_specialist_hours(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<UserId>,
    body: web::Json<SpecialistPatch>,
) -> Result<web::Json<Specialist>, ApiError> {
    Ok(web::Json(
        app.bookings()
            .set_specialist_hours(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}
