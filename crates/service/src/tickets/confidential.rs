//! Confidential messages (R-CON-6): staff mark a message, its text is purged 30 days after
//! it was received (R-CONF-1), as confidential files are.

use chrono::TimeDelta;
use reglament_api::{Message, MessageId, Scope, TicketId};
use reglament_store::tickets as store;
use serde_json::json;

use super::Tickets;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// Days a confidential text is kept (R-CONF-1).
const CONFIDENTIAL_DAYS: i64 = 30;

impl Tickets<'_> {
    /// Marks a message of a ticket confidential (staff); marking it again changes nothing.
    ///
    /// # Errors
    /// `forbidden` for clients, `not_found` for a message not of this ticket.
    pub async fn mark_message_confidential(&self, p: &Principal, id: TicketId, message: MessageId) -> Result<Message> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_staff()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.visible_ticket(&mut tx, p, id).await?;
        let found = store::get_message(&mut tx, message)
            .await
            .ok()
            .filter(|m| m.ticket_id == id.0)
            .ok_or_else(|| ServiceError::not_found("message"))?;
        if store::mark_message_confidential(&mut tx, message).await? {
            let data =
                json!({"message_id": found.id, "purge_after": found.created_at + TimeDelta::days(CONFIDENTIAL_DAYS)});
            store::record_event(&mut tx, id, Some(p.user.id.0), "message_confidential", &data, now).await?;
            tracing::info!(ticket = %id, message = %found.id, by = %p.user.id, "message marked confidential");
        }
        let marked = store::get_message(&mut tx, message).await?;
        tx.commit().await?;
        Ok(marked.into())
    }

    /// Purges the text of confidential messages received 30 days ago or more; the message
    /// and a `message_purged` event remain. Answers how many.
    pub(crate) async fn purge_confidential_messages(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let due = store::messages_due_for_purge(&mut tx, now - TimeDelta::days(CONFIDENTIAL_DAYS), 200).await?;
        tx.commit().await?;
        let mut purged = 0;
        for message in due {
            let mut tx = self.store.begin().await?;
            if store::purge_message(&mut tx, MessageId(message.id), now).await? {
                let data = json!({"message_id": message.id, "received_at": message.created_at});
                store::record_event(&mut tx, TicketId(message.ticket_id), None, "message_purged", &data, now).await?;
                purged += 1;
            }
            tx.commit().await?;
        }
        Ok(purged)
    }
}
