//! R-NTF-2: before a response deadline passes, the assignee (without one, the support
//! leads; outside the 8x5 hours a 24x7 ticket's person on duty, R-NTF-3) is warned once the
//! running cycle has used its tier's share (default 75%) of its budget in business time on
//! the tier's schedule, and webhook subscribers get `sla.warning`; at the breach the same
//! person and the support leads are told. Each stage once per cycle (`sla_alerts`), so a
//! restart or a second instance neither loses nor repeats one.

use chrono::{DateTime, Utc};
use reglament_api::{TicketId, UserId, WebhookEvent};
use reglament_domain::Schedule;
use reglament_domain::sla::warning_at;
use reglament_store::Tx;
use reglament_store::notifications as store;

use super::Notifications;
use super::inbox::{Reader, Told};
use crate::{Result, ServiceError};

/// Cycles looked at in one round.
const ROUND: i64 = 500;

impl Notifications<'_> {
    /// One round of warnings: every running cycle past its warning instant and not yet
    /// warned. Answers how many cycles were warned about.
    ///
    /// # Errors
    /// On a database failure.
    pub(crate) async fn warn_before_breaches(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let cycles = store::unwarned_cycles(&mut tx, now, ROUND).await?;
        tx.commit().await?;
        let calendar = self.calendar().business_calendar();
        let mut warned = 0;
        for cycle in cycles {
            let schedule: Schedule = cycle.response_schedule.parse().unwrap_or(Schedule::EightByFive);
            let warn_at = warning_at(
                &calendar,
                schedule,
                cycle.response_started_at,
                cycle.response_due_at,
                cycle.warn_percent,
            )
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            if warn_at > now {
                continue;
            }
            let mut tx = self.store.begin().await?;
            if !store::record_sla_alert(&mut tx, cycle.id, cycle.response_started_at, "warning", now).await? {
                continue;
            }
            let schedule = Some(schedule);
            let recipients = self.responsible(&mut tx, cycle.assignee_id, schedule, false).await?;
            let text = |r: &Reader<'_>| {
                let (n, subject, due, share) = (
                    cycle.number,
                    &cycle.subject,
                    r.time(cycle.response_due_at),
                    cycle.warn_percent,
                );
                if r.en {
                    (
                        format!("Ticket #{n}: the response deadline is near"),
                        format!(
                            "Ticket #{n} “{subject}”: an answer is due by {due}. {share}% of the response time is used."
                        ),
                    )
                } else {
                    (
                        format!("Срок ответа по обращению №{n} подходит к концу"),
                        format!(
                            "Обращение №{n} «{subject}»: ответ нужен до {due}. Использовано {share}% времени на ответ."
                        ),
                    )
                }
            };
            let once = once("sla_warning", cycle.id, cycle.response_started_at);
            let told = Told {
                kind: "sla_warning",
                ticket_id: Some(cycle.id),
                text: &text,
                once: Some(&once),
            };
            self.tell(&mut tx, &recipients, &told).await?;
            let details = serde_json::json!({
                "warned_at": now,
                "warn_percent": cycle.warn_percent,
                "response_due_at": cycle.response_due_at,
                "recipients": recipients,
            });
            self.integrations()
                .emit_ticket(&mut tx, WebhookEvent::SlaWarning, cycle.id, "warning", &details)
                .await?;
            tx.commit().await?;
            tracing::info!(
                ticket = cycle.number,
                recipients = recipients.len(),
                "response deadline near: warned"
            );
            warned += 1;
        }
        Ok(warned)
    }

    /// The breach of a cycle, told to the assignee and the support leads, in the
    /// transaction that marks it breached.
    pub(crate) async fn tell_breach(
        &self,
        tx: &mut Tx,
        ticket: &reglament_domain::tickets::Ticket,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (Some(started), Some(due)) = (ticket.response_started_at, ticket.response_due_at) else {
            return Ok(());
        };
        if !store::record_sla_alert(tx, ticket.id, started, "breach", now).await? {
            return Ok(());
        }
        let recipients = self
            .responsible(tx, ticket.assignee_id, ticket.response_schedule, true)
            .await?;
        let text = |r: &Reader<'_>| {
            let (n, subject, due) = (ticket.number, &ticket.subject, r.time(due));
            if r.en {
                (
                    format!("Ticket #{n}: the response deadline is breached"),
                    format!("Ticket #{n} “{subject}”: the response was due {due} and there is none."),
                )
            } else {
                (
                    format!("Срок ответа по обращению №{n} нарушен"),
                    format!("Обращение №{n} «{subject}»: срок ответа истек {due}, ответа нет."),
                )
            }
        };
        let once = once("sla_breach", ticket.id, started);
        let told = Told {
            kind: "sla_breach",
            ticket_id: Some(ticket.id),
            text: &text,
            once: Some(&once),
        };
        self.tell(tx, &recipients, &told).await?;
        Ok(())
    }

    /// Who answers for a ticket now: outside the 8x5 hours a 24x7 ticket's person on duty
    /// (R-NTF-3), else its assignee; without either, or at a breach as well, the support
    /// leads.
    async fn responsible(
        &self,
        tx: &mut Tx,
        assignee: Option<UserId>,
        schedule: Option<Schedule>,
        with_leads: bool,
    ) -> Result<Vec<UserId>> {
        let duty = self.off_hours_duty(tx, schedule).await?;
        let mut people: Vec<UserId> = duty.or(assignee).into_iter().collect();
        if with_leads || people.is_empty() {
            people.extend(store::staff_with_role(tx, "support_lead").await?);
        }
        Ok(people)
    }
}

/// The occasion a stage is told once for: the ticket and its cycle.
fn once(stage: &str, ticket: TicketId, cycle_started_at: DateTime<Utc>) -> String {
    format!("{stage}:{ticket}:{}", cycle_started_at.timestamp_micros())
}
