//! Reading tickets: one, the list with its filters, the history (R-TKT-10), as the caller may see them.

use reglament_api::ids::*;
use reglament_api::{Scope, TicketEvent, TicketId, TicketList, TicketView, TicketsQuery};
use reglament_domain::Status;
use reglament_store::tickets::{self as store, Ticket, TicketFilter, Visibility};
use reglament_store::{Page, PageRequest, Tx};
use uuid::Uuid;

use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

use super::Tickets;
use super::shared::*;

impl Tickets<'_> {
    pub(crate) async fn view(&self, tx: &mut Tx, ticket: Ticket) -> Result<TicketView> {
        self.views(tx, vec![ticket])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::not_found("ticket"))
    }

    /// Views of many tickets with a fixed number of queries: one per customer with queued
    /// tickets among them (their queue positions), one for the names.
    pub(crate) async fn views(&self, tx: &mut Tx, tickets: Vec<Ticket>) -> Result<Vec<TicketView>> {
        let mut positions = std::collections::HashMap::new();
        let mut queued: Vec<(CustomerId, i64)> = tickets
            .iter()
            .filter(|t| t.status == Status::Queued)
            .map(|t| (t.customer_id, t.number))
            .collect();
        queued.sort_unstable();
        for chunk in queued.chunk_by(|a, b| a.0 == b.0) {
            let (customer, last) = chunk[chunk.len() - 1];
            let queue = store::queue_up_to(tx, customer, last).await?;
            positions.extend(queue.into_iter().zip(1_i64..));
        }
        let customers: Vec<Uuid> = tickets.iter().map(|t| t.customer_id.0).collect();
        let assignees: Vec<Uuid> = tickets.iter().filter_map(|t| t.assignee_id.map(|a| a.0)).collect();
        let (customer_names, user_names) = store::names(tx, &customers, &assignees).await?;
        let now = self.now();
        Ok(tickets
            .into_iter()
            .map(|ticket| TicketView {
                queue_position: (ticket.status == Status::Queued)
                    .then(|| positions.get(&ticket.number).copied())
                    .flatten(),
                overdue: ticket.is_overdue(now),
                customer_name: customer_names.get(&ticket.customer_id.0).cloned().unwrap_or_default(),
                assignee_name: ticket.assignee_id.and_then(|a| user_names.get(&a.0).cloned()),
                ticket: ticket.into(),
            })
            .collect())
    }

    pub(crate) async fn visible_ticket(&self, tx: &mut Tx, p: &Principal, id: TicketId) -> Result<Ticket> {
        let ticket = store::get(tx, id).await.map_err(ServiceError::from_store("ticket"))?;
        let team_of_author = match visibility(p) {
            Visibility::Client { .. } => reglament_store::users::get(tx, ticket.author_id).await?.team_id,
            _ => None,
        };
        if can_see(p, &ticket, team_of_author.map(|id| id.0).map(TeamId)) {
            Ok(ticket)
        } else {
            // R-ACL-2: another customer's ticket does not exist for a client.
            Err(ServiceError::not_found("ticket"))
        }
    }

    /// # Errors
    /// `not_found` for an unknown ticket and for one the caller may not see (R-ACL-1, R-ACL-2).
    pub async fn get_ticket(&self, p: &Principal, id: TicketId) -> Result<TicketView> {
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        let ticket = self.visible_ticket(&mut tx, p, id).await?;
        let view = self.view(&mut tx, ticket).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Tickets the caller may see (R-ACL-1), filtered and paginated.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_tickets(&self, p: &Principal, query: TicketsQuery, page: PageRequest) -> Result<TicketList> {
        p.require_scope(Scope::TicketsRead)?;
        let cursor = match query.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(
                store::ListCursor::decode(text)
                    .filter(|c| c.fits(query.by_due()))
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "cursor",
                            "not a cursor of this list: pass the next_cursor answered with the same sort",
                        )
                    })?,
            ),
        };
        let filter = TicketFilter {
            query: &query,
            now: self.now(),
        };
        let mut tx = self.store.read().await?;
        let list = store::list(&mut tx, visibility(p), &filter, page, cursor).await?;
        let items = self.views(&mut tx, list.items).await?;
        tx.commit().await?;
        Ok(TicketList {
            items,
            total: list.total,
            total_exact: list.total_exact,
            limit: page.limit,
            offset: if cursor.is_some() { 0 } else { page.offset },
            next_cursor: list.next.map(store::ListCursor::encode),
        })
    }

    /// A ticket's history, oldest first (R-TKT-10).
    ///
    /// # Errors
    /// `not_found` as for [`App::get_ticket`].
    pub async fn ticket_events(&self, p: &Principal, id: TicketId, page: PageRequest) -> Result<Page<TicketEvent>> {
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        self.visible_ticket(&mut tx, p, id).await?;
        let events = store::events(&mut tx, id, page).await?;
        tx.commit().await?;
        Ok(events.map(Into::into))
    }
}
