//! Users: the vendor's staff and the clients of customers.

use chrono::{DateTime, Utc};
use reglament_api::ids::*;
use reglament_api::{CustomerId, UserId};
use reglament_domain::{StaffRole, UserKind};
use uuid::Uuid;

use crate::error::Result;
use crate::{Page, PageRequest, StoreError, Tx, User, micros, run};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    kind: String,
    email: String,
    full_name: String,
    role: Option<String>,
    customer_id: Option<Uuid>,
    team_id: Option<Uuid>,
    is_key_contact: bool,
    telegram_username: Option<String>,
    active: bool,
    locale: String,
    time_zone: String,
    has_password: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        let bad = |e: reglament_domain::tier::UnknownValue| StoreError::Database(sqlx::Error::Decode(Box::new(e)));
        Ok(Self {
            id: UserId(r.id),
            kind: r.kind.parse::<UserKind>().map_err(bad)?,
            email: r.email,
            full_name: r.full_name,
            role: r.role.map(|s| s.parse::<StaffRole>()).transpose().map_err(bad)?,
            customer_id: r.customer_id.map(CustomerId),
            team_id: r.team_id.map(TeamId),
            is_key_contact: r.is_key_contact,
            telegram_username: r.telegram_username,
            active: r.active,
            locale: r.locale,
            time_zone: r.time_zone,
            has_password: r.has_password,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const COLUMNS: &str = "id, kind, email, full_name, role, customer_id, team_id, is_key_contact, \
     telegram_username, active, locale, time_zone, (password_hash IS NOT NULL) AS has_password, created_at, updated_at";

/// Lower-cases and trims an email address: addresses are unique case-insensitively.
#[must_use]
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// # Errors
/// `Conflict` when the email is taken.
pub async fn insert(tx: &mut Tx, user: &User, password_hash: Option<&str>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO users (id, kind, email, full_name, password_hash, role, customer_id, team_id, is_key_contact, \
         telegram_username, active, locale, time_zone, created_at, updated_at, name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    )
    .bind(user.id)
    .bind(user.kind.as_str())
    .bind(normalize_email(&user.email))
    .bind(&user.full_name)
    .bind(password_hash)
    .bind(user.role.map(StaffRole::as_str))
    .bind(user.customer_id)
    .bind(user.team_id)
    .bind(user.is_key_contact)
    .bind(user.telegram_username.as_deref())
    .bind(user.active)
    .bind(&user.locale)
    .bind(&user.time_zone)
    .bind(micros(user.created_at))
    .bind(micros(user.updated_at))
    .bind(user.full_name.to_lowercase())
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes every editable field of `user` (not its kind, customer or password).
///
/// # Errors
/// `Conflict` when the new email is taken, `NotFound` when there is no such user.
pub async fn update(tx: &mut Tx, user: &User) -> Result<()> {
    let done = run!(tx, |c| {
        sqlx::query(
        "UPDATE users SET email = $2, full_name = $3, role = $4, team_id = $5, is_key_contact = $6, \
         telegram_username = $7, active = $8, locale = $9, time_zone = $10, updated_at = $11, name_key = $12 WHERE id = $1"
    )
    .bind(user.id)
    .bind(normalize_email(&user.email))
    .bind(&user.full_name)
    .bind(user.role.map(StaffRole::as_str))
    .bind(user.team_id)
    .bind(user.is_key_contact)
    .bind(user.telegram_username.as_deref())
    .bind(user.active)
    .bind(&user.locale)
    .bind(&user.time_zone)
    .bind(micros(user.updated_at))
    .bind(user.full_name.to_lowercase())
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
/// On a database failure.
pub async fn set_password(tx: &mut Tx, id: UserId, password_hash: &str, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(password_hash)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such user.
pub async fn get(tx: &mut Tx, id: UserId) -> Result<User> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row: UserRow = run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?;
    row.try_into()
}

/// The user with that email and their password hash, for signing in.
///
/// # Errors
/// On a database failure.
pub async fn find_for_login(tx: &mut Tx, email: &str) -> Result<Option<(User, Option<String>)>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    let row: Option<UserRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(normalize_email(email))
        .fetch_optional(&mut **c)
        .await)?;
    let Some(row) = row else { return Ok(None) };
    let hash: Option<String> = run!(tx, |c| sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE id = $1"
    )
    .bind(row.id)
    .fetch_one(&mut **c)
    .await)?;
    Ok(Some((row.try_into()?, hash)))
}

/// # Errors
/// On a database failure.
pub async fn count_staff(tx: &mut Tx) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE kind = 'staff'"
    )
    .fetch_one(&mut **c)
    .await)?)
}

