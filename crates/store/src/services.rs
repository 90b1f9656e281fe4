//! Professional services and bookings: certificates and their append-only ledger,
//! estimates and work logs of orders, specialists' hours, monthly bookings.
//!
//! Sums are cast to `BIGINT`: PostgreSQL's `SUM` of a `BIGINT` is `NUMERIC`.

use chrono::{DateTime, NaiveDate, Utc};
use reglament_api as api;
use reglament_api::ids::*;
use reglament_api::{BookingId, CertificateId, CustomerId, EstimateId, LedgerEntryId, TicketId, UserId};
use reglament_api::{EstimateState, LedgerKind, Month};
use uuid::Uuid;

use crate::error::Result;
use crate::{Backend, Page, PageRequest, Tx, micros, run};

// ---------------------------------------------------------------- certificates

#[derive(Debug, Clone, sqlx::FromRow)]
struct CertificateRow {
    id: Uuid,
    customer_id: Uuid,
    customer_name: String,
    number: String,
    hours: i64,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    charged_minutes: i64,
    created_at: DateTime<Utc>,
}

impl CertificateRow {
    fn into_api(self, today: NaiveDate) -> api::Certificate {
        api::Certificate {
            id: self.id.into(),
            customer_id: self.customer_id.into(),
            customer_name: self.customer_name,
            number: self.number,
            hours: self.hours,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            charged_minutes: self.charged_minutes,
            balance_minutes: self.hours * 60 - self.charged_minutes,
            active: self.valid_from <= today && today <= self.valid_until,
            created_at: self.created_at,
        }
    }
}

const CERTIFICATE_SELECT: &str = "SELECT c.id, c.customer_id, cu.name AS customer_name, c.number, c.hours, \
     c.valid_from, c.valid_until, c.created_at, \
     CAST(COALESCE((SELECT SUM(l.minutes) FROM ledger_entries l WHERE l.certificate_id = c.id), 0) AS BIGINT) \
     AS charged_minutes \
     FROM certificates c JOIN customers cu ON cu.id = c.customer_id";

/// A certificate to record.
pub struct NewCertificate<'a> {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub number: &'a str,
    pub hours: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// # Errors
/// `Conflict` when the number is taken.
pub async fn insert_certificate(tx: &mut Tx, c: &NewCertificate<'_>) -> Result<()> {
    run!(tx, |conn| sqlx::query(
        "INSERT INTO certificates (id, customer_id, number, hours, valid_from, valid_until, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(c.id)
    .bind(c.customer_id)
    .bind(c.number)
    .bind(c.hours)
    .bind(c.valid_from)
    .bind(c.valid_until)
    .bind(c.created_by)
    .bind(micros(c.created_at))
    .execute(&mut **conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such certificate.
pub async fn get_certificate(tx: &mut Tx, id: CertificateId, today: NaiveDate) -> Result<api::Certificate> {
    let sql = format!("{CERTIFICATE_SELECT} WHERE c.id = $1");
    let row: CertificateRow = run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?;
    Ok(row.into_api(today))
}

/// Certificates, latest expiry first; `customer` narrows to one customer.
///
/// # Errors
/// On a database failure.
pub async fn list_certificates(
    tx: &mut Tx,
    customer: Option<CustomerId>,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<api::Certificate>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM certificates WHERE ($1 IS NULL OR customer_id = $1)"
    )
    .bind(customer)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!(
        "{CERTIFICATE_SELECT} WHERE ($1 IS NULL OR c.customer_id = $1) \
         ORDER BY c.valid_until DESC, c.id DESC LIMIT $2 OFFSET $3"
    );
    let rows: Vec<CertificateRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(rows.into_iter().map(|r| r.into_api(today)).collect(), total))
}

/// A certificate's id and balance in minutes, for charging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct CertificateBalance {
    pub id: Uuid,
    pub balance_minutes: i64,
    pub valid_until: NaiveDate,
}

/// The customer's certificates valid on some day of `[from, to]`, the one that expires
/// first first (charges use them up in that order).
///
/// # Errors
/// On a database failure.
pub async fn balances_valid_between(
    tx: &mut Tx,
    customer: CustomerId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CertificateBalance>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT c.id, c.valid_until, CAST(c.hours * 60 - COALESCE((SELECT SUM(l.minutes) FROM ledger_entries l \
         WHERE l.certificate_id = c.id), 0) AS BIGINT) AS balance_minutes \
         FROM certificates c WHERE c.customer_id = $1 AND c.valid_from <= $3 AND c.valid_until >= $2 \
         ORDER BY c.valid_until, c.created_at, c.id"
    )
    .bind(customer)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **c)
    .await)?)
}

