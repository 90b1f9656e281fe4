//! Orders of professional services (R-PS-2, R-PS-3): estimates approved by the key contact, work logged with overtime and the one-hour minimum.

use reglament_api as api;
use reglament_api::ids::*;
use reglament_api::{ErrorCode, EstimateId, EstimateState, LedgerKind, MessageKind, Scope, TicketId};
use reglament_domain::services::{WorkError, charge_for_log, moscow_month, split_work, whole_minute};
use reglament_domain::{Category, StaffRole, Status};
use reglament_store::Tx;
use reglament_store::services::{self as store};
use reglament_store::tickets::{self as store_tickets, Ticket};
use serde_json::json;
use uuid::Uuid;
use validator::Validate as _;

use super::ProServices;
use super::certificates::hours_text;
use crate::accounts::principal::Principal;
use crate::notifications::client_notices::{Notice, NoticeKind};
use crate::tickets::shared::Event;
use crate::{Result, ServiceError};

/// Who logs work on orders.
const WORKERS: [StaffRole; 2] = [StaffRole::Specialist, StaffRole::Admin];

impl ProServices<'_> {
    /// An order with its estimates and logged work.
    ///
    /// # Errors
    /// `not_found`, `not_a_service_request`.
    pub async fn get_order(&self, p: &Principal, id: TicketId) -> Result<api::Order> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let ticket = self.tickets().visible_ticket(&mut tx, p, id).await?;
        require_order(&ticket)?;
        let order = order_of(&mut tx, ticket.id).await?;
        tx.commit().await?;
        Ok(order)
    }

    /// Staff answer an order with an estimate (R-PS-2); a revised estimate replaces the
    /// one in force, which stays in the history. It is a public answer: it ends the
    /// running response cycle (R-PS-1) and is mailed to the author.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `not_a_service_request`, `ticket_closed`.
    pub async fn propose_estimate(&self, p: &Principal, id: TicketId, input: api::NewEstimate) -> Result<api::Order> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_staff()?;
        input.validate()?;
        if input.starts_on < self.today() {
            return Err(ServiceError::invalid("starts_on", "the work cannot start in the past"));
        }
        let now = self.now();
        self.tickets()
            .change_ticket(p, id, false, async |tx, ticket| {
                require_order(ticket)?;
                let revised = store::estimates(tx, id)
                    .await?
                    .iter()
                    .any(|e| matches!(e.state, EstimateState::Proposed | EstimateState::Approved));
                self.tickets()
                    .staff_writes(tx, ticket, MessageKind::Message, p.user.id)
                    .await?;
                let estimate = store::insert_estimate(tx, id, &input, p.user.id.0, now).await?;
                let mut text = format!(
                    "{}: {} ч, начало работ {}.",
                    if revised {
                        "Скорректированная оценка"
                    } else {
                        "Оценка"
                    },
                    estimate.hours,
                    estimate.starts_on.format("%d.%m.%Y")
                );
                if !estimate.conditions.is_empty() {
                    text.push_str(&format!("\nУсловия: {}", estimate.conditions));
                }
                text.push_str("\nРаботы начнутся после согласования ключевым контактным лицом.");
                let message = store_tickets::Message::new(id.0, p.user.id.0, "message", false, text.clone(), now);
                store_tickets::insert_message(tx, &message).await?;
                let notice = Notice {
                    kind: NoticeKind::Answer,
                    what: if revised {
                        ("скорректированная оценка работ", "a revised estimate of the work")
                    } else {
                        ("оценка работ", "an estimate of the work")
                    },
                    text: &text,
                    at: None,
                    once: None,
                };
                self.tickets().notify_author(tx, ticket, &notice).await?;
                Ok(Event::new(
                    if revised {
                        "estimate_revised"
                    } else {
                        "estimate_proposed"
                    },
                    json!({"estimate_id": estimate.id, "hours": estimate.hours, "starts_on": estimate.starts_on}),
                ))
            })
            .await?;
        self.get_order(p, id).await
    }

    /// A key contact approves or declines the estimate in force (R-PS-2); nobody else may.
    ///
    /// # Errors
    /// `not_key_contact`, `not_found`, `estimate_not_pending` (decided or replaced).
    pub async fn decide_estimate(
        &self,
        p: &Principal,
        id: TicketId,
        estimate: EstimateId,
        approve: bool,
    ) -> Result<api::Order> {
        p.require_scope(Scope::ServicesWrite)?;
        if !matches!(
            p.actor,
            reglament_domain::Actor::Client {
                is_key_contact: true,
                ..
            }
        ) {
            return Err(ServiceError::refused(
                ErrorCode::NotKeyContact,
                "only the customer's key contact approves or declines an estimate",
            ));
        }
        let now = self.now();
        let state = if approve {
            EstimateState::Approved
        } else {
            EstimateState::Declined
        };
        self.tickets()
            .change_ticket(p, id, false, async |tx, ticket| {
                require_order(ticket)?;
                let found = store::get_estimate(tx, estimate)
                    .await
                    .map_err(ServiceError::from_store("estimate"))?;
                if found.ticket_id != id {
                    return Err(ServiceError::not_found("estimate"));
                }
                if ticket.status == Status::Closed {
                    return Err(ServiceError::refused(ErrorCode::TicketClosed, "the order is closed"));
                }
                if !store::decide_estimate(tx, estimate, state, p.user.id, now).await? {
                    return Err(ServiceError::refused(
                        ErrorCode::EstimateNotPending,
                        format!("the estimate is {} and cannot be decided", found.state),
                    ));
                }
                let text = if approve {
                    format!(
                        "Оценка согласована: {} ч, начало работ {}.",
                        found.hours,
                        found.starts_on.format("%d.%m.%Y")
                    )
                } else {
                    "Оценка отклонена.".to_owned()
                };
                let message = store_tickets::Message::new(id.0, p.user.id.0, "message", false, text, now);
                store_tickets::insert_message(tx, &message).await?;
                self.notifications()
                    .estimate_decided(tx, ticket, found.author_id, approve)
                    .await?;
                Ok(Event::new(
                    if approve {
                        "estimate_approved"
                    } else {
                        "estimate_declined"
                    },
                    json!({"estimate_id": found.id, "hours": found.hours}),
                ))
            })
            .await?;
        tracing::info!(ticket = %id, approved = approve, "estimate decided");
        self.get_order(p, id).await
    }

    /// A specialist logs an interval of work on an approved order (R-PS-3): business
    /// minutes count once, the rest twice, the order is charged at least an hour in total,
    /// and the charge is deducted from the certificates at once (R-PS-4), posted in the
    /// ticket and mailed to the author. A charge the balance does not cover is refused
    /// unless an admin overrides it.
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `not_a_service_request`, `estimate_not_approved`,
    /// `validation_failed` (interval), `work_log_overlap`, `no_active_certificate`,
    /// `insufficient_balance`.
    pub async fn log_work(&self, p: &Principal, id: TicketId, input: api::NewWorkLog) -> Result<api::Order> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_role(&WORKERS)?;
        input.validate()?;
        if input.override_balance {
            p.require_role(&[StaffRole::Admin])?;
        }
        let calendar = self.calendar().business_calendar();
        let split = split_work(&calendar, input.started_at, input.ended_at).map_err(|e| match e {
            WorkError::Calendar(_) => ServiceError::invalid("started_at", "outside the calendar's years"),
            other => ServiceError::invalid("ended_at", other.to_string()),
        })?;
        let (start, end) = (whole_minute(input.started_at), whole_minute(input.ended_at));
        let now = self.now();
        if end > now {
            return Err(ServiceError::invalid(
                "ended_at",
                "work is logged once done: it ends in the future",
            ));
        }
        let description = input.description.trim().to_owned();
        if description.is_empty() {
            return Err(ServiceError::invalid("description", "must not be blank"));
        }
        self.tickets().change_ticket(p, id, false, async |tx, ticket| {
            require_order(ticket)?;
            let estimates = store::estimates(tx, id).await?;
            let approved_once = estimates.iter().any(|e| {
                e.decided_at.is_some() && matches!(e.state, EstimateState::Approved | EstimateState::Superseded)
            });
            if !approved_once {
                return Err(ServiceError::refused(
                    ErrorCode::EstimateNotApproved,
                    "work is logged on an order whose estimate the key contact approved",
                ));
            }
            if store::specialist_busy(tx, p.user.id, start, end).await? {
                return Err(ServiceError::refused(
                    ErrorCode::WorkLogOverlap,
                    "you have logged work that overlaps this interval",
                ));
            }
            let before = store::order_counted_minutes(tx, id).await?;
            let counted = split.counted_minutes();
            let charged = charge_for_log(before, counted);
            let log_id = Uuid::now_v7();
            let day = reglament_domain::moscow::date(start);
            let note = format!("Работы по обращению №{}: {}", ticket.number, first_line(&description));
            let (parts, overridden) = self
                .charge_certificates(
                    tx,
                    ticket.customer_id,
                    (day, day),
                    charged,
                    input.override_balance,
                    store::NewLedgerEntry {
                        certificate_id: CertificateId(Uuid::nil()),
                        customer_id: ticket.customer_id,
                        kind: LedgerKind::Work,
                        minutes: 0,
                        ticket_id: Some(id),
                        work_log_id: Some(WorkLogId(log_id)),
                        month: None,
                        note: &note,
                        created_by: Some(p.user.id),
                        overridden: false,
                        created_at: now,
                    },
                )
                .await?;
            store::insert_work_log(
                tx,
                &store::NewWorkLog {
                    id: log_id,
                    ticket_id: id.0,
                    customer_id: ticket.customer_id.0,
                    specialist_id: p.user.id.0,
                    started_at: start,
                    ended_at: end,
                    month: moscow_month(start),
                    business_minutes: split.business_minutes,
                    overtime_minutes: split.overtime_minutes,
                    counted_minutes: counted,
                    charged_minutes: charged,
                    description: &description,
                    overridden,
                    created_at: now,
                },
            )
            .await?;
            let mut text = format!(
                "Выполненные работы ({} – {} МСК):\n{description}\n\nВ рабочее время: {}; вне рабочего времени: {} (коэффициент 2); учтено {}; списано с сертификата {}.",
                reglament_domain::moscow::format(start),
                reglament_domain::moscow::format(end),
                hours_text(split.business_minutes),
                hours_text(split.overtime_minutes),
                hours_text(counted),
                hours_text(charged),
            );
            if charged > counted {
                text.push_str(" Минимальный заказ — 1 час.");
            }
            if ticket.status != Status::Closed {
                self.tickets().staff_writes(tx, ticket, MessageKind::Message, p.user.id).await?;
            }
            let message = store_tickets::Message::new(id.0, p.user.id.0, "message", false, text.clone(), now);
            store_tickets::insert_message(tx, &message).await?;
            let notice = Notice {
                kind: NoticeKind::Answer,
                what: ("выполнены работы", "work was done"),
                text: &text,
                at: None,
                once: None,
            };
            self.tickets().notify_author(tx, ticket, &notice).await?;
            Ok(Event::new(
                "work_logged",
                json!({"work_log_id": log_id, "business_minutes": split.business_minutes,
                       "overtime_minutes": split.overtime_minutes, "counted_minutes": counted,
                       "charged_minutes": charged, "certificates": parts.len(), "overridden": overridden}),
            ))
        })
        .await?;
        tracing::info!(ticket = %id, minutes = split.counted_minutes(), "work logged");
        self.get_order(p, id).await
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().chars().take(200).collect()
}

/// R-PS-1: orders are `service_request` tickets.
fn require_order(ticket: &Ticket) -> Result<()> {
    if ticket.category == Category::ServiceRequest {
        Ok(())
    } else {
        Err(ServiceError::refused(
            ErrorCode::NotAServiceRequest,
            "estimates and work logs belong to service requests (category service_request)",
        ))
    }
}

async fn order_of(tx: &mut Tx, ticket: TicketId) -> Result<api::Order> {
    let estimates = store::estimates(tx, ticket).await?;
    let work_logs = store::work_logs(tx, ticket).await?;
    Ok(api::Order {
        ticket_id: ticket,
        approved: estimates.first().is_some_and(|e| e.state == EstimateState::Approved),
        counted_minutes: work_logs.iter().map(|w| w.counted_minutes).sum(),
        charged_minutes: work_logs.iter().map(|w| w.charged_minutes).sum(),
        estimates,
        work_logs,
    })
}