/// R-ACL-4 counts these: active clients of a customer.
///
/// # Errors
/// On a database failure.
pub async fn count_active_clients(tx: &mut Tx, customer_id: CustomerId) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE customer_id = $1 AND kind = 'client' AND active"
    )
    .bind(customer_id)
    .fetch_one(&mut **c)
    .await)?)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub kind: Option<UserKind>,
    pub customer_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub active: Option<bool>,
    /// A part of the name or the email.
    pub search: Option<String>,
}

/// # Errors
/// On a database failure.
pub async fn list(tx: &mut Tx, filter: &UserFilter, page: PageRequest) -> Result<Page<User>> {
    let pattern = filter
        .search
        .as_deref()
        .map(|s| format!("%{}%", s.trim().to_lowercase().replace('%', "\\%").replace('_', "\\_")));
    let cond = "($1 IS NULL OR kind = $1) AND ($2 IS NULL OR customer_id = $2) AND ($3 IS NULL OR team_id = $3) \
                AND ($4 IS NULL OR active = $4) \
                AND ($5 IS NULL OR email LIKE $5 ESCAPE '\\' OR name_key LIKE $5 ESCAPE '\\')";
    let kind = filter.kind.map(UserKind::as_str);
    let count_sql = format!("SELECT COUNT(*) FROM users WHERE {cond}");
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&count_sql)
        .bind(kind)
        .bind(filter.customer_id)
        .bind(filter.team_id)
        .bind(filter.active)
        .bind(pattern.as_deref())
        .fetch_one(&mut **c)
        .await)?;
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {cond} ORDER BY full_name, id LIMIT $6 OFFSET $7");
    let rows: Vec<UserRow> = run!(tx, |c| sqlx::query_as(&sql)
        .bind(kind)
        .bind(filter.customer_id)
        .bind(filter.team_id)
        .bind(filter.active)
        .bind(pattern.as_deref())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    let items = rows.into_iter().map(User::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(items, total))
}

/// The user who holds an email address (registration import).
#[derive(Debug, Clone)]
pub struct Holder {
    pub email: String,
    pub kind: UserKind,
    pub customer_id: Option<Uuid>,
    pub id: Uuid,
    pub active: bool,
}

/// Who holds each of `emails` (already normalised), looked up 500 at a time.
///
/// # Errors
/// On a database failure.
pub async fn holders_of(tx: &mut Tx, emails: &[String]) -> Result<Vec<Holder>> {
    let mut found = Vec::new();
    for chunk in emails.chunks(500) {
        let places: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT email, kind, customer_id, id, active FROM users WHERE email IN ({})",
            places.join(", ")
        );
        let rows: Vec<(String, String, Option<Uuid>, Uuid, bool)> = run!(tx, |c| {
            let mut q = sqlx::query_as(&sql);
            for email in chunk {
                q = q.bind(email);
            }
            q.fetch_all(&mut **c).await
        })?;
        found.extend(rows.into_iter().filter_map(|(email, kind, customer_id, id, active)| {
            kind.parse().ok().map(|kind| Holder {
                email,
                kind,
                customer_id,
                id,
                active,
            })
        }));
    }
    Ok(found)
}
