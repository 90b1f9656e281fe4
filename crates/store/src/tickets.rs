//! Tickets, their queue per customer and their history.

use chrono::{DateTime, Utc};
use reglament_api::{CustomerId, TeamId, TicketId, UserId};
use reglament_domain::tickets::BugResolution;
use reglament_domain::{Category, Channel, CloseReason, Schedule, Status};
use std::collections::HashMap;
use uuid::Uuid;

use crate::error::Result;
use crate::{Page, PageRequest, StoreError, Tx, micros, run};

pub use reglament_domain::tickets::Ticket;

/// A ticket as its row reads; the enums are text columns on both backends.
#[derive(sqlx::FromRow)]
struct TicketRow {
    id: Uuid,
    number: i64,
    customer_id: Uuid,
    author_id: Uuid,
    assignee_id: Option<Uuid>,
    #[sqlx(try_from = "String")]
    category: Category,
    subject: String,
    body: String,
    product_version: Option<String>,
    #[sqlx(try_from = "String")]
    channel: Channel,
    #[sqlx(try_from = "String")]
    status: Status,
    close_reason: Option<String>,
    is_critical: bool,
    critical_justification: Option<String>,
    bug_confirmed: bool,
    takes_slot: bool,
    response_started_at: Option<DateTime<Utc>>,
    response_due_at: Option<DateTime<Utc>>,
    response_tier: Option<String>,
    response_schedule: Option<String>,
    awaiting_response: bool,
    response_breached: bool,
    closed_at: Option<DateTime<Utc>>,
    fix_due_at: Option<DateTime<Utc>>,
    waiting_since: Option<DateTime<Utc>>,
    parent_ticket_id: Option<Uuid>,
    bug_resolution: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// An optional enum stored as text; the columns are written from the enums only.
fn parsed<T: std::str::FromStr>(text: Option<String>) -> Option<T> {
    text.and_then(|t| t.parse().ok())
}

impl From<TicketRow> for Ticket {
    fn from(r: TicketRow) -> Self {
        Self {
            id: TicketId(r.id),
            number: r.number,
            customer_id: CustomerId(r.customer_id),
            author_id: UserId(r.author_id),
            assignee_id: r.assignee_id.map(UserId),
            category: r.category,
            subject: r.subject,
            body: r.body,
            product_version: r.product_version,
            channel: r.channel,
            status: r.status,
            close_reason: parsed(r.close_reason),
            is_critical: r.is_critical,
            critical_justification: r.critical_justification,
            bug_confirmed: r.bug_confirmed,
            takes_slot: r.takes_slot,
            response_started_at: r.response_started_at,
            response_due_at: r.response_due_at,
            response_tier: r.response_tier,
            response_schedule: parsed(r.response_schedule),
            awaiting_response: r.awaiting_response,
            response_breached: r.response_breached,
            closed_at: r.closed_at,
            fix_due_at: r.fix_due_at,
            waiting_since: r.waiting_since,
            parent_ticket_id: r.parent_ticket_id.map(TicketId),
            bug_resolution: parsed(r.bug_resolution),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, number, customer_id, author_id, assignee_id, category, subject, body, product_version, \
    channel, status, close_reason, is_critical, critical_justification, bug_confirmed, takes_slot, response_started_at, \
    response_due_at, response_tier, response_schedule, awaiting_response, response_breached, closed_at, created_at, updated_at, \
    fix_due_at, waiting_since, parent_ticket_id, bug_resolution";

/// One new ticket with the next human number (R-TKT-10) from the counter row, and its
/// `created` event, on SQLite (whose writers are serialised anyway); writes the number
/// into `t`. PostgreSQL takes [`insert_many`]'s single statement instead.
async fn insert_sqlite(tx: &mut Tx, t: &mut Ticket, actor_id: Option<Uuid>, event: &serde_json::Value) -> Result<()> {
    let sql = format!(
        "INSERT INTO tickets ({COLUMNS}, subject_key) VALUES ($1, \
           (SELECT value FROM counters WHERE name = 'ticket_number') + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
           $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29) RETURNING number"
    );
    let number: i64 = run!(tx, |c| sqlx::query_scalar(&sql)
        .bind(t.id)
        .bind(t.customer_id)
        .bind(t.author_id)
        .bind(t.assignee_id)
        .bind(t.category.as_str())
        .bind(&t.subject)
        .bind(&t.body)
        .bind(t.product_version.as_deref())
        .bind(t.channel.as_str())
        .bind(t.status.as_str())
        .bind(t.close_reason.map(CloseReason::as_str))
        .bind(t.is_critical)
        .bind(t.critical_justification.as_deref())
        .bind(t.bug_confirmed)
        .bind(t.takes_slot)
        .bind(t.response_started_at.map(micros))
        .bind(t.response_due_at.map(micros))
        .bind(t.response_tier.as_deref())
        .bind(t.response_schedule.map(Schedule::as_str))
        .bind(t.awaiting_response)
        .bind(t.response_breached)
        .bind(t.closed_at.map(micros))
        .bind(micros(t.created_at))
        .bind(micros(t.updated_at))
        .bind(t.fix_due_at.map(micros))
        .bind(t.waiting_since.map(micros))
        .bind(t.parent_ticket_id)
        .bind(t.bug_resolution.map(BugResolution::as_str))
        .bind(t.subject.to_lowercase())
        .fetch_one(&mut **c)
        .await)?;
    t.number = number;
    run!(tx, |c| sqlx::query(
        "UPDATE counters SET value = $1 WHERE name = 'ticket_number'"
    )
    .bind(number)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    record_event(tx, t.id, actor_id, "created", event, t.created_at).await
}

/// New tickets with their `created` events, in one statement on PostgreSQL (one per
/// ticket on SQLite), atomic by itself even on an autocommit connection. Numbers are
/// taken in the order of `tickets`, so that the queue's first-in first-out order is the
/// order of arrival (R-LIM-3, R-TKT-10).
///
/// # Errors
/// On a database failure.
pub async fn insert_many(tx: &mut Tx, tickets: &mut [(Ticket, Option<Uuid>, serde_json::Value)]) -> Result<()> {
    let c: &mut sqlx::PgConnection = match tx {
        Tx::Pg(c) => c,
        Tx::PgConn(c) => c,
        Tx::Sqlite(_) | Tx::SqliteConn(_) => {
            for (t, actor, event) in tickets.iter_mut() {
                insert_sqlite(tx, t, *actor, event).await?;
            }
            return Ok(());
        }
    };
    let n = i64::try_from(tickets.len()).unwrap_or(i64::MAX);
    // The `number` column carries each ticket's place in the batch; the statement swaps
    // it for the batch's sequence numbers in ascending order.
    let places: Vec<i64> = (1..=n).collect();
    let col = |f: fn(&Ticket) -> Option<String>| tickets.iter().map(|(t, _, _)| f(t)).collect::<Vec<_>>();
    let at =
        |f: fn(&Ticket) -> Option<DateTime<Utc>>| tickets.iter().map(|(t, _, _)| f(t).map(micros)).collect::<Vec<_>>();
    let flag = |f: fn(&Ticket) -> bool| tickets.iter().map(|(t, _, _)| f(t)).collect::<Vec<_>>();
    let ids: Vec<Uuid> = tickets.iter().map(|(t, _, _)| t.id.0).collect();
    let numbered_columns = COLUMNS.replacen(", number,", ", numbered.seq_number,", 1);
    let sql = format!(
        "WITH r AS (SELECT * FROM UNNEST($1::uuid[], $2::bigint[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], \
           $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::text[], \
           $15::bool[], $16::bool[], $17::timestamptz[], $18::timestamptz[], $19::text[], $20::text[], $21::bool[], \
           $22::bool[], $23::timestamptz[], $24::timestamptz[], $25::timestamptz[], $26::timestamptz[], \
           $27::timestamptz[], $28::uuid[], $29::text[], $30::text[], $31::uuid[], $32::uuid[], $33::text[]) \
           AS r({COLUMNS}, subject_key, event_id, actor_id, event_data)), \
         nums AS (SELECT nextval('ticket_number_seq') AS seq_number FROM generate_series(1, $34::bigint)), \
         numbered AS (SELECT seq_number, row_number() OVER (ORDER BY seq_number) AS place FROM nums), \
         t AS (INSERT INTO tickets ({COLUMNS}, subject_key) SELECT {numbered_columns}, subject_key \
           FROM r JOIN numbered ON numbered.place = r.number RETURNING id, number), \
         e AS (INSERT INTO ticket_events (id, ticket_id, actor_id, kind, data, created_at) \
           SELECT event_id, id, actor_id, 'created', event_data, created_at FROM r), \
         l AS (INSERT INTO live_events (kind, ticket_id, customer_id, staff_only, payload, created_at) \
           SELECT 'ticket', id, customer_id, false, json_build_object('ticket_id', id, 'change', 'created')::text, \
           created_at FROM r ORDER BY number) \
         SELECT id, number FROM t"
    );
    let numbers: Vec<(Uuid, i64)> = sqlx::query_as(&sql)
        .bind(&ids)
        .bind(&places)
        .bind(tickets.iter().map(|(t, _, _)| t.customer_id).collect::<Vec<_>>())
        .bind(tickets.iter().map(|(t, _, _)| t.author_id).collect::<Vec<_>>())
        .bind(tickets.iter().map(|(t, _, _)| t.assignee_id).collect::<Vec<_>>())
        .bind(col(|t| Some(t.category.as_str().to_owned())))
        .bind(col(|t| Some(t.subject.clone())))
        .bind(col(|t| Some(t.body.clone())))
        .bind(col(|t| t.product_version.clone()))
        .bind(col(|t| Some(t.channel.as_str().to_owned())))
        .bind(col(|t| Some(t.status.as_str().to_owned())))
        .bind(col(|t| t.close_reason.map(|r| r.as_str().to_owned())))
        .bind(flag(|t| t.is_critical))
        .bind(col(|t| t.critical_justification.clone()))
        .bind(flag(|t| t.bug_confirmed))
        .bind(flag(|t| t.takes_slot))
        .bind(at(|t| t.response_started_at))
        .bind(at(|t| t.response_due_at))
        .bind(col(|t| t.response_tier.clone()))
        .bind(col(|t| t.response_schedule.map(|r| r.as_str().to_owned())))
        .bind(flag(|t| t.awaiting_response))
        .bind(flag(|t| t.response_breached))
        .bind(at(|t| t.closed_at))
        .bind(at(|t| Some(t.created_at)))
        .bind(at(|t| Some(t.updated_at)))
        .bind(at(|t| t.fix_due_at))
        .bind(at(|t| t.waiting_since))
        .bind(tickets.iter().map(|(t, _, _)| t.parent_ticket_id).collect::<Vec<_>>())
        .bind(col(|t| t.bug_resolution.map(|r| r.as_str().to_owned())))
        .bind(col(|t| Some(t.subject.to_lowercase())))
        .bind(tickets.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
        .bind(tickets.iter().map(|(_, actor, _)| *actor).collect::<Vec<_>>())
        .bind(tickets.iter().map(|(_, _, e)| e.to_string()).collect::<Vec<_>>())
        .bind(n)
        .fetch_all(c)
        .await?;
    let numbers: std::collections::HashMap<Uuid, i64> = numbers.into_iter().collect();
    for (t, _, _) in tickets.iter_mut() {
        t.number = numbers.get(&t.id.0).copied().ok_or(crate::StoreError::NotFound)?;
    }
    Ok(())
}

/// [`count_taking_slots`] of several customers; a customer with none is absent.
///
/// # Errors
/// On a database failure.
pub async fn count_taking_slots_many(
    tx: &mut Tx,
    customer_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, i64>> {
    let mut counts = std::collections::HashMap::with_capacity(customer_ids.len());
    if let Tx::Pg(c) = tx {
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT customer_id, COUNT(*) FROM tickets WHERE customer_id = ANY($1) AND takes_slot GROUP BY customer_id",
        )
        .bind(customer_ids)
        .fetch_all(&mut **c)
        .await?;
        counts.extend(rows);
    } else {
        for id in customer_ids {
            counts.insert(*id, count_taking_slots(tx, CustomerId(*id)).await?);
        }
    }
    Ok(counts)
}

/// Writes the changeable state of a ticket.
///
/// # Errors
/// `NotFound` when there is no such ticket.
pub async fn update(tx: &mut Tx, t: &Ticket) -> Result<()> {
    let done = run!(tx, |c| {
        sqlx::query(
        "UPDATE tickets SET assignee_id = $2, category = $3, product_version = $4, status = $5, close_reason = $6, \
         is_critical = $7, critical_justification = $8, bug_confirmed = $9, takes_slot = $10, response_started_at = $11, \
         response_due_at = $12, response_tier = $13, response_schedule = $14, awaiting_response = $15, \
         response_breached = $16, closed_at = $17, updated_at = $18, fix_due_at = $19, waiting_since = $20, bug_resolution = $21 WHERE id = $1"
    )
    .bind(t.id)
    .bind(t.assignee_id)
    .bind(t.category.as_str())
    .bind(t.product_version.as_deref())
    .bind(t.status.as_str())
    .bind(t.close_reason.map(CloseReason::as_str))
    .bind(t.is_critical)
    .bind(t.critical_justification.as_deref())
    .bind(t.bug_confirmed)
    .bind(t.takes_slot)
    .bind(t.response_started_at.map(micros))
    .bind(t.response_due_at.map(micros))
    .bind(t.response_tier.as_deref())
    .bind(t.response_schedule.map(Schedule::as_str))
    .bind(t.awaiting_response)
    .bind(t.response_breached)
    .bind(t.closed_at.map(micros))
    .bind(micros(t.updated_at))
    .bind(t.fix_due_at.map(micros))
    .bind(t.waiting_since.map(micros))
    .bind(t.bug_resolution.map(BugResolution::as_str))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if done == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such ticket.
pub async fn get(tx: &mut Tx, id: TicketId) -> Result<Ticket> {
    let sql = format!("SELECT {COLUMNS} FROM tickets WHERE id = $1");
    let row: TicketRow = run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?;
    Ok(row.into())
}

/// The customer's tickets that take a slot now (R-LIM-1).
///
/// # Errors
/// On a database failure.
pub async fn count_taking_slots(tx: &mut Tx, customer_id: CustomerId) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE customer_id = $1 AND takes_slot"
    )
    .bind(customer_id)
    .fetch_one(&mut **c)
    .await)?)
}

/// The customer's oldest queued tickets, first in first out (R-LIM-3).
///
/// # Errors
/// On a database failure.
pub async fn oldest_queued(tx: &mut Tx, customer_id: CustomerId, limit: i64) -> Result<Vec<Ticket>> {
    let sql =
        format!("SELECT {COLUMNS} FROM tickets WHERE customer_id = $1 AND status = 'queued' ORDER BY number LIMIT $2");
    let rows: Vec<TicketRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The 1-based place of a queued ticket in its customer's queue.
///
/// The numbers of a customer's queued tickets up to `last`, first in line first (R-LIM-3):
/// ticket `last`'s position is the length.
///
/// # Errors
/// On a database failure.
pub async fn queue_up_to(tx: &mut Tx, customer_id: CustomerId, last: i64) -> Result<Vec<i64>> {
    Ok(run!(tx, |c| sqlx::query_scalar(QUEUE_UP_TO)
        .bind(customer_id)
        .bind(last)
        .fetch_all(&mut **c)
        .await)?)
}

const QUEUE_UP_TO: &str =
    "SELECT number FROM tickets WHERE customer_id = $1 AND status = 'queued' AND number <= $2 ORDER BY number";

/// The plan of [`queue_up_to`], as [`explain_list`] gives it.
///
/// # Errors
/// On a database failure.
pub async fn explain_queue_up_to(tx: &mut Tx, customer_id: CustomerId, last: i64) -> Result<Vec<String>> {
    explain(tx, QUEUE_UP_TO, &[Bind::Id(customer_id.0), Bind::Int(last)]).await
}

/// Names of customers and of users by id, for views of many tickets.
///
/// # Errors
/// On a database failure.
pub async fn names(
    tx: &mut Tx,
    customers: &[Uuid],
    users: &[Uuid],
) -> Result<(HashMap<Uuid, String>, HashMap<Uuid, String>)> {
    async fn by_id(tx: &mut Tx, sql: &str, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = sql.replace("{ids}", &placeholders.join(", "));
        let rows: Vec<(Uuid, String)> = run!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(&mut **c).await
        })?;
        Ok(rows.into_iter().collect())
    }
    Ok((
        by_id(tx, "SELECT id, name FROM customers WHERE id IN ({ids})", customers).await?,
        by_id(tx, "SELECT id, full_name FROM users WHERE id IN ({ids})", users).await?,
    ))
}

/// Who may see what (R-ACL-1): everything, one customer's, or a client's own and their team's.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    All,
    Customer(CustomerId),
    Client {
        customer_id: CustomerId,
        user_id: UserId,
        team_id: Option<TeamId>,
    },
}

/// What a ticket list asks: the API's query (the one type from the web app to here),
/// and the instant its "overdue" filter is judged at (the service's clock).
#[derive(Debug, Clone, Copy)]
pub struct TicketFilter<'a> {
    pub query: &'a reglament_api::TicketsQuery,
    pub now: DateTime<Utc>,
}

impl TicketFilter<'_> {
    fn sort_by_due(&self) -> bool {
        self.query.by_due()
    }
}

