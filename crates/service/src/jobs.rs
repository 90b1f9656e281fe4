//! Background work, derived from the database on every round so that a restart
//! loses no timer, and safe with several server instances: each change happens under
//! the customer's row lock (PostgreSQL) or the write lock (SQLite) and re-reads the
//! ticket first, so two instances never do the same thing twice.

use chrono::TimeDelta;
use reglament_api::ids::*;
use reglament_domain::{CloseReason, Status};
use reglament_store::{Tx, customers as store_customers, tickets as store};
use serde::Serialize;
use serde_json::json;

use crate::notifications::client_notices::{Notice, NoticeKind};
use crate::{App, Result, ServiceError};

/// Working days without a client reply after which a waiting ticket closes (R-TKT-6).
pub const AUTO_CLOSE_WORKING_DAYS: u32 = 3;
const BATCH: i64 = 200;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    pub auto_closed: usize,
    /// Waiting tickets whose clients were reminded a working day before the auto-close (R-NTF-4).
    pub auto_close_reminders: usize,
    pub breaches_marked: usize,
    /// Running response cycles whose assignee was warned before the deadline (R-NTF-2).
    pub sla_warnings: usize,
    pub promoted: usize,
    /// Queued tickets closed once the contract and the clients' access after it ended (R-CON-3).
    pub queued_closed: usize,
    pub attachments_purged: usize,
    /// Confidential messages whose text was purged (R-CON-6, R-CONF-1).
    pub messages_purged: usize,
    /// Customers' months whose unused booked hours were charged (R-BK-4).
    pub bookings_charged: usize,
    /// Confidential rejected mail whose content was purged (R-CONF-1).
    pub rejected_mail_purged: u64,
    /// Telegram chats whose customer's tier stopped including Telegram (R-CH-3).
    pub telegram_chats_suspended: usize,
    /// Finished webhook deliveries older than 30 days, removed from the log.
    pub webhook_deliveries_purged: u64,
    /// Support leads told today of a gap in the duty roster (R-NTF-3).
    pub duty_gaps_told: usize,
    /// Live-stream events older than a day, removed.
    pub live_events_pruned: u64,
    /// Key contacts told that their customer's access ends soon (R-NTF-4, R-ACL-5).
    pub access_end_notices: usize,
}

crate::capability!(
    /// Background work: the rounds of every job.
    Jobs,
    jobs
);

