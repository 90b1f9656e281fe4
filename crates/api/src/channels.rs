//! Email and Telegram intake (R-CH-2, R-CH-3): the rejected-mail list, linked group
//! chats and the bot's counters.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::UnknownValue;

use crate::ids::{CustomerId, RejectedMailId, TicketId};

crate::enums::wire_enum! {
    /// Why the mail intake did not process a message (R-CH-2).
    RejectReason {
        /// No user has the sender's address: the regulation's "unregistered address".
        UnknownSender = "unknown_sender",
        /// The sender's account is disabled.
        InactiveSender = "inactive_sender",
        /// The sender is staff, not a client (before staff could answer by mail).
        NotAClient = "not_a_client",
        /// Staff mail that names no ticket that exists (`[#N]` in the subject, or a reply
        /// to a ticket's mail), R-NTF-7; `detail` says which.
        UnknownTicket = "unknown_ticket",
        /// The sender is a client, but the ticket could not be opened (no active
        /// contract, a bug without a product version…); `detail` says why, and the
        /// client was told by mail.
        Refused = "refused",
    }
}

crate::enums::wire_enum! {
    /// What the mail intake did with a message.
    MailOutcome {
        /// A new ticket was opened.
        TicketCreated = "ticket_created",
        /// The message was added to an existing ticket.
        ReplyAdded = "reply_added",
        /// It went to the rejected-mail list.
        Rejected = "rejected",
        /// An auto-reply or a bounce: never a ticket, so that two robots cannot loop.
        Ignored = "ignored",
        /// The message was processed before (the same Message-ID); nothing was done again.
        Duplicate = "duplicate",
    }
}

/// A mail the intake did not process: kept for admins, nobody was answered (R-CH-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedMail {
    pub id: RejectedMailId,
    /// The sender's address as written in `From`.
    pub sender: String,
    pub subject: String,
    pub received_at: DateTime<Utc>,
    pub reason: RejectReason,
    pub detail: String,
    /// Sent to the private address (R-CONF-1): its content is purged 30 days after receipt.
    pub confidential: bool,
    /// The raw message is still kept, so `process` can run it again.
    pub processable: bool,
}

/// What processing a mail did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailProcessed {
    pub outcome: MailOutcome,
    /// The ticket opened or answered.
    pub ticket_id: Option<TicketId>,
    pub ticket_number: Option<i64>,
    /// Where it was rejected again, the entry that says why.
    pub rejected: Option<RejectedMail>,
}

/// A Telegram group chat linked to a customer (R-CH-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramChat {
    /// Telegram's chat id (negative for groups).
    pub chat_id: i64,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub title: String,
    pub linked_at: DateTime<Utc>,
    /// When the customer's tier stopped including Telegram; the bot ignores the chat since.
    pub suspended_at: Option<DateTime<Utc>>,
}

/// A one-time code that links the group chat where staff send `/link CODE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramLinkCode {
    pub code: String,
    pub customer_id: CustomerId,
    /// What to send in the chat.
    pub command: String,
    pub expires_at: DateTime<Utc>,
}

/// The bot's state: where it is in Telegram's update stream and what it ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramStatus {
    /// Whether this server runs the bot (`REGLAMENT_TELEGRAM_TOKEN` is set).
    pub enabled: bool,
    /// The next `getUpdates` offset.
    pub update_offset: i64,
    pub linked_chats: i64,
    /// Messages ignored because their chat is not linked.
    pub ignored_unlinked_chat: i64,
    /// Messages ignored because no user has the author's Telegram username.
    pub ignored_unknown_user: i64,
    /// Messages ignored because the chat's customer's tier does not include Telegram.
    pub ignored_tier: i64,
    /// Messages the bot has yet to send (notifications to staff, answers in chats).
    pub outbox_waiting: i64,
    /// Of those, the ones Telegram failed at least once (tried again with backoff).
    pub outbox_failing: i64,
    /// Messages Telegram refused for good (the person blocked the bot, the chat is gone).
    pub outbox_abandoned: i64,
}

/// `?customer_id=` of the chat list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TelegramChatsQuery {
    pub customer_id: Option<CustomerId>,
}