/// A value bound to a list query, in the order its placeholder was numbered.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Id(Uuid),
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

/// Builds the `WHERE` of a ticket list from the filters that are given only, so that
/// PostgreSQL plans each shape with its indexes (`$n IS NULL OR …` would defeat them).
fn list_conditions(visibility: Visibility, filter: &TicketFilter<'_>) -> (String, Vec<Bind>) {
    let query = filter.query;
    let mut conds: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let push = |cond: &str, bind: Bind, binds: &mut Vec<Bind>, conds: &mut Vec<String>| {
        binds.push(bind);
        conds.push(cond.replace('?', &format!("${}", binds.len())));
    };
    match visibility {
        Visibility::All => {}
        Visibility::Customer(c) => push("customer_id = ?", Bind::Id(c.0), &mut binds, &mut conds),
        Visibility::Client {
            customer_id,
            user_id,
            team_id,
        } => {
            push("customer_id = ?", Bind::Id(customer_id.0), &mut binds, &mut conds);
            match team_id {
                // The members of the team, the client included even if they just left it: an
                // `OR` over the small users table, not over the tickets (which would scan them).
                // The team's tickets include the client's own: the author's team is kept on
                // each ticket (migration 0010), one index range in list order.
                Some(team) => push("author_team_id = ?", Bind::Id(team.0), &mut binds, &mut conds),
                None => push("author_id = ?", Bind::Id(user_id.0), &mut binds, &mut conds),
            }
        }
    }
    if let Some(status) = query.status {
        push(
            "status = ?",
            Bind::Text(status.as_str().to_owned()),
            &mut binds,
            &mut conds,
        );
    }
    if let Some(category) = query.category {
        push(
            "category = ?",
            Bind::Text(category.as_str().to_owned()),
            &mut binds,
            &mut conds,
        );
    }
    if let Some(customer) = query.customer_id {
        push("customer_id = ?", Bind::Id(customer.0), &mut binds, &mut conds);
    }
    if let Some(team) = query.team_id {
        push("author_team_id = ?", Bind::Id(team.0), &mut binds, &mut conds);
    }
    if let Some(assignee) = query.assignee_id {
        push("assignee_id = ?", Bind::Id(assignee.0), &mut binds, &mut conds);
    }
    if let Some(tier) = query.tier() {
        push("response_tier = ?", Bind::Text(tier.to_owned()), &mut binds, &mut conds);
    }
    if query.overdue == Some(true) {
        let at = filter.now;
        // In terms of the sort key, so that the list's order index serves the range too
        // (a ticket without a due time has the sentinel, never in the past).
        push(
            "awaiting_response AND due_order < ?",
            Bind::Time(micros(at)),
            &mut binds,
            &mut conds,
        );
    }
    if let Some(search) = query.search() {
        let pattern = format!(
            "%{}%",
            search.trim().to_lowercase().replace('%', "\\%").replace('_', "\\_")
        );
        push(
            "subject_key LIKE ? ESCAPE '\\'",
            Bind::Text(pattern),
            &mut binds,
            &mut conds,
        );
    }
    let sql = if conds.is_empty() {
        "TRUE".to_owned()
    } else {
        conds.join(" AND ")
    };
    (sql, binds)
}

