//! SLA decisions (SPEC section 4, R-SLA-1…6): when a response cycle starts and
//! ends, its due time by tier, overdue and breached, and the critical-fix clock.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{BusinessCalendar, CalendarError};
use crate::tier::{Schedule, Tier};

pub use reglament_api::Category;

/// What happened to a ticket, as far as the response clock cares (R-SLA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEvent {
    /// Created in work, or promoted from the queue (R-SLA-3).
    EnteredWork,
    /// The client wrote while the ticket was waiting for the client.
    ClientRepliedWhileWaiting,
    /// A closed ticket was reopened.
    Reopened,
    /// The client wrote while a cycle was already running: the clock goes on.
    ClientMessage,
    /// The first public staff reply: the cycle ends.
    PublicStaffReply,
    /// An internal note: the client sees nothing, the clock goes on.
    InternalNote,
}

/// What the clock does on an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockDecision {
    /// A new cycle starts now (an older running one, if any, is replaced).
    Start,
    /// The running cycle ends now.
    End,
    /// Nothing changes.
    Keep,
}

/// R-SLA-1: cycles start on entering work, on a client reply to a ticket waiting for
/// the client, and on reopening; they end with the first public staff reply; client
/// messages while a cycle runs do not restart it.
#[must_use]
pub fn clock_decision(event: ClockEvent, cycle_running: bool) -> ClockDecision {
    match event {
        ClockEvent::EnteredWork | ClockEvent::Reopened => ClockDecision::Start,
        ClockEvent::ClientRepliedWhileWaiting | ClockEvent::ClientMessage if !cycle_running => ClockDecision::Start,
        ClockEvent::PublicStaffReply if cycle_running => ClockDecision::End,
        _ => ClockDecision::Keep,
    }
}

/// One response cycle, with the tier and schedule in force when it started (R-SLA-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseCycle {
    pub started_at: DateTime<Utc>,
    pub tier_code: String,
    pub schedule: Schedule,
    pub target_minutes: i64,
    /// `None` for a category without SLA (R-SLA-2).
    pub due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// R-SLA-2: licensing and billing questions have no response SLA; every other category has.
#[must_use]
pub fn has_response_sla(category: Category) -> bool {
    category != Category::LicensingBilling
}

impl ResponseCycle {
    /// Starts a cycle at `at` under `tier`.
    ///
    /// # Errors
    /// When `at` is outside the calendar's years.
    pub fn start(
        calendar: &BusinessCalendar,
        tier: &Tier,
        category: Category,
        at: DateTime<Utc>,
    ) -> Result<Self, CalendarError> {
        let due_at = if has_response_sla(category) {
            Some(response_due_at(calendar, tier, at)?)
        } else {
            None
        };
        Ok(Self {
            started_at: at,
            tier_code: tier.code.clone(),
            schedule: tier.schedule,
            target_minutes: tier.response_target_minutes,
            due_at,
            answered_at: None,
        })
    }

    #[must_use]
    pub fn is_running(&self) -> bool {
        self.answered_at.is_none()
    }

    /// R-SLA-4: overdue while the cycle runs past its due time.
    #[must_use]
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_running() && self.due_at.is_some_and(|due| now > due)
    }

    /// R-SLA-4: a cycle answered late is breached (and one still running past due will be).
    #[must_use]
    pub fn is_breached(&self, now: DateTime<Utc>) -> bool {
        match (self.due_at, self.answered_at) {
            (Some(due), Some(answered)) => answered > due,
            (Some(due), None) => now > due,
            (None, _) => false,
        }
    }
}

/// The guaranteed response time of `tier` counted from `start` on its schedule.
///
/// # Errors
/// When `start` is outside the calendar's years.
pub fn response_due_at(
    calendar: &BusinessCalendar,
    tier: &Tier,
    start: DateTime<Utc>,
) -> Result<DateTime<Utc>, CalendarError> {
    calendar.add_on(tier.schedule, start, TimeDelta::minutes(tier.response_target_minutes))
}

