//! The queue of tickets over the limit: promotion into work, first in first out (R-LIM-3, R-SLA-3).

use chrono::{DateTime, Utc};
use reglament_api::ids::*;
use reglament_domain::Status;
use reglament_domain::tickets::free_slots;
use reglament_store::Tx;
use reglament_store::tickets::{self as store};
use serde_json::json;

use crate::Result;
use crate::directory::customers::{governing_tier, in_force};
use crate::notifications::client_notices::{Notice, NoticeKind};

use super::Tickets;
use super::shared::*;

impl Tickets<'_> {
    /// Moves queued tickets into work, first in first out, while the tier has free
    /// slots; each one's response clock starts now (R-LIM-3, R-SLA-3). The caller
    /// holds the customer's lock.
    pub(crate) async fn promote_queue(
        &self,
        tx: &mut Tx,
        customer_id: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let today = reglament_domain::moscow::date(now);
        let (tier, contract) = governing_tier(tx, customer_id, today).await?;
        // R-CON-3: after the contract's end nothing enters work from the queue.
        if !in_force(&contract, today) {
            return Ok(0);
        }
        let slots = free_slots(&tier, store::count_taking_slots(tx, customer_id).await?).unwrap_or(i64::MAX);
        if slots == 0 {
            return Ok(0);
        }
        let queued = store::oldest_queued(tx, customer_id, slots).await?;
        let promoted = queued.len();
        for mut ticket in queued {
            ticket.promote(&new_cycle(self, &tier, ticket.category, now)?, now);
            store::update(tx, &ticket).await?;
            let data =
                json!({"status": {"before": "queued", "after": "open"}, "response_due_at": ticket.response_due_at});
            store::record_event(tx, ticket.id, None, "promoted", &data, now).await?;
            self.integrations()
                .emit_for_history(tx, ticket.id, "promoted", &data, (Status::Queued, ticket.status))
                .await?;
            // The participants learn the status change and the promised time (R-CH-2).
            let notice = Notice {
                kind: NoticeKind::Status,
                what: ("взято в работу из очереди", "taken into work from the queue"),
                text: "",
                at: ticket
                    .response_due_at
                    .map(|due| (due, "Срок первого ответа", "First response due")),
                once: None,
            };
            self.notify_author(tx, &ticket, &notice).await?;
            tracing::info!(ticket = ticket.number, "queued ticket entered work");
        }
        Ok(promoted)
    }
}