/// Binds every value of a `Vec<Bind>` in order.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::Id(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.clone()),
                Bind::Time(v) => q.bind(*v),
                Bind::Int(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// The most rows a ticket list counts for its `total`: beyond it the total is a lower
/// bound (`total_exact` false), so that no page costs a count of every matching row. The
/// count walks the index up to this many entries on every page: at 10,000 it was half of a
/// PostgreSQL page's cost for a customer with 20,000 tickets (p99 28 ms with 8 clients on 2
/// cores); at 1,000 p99 is 19 ms (issue 23). Past it the web app says "1000+" and pages on
/// by cursor.
pub const LIST_COUNT_CAP: i64 = 1_000;

/// Where the next page of a ticket list starts (keyset pagination): after this row in
/// the list's order. Its text form is opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListCursor {
    /// Newest first: rows with a smaller number.
    Number(i64),
    /// By response due: rows after (due time, number); no due time sorts last.
    Due(Option<DateTime<Utc>>, i64),
}

/// The sort key a ticket without a due time gets (the migration's `due_order` sentinel).
fn due_sentinel() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl ListCursor {
    /// The cursor after `t` in the given order.
    #[must_use]
    pub fn after(t: &Ticket, sort_by_due: bool) -> Self {
        if sort_by_due {
            Self::Due(t.response_due_at, t.number)
        } else {
            Self::Number(t.number)
        }
    }

    /// `n123` or `d<due in microseconds, or ->.123`.
    #[must_use]
    pub fn encode(self) -> String {
        match self {
            Self::Number(n) => format!("n{n}"),
            Self::Due(Some(due), n) => format!("d{}.{n}", due.timestamp_micros()),
            Self::Due(None, n) => format!("d-.{n}"),
        }
    }

    /// The cursor a list answered; `None` when the text is not one.
    #[must_use]
    pub fn decode(text: &str) -> Option<Self> {
        if let Some(n) = text.strip_prefix('n') {
            return n.parse().ok().map(Self::Number);
        }
        let (due, n) = text.strip_prefix('d')?.split_once('.')?;
        let due = match due {
            "-" => None,
            micros => Some(DateTime::from_timestamp_micros(micros.parse().ok()?)?),
        };
        Some(Self::Due(due, n.parse().ok()?))
    }

    /// Whether the cursor belongs to a list in this order.
    #[must_use]
    pub fn fits(self, sort_by_due: bool) -> bool {
        matches!(self, Self::Due(..)) == sort_by_due
    }
}

