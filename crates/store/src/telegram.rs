//! Telegram for people (R-NTF-5, R-NTF-8): accounts linked to the bot with a one-time code,
//! and the outbox of what the bot sends, delivered like mail (a lease per claimed row).

use chrono::{DateTime, TimeDelta, Utc};
use reglament_api::{TicketId, UserId};
use uuid::Uuid;

use crate::error::Result;
use crate::{Tx, micros, run};

/// A person's Telegram, linked with `/start CODE` in a private chat with the bot.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TelegramAccount {
    pub user_id: UserId,
    pub telegram_user_id: i64,
    pub chat_id: i64,
    pub username: Option<String>,
    pub linked_at: DateTime<Utc>,
}

const ACCOUNT: &str = "SELECT user_id, telegram_user_id, chat_id, username, linked_at FROM telegram_accounts";

/// Keeps a new link code of a person (by its hash); the person's earlier codes stop working.
///
/// # Errors
/// On a database failure.
pub async fn put_account_code(tx: &mut Tx, user: UserId, code_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "DELETE FROM telegram_account_codes WHERE user_id = $1"
    )
    .bind(user)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    run!(tx, |c| sqlx::query(
        "INSERT INTO telegram_account_codes (code_hash, user_id, expires_at) VALUES ($1, $2, $3)"
    )
    .bind(code_hash)
    .bind(user)
    .bind(micros(expires_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a code (by its hash): answers its person when it has not expired, and deletes it
/// either way.
///
/// # Errors
/// On a database failure.
pub async fn take_account_code(tx: &mut Tx, code_hash: &str, now: DateTime<Utc>) -> Result<Option<UserId>> {
    let found: Option<(UserId, DateTime<Utc>)> = run!(tx, |c| sqlx::query_as(
        "DELETE FROM telegram_account_codes WHERE code_hash = $1 RETURNING user_id, expires_at"
    )
    .bind(code_hash)
    .fetch_optional(&mut **c)
    .await)?;
    Ok(found.filter(|(_, expires)| *expires > now).map(|(user, _)| user))
}

/// Links a person's account to a Telegram user and private chat; a Telegram user linked to
/// another person before moves to this one.
///
/// # Errors
/// On a database failure.
pub async fn link_account(
    tx: &mut Tx,
    user: UserId,
    telegram_user_id: i64,
    chat_id: i64,
    username: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "DELETE FROM telegram_accounts WHERE telegram_user_id = $1 OR user_id = $2"
    )
    .bind(telegram_user_id)
    .bind(user)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    run!(tx, |c| sqlx::query(
        "INSERT INTO telegram_accounts (user_id, telegram_user_id, chat_id, username, linked_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(user)
    .bind(telegram_user_id)
    .bind(chat_id)
    .bind(username)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn account(tx: &mut Tx, user: UserId) -> Result<Option<TelegramAccount>> {
    let sql = format!("{ACCOUNT} WHERE user_id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(user)
        .fetch_optional(&mut **c)
        .await)?)
}

/// The person linked to a Telegram user.
///
/// # Errors
/// On a database failure.
pub async fn account_of_telegram_user(tx: &mut Tx, telegram_user_id: i64) -> Result<Option<TelegramAccount>> {
    let sql = format!("{ACCOUNT} WHERE telegram_user_id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(telegram_user_id)
        .fetch_optional(&mut **c)
        .await)?)
}

/// Unlinks a person's account; false when it was not linked.
///
/// # Errors
/// On a database failure.
pub async fn unlink_account(tx: &mut Tx, user: UserId) -> Result<bool> {
    let n = run!(tx, |c| sqlx::query("DELETE FROM telegram_accounts WHERE user_id = $1")
        .bind(user)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Unlinks whoever receives in this private chat (the person blocked the bot).
///
/// # Errors
/// On a database failure.
pub async fn unlink_chat_accounts(tx: &mut Tx, chat_id: i64) -> Result<u64> {
    Ok(run!(tx, |c| sqlx::query(
        "DELETE FROM telegram_accounts WHERE chat_id = $1"
    )
    .bind(chat_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// A message for the bot to send.
#[derive(Debug, Clone, Default)]
pub struct NewMessage<'a> {
    pub chat_id: i64,
    pub text: &'a str,
    pub reply_to_message_id: Option<i64>,
    /// The person it is for, in a private chat.
    pub user_id: Option<UserId>,
    pub ticket_id: Option<TicketId>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutgoingMessage {
    pub id: Uuid,
    pub chat_id: i64,
    pub text: String,
    pub reply_to_message_id: Option<i64>,
    pub user_id: Option<UserId>,
    pub ticket_id: Option<TicketId>,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_message_id: Option<i64>,
    pub abandoned_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, chat_id, text, reply_to_message_id, user_id, ticket_id, created_at, attempts, last_error, \
                       sent_at, sent_message_id, abandoned_at";

/// Queues a message in the caller's transaction.
///
/// # Errors
/// On a database failure.
pub async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>, now: DateTime<Utc>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    run!(tx, |c| sqlx::query(
        "INSERT INTO outbox_telegram (id, chat_id, text, reply_to_message_id, user_id, ticket_id, created_at, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
    )
    .bind(id)
    .bind(m.chat_id)
    .bind(m.text)
    .bind(m.reply_to_message_id)
    .bind(m.user_id)
    .bind(m.ticket_id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// Claims up to `limit` due messages, oldest first, pushing their next attempt `lease`
/// ahead (rows another instance holds are skipped on PostgreSQL).
///
/// # Errors
/// On a database failure.
pub async fn claim_due(tx: &mut Tx, now: DateTime<Utc>, lease: TimeDelta, limit: i64) -> Result<Vec<OutgoingMessage>> {
    let select = match tx.backend() {
        crate::Backend::Postgres => {
            "SELECT id FROM outbox_telegram WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
        }
        crate::Backend::Sqlite => {
            "SELECT id FROM outbox_telegram WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2"
        }
    };
    let ids: Vec<Uuid> = run!(tx, |c| sqlx::query_scalar(select)
        .bind(micros(now))
        .bind(limit)
        .fetch_all(&mut **c)
        .await)?;
    let sql = format!(
        "UPDATE outbox_telegram SET next_attempt_at = $2, attempts = attempts + 1 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let m: OutgoingMessage = run!(tx, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(micros(now + lease))
            .fetch_one(&mut **c)
            .await)?;
        claimed.push(m);
    }
    Ok(claimed)
}

/// # Errors
/// On a database failure.
pub async fn mark_sent(tx: &mut Tx, id: Uuid, message_id: Option<i64>, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE outbox_telegram SET sent_at = $2, sent_message_id = $3, last_error = NULL WHERE id = $1"
    )
    .bind(id)
    .bind(micros(now))
    .bind(message_id)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or never when `retry_at` is `None`.
///
/// # Errors
/// On a database failure.
pub async fn mark_failed(
    tx: &mut Tx,
    id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = match retry_at {
        Some(_) => "UPDATE outbox_telegram SET last_error = $2, next_attempt_at = $3 WHERE id = $1",
        None => "UPDATE outbox_telegram SET last_error = $2, abandoned_at = $3 WHERE id = $1",
    };
    run!(tx, |c| sqlx::query(sql)
        .bind(id)
        .bind(error)
        .bind(micros(retry_at.unwrap_or(now)))
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Messages to one chat, oldest first (for tests and support).
///
/// # Errors
/// On a database failure.
pub async fn to_chat(tx: &mut Tx, chat_id: i64) -> Result<Vec<OutgoingMessage>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox_telegram WHERE chat_id = $1 ORDER BY created_at, id");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(chat_id)
        .fetch_all(&mut **c)
        .await)?)
}

/// Records a bot message about a ticket in a chat (again is fine).
///
/// # Errors
/// On a database failure.
pub async fn put_ticket_message(
    tx: &mut Tx,
    chat_id: i64,
    message_id: i64,
    ticket_id: TicketId,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO telegram_ticket_messages (chat_id, message_id, ticket_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (chat_id, message_id) DO NOTHING"
    )
    .bind(chat_id)
    .bind(message_id)
    .bind(ticket_id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The ticket a bot message in a chat is about.
///
/// # Errors
/// On a database failure.
pub async fn ticket_of_message(tx: &mut Tx, chat_id: i64, message_id: i64) -> Result<Option<TicketId>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT ticket_id FROM telegram_ticket_messages WHERE chat_id = $1 AND message_id = $2"
    )
    .bind(chat_id)
    .bind(message_id)
    .fetch_optional(&mut **c)
    .await)?)
}

/// The chat a ticket was registered from and the bot's first message about it there.
///
/// # Errors
/// On a database failure.
pub async fn chat_of_ticket(tx: &mut Tx, ticket_id: TicketId) -> Result<Option<(i64, i64)>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT chat_id, message_id FROM telegram_ticket_messages WHERE ticket_id = $1 \
         ORDER BY created_at, message_id LIMIT 1"
    )
    .bind(ticket_id)
    .fetch_optional(&mut **c)
    .await)?)
}

/// The person a Telegram user was matched to before.
///
/// # Errors
/// On a database failure.
pub async fn identity(tx: &mut Tx, telegram_user_id: i64) -> Result<Option<UserId>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT user_id FROM telegram_identities WHERE telegram_user_id = $1"
    )
    .bind(telegram_user_id)
    .fetch_optional(&mut **c)
    .await)?)
}

/// The Telegram user a person was matched to before.
///
/// # Errors
/// On a database failure.
pub async fn identity_of_user(tx: &mut Tx, user: UserId) -> Result<Option<i64>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT telegram_user_id FROM telegram_identities WHERE user_id = $1"
    )
    .bind(user)
    .fetch_optional(&mut **c)
    .await)?)
}

/// Remembers a Telegram user's person (the first match by username).
///
/// # Errors
/// On a database failure.
pub async fn put_identity(tx: &mut Tx, telegram_user_id: i64, user: UserId, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| {
        sqlx::query(
        "INSERT INTO telegram_identities (telegram_user_id, user_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    )
    .bind(telegram_user_id)
    .bind(user)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// How the outbox stands: waiting, of those failing (tried and failed at least once), and
/// abandoned.
///
/// # Errors
/// On a database failure.
pub async fn outbox_counts(tx: &mut Tx) -> Result<(i64, i64, i64)> {
    Ok(run!(tx, |c| {
        sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN sent_at IS NULL AND abandoned_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN abandoned_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM outbox_telegram"
    )
    .fetch_one(&mut **c)
    .await
    })?)
}