// ---------------------------------------------------------------------- ledger

/// A ledger row to append.
#[derive(Debug, Clone, Copy)]
pub struct NewLedgerEntry<'a> {
    pub certificate_id: CertificateId,
    pub customer_id: CustomerId,
    pub kind: LedgerKind,
    pub minutes: i64,
    pub ticket_id: Option<TicketId>,
    pub work_log_id: Option<WorkLogId>,
    pub month: Option<Month>,
    pub note: &'a str,
    pub created_by: Option<UserId>,
    pub overridden: bool,
    pub created_at: DateTime<Utc>,
}

/// Appends a row; nothing updates or deletes ledger rows.
///
/// # Errors
/// On a database failure.
pub async fn append_ledger(tx: &mut Tx, e: &NewLedgerEntry<'_>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    run!(tx, |c| sqlx::query(
        "INSERT INTO ledger_entries (id, certificate_id, customer_id, kind, minutes, ticket_id, work_log_id, month, \
         note, created_by, overridden, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(id)
    .bind(e.certificate_id)
    .bind(e.customer_id)
    .bind(e.kind.as_str())
    .bind(e.minutes)
    .bind(e.ticket_id)
    .bind(e.work_log_id)
    .bind(e.month.map(|m| m.to_string()))
    .bind(e.note)
    .bind(e.created_by)
    .bind(e.overridden)
    .bind(micros(e.created_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct LedgerRow {
    id: Uuid,
    certificate_id: Uuid,
    #[sqlx(try_from = "String")]
    kind: LedgerKind,
    minutes: i64,
    balance_after_minutes: i64,
    ticket_id: Option<Uuid>,
    ticket_number: Option<i64>,
    work_log_id: Option<Uuid>,
    month: Option<String>,
    note: String,
    created_by: Option<Uuid>,
    created_by_name: Option<String>,
    overridden: bool,
    created_at: DateTime<Utc>,
}

impl From<LedgerRow> for api::LedgerEntry {
    fn from(r: LedgerRow) -> Self {
        Self {
            id: r.id.into(),
            certificate_id: r.certificate_id.into(),
            kind: r.kind,
            minutes: r.minutes,
            balance_after_minutes: r.balance_after_minutes,
            ticket_id: r.ticket_id.map(Into::into),
            ticket_number: r.ticket_number,
            work_log_id: r.work_log_id.map(Into::into),
            month: r.month.and_then(|m| m.parse().ok()),
            note: r.note,
            created_by: r.created_by.map(Into::into),
            created_by_name: r.created_by_name,
            overridden: r.overridden,
            created_at: r.created_at,
        }
    }
}

const LEDGER_SELECT: &str = "SELECT l.id, l.certificate_id, l.kind, l.minutes, \
     CAST(cert.hours * 60 - SUM(l.minutes) OVER (ORDER BY l.created_at, l.id ROWS UNBOUNDED PRECEDING) AS BIGINT) \
     AS balance_after_minutes, \
     l.ticket_id, t.number AS ticket_number, l.work_log_id, l.month, l.note, l.created_by, \
     u.full_name AS created_by_name, l.overridden, l.created_at \
     FROM ledger_entries l JOIN certificates cert ON cert.id = l.certificate_id \
     LEFT JOIN tickets t ON t.id = l.ticket_id LEFT JOIN users u ON u.id = l.created_by \
     WHERE l.certificate_id = $1";

/// One row of a certificate's ledger, with the balance after it.
///
/// # Errors
/// `NotFound` when the certificate has no such row.
pub async fn ledger_entry(tx: &mut Tx, certificate: CertificateId, id: LedgerEntryId) -> Result<api::LedgerEntry> {
    let sql = format!("SELECT * FROM ({LEDGER_SELECT}) AS e WHERE e.id = $2");
    let row: LedgerRow = run!(tx, |c| sqlx::query_as(&sql)
        .bind(certificate)
        .bind(id)
        .fetch_one(&mut **c)
        .await)?;
    Ok(row.into())
}

/// A certificate's ledger, oldest first, each row with the balance after it.
///
/// # Errors
/// On a database failure.
pub async fn ledger(tx: &mut Tx, certificate: CertificateId, page: PageRequest) -> Result<Page<api::LedgerEntry>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries WHERE certificate_id = $1"
    )
    .bind(certificate)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!("{LEDGER_SELECT} ORDER BY l.created_at, l.id LIMIT $2 OFFSET $3");
    let rows: Vec<LedgerRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(certificate)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(rows.into_iter().map(Into::into).collect(), total))
}