/// One page of a ticket list: the rows, the (capped) total and the cursor of the next page.
#[derive(Debug, Clone)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    /// Matching rows, counted up to [`LIST_COUNT_CAP`].
    pub total: i64,
    pub total_exact: bool,
    /// Present when more rows follow.
    pub next: Option<ListCursor>,
}

/// Tickets visible under `visibility` that match `filter`, newest first or by response due
/// (tickets without a due time last, then by number). Every shape of the query is served by
/// an index in that order (migration 0010); a page starts at `cursor` when given (keyset),
/// else at `page.offset`.
///
/// # Errors
/// On a database failure.
pub async fn list(
    tx: &mut Tx,
    visibility: Visibility,
    filter: &TicketFilter<'_>,
    page: PageRequest,
    cursor: Option<ListCursor>,
) -> Result<TicketPage> {
    let q = ListQueries::new(visibility, filter, page, cursor);
    let count: i64 = run!(tx, |c| bind_all!(sqlx::query_scalar(&q.count), &q.binds)
        .fetch_one(&mut **c)
        .await)?;
    // One row more than asked tells whether a next page exists.
    let rows: Vec<TicketRow> = run!(tx, |c| bind_all!(sqlx::query_as(&q.list), &q.list_binds)
        .fetch_all(&mut **c)
        .await)?;
    let mut items: Vec<Ticket> = rows.into_iter().map(Into::into).collect();
    let more = i64::try_from(items.len()).unwrap_or(i64::MAX) > page.limit;
    items.truncate(usize::try_from(page.limit).unwrap_or(0));
    let next = if more {
        items.last().map(|t| ListCursor::after(t, filter.sort_by_due()))
    } else {
        None
    };
    Ok(TicketPage {
        items,
        total: count.min(LIST_COUNT_CAP),
        total_exact: count <= LIST_COUNT_CAP,
        next,
    })
}

