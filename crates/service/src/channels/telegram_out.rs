//! What the bot sends from the outbox (`outbox_telegram`): notifications to staff in their
//! private chats (R-NTF-5) and answers in customers' chats (R-NTF-8). Claimed with a lease
//! like mail, so that several instances and a restart send each message once; a message
//! Telegram refuses for good (the person blocked the bot, the chat is gone) is abandoned,
//! and a private chat that refuses unlinks its person, whose notifications go by mail again.

use chrono::TimeDelta;
use reglament_store::telegram::{self as store, OutgoingMessage};

use super::Channels;
use crate::{App, Result};

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// Worth another try later (the network, Telegram's rate limit, its 5xx).
    Retry(String),
    /// Telegram will never take it (403 blocked, 400 chat not found).
    Permanent(String),
}

/// The Bot API's `sendMessage`, as the outbox round needs it.
pub trait TelegramSender: Send + Sync {
    /// Answers the sent message's id.
    ///
    /// # Errors
    /// Why it was not sent.
    fn send_message(
        &self,
        message: &OutgoingMessage,
    ) -> impl std::future::Future<Output = std::result::Result<i64, SendFailure>> + Send;
}

/// How long a claimed message is held before another round or instance may take it.
const LEASE_SECONDS: i64 = 120;
/// Messages sent in one round (Telegram allows about 30 a second).
const BATCH: i64 = 25;

impl Channels<'_> {
    /// Sends the due messages once; answers how many were sent. A failure to send is
    /// recorded on the row: tried again with backoff (5 s doubling, at most an hour), or
    /// abandoned when Telegram refuses it for good.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn deliver_telegram_once(&self, sender: &impl TelegramSender) -> Result<usize> {
        let mut tx = self.store.begin().await?;
        let batch = store::claim_due(&mut tx, self.now(), TimeDelta::seconds(LEASE_SECONDS), BATCH).await?;
        tx.commit().await?;
        let mut sent = 0;
        for message in batch {
            let result = sender.send_message(&message).await;
            let now = self.now();
            let mut tx = self.store.begin().await?;
            match result {
                Ok(message_id) => {
                    store::mark_sent(&mut tx, message.id, Some(message_id), now).await?;
                    if let (Some(ticket), None) = (message.ticket_id, message.user_id) {
                        // A reply to it joins the ticket (R-NTF-8).
                        store::put_ticket_message(&mut tx, message.chat_id, message_id, ticket, now).await?;
                    }
                    sent += 1;
                    tracing::info!(message = %message.id, chat = message.chat_id, "Telegram message sent");
                }
                Err(SendFailure::Retry(err)) => {
                    let exp = u32::try_from(message.attempts.clamp(0, 10)).unwrap_or(10);
                    let backoff = TimeDelta::seconds(5 * (1_i64 << exp)).min(TimeDelta::hours(1));
                    store::mark_failed(&mut tx, message.id, &err, Some(now + backoff), now).await?;
                    tracing::warn!(message = %message.id, chat = message.chat_id, attempts = message.attempts,
                        error = %err, "Telegram message not sent; tried again later");
                }
                Err(SendFailure::Permanent(err)) => {
                    store::mark_failed(&mut tx, message.id, &err, None, now).await?;
                    let unlinked = if message.user_id.is_some() {
                        store::unlink_chat_accounts(&mut tx, message.chat_id).await?
                    } else {
                        0
                    };
                    tracing::warn!(message = %message.id, chat = message.chat_id, error = %err, unlinked,
                        "Telegram refused the message for good; abandoned");
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

/// Runs [`Channels::deliver_telegram_once`] every `every` until the process ends.
pub async fn run_telegram_forever(app: App, sender: impl TelegramSender, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        let Some(_round) = app.instances().round().await else {
            return;
        };
        if let Err(err) = app.channels().deliver_telegram_once(&sender).await {
            tracing::warn!(error = %err, "Telegram delivery round failed");
        }
    }
}