// ------------------------------------------------------------------- estimates

#[derive(Debug, Clone, sqlx::FromRow)]
struct EstimateRow {
    id: Uuid,
    ticket_id: Uuid,
    hours: i64,
    starts_on: NaiveDate,
    conditions: String,
    #[sqlx(try_from = "String")]
    state: EstimateState,
    author_id: Uuid,
    author_name: String,
    created_at: DateTime<Utc>,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
}

impl From<EstimateRow> for api::Estimate {
    fn from(r: EstimateRow) -> Self {
        Self {
            id: r.id.into(),
            ticket_id: r.ticket_id.into(),
            hours: r.hours,
            starts_on: r.starts_on,
            conditions: r.conditions,
            state: r.state,
            author_id: r.author_id.into(),
            author_name: r.author_name,
            created_at: r.created_at,
            decided_by: r.decided_by.map(Into::into),
            decided_at: r.decided_at,
        }
    }
}

const ESTIMATE_SELECT: &str = "SELECT e.id, e.ticket_id, e.hours, e.starts_on, e.conditions, e.state, e.author_id, \
     u.full_name AS author_name, e.created_at, e.decided_by, e.decided_at \
     FROM estimates e JOIN users u ON u.id = e.author_id";

/// Records a (revised) estimate: the earlier ones that were proposed or approved become
/// `superseded` and stay in the history.
///
/// # Errors
/// On a database failure.
pub async fn insert_estimate(
    tx: &mut Tx,
    ticket: TicketId,
    input: &api::NewEstimate,
    author: Uuid,
    now: DateTime<Utc>,
) -> Result<api::Estimate> {
    run!(tx, |c| sqlx::query(
        "UPDATE estimates SET state = 'superseded' WHERE ticket_id = $1 AND state IN ('proposed', 'approved')"
    )
    .bind(ticket)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    let id = Uuid::now_v7();
    run!(tx, |c| sqlx::query(
        "INSERT INTO estimates (id, ticket_id, hours, starts_on, conditions, state, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7)"
    )
    .bind(id)
    .bind(ticket)
    .bind(input.hours)
    .bind(input.starts_on)
    .bind(input.conditions.trim())
    .bind(author)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    get_estimate(tx, EstimateId(id)).await
}

/// # Errors
/// `NotFound` when there is no such estimate.
pub async fn get_estimate(tx: &mut Tx, id: EstimateId) -> Result<api::Estimate> {
    let sql = format!("{ESTIMATE_SELECT} WHERE e.id = $1");
    let row: EstimateRow = run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?;
    Ok(row.into())
}

/// Decides a proposed estimate; false when it was not (or no longer) proposed.
///
/// # Errors
/// On a database failure.
pub async fn decide_estimate(
    tx: &mut Tx,
    id: EstimateId,
    state: EstimateState,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE estimates SET state = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND state = 'proposed'"
    )
    .bind(id)
    .bind(state.as_str())
    .bind(by)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// An order's estimates, newest first.
///
/// # Errors
/// On a database failure.
pub async fn estimates(tx: &mut Tx, ticket: TicketId) -> Result<Vec<api::Estimate>> {
    let sql = format!("{ESTIMATE_SELECT} WHERE e.ticket_id = $1 ORDER BY e.created_at DESC, e.id DESC");
    let rows: Vec<EstimateRow> = run!(tx, |c| sqlx::query_as(&sql).bind(ticket).fetch_all(&mut **c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

// ------------------------------------------------------------------- work logs

/// A work log to record.
pub struct NewWorkLog<'a> {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub customer_id: Uuid,
    pub specialist_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// The Moscow month the work started in, for the month-end charge of bookings.
    pub month: Month,
    pub business_minutes: i64,
    pub overtime_minutes: i64,
    pub counted_minutes: i64,
    pub charged_minutes: i64,
    pub description: &'a str,
    pub overridden: bool,
    pub created_at: DateTime<Utc>,
}

/// # Errors
/// On a database failure.
pub async fn insert_work_log(tx: &mut Tx, w: &NewWorkLog<'_>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO work_logs (id, ticket_id, customer_id, specialist_id, started_at, ended_at, month, \
         business_minutes, overtime_minutes, counted_minutes, charged_minutes, description, overridden, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
    .bind(w.id)
    .bind(w.ticket_id)
    .bind(w.customer_id)
    .bind(w.specialist_id)
    .bind(micros(w.started_at))
    .bind(micros(w.ended_at))
    .bind(w.month.to_string())
    .bind(w.business_minutes)
    .bind(w.overtime_minutes)
    .bind(w.counted_minutes)
    .bind(w.charged_minutes)
    .bind(w.description)
    .bind(w.overridden)
    .bind(micros(w.created_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct WorkLogRow {
    id: Uuid,
    ticket_id: Uuid,
    specialist_id: Uuid,
    specialist_name: String,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    business_minutes: i64,
    overtime_minutes: i64,
    counted_minutes: i64,
    charged_minutes: i64,
    description: String,
    overridden: bool,
    created_at: DateTime<Utc>,
}

impl From<WorkLogRow> for api::WorkLog {
    fn from(r: WorkLogRow) -> Self {
        Self {
            id: r.id.into(),
            ticket_id: r.ticket_id.into(),
            specialist_id: r.specialist_id.into(),
            specialist_name: r.specialist_name,
            started_at: r.started_at,
            ended_at: r.ended_at,
            business_minutes: r.business_minutes,
            overtime_minutes: r.overtime_minutes,
            counted_minutes: r.counted_minutes,
            charged_minutes: r.charged_minutes,
            description: r.description,
            overridden: r.overridden,
            created_at: r.created_at,
        }
    }
}

/// An order's work, oldest first.
///
/// # Errors
/// On a database failure.
pub async fn work_logs(tx: &mut Tx, ticket: TicketId) -> Result<Vec<api::WorkLog>> {
    let rows: Vec<WorkLogRow> = run!(tx, |c| sqlx::query_as(
        "SELECT w.id, w.ticket_id, w.specialist_id, u.full_name AS specialist_name, w.started_at, w.ended_at, \
         w.business_minutes, w.overtime_minutes, w.counted_minutes, w.charged_minutes, w.description, \
         w.overridden, w.created_at FROM work_logs w JOIN users u ON u.id = w.specialist_id \
         WHERE w.ticket_id = $1 ORDER BY w.started_at, w.id"
    )
    .bind(ticket)
    .fetch_all(&mut **c)
    .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The counted minutes logged on an order so far.
///
/// # Errors
/// On a database failure.
pub async fn order_counted_minutes(tx: &mut Tx, ticket: TicketId) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(counted_minutes), 0) AS BIGINT) FROM work_logs WHERE ticket_id = $1"
    )
    .bind(ticket)
    .fetch_one(&mut **c)
    .await)?)
}

/// Whether the specialist has logged work that overlaps `[from, to)`.
///
/// # Errors
/// On a database failure.
pub async fn specialist_busy(tx: &mut Tx, specialist: UserId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<bool> {
    let found: Option<Uuid> = run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM work_logs WHERE specialist_id = $1 AND started_at < $3 AND ended_at > $2 LIMIT 1"
    )
    .bind(specialist)
    .bind(micros(from))
    .bind(micros(to))
    .fetch_optional(&mut **c)
    .await)?;
    Ok(found.is_some())
}

/// The counted minutes logged on a customer's orders for work that started in `month`.
///
/// # Errors
/// On a database failure.
pub async fn customer_logged_minutes(tx: &mut Tx, customer: CustomerId, month: Month) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(counted_minutes), 0) AS BIGINT) FROM work_logs WHERE customer_id = $1 AND month = $2"
    )
    .bind(customer)
    .bind(month.to_string())
    .fetch_one(&mut **c)
    .await)?)
}

