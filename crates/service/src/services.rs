//! Professional services (R-PS-1…4): certificates and their ledger, estimates of orders
//! and the work logged on them.

use reglament_api as api;
use reglament_api::{
    CertificateId, CustomerId, ErrorCode, EstimateId, EstimateState, LedgerKind, MessageKind, Scope, TicketId,
};
use reglament_domain::services::{
    Balance, ChargeError, WorkError, allocate, charge_for_log, moscow_month, split_work, whole_minute,
};
use reglament_domain::{Category, StaffRole, Status};
use reglament_store::services::{self as store, CertificateBalance};
use reglament_store::tickets::{self as store_tickets, Ticket};
use reglament_store::{Page, PageRequest, Tx, customers as store_customers};
use serde_json::json;
use uuid::Uuid;
use validator::Validate as _;

use crate::auth::Principal;
use crate::ticket_actions::Event;
use crate::{App, Result, ServiceError};

/// Who records certificates and corrects ledgers.
const CERTIFICATE_MANAGERS: [StaffRole; 2] = [StaffRole::Admin, StaffRole::AccountManager];
/// Who logs work on orders.
const WORKERS: [StaffRole; 2] = [StaffRole::Specialist, StaffRole::Admin];

/// `1 ч 30 мин`, the way hours are written in messages.
#[must_use]
pub fn hours_text(minutes: i64) -> String {
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    let sign = if minutes < 0 { "−" } else { "" };
    match (h, m) {
        (0, m) => format!("{sign}{m} мин"),
        (h, 0) => format!("{sign}{h} ч"),
        (h, m) => format!("{sign}{h} ч {m} мин"),
    }
}


/// The refusal of a charge the certificates do not cover.
fn charge_refused(e: ChargeError) -> ServiceError {
    match e {
        ChargeError::NoCertificate => ServiceError::refused(
            ErrorCode::NoActiveCertificate,
            "the customer has no certificate of professional services valid on that date",
        ),
        ChargeError::Insufficient { available, needed } => ServiceError::refused(
            ErrorCode::InsufficientBalance,
            format!(
                "the certificates' balance is {} and this needs {}; an admin may override",
                hours_text(available),
                hours_text(needed)
            ),
        ),
    }
}

impl App {
    /// Deducts `minutes` from the customer's certificates valid in `[from, to]` (R-PS-4),
    /// one ledger row per certificate touched, under the customer's lock held by the caller.
    pub(crate) async fn charge_certificates(
        &self,
        tx: &mut Tx,
        customer: Uuid,
        valid: (chrono::NaiveDate, chrono::NaiveDate),
        minutes: i64,
        overdraw: bool,
        entry: store::NewLedgerEntry<'_>,
    ) -> Result<(Vec<(Uuid, i64)>, bool)> {
        if minutes == 0 {
            return Ok((Vec::new(), false));
        }
        let balances: Vec<Balance<Uuid>> = store::balances_valid_between(tx, customer, valid.0, valid.1)
            .await?
            .into_iter()
            .map(|c: CertificateBalance| Balance {
                id: c.id,
                minutes: c.balance_minutes,
            })
            .collect();
        let available: i64 = balances.iter().map(|b| b.minutes.max(0)).sum();
        let parts = allocate(&balances, minutes, overdraw).map_err(charge_refused)?;
        let overridden = overdraw && available < minutes && entry.kind != LedgerKind::UnusedBooking;
        for (certificate_id, m) in &parts {
            store::append_ledger(
                tx,
                &store::NewLedgerEntry {
                    certificate_id: *certificate_id,
                    minutes: *m,
                    overridden,
                    ..entry
                },
            )
            .await?;
        }
        Ok((parts, overridden))
    }

