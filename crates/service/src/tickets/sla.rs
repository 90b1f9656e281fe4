//! Overdue counts for people and scripts (R-INT-1, R-ESC-1) and escalations of
//! overdue tickets to the head of support (R-ESC-2).

use reglament_api::ErrorCode;
use reglament_api::{CustomerCount, Escalation, EscalationInput, OverdueCounts, TeamCount, TierCount};
use reglament_api::{EscalationId, TicketId};
use std::collections::BTreeMap;

use reglament_domain::{Actor, StaffRole};
use reglament_store::overdue as store;
use reglament_store::{Page, PageRequest, mail as outbox, tickets as store_tickets};
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

use super::Tickets;
use crate::accounts::principal::Principal;
use crate::tickets::shared::visibility;
use crate::{Result, ServiceError};
use reglament_api::Scope;

impl Tickets<'_> {
    /// Overdue counts: total, by customer, by team and by tier (R-INT-1). Clients see
    /// the tickets they may see (R-ESC-1).
    ///
    /// # Errors
    /// `insufficient_scope` for a token without `sla:read`.
    pub async fn overdue_counts(&self, p: &Principal) -> Result<OverdueCounts> {
        p.require_scope(Scope::SlaRead)?;
        let now = self.now();
        let mut tx = self.store.read().await?;
        let groups = store::overdue_groups(&mut tx, visibility(p), now).await?;
        tx.commit().await?;
        let mut by_customer: BTreeMap<Uuid, CustomerCount> = BTreeMap::new();
        let mut by_team: BTreeMap<(Uuid, Option<Uuid>), TeamCount> = BTreeMap::new();
        let mut by_tier: BTreeMap<String, i64> = BTreeMap::new();
        for g in &groups {
            by_customer
                .entry(g.customer_id)
                .or_insert_with(|| CustomerCount {
                    customer_id: g.customer_id.into(),
                    name: g.customer_name.clone(),
                    count: 0,
                })
                .count += g.count;
            by_team
                .entry((g.customer_id, g.team_id))
                .or_insert_with(|| TeamCount {
                    customer_id: g.customer_id.into(),
                    team_id: g.team_id.map(Into::into),
                    name: g.team_name.clone(),
                    count: 0,
                })
                .count += g.count;
            *by_tier.entry(g.tier.clone().unwrap_or_default()).or_default() += g.count;
        }
        let mut by_customer: Vec<_> = by_customer.into_values().collect();
        by_customer.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let mut by_team: Vec<_> = by_team.into_values().collect();
        by_team.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        Ok(OverdueCounts {
            total: groups.iter().map(|g| g.count).sum(),
            as_of: now,
            by_customer,
            by_team,
            by_tier: by_tier
                .into_iter()
                .map(|(tier, count)| TierCount { tier, count })
                .collect(),
        })
    }

    /// A key contact escalates an overdue ticket to the head of support (R-ESC-2):
    /// recorded on the ticket, listed for the support leads and mailed to them.
    ///
    /// # Errors
    /// `key_contact_only` (403), `not_found`, `not_overdue` (422), `already_escalated` (409).
    pub async fn escalate(&self, p: &Principal, ticket_id: TicketId, input: EscalationInput) -> Result<Escalation> {
        p.require_scope(Scope::TicketsWrite)?;
        if !matches!(
            p.actor,
            Actor::Client {
                is_key_contact: true,
                ..
            }
        ) {
            return Err(ServiceError::Refused {
                code: ErrorCode::KeyContactOnly,
                detail: "only the customer's key contact escalates tickets".to_owned(),
            });
        }
        input.validate()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let ticket = self.visible_ticket(&mut tx, p, ticket_id).await?;
        if !ticket.is_overdue(now) {
            return Err(ServiceError::Refused {
                code: ErrorCode::NotOverdue,
                detail: "only overdue tickets are escalated".to_owned(),
            });
        }
        if store::has_open_escalation(&mut tx, ticket_id).await? {
            return Err(ServiceError::Refused {
                code: ErrorCode::AlreadyEscalated,
                detail: "this ticket is escalated already and waits for the head of support".to_owned(),
            });
        }
        let escalation = store::Escalation {
            id: Uuid::now_v7(),
            ticket_id: ticket_id.0,
            ticket_number: ticket.number,
            customer_id: ticket.customer_id.0,
            raised_by: p.user.id.0,
            comment: input.comment.trim().to_owned(),
            created_at: now,
            acknowledged_by: None,
            acknowledged_at: None,
        };
        store::insert_escalation(&mut tx, &escalation).await?;
        let data = json!({"comment": escalation.comment, "escalation_id": escalation.id});
        store_tickets::record_event(&mut tx, ticket_id, Some(p.user.id.0), "escalated", &data, now).await?;
        self.integrations()
            .emit_for_history(&mut tx, ticket_id, "escalated", &data, (ticket.status, ticket.status))
            .await?;
        self.notifications().escalated(&mut tx, &ticket).await?;
        let subject = format!("Эскалация: обращение №{} просрочено", ticket.number);
        let body = format!(
            "Ключевое контактное лицо {} эскалировало просроченное обращение №{} «{}».\n\nКомментарий:\n{}\n",
            p.user.full_name, ticket.number, ticket.subject, escalation.comment
        );
        for lead in store::support_lead_emails(&mut tx).await? {
            outbox::enqueue(&mut tx, &lead, &subject, &body, now).await?;
        }
        tx.commit().await?;
        tracing::warn!(ticket = ticket.number, customer_id = %ticket.customer_id, "ticket escalated to the head of support");
        Ok(escalation.into())
    }

    /// Escalations: staff see all, a client their customer's.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_escalations(
        &self,
        p: &Principal,
        open_only: bool,
        page: PageRequest,
    ) -> Result<Page<Escalation>> {
        p.require_scope(Scope::TicketsRead)?;
        let customer = match p.actor {
            Actor::Client { customer_id, .. } => Some(customer_id),
            Actor::Staff { .. } => None,
        };
        let mut tx = self.store.read().await?;
        let list = store::list_escalations(&mut tx, customer, open_only, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// A support lead (or admin) acknowledges an escalation.
    ///
    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn acknowledge_escalation(&self, p: &Principal, id: EscalationId) -> Result<Escalation> {
        p.require_scope(Scope::TicketsWrite)?;
        p.require_role(&[StaffRole::SupportLead, StaffRole::Admin])?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        store::get_escalation(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("escalation"))?;
        store::acknowledge(&mut tx, id, p.user.id, now).await?;
        let escalation = store::get_escalation(&mut tx, id).await?;
        tx.commit().await?;
        Ok(escalation.into())
    }
}