/// What the customer's bookings still commit (R-CON-5): for each month without its
/// month-end charge, the booked minutes that work logged in the month has not used yet;
/// `except` leaves one booking out (the one being changed).
///
/// # Errors
/// On a database failure.
pub async fn uncharged_booked_minutes(tx: &mut Tx, customer: CustomerId, except: Option<Uuid>) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(CASE WHEN m.booked > m.logged THEN m.booked - m.logged ELSE 0 END), 0) AS BIGINT) \
         FROM (SELECT b.month, SUM(b.hours) * 60 AS booked, \
                 COALESCE((SELECT SUM(w.counted_minutes) FROM work_logs w \
                           WHERE w.customer_id = b.customer_id AND w.month = b.month), 0) AS logged \
               FROM bookings b \
               WHERE b.customer_id = $1 AND ($2 IS NULL OR b.id <> $2) \
                 AND NOT EXISTS (SELECT 1 FROM booking_charges ch \
                                 WHERE ch.customer_id = b.customer_id AND ch.month = b.month) \
               GROUP BY b.customer_id, b.month) m"
    )
    .bind(customer)
    .bind(except)
    .fetch_one(&mut **c)
    .await)?)
}

// ----------------------------------------------------------------- specialists

#[derive(Debug, Clone, sqlx::FromRow)]
struct SpecialistRow {
    id: Uuid,
    full_name: String,
    email: String,
    active: bool,
    weekly_hours: i64,
}

