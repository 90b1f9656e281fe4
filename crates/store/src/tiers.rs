use chrono::{DateTime, Utc};
use reglament_domain::{Schedule, Tier};

use crate::error::Result;
use crate::{Tx, micros, run};

#[derive(sqlx::FromRow)]
struct TierRow {
    code: String,
    name_ru: String,
    name_en: String,
    #[sqlx(try_from = "String")]
    schedule: Schedule,
    response_target_minutes: i64,
    max_open_tickets: Option<i64>,
    several_teams: bool,
    max_contacts: i64,
    telegram: bool,
    dedicated_manager: bool,
    monthly_video_meeting: bool,
    warn_percent: i32,
}

impl From<TierRow> for Tier {
    fn from(r: TierRow) -> Self {
        Self {
            code: r.code,
            name_ru: r.name_ru,
            name_en: r.name_en,
            schedule: r.schedule,
            response_target_minutes: r.response_target_minutes,
            max_open_tickets: r.max_open_tickets,
            several_teams: r.several_teams,
            max_contacts: r.max_contacts,
            telegram: r.telegram,
            dedicated_manager: r.dedicated_manager,
            monthly_video_meeting: r.monthly_video_meeting,
            warn_percent: r.warn_percent,
        }
    }
}

const COLUMNS: &str = "code, name_ru, name_en, schedule, response_target_minutes, max_open_tickets, \
     several_teams, max_contacts, telegram, dedicated_manager, monthly_video_meeting, warn_percent";

/// Seeds Appendix 1 into an empty table; an edited table is left as the admins made it.
pub(crate) async fn seed_if_empty(tx: &mut Tx, now: DateTime<Utc>) -> Result<()> {
    let count: i64 = run!(tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM tiers")
        .fetch_one(&mut **c)
        .await)?;
    if count > 0 {
        return Ok(());
    }
    for (position, tier) in (0_i64..).zip(reglament_domain::appendix_1()) {
        upsert(tx, &tier, position, now).await?;
    }
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn list(tx: &mut Tx) -> Result<Vec<Tier>> {
    let sql = format!("SELECT {COLUMNS} FROM tiers ORDER BY position, code");
    let rows: Vec<TierRow> = run!(tx, |c| sqlx::query_as(&sql).fetch_all(&mut **c).await)?;
    Ok(rows.into_iter().map(Tier::from).collect())
}

/// # Errors
/// `NotFound` when there is no such tier.
pub async fn get(tx: &mut Tx, code: &str) -> Result<Tier> {
    let sql = format!("SELECT {COLUMNS} FROM tiers WHERE code = $1");
    let row: TierRow = run!(tx, |c| sqlx::query_as(&sql).bind(code).fetch_one(&mut **c).await)?;
    Ok(row.into())
}

/// Inserts or replaces a tier; `position` orders the list.
///
/// # Errors
/// On a database failure.
pub async fn upsert(tx: &mut Tx, tier: &Tier, position: i64, now: DateTime<Utc>) -> Result<()> {
    let sql = format!(
        "INSERT INTO tiers ({COLUMNS}, position, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (code) DO UPDATE SET name_ru = $2, name_en = $3, schedule = $4, \
         response_target_minutes = $5, max_open_tickets = $6, several_teams = $7, max_contacts = $8, \
         telegram = $9, dedicated_manager = $10, monthly_video_meeting = $11, warn_percent = $12, \
         updated_at = $14"
    );
    run!(tx, |c| sqlx::query(&sql)
        .bind(&tier.code)
        .bind(&tier.name_ru)
        .bind(&tier.name_en)
        .bind(tier.schedule.as_str())
        .bind(tier.response_target_minutes)
        .bind(tier.max_open_tickets)
        .bind(tier.several_teams)
        .bind(tier.max_contacts)
        .bind(tier.telegram)
        .bind(tier.dedicated_manager)
        .bind(tier.monthly_video_meeting)
        .bind(tier.warn_percent)
        .bind(position)
        .bind(micros(now))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn position(tx: &mut Tx, code: &str) -> Result<Option<i64>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT position FROM tiers WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(&mut **c)
    .await)?)
}

#[derive(sqlx::FromRow)]
struct GoverningRow {
    #[sqlx(flatten)]
    contract: crate::Contract,
    #[sqlx(flatten)]
    tier: TierRow,
}

/// Customers (`c`) with their governing contract on `$2` and its tier, `rest` being the
/// `WHERE` clause and what follows it.
fn governing_select(rest: &str) -> String {
    let contract_columns = crate::customers::CONTRACT_COLUMNS
        .split(", ")
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let tier_columns = COLUMNS
        .split(',')
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let order = crate::customers::GOVERNING_ORDER;
    format!(
        "SELECT {contract_columns}, {tier_columns} FROM customers c \
         JOIN contracts k ON k.id = (SELECT id FROM contracts WHERE customer_id = c.id ORDER BY {order} LIMIT 1) \
         JOIN tiers t ON t.code = k.tier_code WHERE {rest}"
    )
}

/// The contract governing the customer on `today` (as
/// [`crate::customers::governing_contract`] chooses it) with its tier, in one query, on
/// SQLite (whose write transactions hold the database, so no row lock is needed).
/// `None` when the customer or their contract does not exist.
async fn governing_sqlite(
    tx: &mut Tx,
    customer_id: uuid::Uuid,
    today: chrono::NaiveDate,
) -> Result<Option<(crate::Contract, Tier)>> {
    let sql = governing_select("c.id = $1");
    let row: Option<GoverningRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer_id)
        .bind(today)
        .fetch_optional(&mut **c)
        .await)?;
    Ok(row.map(|r| (r.contract, r.tier.into())))
}

/// The contract governing each customer on `today` (as
/// [`crate::customers::governing_contract`] chooses it) with its tier. When `lock` is set
/// and `tx` is a PostgreSQL transaction the customers' rows stay locked, taken in id
/// order (so that two batches never deadlock), until the transaction ends, so that
/// creations for one customer run one at a time (R-LIM-4). Customers without a contract
/// are left out.
///
/// # Errors
/// On a database failure.
pub async fn lock_governing_many(
    tx: &mut Tx,
    customer_ids: &[uuid::Uuid],
    today: chrono::NaiveDate,
    lock: bool,
) -> Result<std::collections::HashMap<uuid::Uuid, (crate::Contract, Tier)>> {
    let mut ids = customer_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    let pg: Option<&mut sqlx::PgConnection> = match tx {
        Tx::Pg(c) => Some(&mut **c),
        Tx::PgConn(c) => Some(&mut **c),
        Tx::Sqlite(_) | Tx::SqliteConn(_) => None,
    };
    if let Some(c) = pg {
        let sql = governing_select(if lock {
            "c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c"
        } else {
            "c.id = ANY($1)"
        });
        let rows: Vec<GoverningRow> = sqlx::query_as(&sql).bind(&ids).bind(today).fetch_all(c).await?;
        for r in rows {
            found.insert(r.contract.customer_id.0, (r.contract, r.tier.into()));
        }
    } else {
        for id in ids {
            if let Some(pair) = governing_sqlite(tx, id, today).await? {
                found.insert(id, pair);
            }
        }
    }
    Ok(found)
}