    /// Records a customer's certificate.
    ///
    /// # Errors
    /// `forbidden` (not an admin or account manager), `validation_failed` (dates reversed),
    /// `not_found` (customer), `already_exists` (number taken).
    pub async fn create_certificate(&self, p: &Principal, input: api::NewCertificate) -> Result<api::Certificate> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_role(&CERTIFICATE_MANAGERS)?;
        input.validate()?;
        if input.valid_until < input.valid_from {
            return Err(ServiceError::invalid("valid_until", "must not be before valid_from"));
        }
        let number = input.number.trim();
        if number.is_empty() {
            return Err(ServiceError::invalid("number", "must not be blank"));
        }
        let mut tx = self.store.begin().await?;
        let customer_id = input.customer_id.uuid();
        store_customers::get_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let id = Uuid::now_v7();
        store::insert_certificate(
            &mut tx,
            &store::NewCertificate {
                id,
                customer_id,
                number,
                hours: input.hours,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                created_by: p.user.id,
                created_at: self.now(),
            },
        )
        .await
        .map_err(|e| match e {
            reglament_store::StoreError::Conflict(_) => {
                ServiceError::refused(ErrorCode::AlreadyExists, "a certificate with this number exists")
            }
            other => other.into(),
        })?;
        let certificate = store::get_certificate(&mut tx, id, self.today()).await?;
        tx.commit().await?;
        tracing::info!(certificate = %number, hours = input.hours, "certificate recorded");
        Ok(certificate)
    }

    /// Certificates: staff all (or one customer's), a client their company's.
    ///
    /// # Errors
    /// `not_found` for another customer (a client).
    pub async fn list_certificates(
        &self,
        p: &Principal,
        customer: Option<CustomerId>,
        page: PageRequest,
    ) -> Result<Page<api::Certificate>> {
        p.require_scope(Scope::ServicesRead)?;
        let customer = self.customer_filter(p, customer.map(CustomerId::uuid))?;
        let mut tx = self.store.read().await?;
        let list = store::list_certificates(&mut tx, customer, self.today(), page).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// A client sees their own customer only; asking for another is `not_found` (R-ACL-2).
    pub(crate) fn customer_filter(&self, p: &Principal, asked: Option<Uuid>) -> Result<Option<Uuid>> {
        match p.actor {
            reglament_domain::Actor::Staff { .. } => Ok(asked),
            reglament_domain::Actor::Client { customer_id, .. } => match asked {
                Some(other) if other != customer_id => Err(ServiceError::not_found("customer")),
                _ => Ok(Some(customer_id)),
            },
        }
    }

    async fn visible_certificate(&self, tx: &mut Tx, p: &Principal, id: Uuid) -> Result<api::Certificate> {
        let certificate = store::get_certificate(tx, id, self.today())
            .await
            .map_err(ServiceError::from_store("certificate"))?;
        if p.actor.can_see_customer(certificate.customer_id.uuid()) {
            Ok(certificate)
        } else {
            Err(ServiceError::not_found("certificate"))
        }
    }

    /// # Errors
    /// `not_found` for an unknown certificate or another customer's.
    pub async fn get_certificate(&self, p: &Principal, id: CertificateId) -> Result<api::Certificate> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let certificate = self.visible_certificate(&mut tx, p, id.uuid()).await?;
        tx.commit().await?;
        Ok(certificate)
    }

    /// A certificate's ledger, oldest first, with the balance after each row.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn certificate_ledger(
        &self,
        p: &Principal,
        id: CertificateId,
        page: PageRequest,
    ) -> Result<Page<api::LedgerEntry>> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        self.visible_certificate(&mut tx, p, id.uuid()).await?;
        let ledger = store::ledger(&mut tx, id.uuid(), page).await?;
        tx.commit().await?;
        Ok(ledger)
    }

    /// The whole ledger as CSV (UTF-8, comma-separated, Moscow times), for accounting.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn certificate_ledger_csv(&self, p: &Principal, id: CertificateId) -> Result<(String, String)> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let certificate = self.visible_certificate(&mut tx, p, id.uuid()).await?;
        let mut out = String::from(
            "created_at_msk,kind,minutes,hours,balance_after_minutes,ticket_number,month,note,created_by,overridden\n",
        );
        let mut offset = 0;
        loop {
            let page = store::ledger(&mut tx, id.uuid(), PageRequest { limit: 1000, offset }).await?;
            for e in &page.items {
                let row = [
                    reglament_domain::moscow::format(e.created_at),
                    e.kind.as_str().to_owned(),
                    e.minutes.to_string(),
                    format!("{:.2}", minutes_as_hours(e.minutes)),
                    e.balance_after_minutes.to_string(),
                    e.ticket_number.map(|n| n.to_string()).unwrap_or_default(),
                    e.month.map(|m| m.to_string()).unwrap_or_default(),
                    e.note.clone(),
                    e.created_by_name.clone().unwrap_or_default(),
                    e.overridden.to_string(),
                ];
                out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            offset += 1000;
            if page.items.len() < 1000 {
                break;
            }
        }
        tx.commit().await?;
        let name = format!(
            "ledger-{}.csv",
            certificate.number.replace(|c: char| !c.is_alphanumeric(), "_")
        );
        Ok((name, out))
    }

    /// A correction: a new ledger row, never an edit (R-PS-4).
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `validation_failed` (zero minutes), `insufficient_balance`.
    pub async fn correct_ledger(
        &self,
        p: &Principal,
        id: CertificateId,
        input: api::LedgerCorrection,
    ) -> Result<api::LedgerEntry> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_role(&CERTIFICATE_MANAGERS)?;
        input.validate()?;
        if input.minutes == 0 {
            return Err(ServiceError::invalid("minutes", "must not be zero"));
        }
        if input.override_balance {
            p.require_role(&[StaffRole::Admin])?;
        }
        let mut tx = self.store.begin().await?;
        let certificate = self.visible_certificate(&mut tx, p, id.uuid()).await?;
        store_customers::lock_customer(&mut tx, certificate.customer_id.uuid()).await?;
        let certificate = store::get_certificate(&mut tx, id.uuid(), self.today()).await?;
        let short = input.minutes > 0 && certificate.balance_minutes < input.minutes;
        if short && !input.override_balance {
            return Err(charge_refused(ChargeError::Insufficient {
                available: certificate.balance_minutes.max(0),
                needed: input.minutes,
            }));
        }
        let entry_id = store::append_ledger(
            &mut tx,
            &store::NewLedgerEntry {
                certificate_id: id.uuid(),
                customer_id: certificate.customer_id.uuid(),
                kind: LedgerKind::Correction,
                minutes: input.minutes,
                ticket_id: None,
                work_log_id: None,
                month: None,
                note: input.note.trim(),
                created_by: Some(p.user.id),
                overridden: short,
                created_at: self.now(),
            },
        )
        .await?;
        let entry = store::ledger_entry(&mut tx, id.uuid(), entry_id).await?;
        tx.commit().await?;
        tracing::info!(certificate = %certificate.number, minutes = input.minutes, "ledger corrected");
        Ok(entry)
    }

    /// An order with its estimates and logged work.
    ///
    /// # Errors
    /// `not_found`, `not_a_service_request`.
    pub async fn get_order(&self, p: &Principal, id: TicketId) -> Result<api::Order> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let ticket = self.visible_ticket(&mut tx, p, id.uuid()).await?;
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
        let id = id.uuid();
        let now = self.now();
        self.change_ticket(p, id, false, async |tx, ticket| {
            require_order(ticket)?;
            let revised = store::estimates(tx, id)
                .await?
                .iter()
                .any(|e| matches!(e.state, EstimateState::Proposed | EstimateState::Approved));
            self.staff_writes(tx, ticket, MessageKind::Message, p.user.id).await?;
            let estimate = store::insert_estimate(tx, id, &input, p.user.id, now).await?;
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
            let message = store_tickets::Message::new(id, p.user.id, "message", false, text.clone(), now);
            store_tickets::insert_message(tx, &message).await?;
            self.notify_author(
                tx,
                ticket,
                if revised {
                    "скорректированная оценка работ"
                } else {
                    "оценка работ"
                },
                &text,
            )
            .await?;
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
        self.get_order(p, TicketId(id)).await
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
        let id = id.uuid();
        let now = self.now();
        let state = if approve {
            EstimateState::Approved
        } else {
            EstimateState::Declined
        };
        self.change_ticket(p, id, false, async |tx, ticket| {
            require_order(ticket)?;
            let found = store::get_estimate(tx, estimate.uuid())
                .await
                .map_err(ServiceError::from_store("estimate"))?;
            if found.ticket_id.uuid() != id {
                return Err(ServiceError::not_found("estimate"));
            }
            if ticket.status == Status::Closed {
                return Err(ServiceError::refused(ErrorCode::TicketClosed, "the order is closed"));
            }
            if !store::decide_estimate(tx, estimate.uuid(), state, p.user.id, now).await? {
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
            let message = store_tickets::Message::new(id, p.user.id, "message", false, text, now);
            store_tickets::insert_message(tx, &message).await?;
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
        self.get_order(p, TicketId(id)).await
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
        let calendar = self.calendar();
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
        let id = id.uuid();
        let description = input.description.trim().to_owned();
        if description.is_empty() {
            return Err(ServiceError::invalid("description", "must not be blank"));
        }
        self.change_ticket(p, id, false, async |tx, ticket| {
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
                        certificate_id: Uuid::nil(),
                        customer_id: ticket.customer_id,
                        kind: LedgerKind::Work,
                        minutes: 0,
                        ticket_id: Some(id),
                        work_log_id: Some(log_id),
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
                    ticket_id: id,
                    customer_id: ticket.customer_id,
                    specialist_id: p.user.id,
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
                self.staff_writes(tx, ticket, MessageKind::Message, p.user.id).await?;
            }
            let message = store_tickets::Message::new(id, p.user.id, "message", false, text.clone(), now);
            store_tickets::insert_message(tx, &message).await?;
            self.notify_author(tx, ticket, "выполнены работы", &text).await?;
            Ok(Event::new(
                "work_logged",
                json!({"work_log_id": log_id, "business_minutes": split.business_minutes,
                       "overtime_minutes": split.overtime_minutes, "counted_minutes": counted,
                       "charged_minutes": charged, "certificates": parts.len(), "overridden": overridden}),
            ))
        })
        .await?;
        tracing::info!(ticket = %id, minutes = split.counted_minutes(), "work logged");
        self.get_order(p, TicketId(id)).await
    }
}

fn minutes_as_hours(minutes: i64) -> f64 {
    // Exact for any ledger value (|minutes| < 2^52).
    #[allow(clippy::cast_precision_loss)]
    let m = minutes as f64;
    m / 60.0
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().chars().take(200).collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
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

async fn order_of(tx: &mut Tx, ticket: Uuid) -> Result<api::Order> {
    let estimates = store::estimates(tx, ticket).await?;
    let work_logs = store::work_logs(tx, ticket).await?;
    Ok(api::Order {
        ticket_id: ticket.into(),
        approved: estimates.first().is_some_and(|e| e.state == EstimateState::Approved),
        counted_minutes: work_logs.iter().map(|w| w.counted_minutes).sum(),
        charged_minutes: work_logs.iter().map(|w| w.charged_minutes).sum(),
        estimates,
        work_logs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_read_in_russian() {
        assert_eq!(hours_text(90), "1 ч 30 мин");
        assert_eq!(hours_text(120), "2 ч");
        assert_eq!(hours_text(45), "45 мин");
        assert_eq!(hours_text(-60), "−1 ч");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