const SPECIALISTS: &str = "FROM users u LEFT JOIN specialist_hours s ON s.user_id = u.id \
     WHERE u.kind = 'staff' AND u.role = 'specialist'";

/// Staff with the `specialist` role and their weekly hours (40 unless set).
///
/// # Errors
/// On a database failure.
pub async fn specialists(tx: &mut Tx, page: PageRequest) -> Result<Page<api::Specialist>> {
    let count = format!("SELECT COUNT(*) {SPECIALISTS}");
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&count).fetch_one(&mut **c).await)?;
    let sql = format!(
        "SELECT u.id, u.full_name, u.email, u.active, CAST(COALESCE(s.weekly_hours, 40) AS BIGINT) AS weekly_hours \
         {SPECIALISTS} ORDER BY u.full_name, u.id LIMIT $1 OFFSET $2"
    );
    let rows: Vec<SpecialistRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    let items = rows
        .into_iter()
        .map(|r| api::Specialist {
            user_id: r.id.into(),
            full_name: r.full_name,
            email: r.email,
            active: r.active,
            weekly_hours: r.weekly_hours,
        })
        .collect();
    Ok(page.page(items, total))
}

/// The weekly hours of every active specialist: what a month's capacity is made of.
///
/// # Errors
/// On a database failure.
pub async fn active_weekly_hours(tx: &mut Tx) -> Result<Vec<i64>> {
    let sql = format!("SELECT CAST(COALESCE(s.weekly_hours, 40) AS BIGINT) {SPECIALISTS} AND u.active");
    Ok(run!(tx, |c| sqlx::query_scalar(&sql).fetch_all(&mut **c).await)?)
}

