//! Rows as the API shows them: each record becomes its `reglament_api` type here, the one
//! place where stored text turns into typed IDs and enums. The text columns are written
//! from the enums only, so a value that does not parse cannot occur.

use reglament_api as api;

use crate::attachments::Attachment;
use crate::overdue::Escalation;
use crate::records::{ApiToken, Contract, Customer, Team, User};
use crate::tickets::{Message, TicketEvent};
use crate::versions::ProductVersion;

impl From<Customer> for api::Customer {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id,
            name: c.name,
            account_manager_id: c.account_manager_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<Contract> for api::Contract {
    fn from(c: Contract) -> Self {
        Self {
            id: c.id,
            customer_id: c.customer_id,
            tier_code: c.tier_code,
            number: c.number,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<Team> for api::Team {
    fn from(t: Team) -> Self {
        Self {
            id: t.id,
            customer_id: t.customer_id,
            name: t.name,
            created_at: t.created_at,
        }
    }
}

impl From<User> for api::User {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            kind: u.kind,
            email: u.email,
            full_name: u.full_name,
            role: u.role,
            customer_id: u.customer_id,
            team_id: u.team_id,
            is_key_contact: u.is_key_contact,
            telegram_username: u.telegram_username,
            active: u.active,
            locale: u.locale,
            time_zone: u.time_zone,
            has_password: u.has_password,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl From<ApiToken> for api::ApiToken {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            token_prefix: t.token_prefix,
            // Scopes are written from `Scope` only; one that no longer exists grants nothing.
            scopes: t.scopes.0.iter().filter_map(|s| s.parse().ok()).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

impl From<Attachment> for api::Attachment {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id.into(),
            ticket_id: a.ticket_id.into(),
            uploaded_by: a.uploaded_by.into(),
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            confidential: a.confidential,
            created_at: a.created_at,
            purged_at: a.purged_at,
        }
    }
}

impl From<Escalation> for api::Escalation {
    fn from(e: Escalation) -> Self {
        Self {
            id: e.id.into(),
            ticket_id: e.ticket_id.into(),
            ticket_number: e.ticket_number,
            customer_id: e.customer_id.into(),
            raised_by: e.raised_by.into(),
            comment: e.comment,
            created_at: e.created_at,
            acknowledged_by: e.acknowledged_by.map(Into::into),
            acknowledged_at: e.acknowledged_at,
        }
    }
}

impl From<ProductVersion> for api::ProductVersion {
    fn from(v: ProductVersion) -> Self {
        Self {
            version: v.version,
            supported: v.supported,
            latest: v.latest,
            released_on: v.released_on,
            updated_at: v.updated_at,
        }
    }
}

impl From<Message> for api::Message {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.into(),
            ticket_id: m.ticket_id.into(),
            author_id: m.author_id.into(),
            internal: m.internal,
            kind: m.kind.parse().unwrap_or_default(),
            body: m.body,
            created_at: m.created_at,
            confidential: m.confidential,
            purged_at: m.purged_at,
        }
    }
}

impl From<TicketEvent> for api::TicketEvent {
    fn from(e: TicketEvent) -> Self {
        Self {
            id: e.id.into(),
            ticket_id: e.ticket_id.into(),
            actor_id: e.actor_id.map(Into::into),
            kind: e.kind,
            data: e.data.0,
            created_at: e.created_at,
        }
    }
}

impl From<crate::channels::RejectedMail> for api::RejectedMail {
    fn from(m: crate::channels::RejectedMail) -> Self {
        Self {
            id: api::RejectedMailId(m.id),
            sender: m.sender,
            subject: m.subject,
            received_at: m.received_at,
            reason: m.reason.parse().unwrap_or(api::RejectReason::Refused),
            detail: m.detail,
            confidential: m.confidential,
            processable: m.processable,
        }
    }
}

impl From<crate::channels::TelegramChat> for api::TelegramChat {
    fn from(c: crate::channels::TelegramChat) -> Self {
        Self {
            chat_id: c.chat_id,
            customer_id: api::CustomerId(c.customer_id),
            customer_name: c.customer_name,
            title: c.title,
            linked_at: c.linked_at,
            suspended_at: c.suspended_at,
        }
    }
}

impl From<crate::webhooks::Webhook> for api::Webhook {
    fn from(w: crate::webhooks::Webhook) -> Self {
        Self {
            id: api::WebhookId(w.id),
            url: w.url,
            description: w.description,
            events: w.events.split(',').filter_map(|e| e.parse().ok()).collect(),
            secret: w.secret,
            paused_at: w.paused_at,
            pause_reason: w.pause_reason,
            backlog: w.backlog,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

impl From<crate::webhooks::Delivery> for api::WebhookDelivery {
    fn from(d: crate::webhooks::Delivery) -> Self {
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            event: d.event.parse().unwrap_or(api::WebhookEvent::Test),
            status: d.status.parse().unwrap_or(api::DeliveryStatus::Pending),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_error: d.last_error,
            last_status: d.last_status,
            last_response_ms: d.last_response_ms,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
            payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}
