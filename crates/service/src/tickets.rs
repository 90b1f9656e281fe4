//! Tickets: creation under the open-ticket limit with its queue (R-LIM-1…4),
//! visibility (R-ACL-1, R-ACL-2), closing and queue promotion, history (R-TKT-10).

use chrono::{DateTime, Utc};
use reglament_api::ErrorCode;
use reglament_api::TicketId;
use reglament_api::{CloseInput, NewTicket, TicketEvent, TicketList, TicketView};
use reglament_domain::sla::ResponseCycle;
use reglament_domain::tickets::free_slots;
use reglament_domain::{Actor, Category, Channel, CloseReason, Status, Tier};
use reglament_store::tickets::{self as store, Ticket, TicketFilter, Visibility};
use reglament_store::{Page, PageRequest, Tx};
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Principal;
use crate::customers::governing_tier;
use crate::ticket_actions::Event;
use crate::{App, Result, ServiceError};
use reglament_api::Scope;

/// Filters of the ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub customer_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub tier: Option<String>,
    pub overdue: bool,
    pub search: Option<String>,
    pub sort_by_due: bool,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub(crate) fn visibility(p: &Principal) -> Visibility {
    match p.actor {
        Actor::Staff { .. } => Visibility::All,
        Actor::Client {
            customer_id,
            is_key_contact: true,
            ..
        } => Visibility::Customer(customer_id),
        Actor::Client {
            id,
            customer_id,
            team_id,
            ..
        } => Visibility::Client {
            customer_id,
            user_id: id,
            team_id,
        },
    }
}

/// R-ACL-1 for one ticket; `team_of_author` is the author's team now.
fn can_see(p: &Principal, ticket: &Ticket, team_of_author: Option<Uuid>) -> bool {
    match visibility(p) {
        Visibility::All => true,
        Visibility::Customer(c) => ticket.customer_id == c,
        Visibility::Client {
            customer_id,
            user_id,
            team_id,
        } => {
            ticket.customer_id == customer_id
                && (ticket.author_id == user_id || (team_id.is_some() && team_id == team_of_author))
        }
    }
}

/// Starts a response cycle on `ticket` at `at` under `tier` (R-SLA-1, R-SLA-6).
pub(crate) fn new_cycle(app: &App, tier: &Tier, category: Category, at: DateTime<Utc>) -> Result<ResponseCycle> {
    ResponseCycle::start(&app.calendar(), tier, category, at).map_err(|e| ServiceError::Internal(Box::new(e)))
}