/// The two statements of a list page: the capped count and the rows.
struct ListQueries {
    count: String,
    binds: Vec<Bind>,
    list: String,
    list_binds: Vec<Bind>,
}

impl ListQueries {
    fn new(visibility: Visibility, filter: &TicketFilter<'_>, page: PageRequest, cursor: Option<ListCursor>) -> Self {
        let (cond, binds) = list_conditions(visibility, filter);
        let mut list_binds = binds.clone();
        let count = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE {cond} LIMIT {}) AS matching",
            LIST_COUNT_CAP + 1
        );
        let order = if filter.sort_by_due() {
            "due_order, number"
        } else {
            "number DESC"
        };
        let mut cond = cond;
        match cursor {
            Some(ListCursor::Number(n)) => {
                list_binds.push(Bind::Int(n));
                cond = format!("{cond} AND number < ${}", list_binds.len());
            }
            Some(ListCursor::Due(due, n)) => {
                list_binds.push(Bind::Time(micros(due.unwrap_or_else(due_sentinel))));
                list_binds.push(Bind::Int(n));
                let (d, n) = (list_binds.len() - 1, list_binds.len());
                // The range on the index first, then the tie on the number.
                cond = format!("{cond} AND due_order >= ${d} AND (due_order > ${d} OR number > ${n})");
            }
            None => {}
        }
        list_binds.push(Bind::Int(page.limit + 1));
        list_binds.push(Bind::Int(if cursor.is_some() { 0 } else { page.offset }));
        let list = format!(
            "SELECT {COLUMNS} FROM tickets WHERE {cond} ORDER BY {order} LIMIT ${} OFFSET ${}",
            list_binds.len() - 1,
            list_binds.len()
        );
        Self {
            count,
            binds,
            list,
            list_binds,
        }
    }
}

