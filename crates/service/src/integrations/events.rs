//! Webhook events queued in the outbox in the same transaction as the change that causes them (R-INT-2).

use chrono::{DateTime, Utc};
use reglament_api::WebhookEvent;
use reglament_api::ids::*;
use reglament_domain::Status;
use reglament_store::{Tx, tickets as store_tickets, webhooks as store};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Integrations;
use super::subscribers::SubscriberList;
use crate::Result;

/// The body of a delivery: `{"type", "timestamp", "data"}`.
pub(crate) fn envelope(event: WebhookEvent, now: DateTime<Utc>, data: &Value) -> String {
    json!({"type": event.as_str(), "timestamp": now, "data": data}).to_string()
}
impl Integrations<'_> {
    async fn subscribers(&self, tx: &mut Tx) -> Result<SubscriberList> {
        if let Some(subs) = self.webhooks.get() {
            return Ok(subs);
        }
        let subs = store::active(tx).await?;
        self.webhooks.put(subs.clone());
        Ok(subs)
    }

    /// Queues `event` for every subscription that wants it, in the caller's transaction.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn emit(&self, tx: &mut Tx, event: WebhookEvent, data: Value) -> Result<()> {
        let subs = self.subscribers(tx).await?;
        let targets: Vec<Uuid> = subs
            .iter()
            .filter(|(_, events)| events.split(',').any(|e| e == event.as_str()))
            .map(|(id, _)| *id)
            .collect();
        if targets.is_empty() {
            return Ok(());
        }
        let now = self.now();
        store::enqueue(tx, &targets, event.as_str(), &envelope(event, now, &data), now).await?;
        Ok(())
    }

    /// Whether anyone subscribes to `event` (so that a payload is built only then).
    pub(crate) async fn wants(&self, tx: &mut Tx, event: WebhookEvent) -> Result<bool> {
        let subs = self.subscribers(tx).await?;
        Ok(subs
            .iter()
            .any(|(_, events)| events.split(',').any(|e| e == event.as_str())))
    }

    /// Queues a ticket event: the ticket as it is now, what happened, and its details.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn emit_ticket(
        &self,
        tx: &mut Tx,
        event: WebhookEvent,
        ticket_id: TicketId,
        change: &str,
        details: &Value,
    ) -> Result<()> {
        if !self.wants(tx, event).await? {
            return Ok(());
        }
        let t = store_tickets::get(tx, ticket_id).await?;
        let data = json!({
            "ticket": {
                "id": t.id,
                "number": t.number,
                "customer_id": t.customer_id,
                "author_id": t.author_id,
                "category": t.category.as_str(),
                "status": t.status.as_str(),
                "subject": t.subject,
                "channel": t.channel.as_str(),
                "response_due_at": t.response_due_at,
            },
            "change": change,
            "details": details,
        });
        self.emit(tx, event, data).await
    }

    /// The webhook events a ticket history entry stands for: a message posted, a status
    /// change (`status` before and after), an SLA breach, an escalation.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn emit_for_history(
        &self,
        tx: &mut Tx,
        ticket_id: TicketId,
        kind: &str,
        data: &Value,
        status: (Status, Status),
    ) -> Result<()> {
        if matches!(kind, "message" | "reopened") {
            self.emit_ticket(tx, WebhookEvent::MessagePosted, ticket_id, kind, data)
                .await?;
        }
        if status.0 != status.1 {
            let mut details = data.clone();
            details["status"] = json!({"before": status.0.as_str(), "after": status.1.as_str()});
            self.emit_ticket(tx, WebhookEvent::TicketStatusChanged, ticket_id, kind, &details)
                .await?;
        }
        let event = match kind {
            "breached" => WebhookEvent::SlaBreached,
            "escalated" => WebhookEvent::EscalationRaised,
            _ => return Ok(()),
        };
        self.emit_ticket(tx, event, ticket_id, kind, data).await
    }
}
