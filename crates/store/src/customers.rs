//! Customers, their contracts and their teams.

use chrono::NaiveDate;
use reglament_api::{ContractId, CustomerId};
use uuid::Uuid;

use crate::error::Result;
use crate::{Contract, Customer, Page, PageRequest, Tx, micros, run};

/// The key names are unique by: case-folded, spaces collapsed.
#[must_use]
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

const CUSTOMER_COLUMNS: &str = "id, name, account_manager_id, created_at, updated_at";

/// # Errors
/// `Conflict` when a customer of that name exists.
pub async fn insert_customer(tx: &mut Tx, customer: &Customer) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO customers (id, name, name_key, account_manager_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(customer.id)
    .bind(&customer.name)
    .bind(name_key(&customer.name))
    .bind(customer.account_manager_id)
    .bind(micros(customer.created_at))
    .bind(micros(customer.updated_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `Conflict` when another customer has that name, `NotFound` when there is no such customer.
pub async fn update_customer(tx: &mut Tx, customer: &Customer) -> Result<()> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE customers SET name = $2, name_key = $3, account_manager_id = $4, updated_at = $5 WHERE id = $1"
    )
    .bind(customer.id)
    .bind(&customer.name)
    .bind(name_key(&customer.name))
    .bind(customer.account_manager_id)
    .bind(micros(customer.updated_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such customer.
pub async fn get_customer(tx: &mut Tx, id: CustomerId) -> Result<Customer> {
    let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?)
}

/// Serialises the changes that must see a customer's counts unchanged until they
/// commit (contact limit, teams, later the open-ticket limit). On SQLite a write
/// transaction already holds the database's single write lock.
///
/// # Errors
/// `NotFound` when there is no such customer.
pub async fn lock_customer(tx: &mut Tx, id: CustomerId) -> Result<()> {
    let sql = match tx.backend() {
        crate::Backend::Postgres => "SELECT id FROM customers WHERE id = $1 FOR UPDATE",
        crate::Backend::Sqlite => "SELECT id FROM customers WHERE id = $1",
    };
    let found: Option<Uuid> = run!(tx, |c| sqlx::query_scalar(sql).bind(id).fetch_optional(&mut **c).await)?;
    found.map(|_| ()).ok_or(crate::StoreError::NotFound)
}

/// Customers, by name; `only` restricts the list to one customer (a client's own),
/// `search` matches a part of the name.
///
/// # Errors
/// On a database failure.
pub async fn list_customers(
    tx: &mut Tx,
    only: Option<Uuid>,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<Customer>> {
    let pattern = search.map(|s| format!("%{}%", name_key(s).replace('%', "\\%").replace('_', "\\_")));
    let filter = "($1 IS NULL OR id = $1) AND ($2 IS NULL OR name_key LIKE $2 ESCAPE '\\')";
    let count_sql = format!("SELECT COUNT(*) FROM customers WHERE {filter}");
    let list_sql =
        format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE {filter} ORDER BY name_key, id LIMIT $3 OFFSET $4");
    let total: i64 = run!(tx, |c| sqlx::query_scalar(&count_sql)
        .bind(only)
        .bind(pattern.as_deref())
        .fetch_one(&mut **c)
        .await)?;
    let items = run!(tx, |c| sqlx::query_as(&list_sql)
        .bind(only)
        .bind(pattern.as_deref())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

pub(crate) const CONTRACT_COLUMNS: &str =
    "id, customer_id, tier_code, number, starts_on, ends_on, created_at, updated_at";

/// # Errors
/// On a database failure.
pub async fn insert_contract(tx: &mut Tx, contract: &Contract) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO contracts (id, customer_id, tier_code, number, starts_on, ends_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(contract.id)
    .bind(contract.customer_id)
    .bind(&contract.tier_code)
    .bind(&contract.number)
    .bind(contract.starts_on)
    .bind(contract.ends_on)
    .bind(micros(contract.created_at))
    .bind(micros(contract.updated_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such contract.
pub async fn update_contract(tx: &mut Tx, contract: &Contract) -> Result<()> {
    let done = run!(tx, |c| {
        sqlx::query(
        "UPDATE contracts SET tier_code = $2, number = $3, starts_on = $4, ends_on = $5, updated_at = $6 WHERE id = $1"
    )
    .bind(contract.id)
    .bind(&contract.tier_code)
    .bind(&contract.number)
    .bind(contract.starts_on)
    .bind(contract.ends_on)
    .bind(micros(contract.updated_at))
    .execute(&mut **c).await.map(|r| r.rows_affected())
    })?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such contract.
pub async fn get_contract(tx: &mut Tx, id: ContractId) -> Result<Contract> {
    let sql = format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?)
}

/// # Errors
/// On a database failure.
pub async fn delete_contract(tx: &mut Tx, id: ContractId) -> Result<()> {
    run!(tx, |c| sqlx::query("DELETE FROM contracts WHERE id = $1")
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A customer's contracts, newest first.
///
/// # Errors
/// On a database failure.
pub async fn list_contracts(tx: &mut Tx, customer_id: CustomerId, page: PageRequest) -> Result<Page<Contract>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM contracts WHERE customer_id = $1"
    )
    .bind(customer_id)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!(
        "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE customer_id = $1 \
         ORDER BY starts_on DESC, id LIMIT $2 OFFSET $3"
    );
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// Whether another contract of the customer overlaps `[starts_on, ends_on]`.
///
/// # Errors
/// On a database failure.
pub async fn contract_overlaps(
    tx: &mut Tx,
    customer_id: CustomerId,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    except: Option<Uuid>,
) -> Result<bool> {
    let count: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM contracts WHERE customer_id = $1 AND starts_on <= $3 AND ends_on >= $2 \
         AND ($4 IS NULL OR id <> $4)"
    )
    .bind(customer_id)
    .bind(starts_on)
    .bind(ends_on)
    .bind(except)
    .fetch_one(&mut **c)
    .await)?;
    Ok(count > 0)
}

/// Orders a customer's contracts so that the governing one on `$2` comes first.
pub(crate) const GOVERNING_ORDER: &str = "CASE WHEN starts_on <= $2 AND ends_on >= $2 THEN 0 WHEN starts_on > $2 THEN 1 ELSE 2 END, \
     CASE WHEN starts_on > $2 THEN starts_on END ASC, ends_on DESC";

/// The contract that governs the customer on `today`: the one in force, or else
/// the next one to start, or else the last one that ended.
///
/// # Errors
/// On a database failure.
pub async fn governing_contract(tx: &mut Tx, customer_id: CustomerId, today: NaiveDate) -> Result<Option<Contract>> {
    let sql =
        format!("SELECT {CONTRACT_COLUMNS} FROM contracts WHERE customer_id = $1 ORDER BY {GOVERNING_ORDER} LIMIT 1");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer_id)
        .bind(today)
        .fetch_optional(&mut **c)
        .await)?)
}

/// The last day of the customer's latest contract, if it ever had one (R-ACL-5).
///
/// # Errors
/// On a database failure.
pub async fn last_contract_end(tx: &mut Tx, customer_id: CustomerId) -> Result<Option<NaiveDate>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT MAX(ends_on) FROM contracts WHERE customer_id = $1"
    )
    .bind(customer_id)
    .fetch_one(&mut **c)
    .await)?)
}

/// Customers whose latest contract ends between `from` and `to` (inclusive), with that day
/// (R-ACL-5: their clients' access ends soon).
///
/// # Errors
/// On a database failure.
pub async fn last_contract_ending_between(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(CustomerId, NaiveDate)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT customer_id, MAX(ends_on) FROM contracts GROUP BY customer_id HAVING MAX(ends_on) BETWEEN $1 AND $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut **c)
    .await)?)
}

/// The active key contacts of a customer, as users.
///
/// # Errors
/// On a database failure.
pub async fn key_contact_ids(tx: &mut Tx, customer_id: CustomerId) -> Result<Vec<reglament_api::UserId>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE customer_id = $1 AND kind = 'client' AND is_key_contact AND active ORDER BY email"
    )
    .bind(customer_id)
    .fetch_all(&mut **c)
    .await)?)
}
