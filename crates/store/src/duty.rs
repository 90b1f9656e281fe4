//! The duty roster of the 24x7 tiers (R-NTF-3): the weekly rotation and its dated overrides.

use chrono::{DateTime, NaiveDate, Utc};
use reglament_api::{DutyOverrideId, UserId};

use crate::error::Result;
use crate::{Tx, micros, run};

/// The rotation as stored: the members in order, the first week and the handover time.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub starts_on: NaiveDate,
    /// `HH:MM`, Moscow time.
    pub handover_time: String,
    pub members: Vec<UserId>,
}

/// An override with its person's name and whether they are active.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverrideRow {
    pub id: DutyOverrideId,
    pub user_id: UserId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// The rotation; `None` before anyone set one.
///
/// # Errors
/// On a database failure.
pub async fn rotation(tx: &mut Tx) -> Result<Option<Rotation>> {
    let settings: Option<(NaiveDate, String)> = run!(tx, |c| sqlx::query_as(
        "SELECT starts_on, handover_time FROM duty_settings WHERE id = 1"
    )
    .fetch_optional(&mut **c)
    .await)?;
    let Some((starts_on, handover_time)) = settings else {
        return Ok(None);
    };
    let members: Vec<UserId> = run!(tx, |c| sqlx::query_scalar(
        "SELECT user_id FROM duty_rotation ORDER BY position"
    )
    .fetch_all(&mut **c)
    .await)?;
    Ok(Some(Rotation {
        starts_on,
        handover_time,
        members,
    }))
}

/// Replaces the rotation.
///
/// # Errors
/// On a database failure.
pub async fn set_rotation(tx: &mut Tx, rotation: &Rotation, by: UserId, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO duty_settings (id, starts_on, handover_time, updated_by, updated_at) VALUES (1, $1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET starts_on = $1, handover_time = $2, updated_by = $3, updated_at = $4"
    )
    .bind(rotation.starts_on)
    .bind(&rotation.handover_time)
    .bind(by)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    run!(tx, |c| sqlx::query("DELETE FROM duty_rotation")
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    for (position, user) in (0_i64..).zip(&rotation.members) {
        run!(tx, |c| sqlx::query(
            "INSERT INTO duty_rotation (position, user_id) VALUES ($1, $2)"
        )
        .bind(position)
        .bind(*user)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Overrides that end after `after`, soonest first.
///
/// # Errors
/// On a database failure.
pub async fn overrides(tx: &mut Tx, after: DateTime<Utc>) -> Result<Vec<OverrideRow>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT id, user_id, starts_at, ends_at, note, created_at FROM duty_overrides WHERE ends_at > $1 \
         ORDER BY starts_at, created_at"
    )
    .bind(micros(after))
    .fetch_all(&mut **c)
    .await)?)
}

/// Adds an override.
///
/// # Errors
/// On a database failure.
pub async fn add_override(tx: &mut Tx, o: &OverrideRow, by: UserId) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO duty_overrides (id, user_id, starts_at, ends_at, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(o.id)
    .bind(o.user_id)
    .bind(micros(o.starts_at))
    .bind(micros(o.ends_at))
    .bind(&o.note)
    .bind(by)
    .bind(micros(o.created_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes an override; false when there was none.
///
/// # Errors
/// On a database failure.
pub async fn remove_override(tx: &mut Tx, id: DutyOverrideId) -> Result<bool> {
    let n = run!(tx, |c| sqlx::query("DELETE FROM duty_overrides WHERE id = $1")
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
