//! Tickets, their conversation, history and attachments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::enums::{BugResolution, Category, Channel, CloseReason, MessageKind, Schedule, Status, TicketSort};
use crate::ids::{AttachmentId, CustomerId, EventId, MessageId, TeamId, TicketId, UserId};

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: TicketId,
    /// The short human number (R-TKT-10).
    pub number: i64,
    pub customer_id: CustomerId,
    pub author_id: UserId,
    pub assignee_id: Option<UserId>,
    pub category: Category,
    pub subject: String,
    /// Markdown.
    pub body: String,
    pub product_version: Option<String>,
    pub channel: Channel,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<CloseReason>,
    pub is_critical: bool,
    pub critical_justification: Option<String>,
    pub bug_confirmed: bool,
    /// Counted against the customer's open-ticket limit now.
    pub takes_slot: bool,
    /// When the running or last response cycle started (R-SLA-1).
    pub response_started_at: Option<DateTime<Utc>>,
    /// Due time of the running cycle; `null` when there is none or no SLA (R-SLA-2, R-SLA-3).
    pub response_due_at: Option<DateTime<Utc>>,
    /// The tier and schedule the cycle started under (R-SLA-6).
    pub response_tier: Option<String>,
    pub response_schedule: Option<Schedule>,
    /// A response cycle runs: support owes a public answer.
    pub awaiting_response: bool,
    /// Some cycle was answered late (R-SLA-4).
    pub response_breached: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// Due time of the fix of a confirmed critical bug (R-SLA-5).
    pub fix_due_at: Option<DateTime<Utc>>,
    /// Since when the ticket waits for the client (R-TKT-6).
    pub waiting_since: Option<DateTime<Utc>>,
    /// The closed ticket this one continues (R-TKT-7).
    pub parent_ticket_id: Option<TicketId>,
    /// How a bug was resolved (R-TKT-9).
    pub bug_resolution: Option<BugResolution>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A ticket as every channel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    /// 1-based place in the customer's queue while `queued` (R-LIM-3).
    pub queue_position: Option<i64>,
    /// A running response cycle is past its due time (R-SLA-4).
    pub overdue: bool,
    /// Whose ticket it is, for the staff's work queue.
    pub customer_name: String,
    /// The staff member the ticket is assigned to.
    pub assignee_name: Option<String>,
}

/// A page of the ticket list. `total` counts matching tickets up to 1,000; past that it is
/// 1,000 and `total_exact` is false. `next_cursor`, when present, gives the next page in the
/// same order with `cursor=` (keyset: stable while tickets are added, and as fast on page
/// 400 as on page 1); `offset` still works for the first pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketList {
    pub items: Vec<TicketView>,
    pub total: i64,
    pub total_exact: bool,
    pub limit: i64,
    pub offset: i64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    pub category: Category,
    #[validate(length(min = 1, max = 300))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 300))]
    pub subject: String,
    /// Markdown.
    #[validate(length(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100_000))]
    pub body: String,
    /// Required for bugs (R-TKT-4).
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub product_version: Option<String>,
    /// Bugs only, with a justification (R-TKT-3).
    #[serde(default)]
    pub is_critical: bool,
    #[validate(length(min = 1, max = 10_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10_000))]
    pub critical_justification: Option<String>,
    /// Staff only, and then required: the client on whose behalf the ticket is opened
    /// (a call, a letter, a chat message transcribed by support).
    #[serde(default)]
    pub author_id: Option<crate::ids::UserId>,
    /// Staff only: the channel the request came by (`portal` when left out; `api` for an
    /// API token). Clients' tickets record the channel they use.
    #[serde(default)]
    pub channel: Option<crate::enums::Channel>,
    /// `account_management` only: the change asked for, chosen in the form (R-ACC-2).
    /// Staff carry it out in one action (R-ACC-3).
    #[serde(default)]
    pub account_request: Option<AccountRequest>,
}

/// A structured account management request (R-ACC-2): what a key contact asks staff to
/// change among the customer's clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AccountRequest {
    /// Register a new client of the customer (within the tier's contact count).
    AddUser {
        full_name: String,
        email: String,
        #[serde(default)]
        telegram_username: Option<String>,
        #[serde(default)]
        team_id: Option<crate::ids::TeamId>,
        #[serde(default)]
        is_key_contact: bool,
    },
    /// Switch a client off (their sessions end; the contact slot frees). Switching off the
    /// customer's last key contact names the new one, another active client (R-CON-4).
    RemoveUser {
        user_id: crate::ids::UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_key_contact_id: Option<crate::ids::UserId>,
    },
    /// Correct a client's name or email.
    ChangeUser {
        user_id: crate::ids::UserId,
        #[serde(default)]
        full_name: Option<String>,
        #[serde(default)]
        email: Option<String>,
    },
    /// Add a client to the customer's Telegram chat: the bot knows them by this username
    /// (tiers with Telegram only, R-CH-3).
    AddToTelegram {
        user_id: crate::ids::UserId,
        telegram_username: String,
    },
    /// Remove a client from the Telegram chat: the bot no longer acts on their messages.
    RemoveFromTelegram { user_id: crate::ids::UserId },
}

/// The request of an `account_management` ticket and whether staff carried it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountRequestView {
    pub ticket_id: crate::ids::TicketId,
    pub request: AccountRequest,
    pub applied_at: Option<DateTime<Utc>>,
    pub applied_by: Option<crate::ids::UserId>,
    /// The client created or changed, once applied.
    pub user_id: Option<crate::ids::UserId>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// Staff give a reason; a client's close is always `closed_by_customer`.
    pub reason: Option<CloseReason>,
    /// A public comment; with `third_party`, whom to contact (R-TKT-8).
    #[validate(length(max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(max_length = 100_000))]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    /// Markdown.
    #[validate(length(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100_000))]
    pub body: String,
    #[serde(default)]
    pub kind: MessageKind,
}

