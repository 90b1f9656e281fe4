use crate::customers::name_key;
use crate::error::Result;
use crate::{Page, PageRequest, Team, Tx, micros, run};
use reglament_api::{CustomerId, TeamId};

const TEAM_COLUMNS: &str = "id, customer_id, name, created_at";

/// # Errors
/// `Conflict` when the customer has a team of that name.
pub async fn insert_team(tx: &mut Tx, team: &Team) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO teams (id, customer_id, name, name_key, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(team.id)
    .bind(team.customer_id)
    .bind(&team.name)
    .bind(name_key(&team.name))
    .bind(micros(team.created_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `Conflict` on a duplicate name, `NotFound` when there is no such team.
pub async fn rename_team(tx: &mut Tx, id: TeamId, name: &str) -> Result<()> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE teams SET name = $2, name_key = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(name)
    .bind(name_key(name))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Deletes a team; its members stay with the customer, without a team.
///
/// # Errors
/// On a database failure.
pub async fn delete_team(tx: &mut Tx, id: TeamId) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE users SET team_id = NULL WHERE team_id = $1"
    )
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    run!(tx, |c| sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// `NotFound` when there is no such team.
pub async fn get_team(tx: &mut Tx, id: TeamId) -> Result<Team> {
    let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(&mut **c).await)?)
}

/// # Errors
/// On a database failure.
pub async fn count_teams(tx: &mut Tx, customer_id: CustomerId) -> Result<i64> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM teams WHERE customer_id = $1"
    )
    .bind(customer_id)
    .fetch_one(&mut **c)
    .await)?)
}

/// # Errors
/// On a database failure.
pub async fn list_teams(tx: &mut Tx, customer_id: CustomerId, page: PageRequest) -> Result<Page<Team>> {
    let total = count_teams(tx, customer_id).await?;
    let sql =
        format!("SELECT {TEAM_COLUMNS} FROM teams WHERE customer_id = $1 ORDER BY name_key, id LIMIT $2 OFFSET $3");
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}
