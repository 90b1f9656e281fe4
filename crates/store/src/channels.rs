//! What the email and Telegram intake remembers (R-CH-2, R-CH-3): receipts of processed
//! messages, the rejected-mail list, linked chats and the bot's offset.

use chrono::{DateTime, Utc};
use reglament_api::{CustomerId, RejectedMailId, TicketId, UserId};
use uuid::Uuid;

use crate::error::Result;
use crate::{Page, PageRequest, Tx, micros, run};

/// A processed message's receipt: what was done, and to which ticket.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Receipt {
    pub key: String,
    pub outcome: String,
    pub ticket_id: Option<Uuid>,
}

/// # Errors
/// On a database failure.
pub async fn receipt(tx: &mut Tx, key: &str) -> Result<Option<Receipt>> {
    Ok(run!(tx, |c| sqlx::query_as(
        "SELECT key, outcome, ticket_id FROM channel_receipts WHERE key = $1"
    )
    .bind(key)
    .fetch_optional(&mut **c)
    .await)?)
}

/// Records that a message was acted on; a second receipt for the same key fails, so the
/// transaction that would act twice rolls back.
///
/// # Errors
/// On a database failure, `Conflict` when the key was taken.
pub async fn insert_receipt(
    tx: &mut Tx,
    key: &str,
    outcome: &str,
    ticket_id: Option<TicketId>,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO channel_receipts (key, outcome, ticket_id, received_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(key)
    .bind(outcome)
    .bind(ticket_id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The ticket that the first of `keys` with a ticket belongs to (the client's reply
/// references a message that opened or answered it).
///
/// # Errors
/// On a database failure.
pub async fn ticket_of_receipts(tx: &mut Tx, keys: &[String]) -> Result<Option<Uuid>> {
    for key in keys {
        if let Some(Receipt {
            ticket_id: Some(id), ..
        }) = receipt(tx, key).await?
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The ticket of the first outgoing mail among `ids` that belongs to one.
///
/// # Errors
/// On a database failure.
pub async fn ticket_of_sent_mail(tx: &mut Tx, ids: &[Uuid]) -> Result<Option<Uuid>> {
    for id in ids {
        let ticket: Option<Option<Uuid>> = run!(tx, |c| sqlx::query_scalar(
            "SELECT ticket_id FROM outbox_mail WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(&mut **c)
        .await)?;
        if let Some(Some(ticket)) = ticket {
            return Ok(Some(ticket));
        }
    }
    Ok(None)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RejectedMail {
    pub id: Uuid,
    pub receipt_key: String,
    pub sender: String,
    pub subject: String,
    pub received_at: DateTime<Utc>,
    pub reason: String,
    pub detail: String,
    pub confidential: bool,
    pub processable: bool,
}

const REJECTED: &str = "id, receipt_key, sender, subject, received_at, reason, detail, confidential, \
                        (raw IS NOT NULL) AS processable";

/// Keeps a rejected mail, replacing an earlier rejection of the same message (processing
/// it again after registering the sender may reject it for another reason).
///
/// # Errors
/// On a database failure.
pub async fn put_rejected(tx: &mut Tx, mail: &RejectedMail, raw: &[u8]) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO rejected_mail (id, receipt_key, sender, subject, received_at, reason, detail, confidential, raw) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (receipt_key) DO UPDATE SET reason = $6, detail = $7"
    )
    .bind(mail.id)
    .bind(&mail.receipt_key)
    .bind(&mail.sender)
    .bind(&mail.subject)
    .bind(micros(mail.received_at))
    .bind(&mail.reason)
    .bind(&mail.detail)
    .bind(mail.confidential)
    .bind(raw)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn list_rejected(tx: &mut Tx, page: PageRequest) -> Result<Page<RejectedMail>> {
    let total: i64 = run!(tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM rejected_mail")
        .fetch_one(&mut **c)
        .await)?;
    let sql = format!("SELECT {REJECTED} FROM rejected_mail ORDER BY received_at DESC, id DESC LIMIT $1 OFFSET $2");
    let items = run!(tx, |c| sqlx::query_as(&sql)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut **c)
        .await)?;
    Ok(page.page(items, total))
}

/// The rejected mail and its raw message (`None` once purged).
///
/// # Errors
/// `NotFound`, or on a database failure.
pub async fn get_rejected(tx: &mut Tx, id: RejectedMailId) -> Result<(RejectedMail, Option<Vec<u8>>)> {
    let sql = format!("SELECT {REJECTED} FROM rejected_mail WHERE id = $1");
    let mail: RejectedMail = run!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await)?
        .ok_or(crate::StoreError::NotFound)?;
    let raw: Option<Vec<u8>> = run!(tx, |c| sqlx::query_scalar(
        "SELECT raw FROM rejected_mail WHERE id = $1"
    )
    .bind(id)
    .fetch_one(&mut **c)
    .await)?;
    Ok((mail, raw))
}

/// # Errors
/// `NotFound`, or on a database failure.
pub async fn delete_rejected(tx: &mut Tx, id: RejectedMailId) -> Result<()> {
    let n = run!(tx, |c| sqlx::query("DELETE FROM rejected_mail WHERE id = $1")
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// Drops the content of confidential rejected mail received before `before` (R-CONF-1);
/// the entry (sender, subject, date, reason) stays. Answers how many were purged.
///
/// # Errors
/// On a database failure.
pub async fn purge_rejected(tx: &mut Tx, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64> {
    Ok(run!(tx, |c| sqlx::query(
        "UPDATE rejected_mail SET raw = NULL, purged_at = $2 \
         WHERE confidential AND purged_at IS NULL AND received_at < $1"
    )
    .bind(micros(before))
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TelegramChat {
    pub chat_id: i64,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub title: String,
    pub linked_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
}

const CHATS: &str = "SELECT t.chat_id, t.customer_id, c.name AS customer_name, t.title, t.linked_at, t.suspended_at \
                     FROM telegram_chats t JOIN customers c ON c.id = t.customer_id";

/// # Errors
/// On a database failure.
pub async fn insert_link_code(
    tx: &mut Tx,
    code: &str,
    customer_id: CustomerId,
    created_by: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO telegram_link_codes (code, customer_id, created_by, expires_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(code)
    .bind(customer_id)
    .bind(created_by)
    .bind(micros(expires_at))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a one-time code: answers its customer when it exists and has not expired, and
/// deletes it either way.
///
/// # Errors
/// On a database failure.
pub async fn take_link_code(tx: &mut Tx, code: &str, now: DateTime<Utc>) -> Result<Option<Uuid>> {
    let found: Option<(Uuid, DateTime<Utc>)> = run!(tx, |c| sqlx::query_as(
        "DELETE FROM telegram_link_codes WHERE code = $1 RETURNING customer_id, expires_at"
    )
    .bind(code)
    .fetch_optional(&mut **c)
    .await)?;
    Ok(found
        .filter(|(_, expires_at)| *expires_at > now)
        .map(|(customer, _)| customer))
}

/// Links a chat to a customer (again): a relinked chat is no longer suspended.
///
/// # Errors
/// On a database failure.
pub async fn link_chat(
    tx: &mut Tx,
    chat_id: i64,
    customer_id: CustomerId,
    title: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "INSERT INTO telegram_chats (chat_id, customer_id, title, linked_by, linked_at, suspended_at) \
         VALUES ($1, $2, $3, $4, $5, NULL) \
         ON CONFLICT (chat_id) DO UPDATE SET customer_id = $2, title = $3, linked_by = $4, linked_at = $5, \
         suspended_at = NULL"
    )
    .bind(chat_id)
    .bind(customer_id)
    .bind(title)
    .bind(by)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn chat(tx: &mut Tx, chat_id: i64) -> Result<Option<TelegramChat>> {
    let sql = format!("{CHATS} WHERE t.chat_id = $1");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(chat_id)
        .fetch_optional(&mut **c)
        .await)?)
}

/// Linked chats, of one customer when given.
///
/// # Errors
/// On a database failure.
pub async fn chats(tx: &mut Tx, customer_id: Option<CustomerId>) -> Result<Vec<TelegramChat>> {
    let sql = format!("{CHATS} WHERE ($1 IS NULL OR t.customer_id = $1) ORDER BY c.name, t.linked_at");
    Ok(run!(tx, |c| sqlx::query_as(&sql)
        .bind(customer_id)
        .fetch_all(&mut **c)
        .await)?)
}

/// # Errors
/// `NotFound`, or on a database failure.
pub async fn unlink_chat(tx: &mut Tx, chat_id: i64) -> Result<()> {
    let n = run!(tx, |c| sqlx::query("DELETE FROM telegram_chats WHERE chat_id = $1")
        .bind(chat_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(crate::StoreError::NotFound);
    }
    Ok(())
}

/// # Errors
/// On a database failure.
pub async fn suspend_chat(tx: &mut Tx, chat_id: i64, now: DateTime<Utc>) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE telegram_chats SET suspended_at = $2 WHERE chat_id = $1"
    )
    .bind(chat_id)
    .bind(micros(now))
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The bot's offset and counters of ignored messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct TelegramState {
    pub update_offset: i64,
    pub ignored_unlinked_chat: i64,
    pub ignored_unknown_user: i64,
    pub ignored_tier: i64,
}

/// # Errors
/// On a database failure.
pub async fn telegram_state(tx: &mut Tx) -> Result<TelegramState> {
    Ok(run!(tx, |c| {
        sqlx::query_as(
        "SELECT update_offset, ignored_unlinked_chat, ignored_unknown_user, ignored_tier FROM telegram_state WHERE id = 1"
    )
    .fetch_one(&mut **c)
    .await
    })?)
}

/// Moves the offset past a handled update and adds what it ignored (at most one of the counters).
///
/// # Errors
/// On a database failure.
pub async fn advance_telegram(tx: &mut Tx, offset: i64, ignored: TelegramState) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "UPDATE telegram_state SET update_offset = $1, ignored_unlinked_chat = ignored_unlinked_chat + $2, \
         ignored_unknown_user = ignored_unknown_user + $3, ignored_tier = ignored_tier + $4 WHERE id = 1"
    )
    .bind(offset)
    .bind(ignored.ignored_unlinked_chat)
    .bind(ignored.ignored_unknown_user)
    .bind(ignored.ignored_tier)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The active user whose Telegram username this is (case-insensitive, without the `@`).
///
/// # Errors
/// On a database failure.
pub async fn user_by_telegram(tx: &mut Tx, username: &str) -> Result<Option<Uuid>> {
    let name = username.trim_start_matches('@').to_lowercase();
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE lower(telegram_username) = $1 OR lower(telegram_username) = $2 \
         ORDER BY active DESC LIMIT 1"
    )
    .bind(&name)
    .bind(format!("@{name}"))
    .fetch_optional(&mut **c)
    .await)?)
}

/// The user with this address (any kind, active or not).
///
/// # Errors
/// On a database failure.
pub async fn user_by_email(tx: &mut Tx, email: &str) -> Result<Option<Uuid>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE email = $1"
    )
    .bind(crate::users::normalize_email(email))
    .fetch_optional(&mut **c)
    .await)?)
}

/// Who is told about a ticket (R-CH-2, R-NTF-4): its author, the author's team when the
/// author has one, and the customer's key contacts when the author is gone. Active users only.
///
/// # Errors
/// On a database failure.
pub async fn participant_ids(tx: &mut Tx, author_id: UserId) -> Result<Vec<UserId>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT u.id FROM users u JOIN users a ON a.id = $1 WHERE u.active AND ( \
           u.id = a.id \
           OR (a.team_id IS NOT NULL AND u.team_id = a.team_id) \
           OR (NOT a.active AND u.customer_id = a.customer_id AND u.is_key_contact)) \
         ORDER BY u.email"
    )
    .bind(author_id)
    .fetch_all(&mut **c)
    .await)?)
}

