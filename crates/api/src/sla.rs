//! Overdue counts, escalations and the SLA report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::ids::{CustomerId, EscalationId, TeamId, TicketId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerCount {
    pub customer_id: CustomerId,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamCount {
    pub customer_id: CustomerId,
    /// `null`: authors outside any team.
    pub team_id: Option<TeamId>,
    pub name: Option<String>,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierCount {
    pub tier: String,
    pub count: i64,
}

/// Tickets whose running response cycle is past due now, as the caller may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverdueCounts {
    pub total: i64,
    pub as_of: DateTime<Utc>,
    pub by_customer: Vec<CustomerCount>,
    pub by_team: Vec<TeamCount>,
    pub by_tier: Vec<TierCount>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalationInput {
    /// What the key contact wants the head of support to know.
    #[validate(length(min = 1, max = 10_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10_000))]
    pub comment: String,
}

/// A key contact's escalation of an overdue ticket (R-ESC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Escalation {
    pub id: EscalationId,
    pub ticket_id: TicketId,
    pub ticket_number: i64,
    pub customer_id: CustomerId,
    pub raised_by: UserId,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<UserId>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct EscalationQuery {
    /// Only those nobody has acknowledged yet.
    pub open: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ReportQuery {
    /// First month, `YYYY-MM` (default: five months before `to`).
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-06")
    )]
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: this month in Moscow).
    #[cfg_attr(
        feature = "openapi",
        param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2026-11")
    )]
    pub to: Option<String>,
}

/// Answers of one tier in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierMonth {
    pub tier: String,
    pub month: String,
    pub on_time: i64,
    pub total: i64,
}

/// Answers to one customer in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerMonth {
    pub customer_id: CustomerId,
    pub name: String,
    pub month: String,
    pub on_time: i64,
    pub total: i64,
}

/// Answers whose response time (business minutes) was at most `up_to_minutes`
/// and above the previous bucket's bound; `null` is the open last bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bucket {
    pub up_to_minutes: Option<i64>,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaReport {
    pub from: String,
    pub to: String,
    /// Every month of the range, oldest first.
    pub months: Vec<String>,
    pub by_tier: Vec<TierMonth>,
    pub by_customer: Vec<CustomerMonth>,
    /// Tickets overdue now, by tier, as the caller may see them.
    pub overdue_by_tier: Vec<TierCount>,
    pub distribution: Vec<Bucket>,
}

/// Liveness, and what needs an admin's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    pub status: String,
    pub version: String,
    /// `postgres` or `sqlite`.
    pub database: String,
    pub database_ok: bool,
    /// Things that work but need an admin's attention.
    pub warnings: Vec<String>,
    pub now: DateTime<Utc>,
    /// This instance's name (host, process and a random tag), as leases name it.
    pub instance: String,
    /// The loops that run on one instance at a time (R-OPS-2) and who runs them.
    pub leaders: Vec<Leader>,
}

/// A loop that must have one reader across instances, and the instance running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leader {
    /// `imap` or `telegram`.
    pub name: String,
    /// The instance holding it.
    pub holder: String,
    /// Whether the answering instance holds it.
    pub here: bool,
    pub since: DateTime<Utc>,
    /// Unrenewed past this, another instance takes it over.
    pub expires_at: DateTime<Utc>,
}

/// Readiness (R-OPS-3): whether this instance should get traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `ready`, or `not_ready` with the reasons.
    pub status: String,
    pub database_ok: bool,
    /// Migrations this build has that the database lacks (0 when current).
    pub migrations_pending: usize,
    /// True once the instance was told to stop (SIGTERM): it finishes and hands over.
    pub stopping: bool,
    pub reasons: Vec<String>,
}
