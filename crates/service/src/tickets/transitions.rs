//! What staff and clients do to a ticket: close (R-TKT-2), confirm a bug (R-LIM-2, R-SLA-5), reclassify (R-TKT-1), revoke criticality (R-TKT-3), resolve a bug (R-TKT-9), assign; each under the customer's lock through one helper.

use reglament_api::ids::*;
use reglament_api::{
    AssignInput, BugResolution, BugResolutionInput, CloseInput, ErrorCode, MessageKind, ReasonInput, ReclassifyInput,
    Scope, TicketId, TicketView,
};
use reglament_domain::sla::critical_fix_due_at;
use reglament_domain::tickets::category_counts;
use reglament_domain::{Category, CloseReason, Status};
use reglament_store::tickets::{self as store, Ticket};
use reglament_store::{Tx, customers as store_customers, tiers as store_tiers};
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

use crate::accounts::principal::Principal;
use crate::directory::customers::governing_tier;
use crate::notifications::client_notices::{Notice, NoticeKind};
use crate::{Result, ServiceError};

use super::Tickets;
use super::shared::*;

impl Tickets<'_> {
    /// Opens the ticket under the customer's lock and reads it again (a concurrent close
    /// or promotion may have changed it), so that what follows sees the limit and the queue as they are.
    pub(crate) async fn lock_ticket(&self, tx: &mut Tx, p: &Principal, id: TicketId) -> Result<Ticket> {
        let customer_id = self.visible_ticket(tx, p, id).await?.customer_id;
        store_customers::lock_customer(tx, customer_id).await?;
        Ok(store::get(tx, id).await?)
    }

    /// One change to a ticket, in one transaction: lock the ticket (and its customer's
    /// queue), let `change` check it and take its transition (answering the event for the
    /// history), write both, promote queued tickets into freed slots when `frees_slot`, and
    /// answer its view.
    pub(crate) async fn change_ticket(
        &self,
        p: &Principal,
        id: TicketId,
        frees_slot: bool,
        change: impl AsyncFnOnce(&mut Tx, &mut Ticket) -> Result<Event>,
    ) -> Result<TicketView> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut ticket = self.lock_ticket(&mut tx, p, id).await?;
        let before = ticket.status;
        let event = change(&mut tx, &mut ticket).await?;
        ticket.updated_at = now;
        store::update(&mut tx, &ticket).await?;
        store::record_event(&mut tx, id, Some(p.user.id.0), event.kind, &event.data, now).await?;
        self.integrations()
            .emit_for_history(&mut tx, id, event.kind, &event.data, (before, ticket.status))
            .await?;
        if frees_slot {
            self.promote_queue(&mut tx, ticket.customer_id, now).await?;
            ticket = store::get(&mut tx, id).await?;
        }
        let view = self.view(&mut tx, ticket).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Closes a ticket (R-TKT-2): a client their visible tickets (`closed_by_customer`),
    /// staff any with a reason. The freed slot promotes the oldest queued ticket (R-LIM-3).
    ///
    /// # Errors
    /// `not_found`, `already_closed` (409), `validation_failed` (staff without a reason).
    pub async fn close_ticket(&self, p: &Principal, id: TicketId, input: CloseInput) -> Result<TicketView> {
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
                let message = reglament_store::tickets::Message::new(
                    id.0,
                    p.user.id.0,
                    "message",
                    false,
                    comment.to_owned(),
                    now,
                );
                store::insert_message(tx, &message).await?;
            }
            let before = ticket.status;
            ticket.close(reason, now);
            if p.actor.is_staff() {
                let ru = format!("обращение закрыто ({})", reason.name_ru());
                let en = format!("the ticket is closed ({})", reason.as_str().replace('_', " "));
                let notice = Notice {
                    kind: NoticeKind::Status,
                    what: (&ru, &en),
                    text: comment,
                    at: None,
                    once: None,
                };
                self.notify_author(tx, ticket, &notice).await?;
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

    /// Staff confirm a bug: it stops counting against the limit (R-LIM-2), which may let
    /// a queued ticket in (R-LIM-3); a critical bug's fix is due 10 working days later (R-SLA-5).
    ///
    /// # Errors
    /// `forbidden`, `not_a_bug` (422), `already_confirmed` (409).
    pub async fn confirm_bug(&self, p: &Principal, id: TicketId) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&STAFF)?;
        let now = self.now();
        self.change_ticket(p, id, true, async |tx, ticket| {
            if ticket.category != Category::Bug {
                return Err(ServiceError::refused(
                    ErrorCode::NotABug,
                    "only a bug report can be confirmed",
                ));
            }
            if ticket.bug_confirmed {
                return Err(ServiceError::refused(
                    ErrorCode::AlreadyConfirmed,
                    "the bug is confirmed already",
                ));
            }
            if ticket.status == Status::Closed {
                return Err(closed_conflict());
            }
            ticket.confirm_bug(now);
            if ticket.is_critical {
                ticket.fix_due_at = Some(
                    critical_fix_due_at(&self.calendar().business_calendar(), now)
                        .map_err(|e| ServiceError::Internal(Box::new(e)))?,
                );
            }
            self.settle_in_work(tx, ticket).await?;
            let notice = Notice {
                kind: NoticeKind::Status,
                what: ("ошибка подтверждена", "the bug is confirmed"),
                text: "",
                at: ticket
                    .fix_due_at
                    .map(|due| (due, "Срок исправления критической ошибки", "The critical fix is due")),
                once: None,
            };
            self.notify_author(tx, ticket, &notice).await?;
            Ok(Event::new("bug_confirmed", json!({"fix_due_at": ticket.fix_due_at})))
        })
        .await
    }

    /// A queued ticket that no longer counts against the limit enters work at once;
    /// then `takes_slot` follows the ticket's state.
    async fn settle_in_work(&self, tx: &mut Tx, ticket: &mut Ticket) -> Result<()> {
        if ticket.status == Status::Queued && !category_counts(ticket.category, ticket.bug_confirmed) {
            let now = self.now();
            let today = reglament_domain::moscow::date(now);
            let (tier, _) = governing_tier(tx, ticket.customer_id, today).await?;
            ticket.promote(&new_cycle(self, &tier, ticket.category, now)?, now);
        }
        Ok(())
    }

    /// Staff change the category (R-TKT-1): recorded, and the limit and SLA re-evaluated.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `ticket_closed`.
    pub async fn reclassify(&self, p: &Principal, id: TicketId, input: ReclassifyInput) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&STAFF)?;
        let now = self.now();
        self.change_ticket(p, id, true, async |tx, ticket| {
            if ticket.status == Status::Closed {
                return Err(closed_conflict());
            }
            let before = ticket.category;
            if input.category != Category::Bug {
                ticket.is_critical = false;
                ticket.bug_confirmed = false;
                ticket.fix_due_at = None;
            }
            ticket.reclassify(input.category, now);
            // The running cycle keeps its tier (R-SLA-6); only whether it has a due time changes (R-SLA-2).
            if ticket.awaiting_response
                && let (Some(started), Some(code)) = (ticket.response_started_at, ticket.response_tier.clone())
            {
                ticket.response_due_at = if reglament_domain::sla::has_response_sla(input.category) {
                    let tier = store_tiers::get(tx, &code).await?;
                    Some(
                        reglament_domain::sla::response_due_at(&self.calendar().business_calendar(), &tier, started)
                            .map_err(|e| ServiceError::Internal(Box::new(e)))?,
                    )
                } else {
                    None
                };
            }
            self.settle_in_work(tx, ticket).await?;
            let text = format!(
                "Категория изменена: «{}» → «{}». Сроки и лимит обращений пересчитаны по новой категории.",
                before.name_ru(),
                input.category.name_ru()
            );
            let notice = Notice {
                kind: NoticeKind::Status,
                what: ("категория изменена", "the category changed"),
                text: &text,
                at: None,
                once: None,
            };
            self.notify_author(tx, ticket, &notice).await?;
            let data = json!({"category": {"before": before.as_str(), "after": input.category.as_str()}});
            Ok(Event::new("reclassified", data))
        })
        .await
    }

    /// Staff revoke criticality with a reason (R-TKT-3); the fix clock stops.
    ///
    /// # Errors
    /// `forbidden`, `not_critical` (409), `validation_failed`.
    pub async fn revoke_criticality(&self, p: &Principal, id: TicketId, input: ReasonInput) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&STAFF)?;
        input.validate()?;
        self.change_ticket(p, id, false, async |tx, ticket| {
            if !ticket.is_critical {
                return Err(ServiceError::refused(
                    ErrorCode::NotCritical,
                    "the ticket is not critical",
                ));
            }
            ticket.is_critical = false;
            ticket.fix_due_at = None;
            let notice = Notice {
                kind: NoticeKind::Status,
                what: ("признак критичности снят", "the ticket is no longer critical"),
                text: &input.reason,
                at: None,
                once: None,
            };
            self.notify_author(tx, ticket, &notice).await?;
            Ok(Event::new("criticality_revoked", json!({"reason": input.reason})))
        })
        .await
    }

    /// Staff deliver a bug's resolution (R-TKT-9): a workaround, a release with the fix,
    /// or the end of support. The critical-fix clock stops (R-SLA-5), the client is
    /// told, and the ticket waits for their confirmation (R-TKT-6).
    ///
    /// # Errors
    /// `forbidden`, `not_a_bug` (422), `ticket_closed` (409), `validation_failed`.
    pub async fn resolve_bug(&self, p: &Principal, id: TicketId, input: BugResolutionInput) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&STAFF)?;
        input.validate()?;
        let now = self.now();
        self.change_ticket(p, id, false, async |tx, ticket| {
            if ticket.category != Category::Bug {
                return Err(ServiceError::refused(
                    ErrorCode::NotABug,
                    "only a bug report has a resolution",
                ));
            }
            if ticket.status == Status::Closed {
                return Err(closed_conflict());
            }
            self.answer_cycle(tx, ticket, p.user.id).await?;
            let fix_due_at = ticket.fix_due_at.take();
            ticket.bug_resolution = Some(input.resolution);
            ticket.wait_for_customer(now);
            let message = store::Message::new(
                id.0,
                p.user.id.0,
                MessageKind::Solution.as_str(),
                false,
                input.details,
                now,
            );
            store::insert_message(tx, &message).await?;
            let what = match input.resolution {
                BugResolution::Workaround => ("ошибка решена: обходное решение", "the bug is resolved: a workaround"),
                BugResolution::FixRelease => ("ошибка исправлена в выпуске", "the bug is fixed in a release"),
                BugResolution::EndOfSupport => (
                    "ошибка не будет исправлена: поддержка версии окончена",
                    "the bug will not be fixed: the version's support ended",
                ),
            };
            let notice = Notice {
                kind: NoticeKind::Answer,
                what,
                text: &message.body,
                at: None,
                once: None,
            };
            self.notify_author(tx, ticket, &notice).await?;
            let data = json!({"resolution": input.resolution.as_str(), "fix_due_at": fix_due_at,
                "fix_on_time": fix_due_at.map(|due| now <= due)});
            Ok(Event::new("bug_resolved", data))
        })
        .await
    }

    /// Staff assign a ticket to a staff member, or unassign it.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `validation_failed` (not an active staff user).
    pub async fn assign(&self, p: &Principal, id: TicketId, input: AssignInput) -> Result<TicketView> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&STAFF)?;
        let assignee_id = input.assignee_id.map(Uuid::from);
        self.change_ticket(p, id, false, async |tx, ticket| {
            if let Some(assignee) = assignee_id {
                let user = reglament_store::users::get(tx, UserId(assignee))
                    .await
                    .map_err(|_| ServiceError::invalid("assignee_id", "no such user"))?;
                if !user.active || user.kind != reglament_domain::UserKind::Staff {
                    return Err(ServiceError::invalid("assignee_id", "must be an active staff user"));
                }
            }
            let before = std::mem::replace(&mut ticket.assignee_id, assignee_id.map(UserId));
            if before != ticket.assignee_id {
                self.notifications().assigned(tx, ticket, p.user.id).await?;
            }
            Ok(Event::new(
                "assigned",
                json!({"assignee_id": {"before": before, "after": assignee_id}}),
            ))
        })
        .await
    }
}