/// The share of a response cycle's budget, in business time on its schedule, after which
/// the assignee is warned (R-NTF-2).
pub const DEFAULT_WARN_PERCENT: i32 = 75;

/// R-NTF-2: when a cycle started at `started_at` and due at `due_at` on `schedule` has used
/// `percent` of its budget, in business time (an 8x5 cycle's budget does not run over a
/// weekend or a holiday, so neither does its warning).
///
/// # Errors
/// When an instant is outside the calendar's years.
pub fn warning_at(
    calendar: &BusinessCalendar,
    schedule: Schedule,
    started_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    percent: i32,
) -> Result<DateTime<Utc>, CalendarError> {
    let budget = calendar.between_on(schedule, started_at, due_at)?;
    let micros = budget.num_microseconds().unwrap_or(i64::MAX / 100);
    let used = TimeDelta::microseconds(micros.saturating_mul(i64::from(percent.clamp(0, 100))) / 100);
    calendar.add_on(schedule, started_at, used)
}

/// Working days for the fix of a confirmed critical bug (R-SLA-5).
pub const CRITICAL_FIX_WORKING_DAYS: u32 = 10;

/// R-SLA-5: the fix of a critical bug confirmed at `confirmed_at` is due 10 working days later.
///
/// # Errors
/// When the instant is outside the calendar's years.
pub fn critical_fix_due_at(
    calendar: &BusinessCalendar,
    confirmed_at: DateTime<Utc>,
) -> Result<DateTime<Utc>, CalendarError> {
    calendar.add_working_days(confirmed_at, CRITICAL_FIX_WORKING_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msk(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+03:00"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn tier(code: &str) -> Tier {
        crate::tier::appendix_1().into_iter().find(|t| t.code == code).unwrap()
    }

    fn cal() -> BusinessCalendar {
        BusinessCalendar::russian().unwrap()
    }

    // R-SLA-1: due = cycle start + tier target on the tier's schedule.
    #[test]
    fn r_sla_1_due_by_tier() {
        let c = cal();
        let friday_evening = msk("2026-03-13T17:30:00");
        let due = |code: &str| response_due_at(&c, &tier(code), friday_evening).unwrap();
        assert_eq!(due("basic"), msk("2026-03-16T17:30:00"));
        assert_eq!(due("basic_plus"), msk("2026-03-16T12:30:00"));
        assert_eq!(due("premium"), msk("2026-03-13T19:30:00"));
        assert_eq!(due("premium_plus"), msk("2026-03-13T18:30:00"));
        // 24x7 on a holiday night.
        assert_eq!(
            response_due_at(&c, &tier("premium"), msk("2026-01-01T23:00:00")).unwrap(),
            msk("2026-01-02T01:00:00")
        );
    }

    // R-SLA-1: which events start and end a cycle; client messages while it runs do not restart it.
    #[test]
    fn r_sla_1_cycle_starts_and_ends() {
        use ClockDecision::{End, Keep, Start};
        use ClockEvent::*;
        assert_eq!(clock_decision(EnteredWork, false), Start);
        assert_eq!(clock_decision(Reopened, false), Start);
        assert_eq!(clock_decision(ClientRepliedWhileWaiting, false), Start);
        assert_eq!(clock_decision(ClientMessage, true), Keep);
        assert_eq!(clock_decision(ClientMessage, false), Start);
        assert_eq!(clock_decision(InternalNote, true), Keep);
        assert_eq!(clock_decision(PublicStaffReply, true), End);
        assert_eq!(clock_decision(PublicStaffReply, false), Keep);
    }

    // R-SLA-2: licensing and billing tickets have no due time and are never overdue.
    #[test]
    fn r_sla_2_no_sla_for_licensing_billing() {
        let cycle = ResponseCycle::start(
            &cal(),
            &tier("basic"),
            Category::LicensingBilling,
            msk("2026-03-10T10:00:00"),
        )
        .unwrap();
        assert_eq!(cycle.due_at, None);
        assert!(!cycle.is_overdue(msk("2027-01-01T00:00:00")));
        assert!(!cycle.is_breached(msk("2027-01-01T00:00:00")));
    }

    // R-SLA-4: overdue while running past due; answered late is breached; answered on time is not.
    #[test]
    fn r_sla_4_overdue_and_breached() {
        let mut cycle =
            ResponseCycle::start(&cal(), &tier("basic_plus"), Category::Bug, msk("2026-03-10T10:00:00")).unwrap();
        assert_eq!(cycle.due_at, Some(msk("2026-03-10T14:00:00")));
        assert!(
            !cycle.is_overdue(msk("2026-03-10T14:00:00")),
            "due time itself is on time"
        );
        assert!(cycle.is_overdue(msk("2026-03-10T14:00:01")));
        cycle.answered_at = Some(msk("2026-03-10T14:00:00"));
        assert!(!cycle.is_breached(msk("2026-03-11T00:00:00")));
        cycle.answered_at = Some(msk("2026-03-10T14:00:01"));
        assert!(cycle.is_breached(msk("2026-03-11T00:00:00")));
        assert!(
            !cycle.is_overdue(msk("2026-03-11T00:00:00")),
            "an answered cycle is not overdue"
        );
    }

    // R-SLA-5: the critical fix is due 10 working days after confirmation, on 8x5 whatever the tier.
    #[test]
    fn r_sla_5_critical_fix() {
        assert_eq!(
            critical_fix_due_at(&cal(), msk("2026-04-30T15:00:00")).unwrap(),
            msk("2026-05-18T15:00:00")
        );
    }

    // R-SLA-6: a cycle keeps the tier and schedule in force when it started.
    #[test]
    fn r_sla_6_cycle_keeps_its_tier() {
        let cycle = ResponseCycle::start(
            &cal(),
            &tier("basic"),
            Category::Consultation,
            msk("2026-03-14T12:00:00"),
        )
        .unwrap();
        let upgraded = tier("premium_plus");
        assert_eq!(
            (cycle.tier_code.as_str(), cycle.schedule, cycle.target_minutes),
            ("basic", Schedule::EightByFive, 540)
        );
        assert_ne!(cycle.schedule, upgraded.schedule);
        assert_eq!(cycle.due_at, Some(msk("2026-03-16T18:00:00")));
    }

    // R-NTF-2: a basic (8x5, 9 business hours) ticket opened Friday 17:30 Moscow time is
    // due Monday 17:30 and warned at 75% of its budget, Monday 15:15, not over the weekend.
    #[test]
    fn r_ntf_2_the_warning_counts_business_time_on_the_schedule() {
        let calendar = BusinessCalendar::russian().expect("the shipped calendar");
        let started = msk("2026-03-13T17:30:00");
        let due = calendar
            .add_on(Schedule::EightByFive, started, TimeDelta::hours(9))
            .expect("in range");
        assert_eq!(due, msk("2026-03-16T17:30:00"));
        let warn = warning_at(&calendar, Schedule::EightByFive, started, due, 75).expect("in range");
        assert_eq!(warn, msk("2026-03-16T15:15:00"));
        // Over the New Year holidays: opened 30 Dec 2026 16:00, due 11 Jan 2027 16:00
        // (1 h on the 30th, the 31st is a day off, work resumes on 11 January).
        let started = msk("2026-12-30T16:00:00");
        let due = calendar
            .add_on(Schedule::EightByFive, started, TimeDelta::hours(9))
            .expect("in range");
        let warn = warning_at(&calendar, Schedule::EightByFive, started, due, 75).expect("in range");
        assert!(warn > msk("2027-01-09T00:00:00") && warn < due, "{warn} {due}");
        assert_eq!(
            calendar
                .between_on(Schedule::EightByFive, started, warn)
                .expect("in range"),
            TimeDelta::minutes(405)
        );
        // A 24x7 cycle of one hour at night is warned 45 minutes in.
        let night = msk("2026-03-14T03:00:00");
        let warn = warning_at(
            &calendar,
            Schedule::TwentyFourSeven,
            night,
            night + TimeDelta::hours(1),
            75,
        )
        .expect("in range");
        assert_eq!(warn, msk("2026-03-14T03:45:00"));
    }
}