impl Jobs<'_> {
    /// One round of every job.
    ///
    /// # Errors
    /// On a database failure; what was done before it stays done.
    pub async fn run_once(&self) -> Result<JobReport> {
        // Deadlines below are computed on the calendar in the database, whoever edited it.
        if self.calendar().load_calendar().await? {
            tracing::info!("production calendar reloaded: it was changed in the database");
        }
        let auto_close_reminders = self.remind_before_auto_close().await?;
        let auto_closed = self.auto_close_waiting().await?;
        let breaches_marked = self.mark_breaches().await?;
        let sla_warnings = self.notifications().warn_before_breaches().await?;
        let (promoted, queued_closed) = self.promote_all_queues().await?;
        let report = JobReport {
            auto_close_reminders,
            auto_closed,
            breaches_marked,
            sla_warnings,
            promoted,
            queued_closed,
            attachments_purged: self.tickets().purge_confidential().await?,
            messages_purged: self.tickets().purge_confidential_messages().await?,
            bookings_charged: self.bookings().charge_unused_bookings().await?,
            rejected_mail_purged: self.channels().purge_rejected_mail().await?,
            telegram_chats_suspended: self.channels().suspend_telegram_chats().await?,
            webhook_deliveries_purged: self.integrations().purge_webhook_log().await?,
            duty_gaps_told: self.notifications().report_duty_gaps().await?,
            live_events_pruned: self.notifications().prune_live_events().await?,
            access_end_notices: self.notifications().tell_access_ending().await?,
        };
        if report != JobReport::default() {
            tracing::info!(?report, "background round");
        }
        Ok(report)
    }

    /// R-TKT-6: a ticket that waited 3 working days for the client closes with `no_customer_response`.
    async fn auto_close_waiting(&self) -> Result<usize> {
        let now = self.now();
        // 3 working days are never less than 2 calendar days: a cheap bound for the query.
        let mut tx = self.store.read().await?;
        let candidates = store::waiting_since_before(&mut tx, now - TimeDelta::days(2), BATCH).await?;
        tx.commit().await?;
        let calendar = self.calendar().business_calendar();
        let mut closed = 0;
        for candidate in candidates {
            let Some(since) = candidate.waiting_since else { continue };
            let due = calendar
                .add_working_days(since, AUTO_CLOSE_WORKING_DAYS)
                .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            if due > now {
                continue;
            }
            let mut tx = self.store.begin().await?;
            store_customers::lock_customer(&mut tx, candidate.customer_id).await?;
            let mut ticket = store::get(&mut tx, candidate.id).await?;
            // The client may have answered, or another instance closed it, meanwhile.
            if ticket.status != Status::WaitingForCustomer || ticket.waiting_since != Some(since) {
                continue;
            }
            ticket.close(CloseReason::NoCustomerResponse, now);
            store::update(&mut tx, &ticket).await?;
            let data = json!({"status": {"before": "waiting_for_customer", "after": "closed"},
                "close_reason": "no_customer_response", "waiting_since": since});
            store::record_event(&mut tx, ticket.id, None, "auto_closed", &data, now).await?;
            self.integrations()
                .emit_for_history(
                    &mut tx,
                    ticket.id,
                    "auto_closed",
                    &data,
                    (Status::WaitingForCustomer, Status::Closed),
                )
                .await?;
            let notice = Notice {
                kind: NoticeKind::Status,
                what: (
                    "обращение закрыто: нет ответа от вас 3 рабочих дня",
                    "the ticket is closed: no answer from you for 3 working days",
                ),
                text: "Если вопрос остался, ответьте на это письмо: обращение откроется снова. \
                       / If the question remains, reply to this mail: the ticket reopens.",
                at: None,
                once: None,
            };
            self.notifications().tell_clients(&mut tx, &ticket, &notice).await?;
            self.tickets().promote_queue(&mut tx, ticket.customer_id, now).await?;
            tx.commit().await?;
            tracing::info!(
                ticket = ticket.number,
                "closed after 3 working days without a client reply"
            );
            closed += 1;
        }
        Ok(closed)
    }

    /// R-NTF-4: one working day before R-TKT-6 would close a waiting ticket, its clients are
    /// reminded, once per waiting period (a client's answer ends the period, and a new wait
    /// is a new period).
    async fn remind_before_auto_close(&self) -> Result<usize> {
        let now = self.now();
        // Two working days are never less than a calendar day: a cheap bound for the query.
        let mut tx = self.store.read().await?;
        let candidates = store::waiting_since_before(&mut tx, now - TimeDelta::days(1), 5 * BATCH).await?;
        tx.commit().await?;
        let calendar = self.calendar().business_calendar();
        let mut reminded = 0;
        for candidate in candidates {
            let Some(since) = candidate.waiting_since else { continue };
            let remind_at = calendar
                .add_working_days(since, AUTO_CLOSE_WORKING_DAYS - 1)
                .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            let closes_at = calendar
                .add_working_days(since, AUTO_CLOSE_WORKING_DAYS)
                .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            if now < remind_at || now >= closes_at {
                continue;
            }
            let mut tx = self.store.begin().await?;
            let ticket = store::get(&mut tx, candidate.id).await?;
            if ticket.status != Status::WaitingForCustomer || ticket.waiting_since != Some(since) {
                continue;
            }
            let once = format!("auto_close_reminder:{}:{}", ticket.id, since.timestamp_micros());
            let notice = Notice {
                kind: NoticeKind::AutoCloseReminder,
                what: (
                    "ждем вашего ответа, иначе обращение будет закрыто",
                    "we are waiting for your answer, or the ticket will be closed",
                ),
                text: "",
                at: Some((closes_at, "Закрытие без ответа", "Closes without an answer at")),
                once: Some(&once),
            };
            if self.notifications().tell_clients(&mut tx, &ticket, &notice).await? > 0 {
                reminded += 1;
            }
            tx.commit().await?;
        }
        Ok(reminded)
    }

    /// R-SLA-4: a running cycle past its due time is recorded as breached.
    async fn mark_breaches(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let ids = store::unmarked_breaches(&mut tx, now, BATCH).await?;
        let mut marked = 0;
        for id in ids {
            if store::mark_breached(&mut tx, TicketId(id), now).await? {
                let ticket = store::get(&mut tx, TicketId(id)).await?;
                self.notifications().tell_breach(&mut tx, &ticket, now).await?;
                let data = json!({"at": now});
                store::record_event(&mut tx, TicketId(id), None, "breached", &data, now).await?;
                // No status change: a breach is told as itself.
                self.integrations()
                    .emit_for_history(&mut tx, TicketId(id), "breached", &data, (Status::Open, Status::Open))
                    .await?;
                marked += 1;
            }
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// R-LIM-3: queued tickets enter work when slots are free, including after a tier
    /// upgrade or a renewal.
    async fn promote_all_queues(&self) -> Result<(usize, usize)> {
        let mut tx = self.store.read().await?;
        let customers = store::customers_with_queue(&mut tx).await?;
        tx.commit().await?;
        let (mut promoted, mut closed) = (0, 0);
        for customer_id in customers {
            let mut tx = self.store.begin().await?;
            store_customers::lock_customer(&mut tx, CustomerId(customer_id)).await?;
            promoted += self
                .tickets()
                .promote_queue(&mut tx, CustomerId(customer_id), self.now())
                .await?;
            closed += self.close_queue_after_access(&mut tx, CustomerId(customer_id)).await?;
            tx.commit().await?;
        }
        Ok((promoted, closed))
    }

    /// R-CON-3: once the clients' access has ended after the last contract (R-ACL-5), the
    /// customer's queued tickets close with `contract_ended`. The caller holds the lock.
    async fn close_queue_after_access(&self, tx: &mut Tx, customer_id: CustomerId) -> Result<usize> {
        let now = self.now();
        let Some(ends) = self.accounts().customer_access_ends_at(tx, customer_id).await? else {
            return Ok(0);
        };
        if now < ends {
            return Ok(0);
        }
        let queued = store::oldest_queued(tx, customer_id, BATCH).await?;
        for mut ticket in queued.iter().cloned() {
            ticket.close(CloseReason::ContractEnded, now);
            store::update(tx, &ticket).await?;
            let data = json!({"status": {"before": "queued", "after": "closed"}, "close_reason": "contract_ended"});
            store::record_event(tx, ticket.id, None, "closed", &data, now).await?;
            self.integrations()
                .emit_for_history(tx, ticket.id, "closed", &data, (Status::Queued, Status::Closed))
                .await?;
            tracing::info!(
                ticket = ticket.number,
                "queued ticket closed: the contract and the access after it ended"
            );
        }
        Ok(queued.len())
    }
}

/// Runs the jobs every `every` until the process ends.
pub async fn run_forever(app: App, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        let Some(_round) = app.instances().round().await else {
            return;
        };
        let started = std::time::Instant::now();
        let outcome = if let Err(err) = app.jobs().run_once().await {
            tracing::warn!(error = %err, "background round failed");
            "failed"
        } else {
            "ok"
        };
        metrics::histogram!("reglament_job_round_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
    }
}
