//! Sign-in state: refresh tokens, API tokens, failed-login throttling, invitations.
//! Tokens are stored only as hashes; the caller hashes.

use chrono::{DateTime, Utc};
use reglament_api::{ApiTokenId, UserId};
use uuid::Uuid;

use crate::error::Result;
use crate::{ApiToken, RefreshToken, Tx, micros, run};

/// # Errors
/// On a database failure.
pub async fn insert_refresh_token(
    tx: &mut Tx,
    token: &RefreshToken,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(token.id)
    .bind(token.user_id)
    .bind(token.family_id)
    .bind(token_hash)
    .bind(micros(token.expires_at))
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn find_refresh_token(tx: &mut Tx, token_hash: &str) -> Result<Option<RefreshToken>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT id, user_id, family_id, expires_at, revoked_at FROM refresh_tokens WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(&mut **c)
    .await)?)
}

/// Revokes one refresh token; true when it was still live (so that two refreshes
/// racing with the same token cannot both win).
///
/// # Errors
/// On a database failure.
pub async fn revoke_refresh_token(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let done = run!(tx, |c| sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
    )
    .bind(id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Revokes a whole rotation family: used when a revoked token is presented again.
///
/// # Errors
/// On a database failure.
pub async fn revoke_refresh_family(tx: &mut Tx, family_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL"
    )
    .bind(family_id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Revokes every refresh token of a user (deactivation, password change).
///
/// # Errors
/// On a database failure.
pub async fn revoke_user_refresh_tokens(tx: &mut Tx, user_id: UserId, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL"
    )
    .bind(user_id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

const API_TOKEN_COLUMNS: &str =
    "id, user_id, name, token_prefix, scopes, created_at, expires_at, last_used_at, revoked_at";

/// # Errors
/// On a database failure.
pub async fn insert_api_token(tx: &mut Tx, token: &ApiToken, token_hash: &str) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_prefix, token_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(token.id)
    .bind(token.user_id)
    .bind(&token.name)
    .bind(&token.token_prefix)
    .bind(token_hash)
    .bind(token.scopes.joined())
    .bind(micros(token.created_at))
    .bind(token.expires_at.map(micros))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn find_api_token(tx: &mut Tx, token_hash: &str) -> Result<Option<ApiToken>> {
    let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(token_hash)
        .fetch_optional(&mut **c)
        .await)?)
}

/// Records a use at most once a minute, so that a busy script does not write on every call.
///
/// # Errors
/// On a database failure.
pub async fn touch_api_token(tx: &mut Tx, id: ApiTokenId, now: DateTime<Utc>) -> Result<()> {
    let stale = micros(now - chrono::TimeDelta::minutes(1));
    run!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)"
    )
    .bind(id)
    .bind(micros(now))
    .bind(stale)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A user's tokens, newest first, revoked ones included.
///
/// # Errors
/// On a database failure.
pub async fn list_api_tokens(tx: &mut Tx, user_id: UserId, page: crate::PageRequest) -> Result<crate::Page<ApiToken>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_one(&mut **c)
    .await)?;
    let sql = format!(
        "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
    );
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// # Errors
/// `NotFound` when the user has no such token.
pub async fn get_api_token(tx: &mut Tx, user_id: UserId, id: ApiTokenId) -> Result<ApiToken> {
    let sql = format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_one(&mut **c)
        .await)?)
}

/// # Errors
/// On a database failure.
pub async fn revoke_api_token(tx: &mut Tx, id: ApiTokenId, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
    )
    .bind(id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The failed-login record of an address: failures in a row and until when it is blocked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginFailures {
    pub failures: i64,
    pub blocked_until: Option<DateTime<Utc>>,
}

/// # Errors
/// On a database failure.
pub async fn login_failures(tx: &mut Tx, email: &str) -> Result<Option<LoginFailures>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT failures, blocked_until FROM login_failures WHERE email = $1"
    )
    .bind(email)
    .fetch_optional(&mut **c)
    .await)?)
}

/// # Errors
/// On a database failure.
pub async fn record_login_failure(
    tx: &mut Tx,
    email: &str,
    failures: i64,
    blocked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO login_failures (email, failures, last_failure, blocked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET failures = $2, last_failure = $3, blocked_until = $4"
    )
    .bind(email)
    .bind(failures)
    .bind(micros(now))
    .bind(blocked_until.map(micros))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn clear_login_failures(tx: &mut Tx, email: &str) -> Result<()> {
    run!(tx, |c| sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn insert_invitation(
    tx: &mut Tx,
    user_id: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO invitations (id, user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(token_hash)
    .bind(micros(expires_at))
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a live invitation: marks it used and answers its user, or `None` when the
/// token is unknown, used or expired.
///
/// # Errors
/// On a database failure.
pub async fn take_invitation(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Uuid>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         RETURNING user_id"
    )
    .bind(token_hash)
    .bind(micros(now))
    .fetch_optional(&mut **c)
    .await)?)
}

/// Records that every session of the user issued before `at` has ended.
///
/// # Errors
/// On a database failure.
pub async fn end_sessions_before(tx: &mut Tx, user_id: UserId, at: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO session_revocations (user_id, revoked_at) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET revoked_at = $2"
    )
    .bind(user_id)
    .bind(micros(at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// When the user last signed out everywhere.
///
/// # Errors
/// On a database failure.
pub async fn sessions_ended_at(tx: &mut Tx, user_id: UserId) -> Result<Option<DateTime<Utc>>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT revoked_at FROM session_revocations WHERE user_id = $1"
    )
    .bind(user_id)
    .fetch_optional(&mut **c)
    .await)?)
}