/// One message of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    pub ticket_id: TicketId,
    pub author_id: UserId,
    /// An internal note: never shown to clients (R-TKT-5).
    pub internal: bool,
    pub kind: MessageKind,
    /// Markdown; empty once purged.
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Marked confidential by staff (R-CON-6): the text is purged 30 days after
    /// `created_at` (R-CONF-1); the message and the purge event remain.
    #[serde(default)]
    pub confidential: bool,
    /// When the text was purged.
    #[serde(default)]
    pub purged_at: Option<DateTime<Utc>>,
}

/// A message and the ticket it landed on (a new linked ticket when a long-closed one is written to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageOutcome {
    pub message: Message,
    pub ticket: TicketView,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BugResolutionInput {
    pub resolution: BugResolution,
    /// What the client is told: the workaround, the release, the end of support.
    #[validate(length(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100_000))]
    pub details: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// A staff user, or `null` to unassign.
    pub assignee_id: Option<UserId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReclassifyInput {
    pub category: Category,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[validate(length(min = 1, max = 10_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10_000))]
    pub reason: String,
}

/// One change in a ticket's history (R-TKT-10): who, when, what, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    pub id: EventId,
    pub ticket_id: TicketId,
    pub actor_id: Option<UserId>,
    pub kind: String,
    /// What changed, e.g. `{"status": {"before": "queued", "after": "open"}}`: free-form
    /// by design, as each kind of event has its own.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Filters and order of the ticket list: the one query type from the web app through
/// the HTTP handler and the service to the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TicketsQuery {
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub customer_id: Option<CustomerId>,
    /// Tickets whose author is in this team.
    pub team_id: Option<TeamId>,
    pub assignee_id: Option<UserId>,
    /// Tickets served under this tier code (the tier of their response cycle).
    #[cfg_attr(feature = "openapi", param(max_length = 50))]
    pub tier: Option<String>,
    /// Only tickets whose running response cycle is past due.
    pub overdue: Option<bool>,
    /// A part of the subject.
    #[cfg_attr(feature = "openapi", param(max_length = 300))]
    pub q: Option<String>,
    pub sort: Option<TicketSort>,
    /// The `next_cursor` of the previous page, with the same filters and sort (keyset
    /// pagination; `offset` is then ignored).
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub cursor: Option<String>,
}

impl TicketsQuery {
    /// Whether the list is in due-time order.
    #[must_use]
    pub fn by_due(&self) -> bool {
        matches!(self.sort, Some(crate::TicketSort::Due))
    }

    /// The subject search, when it says anything.
    #[must_use]
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    /// The tier filter, when it names one.
    #[must_use]
    pub fn tier(&self) -> Option<&str> {
        self.tier.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }

    /// The filters that are set, as a URL query (`status=open&q=%D0%9F…`), without a
    /// leading `?`; the server reads it back as the same value.
    #[must_use]
    pub fn to_query_string(&self) -> String {
        let ids = [
            ("customer_id", self.customer_id.map(|id| id.to_string())),
            ("team_id", self.team_id.map(|id| id.to_string())),
            ("assignee_id", self.assignee_id.map(|id| id.to_string())),
        ];
        let pairs = [
            ("status", self.status.map(|s| s.as_str().to_owned())),
            ("category", self.category.map(|c| c.as_str().to_owned())),
        ]
        .into_iter()
        .chain(ids)
        .chain([
            ("tier", self.tier.clone()),
            ("overdue", self.overdue.map(|o| o.to_string())),
            ("q", self.q.clone()),
            ("sort", self.sort.map(|s| s.as_str().to_owned())),
            ("cursor", self.cursor.clone()),
        ]);
        pairs
            .filter_map(|(key, value)| value.map(|v| format!("{key}={}", crate::paging::url_encode(&v))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// A file attached to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: AttachmentId,
    pub ticket_id: TicketId,
    pub uploaded_by: UserId,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Purged 30 days after upload; the metadata stays (R-CONF-1).
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UploadQuery {
    /// The file's name.
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 255))]
    pub name: String,
    /// Purge the file 30 days after receipt (R-CONF-1).
    pub confidential: Option<bool>,
}

#[cfg(test)]
mod query_tests {
    use super::*;
    use crate::{CustomerId, TicketSort, UserId};

    // The web app writes the query with `to_query_string`; the server reads it with
    // serde_urlencoded (actix's `web::Query`): every filter comes back as it was.
    #[test]
    fn the_ticket_query_survives_the_url() -> Result<(), serde_urlencoded::de::Error> {
        let query = TicketsQuery {
            status: Some(Status::WaitingForCustomer),
            category: Some(Category::Bug),
            customer_id: Some(CustomerId(uuid::Uuid::from_u128(7))),
            team_id: None,
            assignee_id: Some(UserId(uuid::Uuid::from_u128(9))),
            tier: Some("premium_plus".to_owned()),
            overdue: Some(true),
            q: Some("Ошибка & 100% «вход»+ =?".to_owned()),
            sort: Some(TicketSort::Due),
            cursor: Some("abc+/=".to_owned()),
        };
        let text = query.to_query_string();
        assert!(!text.contains(' ') && !text.contains('«'), "{text}");
        assert_eq!(serde_urlencoded::from_str::<TicketsQuery>(&text)?, query);
        assert_eq!(TicketsQuery::default().to_query_string(), "");
        assert!(query.by_due());
        assert_eq!(query.search(), Some("Ошибка & 100% «вход»+ =?"));
        Ok(())
    }
}