/// The Message-ID of the mail that opened a ticket, when a mail did.
///
/// # Errors
/// On a database failure.
pub async fn opening_mail(tx: &mut Tx, ticket_id: TicketId) -> Result<Option<String>> {
    let key: Option<String> = run!(tx, |c| {
        sqlx::query_scalar(
        "SELECT key FROM channel_receipts WHERE ticket_id = $1 AND outcome = 'ticket_created' AND key LIKE 'mail:%' \
         ORDER BY received_at LIMIT 1"
    )
    .bind(ticket_id)
    .fetch_optional(&mut **c)
    .await
    })?;
    Ok(key.map(|k| k.trim_start_matches("mail:").to_owned()))
}

/// The ticket with this number.
///
/// # Errors
/// On a database failure.
pub async fn ticket_by_number(tx: &mut Tx, number: i64) -> Result<Option<Uuid>> {
    Ok(run!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM tickets WHERE number = $1"
    )
    .bind(number)
    .fetch_optional(&mut **c)
    .await)?)
}

/// # Errors
/// `NotFound`, or on a database failure.
pub async fn rejected_by_key(tx: &mut Tx, key: &str) -> Result<RejectedMail> {
    let sql = format!("SELECT {REJECTED} FROM rejected_mail WHERE receipt_key = $1");
    run!(tx, |c| sqlx::query_as(&sql).bind(key).fetch_optional(&mut **c).await)?.ok_or(crate::StoreError::NotFound)
}

/// Removes a message from the rejected list once it is processed.
///
/// # Errors
/// On a database failure.
pub async fn forget_rejected(tx: &mut Tx, key: &str) -> Result<()> {
    run!(tx, |c| sqlx::query("DELETE FROM rejected_mail WHERE receipt_key = $1")
        .bind(key)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets a rejection's receipt, so that the message can be processed again.
///
/// # Errors
/// On a database failure.
pub async fn delete_receipt(tx: &mut Tx, key: &str) -> Result<()> {
    run!(tx, |c| sqlx::query(
        "DELETE FROM channel_receipts WHERE key = $1 AND outcome = 'rejected'"
    )
    .bind(key)
    .execute(&mut **c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