/// # Errors
/// On a database failure.
pub async fn set_weekly_hours(tx: &mut Tx, user: UserId, hours: i64) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO specialist_hours (user_id, weekly_hours) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET weekly_hours = excluded.weekly_hours"
    )
    .bind(user)
    .bind(hours)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The active key contacts of a customer: (email, full name), to tell them of charges.
///
/// # Errors
/// On a database failure.
pub async fn key_contacts(tx: &mut Tx, customer: CustomerId) -> Result<Vec<(String, String)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT email, full_name FROM users WHERE customer_id = $1 AND kind = 'client' AND is_key_contact \
         AND active ORDER BY email"
    )
    .bind(customer)
    .fetch_all(&mut **c)
    .await)?)
}

// -------------------------------------------------------------------- bookings

/// Serializes the bookings of a month (R-BK-5): PostgreSQL locks the month's row until
/// the transaction ends; SQLite's write transaction (`BEGIN IMMEDIATE`) already excludes
/// every other writer.
///
/// # Errors
/// On a database failure.
pub async fn lock_month(tx: &mut Tx, month: Month) -> Result<()> {
    let m = month.to_string();
    run!(tx, |c| sqlx::query(
        "INSERT INTO booking_months (month) VALUES ($1) ON CONFLICT DO NOTHING"
    )
    .bind(&m)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    if tx.backend() == Backend::Postgres {
        run!(tx, |c| sqlx::query(
            "SELECT month FROM booking_months WHERE month = $1 FOR UPDATE"
        )
        .bind(&m)
        .fetch_optional(&mut **c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookingRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    #[sqlx(try_from = "String")]
    pub month: Month,
    pub hours: i64,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const BOOKING_SELECT: &str = "SELECT b.id, b.customer_id, cu.name AS customer_name, b.month, b.hours, b.created_by, \
     b.created_at, b.updated_at FROM bookings b JOIN customers cu ON cu.id = b.customer_id";

/// # Errors
/// On a database failure.
pub async fn insert_booking(
    tx: &mut Tx,
    customer: CustomerId,
    month: Month,
    hours: i64,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<BookingRow> {
    let id = Uuid::now_v7();
    run!(tx, |c| sqlx::query(
        "INSERT INTO bookings (id, customer_id, month, hours, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)"
    )
    .bind(id)
    .bind(customer)
    .bind(month.to_string())
    .bind(hours)
    .bind(by)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    get_booking(tx, BookingId(id)).await
}

/// # Errors
/// `NotFound` when there is no such booking.
pub async fn get_booking(tx: &mut Tx, id: BookingId) -> Result<BookingRow> {
    let sql = format!("{BOOKING_SELECT} WHERE b.id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?)
}

/// # Errors
/// On a database failure.
pub async fn set_booking_hours(tx: &mut Tx, id: BookingId, hours: i64, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE bookings SET hours = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(hours)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn delete_booking(tx: &mut Tx, id: BookingId) -> Result<()> {
    run!(tx, |c| sqlx::query("DELETE FROM bookings WHERE id = $1")
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Bookings, by month then customer; either filter may be left out.
///
/// # Errors
/// On a database failure.
pub async fn list_bookings(
    tx: &mut Tx,
    month: Option<Month>,
    customer: Option<CustomerId>,
    page: PageRequest,
) -> Result<Page<BookingRow>> {
    let m = month.map(|m| m.to_string());
    let filter = "($1 IS NULL OR b.month = $1) AND ($2 IS NULL OR b.customer_id = $2)";
    let count = format!("SELECT COUNT(*) FROM bookings b WHERE {filter}");
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&count)
        .bind(&m)
        .bind(customer)
        .fetch_one(&mut **c)
        .await)?;
    let sql =
        format!("{BOOKING_SELECT} WHERE {filter} ORDER BY b.month, cu.name_key, b.created_at, b.id LIMIT $3 OFFSET $4");
    let rows = run!(tx, |c| sqlx::query_as(&sql)
        .bind(&m)
        .bind(customer)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(rows, total))
}

/// Hours booked in `month`, in all (`customer` `None`) or by one customer.
///
/// # Errors
/// On a database failure.
pub async fn booked_hours(tx: &mut Tx, month: Month, customer: Option<CustomerId>) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(hours), 0) AS BIGINT) FROM bookings WHERE month = $1 \
         AND ($2 IS NULL OR customer_id = $2)"
    )
    .bind(month.to_string())
    .bind(customer)
    .fetch_one(&mut **c)
    .await)?)
}

/// Booked hours of `[from, to]` by month and customer, in one query for the planner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookedByCustomer {
    #[sqlx(try_from = "String")]
    pub month: Month,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub hours: i64,
}

/// Booked hours of `[from, to]` by month and customer (`only`: one customer's), in one
/// query for the planner.
///
/// # Errors
/// On a database failure.
pub async fn booked_by_customer(
    tx: &mut Tx,
    from: Month,
    to: Month,
    only: Option<Uuid>,
) -> Result<Vec<BookedByCustomer>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT b.month, b.customer_id, cu.name AS customer_name, CAST(SUM(b.hours) AS BIGINT) AS hours \
         FROM bookings b JOIN customers cu ON cu.id = b.customer_id WHERE b.month >= $1 AND b.month <= $2 \
         AND ($3 IS NULL OR b.customer_id = $3) GROUP BY b.month, b.customer_id, cu.name ORDER BY b.month, cu.name"
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(only)
    .fetch_all(&mut **c)
    .await)?)
}