impl App {
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
        let mut queued: Vec<(Uuid, i64)> = tickets
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
        let customers: Vec<Uuid> = tickets.iter().map(|t| t.customer_id).collect();
        let assignees: Vec<Uuid> = tickets.iter().filter_map(|t| t.assignee_id).collect();
        let (customer_names, user_names) = store::names(tx, &customers, &assignees).await?;
        let now = self.now();
        Ok(tickets
            .into_iter()
            .map(|ticket| TicketView {
                queue_position: (ticket.status == Status::Queued)
                    .then(|| positions.get(&ticket.number).copied())
                    .flatten(),
                overdue: ticket.is_overdue(now),
                customer_name: customer_names.get(&ticket.customer_id).cloned().unwrap_or_default(),
                assignee_name: ticket.assignee_id.and_then(|a| user_names.get(&a).cloned()),
                ticket: ticket.into(),
            })
            .collect())
    }

    /// A client opens a ticket, or staff open one on a client's behalf (`author_id`, with
    /// the channel it came by). Over the tier's limit it is accepted as `queued` with its
    /// position (R-LIM-1, R-LIM-3); concurrent creations never pass the limit (R-LIM-4).
    ///
    /// # Errors
    /// `validation_failed` (also for staff without a client to open it for),
    /// `no_active_contract` (422, R-ACL-6).
    pub async fn create_ticket(&self, p: &Principal, input: NewTicket, channel: Channel) -> Result<TicketView> {
        self.create_ticket_linked(p, input, channel, None).await
    }

    /// [`App::create_ticket`], continuing the closed ticket `parent` when given (R-TKT-7).
    pub(crate) async fn create_ticket_linked(
        &self,
        p: &Principal,
        input: NewTicket,
        channel: Channel,
        parent: Option<Uuid>,
    ) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        let (author, channel) = match p.actor {
            Actor::Client { id, .. } => {
                if input.author_id.is_some_and(|a| a.uuid() != id) {
                    return Err(ServiceError::invalid(
                        "author_id",
                        "only staff open tickets on behalf of another client",
                    ));
                }
                if input.channel.is_some_and(|c| c != channel) {
                    return Err(ServiceError::invalid(
                        "channel",
                        "a client's ticket records the channel it comes by",
                    ));
                }
                (p.user.clone(), channel)
            }
            Actor::Staff { .. } => {
                let Some(author_id) = input.author_id else {
                    return Err(ServiceError::invalid(
                        "author_id",
                        "staff open a ticket on behalf of a client: name the client",
                    ));
                };
                let mut tx = self.store.read().await?;
                let author = reglament_store::users::get(&mut tx, author_id.uuid())
                    .await
                    .map_err(ServiceError::from_store("user"))?;
                tx.commit().await?;
                if author.customer_id.is_none() || !author.active {
                    return Err(ServiceError::invalid(
                        "author_id",
                        "the author must be an active client of a customer",
                    ));
                }
                (author, input.channel.unwrap_or(channel))
            }
        };
        self.open_ticket(&author, input, channel, parent, p.user.id, None).await
    }

    /// Opens `author`'s ticket through the intake, whoever asked for it: the author in the
    /// portal, staff on their behalf, or a channel (`receipt` keys the message it came from).
    pub(crate) async fn open_ticket(
        &self,
        author: &reglament_store::User,
        input: NewTicket,
        channel: Channel,
        parent: Option<Uuid>,
        opened_by: Uuid,
        receipt: Option<String>,
    ) -> Result<TicketView> {
        let Some(customer_id) = author.customer_id else {
            return Err(ServiceError::invalid("author_id", "the author must be a client"));
        };
        input.validate()?;
        if input.category == Category::Bug && input.product_version.is_none() {
            return Err(ServiceError::invalid(
                "product_version",
                "a bug report names the product version (R-TKT-4)",
            ));
        }
        if input.is_critical && input.category != Category::Bug {
            return Err(ServiceError::invalid(
                "is_critical",
                "only a bug can be critical (R-TKT-3)",
            ));
        }
        if input.is_critical
            && input
                .critical_justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            return Err(ServiceError::invalid(
                "critical_justification",
                "a critical bug needs a justification (R-TKT-3)",
            ));
        }
        if let Some(version) = input.product_version.as_deref() {
            let mut tx = self.store.read().await?;
            self.check_reported_version(&mut tx, version.trim()).await?;
            tx.commit().await?;
        }
        if let Some(request) = &input.account_request {
            if input.category != Category::AccountManagement {
                return Err(ServiceError::invalid(
                    "account_request",
                    "only an account_management ticket carries an account request (R-ACC-2)",
                ));
            }
            let mut tx = self.store.read().await?;
            self.check_account_request(&mut tx, customer_id, request).await?;
            tx.commit().await?;
        }
        self.intake
            .submit(
                self,
                crate::intake::Request {
                    author_id: author.id,
                    customer_id,
                    is_key_contact: author.is_key_contact,
                    input,
                    channel,
                    parent,
                    opened_by,
                    receipt,
                },
            )
            .await
    }

    pub(crate) async fn visible_ticket(&self, tx: &mut Tx, p: &Principal, id: Uuid) -> Result<Ticket> {
        let ticket = store::get(tx, id).await.map_err(ServiceError::from_store("ticket"))?;
        let team_of_author = match visibility(p) {
            Visibility::Client { .. } => reglament_store::users::get(tx, ticket.author_id).await?.team_id,
            _ => None,
        };
        if can_see(p, &ticket, team_of_author) {
            Ok(ticket)
        } else {
            // R-ACL-2: another customer's ticket does not exist for a client.
            Err(ServiceError::not_found("ticket"))
        }
    }

    /// # Errors
    /// `not_found` for an unknown ticket and for one the caller may not see (R-ACL-1, R-ACL-2).
    pub async fn get_ticket(&self, p: &Principal, id: TicketId) -> Result<TicketView> {
        let id = id.uuid();
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
    pub async fn list_tickets(&self, p: &Principal, query: TicketQuery, page: PageRequest) -> Result<TicketList> {
        p.require_scope(Scope::TicketsRead)?;
        let cursor = match query.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(
                store::ListCursor::decode(text)
                    .filter(|c| c.fits(query.sort_by_due))
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "cursor",
                            "not a cursor of this list: pass the next_cursor answered with the same sort",
                        )
                    })?,
            ),
        };
        let filter = TicketFilter {
            status: query.status,
            category: query.category,
            customer_id: query.customer_id,
            team_id: query.team_id,
            assignee_id: query.assignee_id,
            tier: query.tier.filter(|t| !t.trim().is_empty()),
            overdue_at: query.overdue.then(|| self.now()),
            search: query.search.filter(|s| !s.trim().is_empty()),
            sort_by_due: query.sort_by_due,
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
        let id = id.uuid();
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        self.visible_ticket(&mut tx, p, id).await?;
        let events = store::events(&mut tx, id, page).await?;
        tx.commit().await?;
        Ok(events.map(Into::into))
    }

    /// Closes a ticket (R-TKT-2): a client their visible tickets (`closed_by_customer`),
    /// staff any with a reason. The freed slot promotes the oldest queued ticket (R-LIM-3).
    ///
    /// # Errors
    /// `not_found`, `already_closed` (409), `validation_failed` (staff without a reason).
    pub async fn close_ticket(&self, p: &Principal, id: TicketId, input: CloseInput) -> Result<TicketView> {
        let id = id.uuid();
        p.require_scope(Scope::TicketsWrite)?;
        let reason = if p.actor.is_staff() {
            input
                .reason
                .ok_or_else(|| ServiceError::invalid("reason", "staff close a ticket with a reason"))?
        } else {
            CloseReason::ClosedByCustomer
        };
        let now = self.now();
        self.change_ticket(p, id, true, async |tx, ticket| {
            if ticket.status == Status::Closed {
                return Err(ServiceError::refused(
                    ErrorCode::AlreadyClosed,
                    "the ticket is closed already",
                ));
            }
            self.check_close_reason(tx, ticket, reason, input.comment.as_deref())
                .await?;
            let comment = input.comment.as_deref().map(str::trim).unwrap_or_default();
            if !comment.is_empty() {
                let message =
                    reglament_store::tickets::Message::new(id, p.user.id, "message", false, comment.to_owned(), now);
                store::insert_message(tx, &message).await?;
            }
            let before = ticket.status;
            ticket.close(reason, now);
            if p.actor.is_staff() {
                let what = format!("обращение закрыто ({})", reason.name_ru());
                self.notify_author(tx, ticket, &what, comment).await?;
            }
            Ok(Event::new(
                "closed",
                json!({"status": {"before": before.as_str(), "after": "closed"}, "close_reason": reason.as_str()}),
            ))
        })
        .await
    }

    /// R-TKT-8: `third_party` names whom to contact; R-TKT-4: `unsupported_version` only
    /// for a report about a version that is not the latest.
    async fn check_close_reason(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        reason: CloseReason,
        comment: Option<&str>,
    ) -> Result<()> {
        match reason {
            CloseReason::ThirdParty if comment.is_none_or(|c| c.trim().is_empty()) => Err(ServiceError::invalid(
                "comment",
                "name whom to contact about the third-party product (R-TKT-8)",
            )),
            CloseReason::UnsupportedVersion => {
                let version = ticket.product_version.as_deref().unwrap_or_default();
                let latest = reglament_store::versions::get(tx, version)
                    .await?
                    .is_some_and(|v| v.latest);
                if latest || ticket.product_version.is_none() {
                    return Err(ServiceError::Refused {
                        code: ErrorCode::VersionIsLatest,
                        detail: "the report is about the latest version (or names none)".to_owned(),
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Moves queued tickets into work, first in first out, while the tier has free
    /// slots; each one's response clock starts now (R-LIM-3, R-SLA-3). The caller
    /// holds the customer's lock.
    pub(crate) async fn promote_queue(&self, tx: &mut Tx, customer_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
        let (tier, _) = governing_tier(tx, customer_id, self.today()).await?;
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
            self.emit_for_history(tx, ticket.id, "promoted", &data, (Status::Queued, ticket.status))
                .await?;
            // The participants learn the status change and the promised time (R-CH-2).
            let promise = ticket.response_due_at.map_or_else(String::new, |due| {
                format!("Срок первого ответа: до {} (МСК).", reglament_domain::moscow::format(due))
            });
            self.notify_author(tx, &ticket, "взято в работу из очереди", &promise)
                .await?;
            tracing::info!(ticket = ticket.number, "queued ticket entered work");
        }
        Ok(promoted)
    }
}