/// The query plans of a list page's two statements, one line per plan node: PostgreSQL's
/// `EXPLAIN` (run with sorts and sequential scans discouraged, so that a plan that still
/// has them has no index to follow) or SQLite's `EXPLAIN QUERY PLAN`. For tests that keep
/// every list shape on an index.
///
/// # Errors
/// On a database failure.
pub async fn explain_list(
    tx: &mut Tx,
    visibility: Visibility,
    filter: &TicketFilter<'_>,
    cursor: Option<ListCursor>,
) -> Result<Vec<String>> {
    let q = ListQueries::new(visibility, filter, PageRequest::default(), cursor);
    let mut lines = Vec::new();
    for (sql, binds) in [(&q.count, &q.binds), (&q.list, &q.list_binds)] {
        lines.push(format!("-- {sql}"));
        lines.extend(explain(tx, sql, binds).await?);
    }
    Ok(lines)
}

/// The plan of one statement, as [`explain_list`] describes.
pub(crate) async fn explain(tx: &mut Tx, sql: &str, binds: &[Bind]) -> Result<Vec<String>> {
    Ok(match tx {
        Tx::Pg(c) => {
            sqlx::raw_sql("SET LOCAL enable_sort = off; SET LOCAL enable_seqscan = off")
                .execute(&mut **c)
                .await?;
            let sql = format!("EXPLAIN {sql}");
            bind_all!(sqlx::query_scalar::<_, String>(&sql), binds)
                .fetch_all(&mut **c)
                .await?
        }
        Tx::Sqlite(c) => {
            let sql = format!("EXPLAIN QUERY PLAN {sql}");
            let rows: Vec<(i64, i64, i64, String)> = bind_all!(sqlx::query_as(&sql), binds).fetch_all(&mut **c).await?;
            rows.into_iter().map(|r| r.3).collect()
        }
        Tx::PgConn(_) | Tx::SqliteConn(_) => {
            return Err(StoreError::Config(
                "explain_list needs a transaction (Store::begin)".to_owned(),
            ));
        }
    })
}