/// Booked hours of each month of `[from, to]` that has bookings.
///
/// # Errors
/// On a database failure.
pub async fn booked_by_month(tx: &mut Tx, from: Month, to: Month) -> Result<Vec<(Month, i64)>> {
    let rows: Vec<(String, i64)> = run!(tx, |c| sqlx::query_as(
        "SELECT month, CAST(SUM(hours) AS BIGINT) FROM bookings WHERE month >= $1 AND month <= $2 GROUP BY month"
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&mut **c)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, h)| m.parse().ok().map(|m| (m, h)))
        .collect())
}

/// (customer, month) pairs with bookings in months before `before` that have not been
/// charged yet (R-BK-4).
///
/// # Errors
/// On a database failure.
pub async fn uncharged_months(tx: &mut Tx, before: Month, limit: i64) -> Result<Vec<(Uuid, Month)>> {
    let rows: Vec<(Uuid, String)> = run!(tx, |c| sqlx::query_as(
        "SELECT DISTINCT b.customer_id, b.month FROM bookings b WHERE b.month < $1 AND NOT EXISTS \
         (SELECT 1 FROM booking_charges ch WHERE ch.customer_id = b.customer_id AND ch.month = b.month) \
         ORDER BY b.month LIMIT $2"
    )
    .bind(before.to_string())
    .bind(limit)
    .fetch_all(&mut **c)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, m)| m.parse().ok().map(|m| (id, m)))
        .collect())
}

/// Records the month-end charge of a customer's month; false when it was recorded
/// before (by another instance or an earlier round): then nothing must be charged.
///
/// # Errors
/// On a database failure.
pub async fn record_booking_charge(
    tx: &mut Tx,
    customer: CustomerId,
    month: Month,
    booked: i64,
    logged: i64,
    charged: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = run!(tx, |c| {
        sqlx::query(
        "INSERT INTO booking_charges (customer_id, month, booked_minutes, logged_minutes, charged_minutes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
    )
    .bind(customer)
    .bind(month.to_string())
    .bind(booked)
    .bind(logged)
    .bind(charged)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(done == 1)
}
