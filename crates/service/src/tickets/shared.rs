//! What the ticket use cases share: the list filter, visibility (R-ACL-1, R-ACL-2), the start of a response cycle, history entries.

use chrono::{DateTime, Utc};
use reglament_api::ErrorCode;
use reglament_api::ids::*;
use reglament_domain::sla::ResponseCycle;
use reglament_domain::{Actor, Category, StaffRole, Tier};
use reglament_store::tickets::{Ticket, Visibility};

use crate::accounts::principal::Principal;
use crate::{App, Result, ServiceError};

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
pub(crate) fn can_see(p: &Principal, ticket: &Ticket, team_of_author: Option<TeamId>) -> bool {
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
    ResponseCycle::start(&app.calendar().business_calendar(), tier, category, at)
        .map_err(|e| ServiceError::Internal(Box::new(e)))
}

/// How long after closing a client's message reopens a ticket (R-TKT-7).
pub const REOPEN_WINDOW_DAYS: i64 = 30;
pub(crate) const STAFF: [StaffRole; 5] = [
    StaffRole::Admin,
    StaffRole::SupportLead,
    StaffRole::Agent,
    StaffRole::AccountManager,
    StaffRole::Specialist,
];

/// An entry of a ticket's history (R-TKT-10): what happened, and what changed.
pub(crate) struct Event {
    pub kind: &'static str,
    pub data: serde_json::Value,
}

impl Event {
    pub(crate) fn new(kind: &'static str, data: serde_json::Value) -> Self {
        Self { kind, data }
    }
}

pub(crate) fn closed_conflict() -> ServiceError {
    ServiceError::Refused {
        code: ErrorCode::TicketClosed,
        detail: "the ticket is closed".to_owned(),
    }
}
