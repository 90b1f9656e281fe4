//! Answered response cycles and their aggregates for the SLA dashboards (R-SLA-1, R-SLA-4).

use chrono::{DateTime, Utc};
use reglament_api::CustomerId;
use uuid::Uuid;

use crate::error::Result;
use crate::{Tx, micros, run};

/// One answered response cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseCycle {
    pub ticket_id: Uuid,
    pub customer_id: Uuid,
    pub tier_code: String,
    pub started_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub answered_at: DateTime<Utc>,
    /// The Moscow calendar month of the answer, `YYYY-MM`.
    pub month: String,
    pub on_time: bool,
    /// Business minutes from start to answer on the cycle's schedule.
    pub business_minutes: i64,
}

/// # Errors
/// On a database failure.
pub async fn insert_cycle(tx: &mut Tx, r: &ResponseCycle) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO response_cycles (id, ticket_id, customer_id, tier_code, started_at, due_at, answered_at, month, \
         on_time, business_minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(Uuid::now_v7())
    .bind(r.ticket_id)
    .bind(r.customer_id)
    .bind(&r.tier_code)
    .bind(micros(r.started_at))
    .bind(r.due_at.map(micros))
    .bind(micros(r.answered_at))
    .bind(&r.month)
    .bind(r.on_time)
    .bind(r.business_minutes)
    .execute(&mut **c)
    .await
    .map(|res| res.rows_affected()))?;
    Ok(())
}

/// Answers of one month, tier and customer: on time and in all.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ComplianceRow {
    pub month: String,
    pub tier_code: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub on_time: i64,
    pub total: i64,
}

/// Answers from month `from` to month `to` (inclusive, `YYYY-MM`), of one customer or all.
///
/// # Errors
/// On a database failure.
pub async fn compliance(tx: &mut Tx, from: &str, to: &str, customer: Option<CustomerId>) -> Result<Vec<ComplianceRow>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT r.month, r.tier_code, r.customer_id, c.name AS customer_name, \
         SUM(CASE WHEN r.on_time THEN 1 ELSE 0 END) AS on_time, COUNT(*) AS total \
         FROM response_cycles r JOIN customers c ON c.id = r.customer_id \
         WHERE r.month >= $1 AND r.month <= $2 AND ($3 IS NULL OR r.customer_id = $3) \
         GROUP BY r.month, r.tier_code, r.customer_id, c.name ORDER BY r.month, r.tier_code, c.name"
    )
    .bind(from)
    .bind(to)
    .bind(customer)
    .fetch_all(&mut **c)
    .await)?)
}

/// Upper bounds (business minutes, inclusive) of the response-time buckets; the last
/// bucket has none.
pub const BUCKETS: [i64; 7] = [15, 30, 60, 120, 240, 540, 1080];

/// How many answers fell in each bucket of [`BUCKETS`] (one more for the rest), in order.
///
/// # Errors
/// On a database failure.
pub async fn distribution(tx: &mut Tx, from: &str, to: &str, customer: Option<CustomerId>) -> Result<Vec<i64>> {
    let mut case = String::from("CASE");
    for (i, upper) in BUCKETS.iter().enumerate() {
        case.push_str(&format!(" WHEN business_minutes <= {upper} THEN {i}"));
    }
    case.push_str(&format!(" ELSE {} END", BUCKETS.len()));
    let sql = format!(
        "SELECT CAST({case} AS BIGINT) AS bucket, COUNT(*) AS n FROM response_cycles \
         WHERE month >= $1 AND month <= $2 AND ($3 IS NULL OR customer_id = $3) GROUP BY 1"
    );
    let rows: Vec<(i64, i64)> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(customer)
        .fetch_all(&mut **c)
        .await)?;
    let mut counts = vec![0; BUCKETS.len() + 1];
    for (bucket, n) in rows {
        if let Some(slot) = usize::try_from(bucket).ok().and_then(|b| counts.get_mut(b)) {
            *slot = n;
        }
    }
    Ok(counts)
}
