//! Outgoing webhooks (R-INT-2): subscriptions, events and the delivery log. Deliveries
//! follow the Standard Webhooks convention: `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
//! base64 part of the subscription's `whsec_…` secret.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::enums::UnknownValue;
use crate::ids::{WebhookDeliveryId, WebhookId};

crate::enums::wire_enum! {
    /// What a webhook subscription can be told about.
    WebhookEvent {
        /// A ticket was opened (any channel).
        TicketCreated = "ticket.created",
        /// A ticket's status changed (answered, waiting, closed, reopened, promoted from the queue…).
        TicketStatusChanged = "ticket.status_changed",
        /// A message was posted to a ticket.
        MessagePosted = "message.posted",
        /// A ticket's response cycle used its tier's warning share of the budget (R-NTF-2).
        SlaWarning = "sla.warning",
        /// A ticket's response time passed without an answer (R-SLA).
        SlaBreached = "sla.breached",
        /// A key contact escalated overdue tickets (R-ESC-2).
        EscalationRaised = "escalation.raised",
        /// A booking of specialist hours was made, changed, cancelled or charged (R-BK).
        BookingChanged = "booking.changed",
        /// "Send test event": sent to one subscription on demand, whatever its events.
        Test = "webhook.test",
    }
}

crate::enums::wire_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Retried for a day without success; the subscription was paused.
        Failed = "failed",
    }
}

/// A subscription as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: WebhookId,
    /// Where events are POSTed (`http` or `https`).
    pub url: String,
    pub description: String,
    pub events: Vec<WebhookEvent>,
    /// The signing secret (`whsec_` and base64): the receiver verifies signatures with it.
    pub secret: String,
    /// Set when deliveries kept failing for a day; nothing is sent until resumed.
    pub paused_at: Option<DateTime<Utc>>,
    pub pause_reason: Option<String>,
    /// Deliveries waiting for an attempt.
    pub backlog: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An `http` or `https` address.
    #[validate(length(min = 1, max = 2000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub url: String,
    #[serde(default)]
    #[validate(length(max = 500))]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: String,
    /// At least one; `webhook.test` is not subscribed to, it is sent on demand.
    pub events: Vec<WebhookEvent>,
}

/// A change to a subscription; `paused: false` resumes a paused one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[validate(length(min = 1, max = 2000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub url: Option<String>,
    #[validate(length(max = 500))]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub description: Option<String>,
    pub events: Option<Vec<WebhookEvent>>,
    /// `true` pauses the subscription, `false` resumes it.
    pub paused: Option<bool>,
}

/// One event for one subscription, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Also the `webhook-id` header: a receiver uses it to drop a repeated delivery.
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub event: WebhookEvent,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The receiver's HTTP status on the last attempt.
    pub last_status: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    pub last_response_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The body as sent: `{"type", "timestamp", "data"}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// `?status=` of the delivery log.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DeliveriesQuery {
    pub status: Option<DeliveryStatus>,
}