/// One change in a ticket's history (R-TKT-10): who, when, what, before and after.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TicketEvent {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    /// What changed, e.g. `{"status": {"before": "queued", "after": "open"}}`.
    #[sqlx(try_from = "String")]
    pub data: EventData,
    pub created_at: DateTime<Utc>,
}

/// The JSON of an event, stored as text on both backends.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData(pub serde_json::Value);

impl TryFrom<String> for EventData {
    type Error = serde_json::Error;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        serde_json::from_str(&s).map(Self)
    }
}

/// # Errors
/// On a database failure.
pub async fn record_event(
    tx: &mut Tx,
    ticket_id: TicketId,
    actor_id: Option<Uuid>,
    kind: &str,
    data: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO ticket_events (id, ticket_id, actor_id, kind, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(Uuid::now_v7())
    .bind(ticket_id)
    .bind(actor_id)
    .bind(kind)
    .bind(data.to_string())
    .bind(micros(at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    // A message's live event comes from `insert_message`, which knows an internal note
    // (staff only); its history entry adds none.
    if kind == "message" {
        return Ok(());
    }
    crate::live::ticket_changed(tx, ticket_id, kind, false, at).await
}

/// A ticket's history, oldest first.
///
/// # Errors
/// On a database failure.
pub async fn events(tx: &mut Tx, ticket_id: TicketId, page: PageRequest) -> Result<Page<TicketEvent>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM ticket_events WHERE ticket_id = $1"
    )
    .bind(ticket_id)
    .fetch_one(&mut **c)
    .await)?;
    let items = run!(tx, |c| sqlx::query_as(
        "SELECT id, ticket_id, actor_id, kind, data, created_at FROM ticket_events WHERE ticket_id = $1 \
         ORDER BY created_at, id LIMIT $2 OFFSET $3"
    )
    .bind(ticket_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut **c)
    .await)?;
    Ok(page.page(items, total))
}

/// One message of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Message {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_id: Uuid,
    /// An internal note: never shown to clients (R-TKT-5).
    pub internal: bool,
    /// `message`, `note`, `solution` (a proposed solution) or `info_request`.
    pub kind: String,
    /// Markdown; empty once purged.
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Marked confidential by staff (R-CON-6): the text is purged 30 days after receipt.
    pub confidential: bool,
    pub purged_at: Option<DateTime<Utc>>,
}

impl Message {
    /// A new message of `ticket_id` written now.
    #[must_use]
    pub fn new(ticket_id: Uuid, author_id: Uuid, kind: &str, internal: bool, body: String, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            ticket_id,
            author_id,
            internal,
            kind: kind.to_owned(),
            body,
            created_at: now,
            confidential: false,
            purged_at: None,
        }
    }
}

