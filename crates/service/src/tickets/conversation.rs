//! The conversation and its clock (R-SLA-1, R-TKT-5, R-TKT-6, R-TKT-7): messages, internal notes, reopening, the participants told by mail.

use chrono::TimeDelta;
use reglament_api::ids::*;
use reglament_api::{ErrorCode, Message, MessageInput, MessageKind, MessageOutcome, Scope, TicketId};
use reglament_domain::Status;
use reglament_domain::sla::{ClockDecision, ClockEvent, clock_decision};
use reglament_domain::tickets::admission;
use reglament_store::tickets::{self as store, Ticket};
use reglament_store::{Page, PageRequest, Tx};
use serde_json::json;
use validator::Validate;

use crate::accounts::principal::Principal;
use crate::directory::customers::governing_tier;
use crate::notifications::client_notices::{Notice, NoticeKind};
use crate::{Result, ServiceError};

use super::Tickets;
use super::shared::*;

impl Tickets<'_> {
    /// Tells the ticket's clients what staff did (R-NTF-4: an answer, a solution, a
    /// question, a status change), in the same transaction as the change: in the app and by
    /// mail threaded with the ticket (R-CH-2), in each one's language and time zone.
    pub(crate) async fn notify_author(&self, tx: &mut Tx, ticket: &Ticket, notice: &Notice<'_>) -> Result<()> {
        self.notifications().tell_clients(tx, ticket, notice).await?;
        Ok(())
    }

    /// Ends the running response cycle with a public staff answer (R-SLA-1, R-SLA-4).
    pub(crate) async fn answer_cycle(&self, tx: &mut Tx, ticket: &mut Ticket, actor: UserId) -> Result<()> {
        let now = self.now();
        let due_at = ticket.response_due_at;
        let Some(on_time) = ticket.answer(now) else {
            return Ok(());
        };
        let late = !on_time;
        let data = json!({"response_due_at": due_at, "answered_at": now, "on_time": on_time});
        store::record_event(tx, ticket.id, Some(actor.0), "answered", &data, now).await?;
        if let (Some(started_at), Some(tier_code), Some(schedule)) = (
            ticket.response_started_at,
            ticket.response_tier.clone(),
            ticket.response_schedule,
        ) {
            let business = self
                .calendar()
                .business_calendar()
                .between_on(schedule, started_at, now)
                .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            let cycle = reglament_store::reports::ResponseCycle {
                ticket_id: ticket.id.0,
                customer_id: ticket.customer_id.0,
                tier_code,
                started_at,
                due_at,
                answered_at: now,
                month: reglament_domain::moscow::local(now).format("%Y-%m").to_string(),
                on_time: !late,
                business_minutes: business.num_minutes(),
            };
            reglament_store::reports::insert_cycle(tx, &cycle).await?;
        }
        Ok(())
    }

    /// Staff or a client write to a ticket. Staff answers end the response cycle; a
    /// solution or a question makes the ticket wait for the client; a client's reply
    /// starts a new cycle; a closed ticket reopens within 30 days, after that the
    /// message opens a new ticket linked to it (R-TKT-7).
    ///
    /// # Errors
    /// `not_found`, `validation_failed`, `ticket_closed` (409, staff writing publicly to a closed ticket).
    pub async fn post_message(&self, p: &Principal, id: TicketId, input: MessageInput) -> Result<MessageOutcome> {
        self.post_message_received(p, id, input, None).await
    }

    /// [`App::post_message`] for a message that came by a channel: `receipt` (its key) is
    /// written in the message's transaction, so the message is never added twice.
    pub(crate) async fn post_message_received(
        &self,
        p: &Principal,
        id: TicketId,
        input: MessageInput,
        receipt: Option<String>,
    ) -> Result<MessageOutcome> {
        p.require_scope(Scope::TicketsWrite)?;
        input.validate()?;
        let staff = p.actor.is_staff();
        if !staff && input.kind != MessageKind::Message {
            return Err(ServiceError::invalid(
                "kind",
                "clients write messages; notes, solutions and questions are staff's",
            ));
        }
        let now = self.now();
        // R-TKT-7: after 30 days a client's message continues in a new linked ticket. A
        // ticket closed since this read was closed now, so it reopens below instead.
        // Staff never continue a ticket, so only a client's message costs this read.
        if !staff {
            let mut tx = self.store.read().await?;
            let current = self.visible_ticket(&mut tx, p, id).await?;
            tx.commit().await?;
            let long_closed = current.status == Status::Closed
                && current
                    .closed_at
                    .is_some_and(|at| now - at > TimeDelta::days(REOPEN_WINDOW_DAYS));
            if long_closed {
                return self.continue_in_new_ticket(p, &current, input.body, receipt).await;
            }
        }
        let mut written = None;
        let ticket = self
            .change_ticket(p, id, false, async |tx, ticket| {
                let before = ticket.status;
                if staff {
                    self.staff_writes(tx, ticket, input.kind, p.user.id).await?;
                } else {
                    self.client_writes(tx, ticket, now).await?;
                    self.notifications().client_wrote(tx, ticket).await?;
                }
                let message = store::Message::new(
                    id.0,
                    p.user.id.0,
                    input.kind.as_str(),
                    input.kind == MessageKind::Note,
                    input.body,
                    now,
                );
                store::insert_message(tx, &message).await?;
                if let Some(key) = &receipt {
                    reglament_store::channels::insert_receipt(tx, key, "reply_added", Some(id), now).await?;
                }
                if staff && !message.internal {
                    let what = match input.kind {
                        MessageKind::Solution => ("предложено решение", "a solution is proposed"),
                        MessageKind::InfoRequest => ("нужна информация от вас", "support needs information from you"),
                        MessageKind::Message | MessageKind::Note => ("ответ поддержки", "an answer from support"),
                    };
                    let notice = Notice {
                        kind: NoticeKind::Answer,
                        what,
                        text: &message.body,
                        at: None,
                        once: None,
                    };
                    self.notify_author(tx, ticket, &notice).await?;
                    // R-NTF-8: to the chat it was registered from, unless it came from there.
                    if !receipt.as_deref().is_some_and(|k| k.starts_with("telegram:")) {
                        self.channels()
                            .post_to_ticket_chat(tx, ticket, what, &message.body, &p.user.full_name)
                            .await?;
                    }
                }
                let mut data = json!({"kind": message.kind, "internal": message.internal});
                if before != ticket.status {
                    data["status"] = json!({"before": before.as_str(), "after": ticket.status.as_str()});
                }
                let reopened = before == Status::Closed && ticket.status != Status::Closed;
                written = Some(message);
                Ok(Event::new(if reopened { "reopened" } else { "message" }, data))
            })
            .await?;
        let message = written.ok_or_else(|| ServiceError::Internal("the message was not written".into()))?;
        Ok(MessageOutcome {
            message: message.into(),
            ticket,
        })
    }

    /// Staff write: a note changes nothing; anything public ends the running cycle
    /// (R-SLA-1), assigns an unassigned ticket to the writer, and a solution or a
    /// question makes it wait for the client (R-TKT-6). Closed tickets take notes only.
    pub(crate) async fn staff_writes(
        &self,
        tx: &mut Tx,
        ticket: &mut Ticket,
        kind: MessageKind,
        writer: UserId,
    ) -> Result<()> {
        match kind {
            MessageKind::Note => {}
            _ if ticket.status == Status::Closed => return Err(closed_conflict()),
            MessageKind::Message | MessageKind::Solution | MessageKind::InfoRequest => {
                self.answer_cycle(tx, ticket, writer).await?;
                ticket.assignee_id.get_or_insert(writer);
                if matches!(kind, MessageKind::Solution | MessageKind::InfoRequest) {
                    ticket.wait_for_customer(self.now());
                }
            }
        }
        Ok(())
    }

    /// A client writes: a closed ticket reopens (R-TKT-7), a waiting one resumes
    /// (R-TKT-6), and support owes an answer again unless a cycle already runs (R-SLA-1).
    async fn client_writes(&self, tx: &mut Tx, ticket: &mut Ticket, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
        let tier = match ticket.status {
            Status::Queued => return Ok(()),
            Status::Open
                if clock_decision(ClockEvent::ClientMessage, ticket.awaiting_response) != ClockDecision::Start =>
            {
                return Ok(());
            }
            Status::Open | Status::WaitingForCustomer | Status::Closed => {
                let today = reglament_domain::moscow::date(now);
                let (tier, contract) = governing_tier(tx, ticket.customer_id, today).await?;
                // R-CON-3: after the contract's end open tickets are answered, closed ones
                // stay closed.
                if ticket.status == Status::Closed && !crate::directory::customers::in_force(&contract, today) {
                    return Err(ServiceError::refused(
                        ErrorCode::NoActiveContract,
                        "the support contract has ended: a closed ticket is not reopened; open tickets \
                         can still be answered until access ends",
                    ));
                }
                tier
            }
        };
        let cycle = new_cycle(self, &tier, ticket.category, now)?;
        match ticket.status {
            Status::Closed => {
                let count = store::count_taking_slots(tx, ticket.customer_id).await?;
                ticket.reopen(admission(&tier, ticket.category, count), Some(&cycle), now);
            }
            Status::WaitingForCustomer => ticket.resume(Some(&cycle), now),
            Status::Open | Status::Queued => ticket.start_cycle(&cycle, now),
        }
        Ok(())
    }

    /// R-TKT-7: a message on a ticket closed more than 30 days ago opens a new ticket linked to it.
    async fn continue_in_new_ticket(
        &self,
        p: &Principal,
        old: &Ticket,
        body: String,
        receipt: Option<String>,
    ) -> Result<MessageOutcome> {
        let subject = format!("Продолжение обращения №{}: {}", old.number, old.subject);
        let input = reglament_api::NewTicket {
            category: old.category,
            subject: subject.chars().take(300).collect(),
            body: body.clone(),
            product_version: old.product_version.clone(),
            is_critical: false,
            critical_justification: None,
            author_id: None,
            channel: None,
            account_request: None,
        };
        let view = self
            .open_ticket(&p.user, input, old.channel, Some(old.id), p.user.id, receipt)
            .await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let message = store::Message::new(
            view.ticket.id.0,
            p.user.id.0,
            MessageKind::Message.as_str(),
            false,
            body,
            now,
        );
        store::insert_message(&mut tx, &message).await?;
        store::record_event(
            &mut tx,
            old.id,
            Some(p.user.id.0),
            "continued",
            &json!({"new_ticket": view.ticket.number}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(MessageOutcome {
            message: message.into(),
            ticket: view,
        })
    }

    /// The conversation; clients never see internal notes (R-TKT-5).
    ///
    /// # Errors
    /// `not_found` for a ticket the caller may not see.
    pub async fn list_messages(&self, p: &Principal, id: TicketId, page: PageRequest) -> Result<Page<Message>> {
        p.require_scope(Scope::TicketsRead)?;
        let mut tx = self.store.read().await?;
        self.visible_ticket(&mut tx, p, id).await?;
        let list = store::messages(&mut tx, id, p.actor.is_staff(), page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }
}
