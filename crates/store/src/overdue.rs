//! Overdue counts (R-INT-1, R-ESC-1) and escalations (R-ESC-2).

use chrono::{DateTime, Utc};
use reglament_api::{CustomerId, EscalationId, TicketId, UserId};
use uuid::Uuid;

use crate::error::Result;
use crate::tickets::Visibility;
use crate::{Page, PageRequest, Tx, micros, run};

/// Overdue tickets of one customer, team (of the author) and tier (of the running cycle).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OverdueGroup {
    pub customer_id: Uuid,
    pub customer_name: String,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub tier: Option<String>,
    pub count: i64,
}

/// Running response cycles past due at `now`, grouped, under `visibility`.
///
/// # Errors
/// On a database failure.
pub async fn overdue_groups(tx: &mut Tx, visibility: Visibility, now: DateTime<Utc>) -> Result<Vec<OverdueGroup>> {
    let (sql, ids) = overdue_query(visibility);
    Ok(run!(tx, |c| {
        let mut q = sqlx::query_as(&sql).bind(micros(now));
        for id in &ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **c).await
    })?)
}

/// The plan of [`overdue_groups`], as [`crate::tickets::explain_list`] gives it.
///
/// # Errors
/// On a database failure.
pub async fn explain_overdue(tx: &mut Tx, visibility: Visibility, now: DateTime<Utc>) -> Result<Vec<String>> {
    use crate::tickets::Bind;
    let (sql, ids) = overdue_query(visibility);
    let binds: Vec<Bind> = std::iter::once(Bind::Time(micros(now)))
        .chain(ids.into_iter().map(Bind::Id))
        .collect();
    crate::tickets::explain(tx, &sql, &binds).await
}

/// The overdue query for one shape of visibility: only the conditions that apply, so that
/// a customer's count reads that customer's running cycles by index
/// (`tickets_customer_running_due`), not every customer's.
fn overdue_query(visibility: Visibility) -> (String, Vec<Uuid>) {
    let (cond, ids) = match visibility {
        Visibility::All => (String::new(), vec![]),
        Visibility::Customer(c) => (" AND t.customer_id = $2".to_owned(), vec![c.0]),
        Visibility::Client {
            customer_id,
            user_id,
            team_id: None,
        } => (
            " AND t.customer_id = $2 AND t.author_id = $3".to_owned(),
            vec![customer_id.0, user_id.0],
        ),
        Visibility::Client {
            customer_id,
            team_id: Some(team),
            ..
        } => (
            " AND t.customer_id = $2 AND t.author_team_id = $3".to_owned(),
            vec![customer_id.0, team.0],
        ),
    };
    // Group the overdue rows first, then look the names up once per group.
    (
        format!(
            "SELECT g.customer_id, c.name AS customer_name, g.team_id, tm.name AS team_name, g.tier, g.count \
             FROM (SELECT t.customer_id, t.author_team_id AS team_id, t.response_tier AS tier, COUNT(*) AS count \
                   FROM tickets t \
                   WHERE t.awaiting_response AND t.due_order < $1{cond} \
                   GROUP BY t.customer_id, t.author_team_id, t.response_tier) AS g \
             JOIN customers c ON c.id = g.customer_id LEFT JOIN teams tm ON tm.id = g.team_id"
        ),
        ids,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Escalation {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_number: i64,
    pub customer_id: Uuid,
    pub raised_by: Uuid,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

const ESCALATION_COLUMNS: &str = "e.id, e.ticket_id, t.number AS ticket_number, e.customer_id, e.raised_by, e.comment, \
     e.created_at, e.acknowledged_by, e.acknowledged_at";

/// # Errors
/// On a database failure.
pub async fn insert_escalation(tx: &mut Tx, e: &Escalation) -> Result<()> {
    run!(tx, |c| {
        sqlx::query(
        "INSERT INTO escalations (id, ticket_id, customer_id, raised_by, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(e.id)
    .bind(e.ticket_id)
    .bind(e.customer_id)
    .bind(e.raised_by)
    .bind(&e.comment)
    .bind(micros(e.created_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Whether the ticket has an escalation nobody has acknowledged yet.
///
/// # Errors
/// On a database failure.
pub async fn has_open_escalation(tx: &mut Tx, ticket_id: TicketId) -> Result<bool> {
    let n: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM escalations WHERE ticket_id = $1 AND acknowledged_at IS NULL"
    )
    .bind(ticket_id)
    .fetch_one(&mut **c)
    .await)?;
    Ok(n > 0)
}

/// Escalations, newest first; of one customer when `customer` is given; only
/// unacknowledged ones when `open_only`.
///
/// # Errors
/// On a database failure.
pub async fn list_escalations(
    tx: &mut Tx,
    customer: Option<CustomerId>,
    open_only: bool,
    page: PageRequest,
) -> Result<Page<Escalation>> {
    let cond = "($1 IS NULL OR e.customer_id = $1) AND (NOT $2 OR e.acknowledged_at IS NULL)";
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM escalations e WHERE {cond}"
    ))
    .bind(customer)
    .bind(open_only)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!(
        "SELECT {ESCALATION_COLUMNS} FROM escalations e JOIN tickets t ON t.id = e.ticket_id WHERE {cond} \
         ORDER BY e.created_at DESC, e.id LIMIT $3 OFFSET $4"
    );
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer)
        .bind(open_only)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// # Errors
/// `NotFound` when there is no such escalation.
pub async fn get_escalation(tx: &mut Tx, id: EscalationId) -> Result<Escalation> {
    let sql =
        format!("SELECT {ESCALATION_COLUMNS} FROM escalations e JOIN tickets t ON t.id = e.ticket_id WHERE e.id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?)
}

/// # Errors
/// On a database failure.
pub async fn acknowledge(tx: &mut Tx, id: EscalationId, by: UserId, at: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE escalations SET acknowledged_by = $2, acknowledged_at = $3 WHERE id = $1 AND acknowledged_at IS NULL"
    )
    .bind(id)
    .bind(by)
    .bind(micros(at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Emails of active support leads, to notify of escalations.
///
/// # Errors
/// On a database failure.
pub async fn support_lead_emails(tx: &mut Tx) -> Result<Vec<String>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT email FROM users WHERE kind = 'staff' AND role = 'support_lead' AND active ORDER BY email"
    )
    .fetch_all(&mut **c)
    .await)?)
}