const MESSAGE_COLUMNS: &str = "id, ticket_id, author_id, internal, kind, body, created_at, confidential, purged_at";

/// One message.
///
/// # Errors
/// `NotFound`, or on a database failure.
pub async fn get_message(tx: &mut Tx, id: reglament_api::MessageId) -> Result<Message> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM ticket_messages WHERE id = $1");
    run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await)?.ok_or(StoreError::NotFound)
}

/// Marks a message confidential (R-CON-6); true when this call did it.
///
/// # Errors
/// On a database failure.
pub async fn mark_message_confidential(tx: &mut Tx, id: reglament_api::MessageId) -> Result<bool> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE ticket_messages SET confidential = TRUE WHERE id = $1 AND NOT confidential"
    )
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Confidential messages received before `received_before` whose text is not purged yet.
///
/// # Errors
/// On a database failure.
pub async fn messages_due_for_purge(tx: &mut Tx, received_before: DateTime<Utc>, limit: i64) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM ticket_messages WHERE confidential AND purged_at IS NULL \
         AND created_at <= $1 ORDER BY created_at LIMIT $2"
    );
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(micros(received_before))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?)
}

/// Purges a confidential message's text (R-CONF-1); true when this call did it.
///
/// # Errors
/// On a database failure.
pub async fn purge_message(tx: &mut Tx, id: reglament_api::MessageId, at: DateTime<Utc>) -> Result<bool> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE ticket_messages SET body = '', purged_at = $2 WHERE id = $1 AND confidential AND purged_at IS NULL"
    )
    .bind(id)
    .bind(micros(at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// # Errors
/// On a database failure.
pub async fn insert_message(tx: &mut Tx, m: &Message) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO ticket_messages (id, ticket_id, author_id, internal, kind, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(m.id)
    .bind(m.ticket_id)
    .bind(m.author_id)
    .bind(m.internal)
    .bind(&m.kind)
    .bind(&m.body)
    .bind(micros(m.created_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    let change = if m.internal { "note" } else { "message" };
    crate::live::ticket_changed(tx, TicketId(m.ticket_id), change, m.internal, m.created_at).await
}

/// A ticket's conversation, oldest first; internal notes only when `with_internal`.
///
/// # Errors
/// On a database failure.
pub async fn messages(
    tx: &mut Tx,
    ticket_id: TicketId,
    with_internal: bool,
    page: PageRequest,
) -> Result<Page<Message>> {
    let cond = "ticket_id = $1 AND ($2 OR NOT internal)";
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM ticket_messages WHERE {cond}"
    ))
    .bind(ticket_id)
    .bind(with_internal)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!(
        "SELECT {MESSAGE_COLUMNS} FROM ticket_messages WHERE {cond} ORDER BY created_at, id LIMIT $3 OFFSET $4"
    );
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(ticket_id)
        .bind(with_internal)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// Tickets waiting for the client since at most `waited_since` (candidates for auto-close, R-TKT-6).
///
/// # Errors
/// On a database failure.
pub async fn waiting_since_before(tx: &mut Tx, waited_since: DateTime<Utc>, limit: i64) -> Result<Vec<Ticket>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tickets WHERE status = 'waiting_for_customer' AND waiting_since <= $1 \
         ORDER BY waiting_since LIMIT $2"
    );
    let rows: Vec<TicketRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(micros(waited_since))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Running cycles past due and not yet marked breached (R-SLA-4).
///
/// # Errors
/// On a database failure.
pub async fn unmarked_breaches(tx: &mut Tx, now: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM tickets WHERE awaiting_response AND response_due_at < $1 AND NOT response_breached \
         ORDER BY response_due_at LIMIT $2"
    )
    .bind(micros(now))
    .bind(limit)
    .fetch_all(&mut **c)
    .await)?)
}

/// Marks one running cycle breached; true when this call did it (another instance may have).
///
/// # Errors
/// On a database failure.
pub async fn mark_breached(tx: &mut Tx, id: TicketId, now: DateTime<Utc>) -> Result<bool> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE tickets SET response_breached = TRUE, updated_at = $2 WHERE id = $1 AND NOT response_breached"
    )
    .bind(id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Customers with queued tickets.
///
/// # Errors
/// On a database failure.
pub async fn customers_with_queue(tx: &mut Tx) -> Result<Vec<Uuid>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT DISTINCT customer_id FROM tickets WHERE status = 'queued'"
    )
    .fetch_all(&mut **c)
    .await)?)
}
