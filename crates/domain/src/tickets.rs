//! Ticket rules (SPEC sections 5–6): statuses, close reasons, and the open-ticket
//! limit with its queue (R-LIM-1…4).

use chrono::{DateTime, Utc};
pub use reglament_api::{BugResolution, Channel, CloseReason, Status};
use reglament_api::{CustomerId, TicketId, UserId};

use crate::sla::{Category, ResponseCycle};
use crate::tier::{Schedule, Tier};

/// A ticket with the transitions of its life. Each transition keeps `status`, `takes_slot`,
/// the response-cycle fields and `waiting_since` consistent, so that no use case sets them
/// one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: TicketId,
    /// The short human number (R-TKT-10).
    pub number: i64,
    pub customer_id: CustomerId,
    pub author_id: UserId,
    pub assignee_id: Option<UserId>,
    pub category: Category,
    pub subject: String,
    /// Markdown.
    pub body: String,
    pub product_version: Option<String>,
    pub channel: Channel,
    pub status: Status,
    pub close_reason: Option<CloseReason>,
    pub is_critical: bool,
    pub critical_justification: Option<String>,
    pub bug_confirmed: bool,
    /// Counted against the customer's open-ticket limit now.
    pub takes_slot: bool,
    /// When the running or last response cycle started (R-SLA-1).
    pub response_started_at: Option<DateTime<Utc>>,
    /// Due time of the running cycle; `None` when there is none or no SLA (R-SLA-2, R-SLA-3).
    pub response_due_at: Option<DateTime<Utc>>,
    /// The tier and schedule the cycle started under (R-SLA-6).
    pub response_tier: Option<String>,
    pub response_schedule: Option<Schedule>,
    /// A response cycle runs: support owes a public answer.
    pub awaiting_response: bool,
    /// Some cycle was answered late (R-SLA-4).
    pub response_breached: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// Due time of the fix of a confirmed critical bug (R-SLA-5).
    pub fix_due_at: Option<DateTime<Utc>>,
    /// Since when the ticket waits for the client (R-TKT-6).
    pub waiting_since: Option<DateTime<Utc>>,
    /// The closed ticket this one continues (R-TKT-7).
    pub parent_ticket_id: Option<TicketId>,
    /// How a bug was resolved (R-TKT-9).
    pub bug_resolution: Option<BugResolution>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Ticket {
    /// R-SLA-4: a running response cycle is past its due time at `now`.
    #[must_use]
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.awaiting_response && self.response_due_at.is_some_and(|due| now > due)
    }

    /// After every transition: the slot follows from status and category (R-LIM-1, R-LIM-2).
    fn settle(&mut self, now: DateTime<Utc>) {
        self.takes_slot = takes_slot(self.status, self.category, self.bug_confirmed);
        self.updated_at = now;
    }

    fn run_cycle(&mut self, cycle: &ResponseCycle) {
        self.response_started_at = Some(cycle.started_at);
        self.response_due_at = cycle.due_at;
        self.response_tier = Some(cycle.tier_code.clone());
        self.response_schedule = Some(cycle.schedule);
        self.awaiting_response = true;
    }

    /// A new ticket enters work (`status` from [`admission`]), with its first response
    /// cycle when it is not queued (R-LIM-1, R-LIM-3, R-SLA-1, R-SLA-3).
    pub fn open(&mut self, status: Status, cycle: Option<&ResponseCycle>, now: DateTime<Utc>) {
        self.status = status;
        if let (Status::Open, Some(cycle)) = (status, cycle) {
            self.run_cycle(cycle);
        }
        self.settle(now);
    }

    /// R-LIM-3: a queued ticket takes a freed slot; its response clock starts now (R-SLA-3).
    pub fn promote(&mut self, cycle: &ResponseCycle, now: DateTime<Utc>) {
        self.open(Status::Open, Some(cycle), now);
    }

    /// A client writes and support owes an answer again: a new cycle starts (R-SLA-1).
    pub fn start_cycle(&mut self, cycle: &ResponseCycle, now: DateTime<Utc>) {
        self.run_cycle(cycle);
        self.settle(now);
    }

    /// Staff answer in public: the running cycle ends (R-SLA-1), late or on time (R-SLA-4).
    /// Answers whether it was on time, or `None` when no cycle ran.
    pub fn answer(&mut self, now: DateTime<Utc>) -> Option<bool> {
        if !self.awaiting_response {
            return None;
        }
        let late = self.response_due_at.is_some_and(|due| now > due);
        self.awaiting_response = false;
        self.response_breached |= late;
        self.settle(now);
        Some(!late)
    }

    /// R-TKT-6: staff propose a solution or ask for information: a ticket in work waits
    /// for the client from `now`.
    pub fn wait_for_customer(&mut self, now: DateTime<Utc>) {
        if in_work(self.status) {
            self.status = Status::WaitingForCustomer;
            self.waiting_since = Some(now);
        }
        self.settle(now);
    }

    /// R-TKT-6: the client answers a waiting ticket: it is in work again, with a new
    /// cycle when one starts.
    pub fn resume(&mut self, cycle: Option<&ResponseCycle>, now: DateTime<Utc>) {
        self.status = Status::Open;
        self.waiting_since = None;
        if let Some(cycle) = cycle {
            self.run_cycle(cycle);
        }
        self.settle(now);
    }

    /// Closes the ticket with `reason` (R-TKT-2, R-TKT-6, R-TKT-8): the one close for
    /// staff, clients and the auto-close alike. Nothing runs or waits after it and the
    /// slot is free; a cycle still running past its due time stays on record as breached.
    pub fn close(&mut self, reason: CloseReason, now: DateTime<Utc>) {
        if self.is_overdue(now) {
            self.response_breached = true;
        }
        self.status = Status::Closed;
        self.close_reason = Some(reason);
        self.closed_at = Some(now);
        self.awaiting_response = false;
        self.response_due_at = None;
        self.waiting_since = None;
        self.settle(now);
    }

    /// R-TKT-7: a client writes to a ticket closed less than 30 days ago: it reopens
    /// as [`admission`] decides (`status`), with a new cycle when it is in work.
    pub fn reopen(&mut self, status: Status, cycle: Option<&ResponseCycle>, now: DateTime<Utc>) {
        self.close_reason = None;
        self.closed_at = None;
        self.open(status, cycle, now);
    }

    /// R-LIM-2: a bug confirmed by staff no longer counts against the limit.
    pub fn confirm_bug(&mut self, now: DateTime<Utc>) {
        self.bug_confirmed = true;
        self.settle(now);
    }

    /// R-TKT-1: staff move the ticket to another category; the slot follows.
    pub fn reclassify(&mut self, category: Category, now: DateTime<Utc>) {
        self.category = category;
        self.settle(now);
    }
}

/// A ticket as the API shows it.
impl From<Ticket> for reglament_api::Ticket {
    fn from(t: Ticket) -> Self {
        Self {
            id: t.id,
            number: t.number,
            customer_id: t.customer_id,
            author_id: t.author_id,
            assignee_id: t.assignee_id,
            category: t.category,
            subject: t.subject,
            body: t.body,
            product_version: t.product_version,
            channel: t.channel,
            status: t.status,
            close_reason: t.close_reason,
            is_critical: t.is_critical,
            critical_justification: t.critical_justification,
            bug_confirmed: t.bug_confirmed,
            takes_slot: t.takes_slot,
            response_started_at: t.response_started_at,
            response_due_at: t.response_due_at,
            response_tier: t.response_tier,
            response_schedule: t.response_schedule,
            awaiting_response: t.awaiting_response,
            response_breached: t.response_breached,
            closed_at: t.closed_at,
            fix_due_at: t.fix_due_at,
            waiting_since: t.waiting_since,
            parent_ticket_id: t.parent_ticket_id,
            bug_resolution: t.bug_resolution,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// R-LIM-2: licensing and billing, improvements, account management, and bugs
/// confirmed by staff are not counted.
#[must_use]
pub fn category_counts(category: Category, bug_confirmed: bool) -> bool {
    match category {
        Category::LicensingBilling | Category::Improvement | Category::AccountManagement => false,
        Category::Bug => !bug_confirmed,
        Category::Consultation | Category::ServiceRequest => true,
    }
}

/// In work: counted against the limit when its category is (R-LIM-1); a queued or
/// closed ticket is not.
#[must_use]
pub fn in_work(status: Status) -> bool {
    matches!(status, Status::Open | Status::WaitingForCustomer)
}

/// Whether a ticket takes one of the customer's slots now.
#[must_use]
pub fn takes_slot(status: Status, category: Category, bug_confirmed: bool) -> bool {
    in_work(status) && category_counts(category, bug_confirmed)
}

/// Where a new ticket goes (R-LIM-1, R-LIM-3): in work, or to the queue when the
/// customer's counted tickets in work have reached the tier's limit.
#[must_use]
pub fn admission(tier: &Tier, category: Category, counted_in_work: i64) -> Status {
    match tier.max_open_tickets {
        Some(limit) if category_counts(category, false) && counted_in_work >= limit => Status::Queued,
        _ => Status::Open,
    }
}

/// How many queued tickets may enter work now (R-LIM-3): the free slots, or all on an unlimited tier.
#[must_use]
pub fn free_slots(tier: &Tier, counted_in_work: i64) -> Option<i64> {
    tier.max_open_tickets.map(|limit| (limit - counted_in_work).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn tier(code: &str) -> Tier {
        crate::tier::appendix_1().into_iter().find(|t| t.code == code).unwrap()
    }

    // R-LIM-1, R-LIM-3: the last free slot is taken, the next counted ticket is queued.
    #[test]
    fn r_lim_1_admission_up_to_the_limit() {
        let basic = tier("basic");
        assert_eq!(admission(&basic, Category::Consultation, 4), Status::Open);
        assert_eq!(admission(&basic, Category::Consultation, 5), Status::Queued);
        assert_eq!(admission(&basic, Category::Bug, 5), Status::Queued);
        assert_eq!(
            admission(&tier("premium"), Category::Bug, 10_000),
            Status::Open,
            "unlimited"
        );
        assert_eq!(free_slots(&basic, 3), Some(2));
        assert_eq!(free_slots(&basic, 7), Some(0));
        assert_eq!(free_slots(&tier("premium_plus"), 7), None);
    }

    // R-LIM-2: exempt categories and confirmed bugs are neither counted nor queued.
    #[test]
    fn r_lim_2_exempt_categories() {
        let basic = tier("basic");
        for category in [
            Category::LicensingBilling,
            Category::Improvement,
            Category::AccountManagement,
        ] {
            assert!(!category_counts(category, false));
            assert_eq!(admission(&basic, category, 99), Status::Open);
        }
        assert!(category_counts(Category::Bug, false));
        assert!(!category_counts(Category::Bug, true));
        assert!(!takes_slot(Status::Open, Category::Bug, true));
        assert!(takes_slot(Status::WaitingForCustomer, Category::ServiceRequest, false));
        assert!(!takes_slot(Status::Queued, Category::Consultation, false));
        assert!(!takes_slot(Status::Closed, Category::Consultation, false));
    }

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::hours(h)
    }

    /// A cycle started at hour `h` and due 4 hours later (`None` due: a category without SLA).
    fn cycle(h: i64, due: bool) -> ResponseCycle {
        ResponseCycle {
            started_at: at(h),
            tier_code: "basic".to_owned(),
            schedule: Schedule::EightByFive,
            target_minutes: 240,
            due_at: due.then(|| at(h + 4)),
            answered_at: None,
        }
    }

    fn fresh(category: Category) -> Ticket {
        Ticket {
            id: TicketId(Uuid::nil()),
            number: 1,
            customer_id: CustomerId(Uuid::nil()),
            author_id: UserId(Uuid::nil()),
            assignee_id: None,
            category,
            subject: "s".to_owned(),
            body: "b".to_owned(),
            product_version: None,
            channel: Channel::Portal,
            status: Status::Queued,
            close_reason: None,
            is_critical: false,
            critical_justification: None,
            bug_confirmed: false,
            takes_slot: false,
            response_started_at: None,
            response_due_at: None,
            response_tier: None,
            response_schedule: None,
            awaiting_response: false,
            response_breached: false,
            closed_at: None,
            fix_due_at: None,
            waiting_since: None,
            parent_ticket_id: None,
            bug_resolution: None,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    fn opened() -> Ticket {
        let mut t = fresh(Category::Consultation);
        t.open(Status::Open, Some(&cycle(0, true)), at(0));
        t
    }

    // R-LIM-3, R-SLA-3: a queued ticket has no clock and no slot; an open one has both.
    #[test]
    fn r_lim_1_in_work_is_open_or_waiting() {
        assert!(in_work(Status::Open) && in_work(Status::WaitingForCustomer));
        assert!(!in_work(Status::Queued) && !in_work(Status::Closed));
        assert!(crate::sla::has_response_sla(Category::Consultation));
        assert!(!crate::sla::has_response_sla(Category::LicensingBilling), "R-SLA-2");
    }

    #[test]
    fn r_lim_3_open_queued_or_in_work() {
        let mut queued = fresh(Category::Consultation);
        queued.open(Status::Queued, Some(&cycle(0, true)), at(0));
        assert!(!queued.takes_slot && !queued.awaiting_response && queued.response_due_at.is_none());
        let t = opened();
        assert_eq!(t.status, Status::Open);
        assert!(t.takes_slot && t.awaiting_response);
        assert_eq!(t.response_due_at, Some(at(4)));
        assert_eq!(t.response_schedule, Some(Schedule::EightByFive));
    }

    // R-LIM-3: promotion starts the clock at the promotion, not at creation.
    #[test]
    fn r_lim_3_promote_starts_the_clock_then() {
        let mut t = fresh(Category::Bug);
        t.open(Status::Queued, None, at(0));
        t.promote(&cycle(10, true), at(10));
        assert_eq!(
            (t.status, t.takes_slot, t.awaiting_response),
            (Status::Open, true, true)
        );
        assert_eq!(t.response_started_at, Some(at(10)));
        assert_eq!(t.updated_at, at(10));
    }

    // R-SLA-1, R-SLA-4: an answer ends the cycle; late answers are breaches; a second answer is no cycle.
    #[test]
    fn r_sla_1_answer_ends_the_cycle() {
        let mut t = opened();
        assert_eq!(t.answer(at(4)), Some(true), "at the due minute it is on time");
        assert!(!t.awaiting_response && !t.response_breached);
        assert_eq!(t.answer(at(5)), None);
        t.start_cycle(&cycle(6, true), at(6));
        assert_eq!(t.answer(at(11)), Some(false));
        assert!(t.response_breached);
        assert!(t.takes_slot, "answered tickets stay in work");
    }

    // R-TKT-6: waiting keeps the slot and records since when; the client's answer resumes work.
    #[test]
    fn r_tkt_6_wait_and_resume() {
        let mut t = opened();
        t.answer(at(1));
        t.wait_for_customer(at(1));
        assert_eq!(
            (t.status, t.waiting_since, t.takes_slot),
            (Status::WaitingForCustomer, Some(at(1)), true)
        );
        t.resume(Some(&cycle(2, true)), at(2));
        assert_eq!((t.status, t.waiting_since), (Status::Open, None));
        assert_eq!(t.response_started_at, Some(at(2)));
        assert!(t.awaiting_response);
        let mut queued = fresh(Category::Consultation);
        queued.wait_for_customer(at(1));
        assert_eq!(queued.status, Status::Queued, "only a ticket in work can wait");
    }

    // R-TKT-2, R-TKT-6: every close leaves the same state, whatever the ticket was doing.
    #[test]
    fn r_tkt_2_close_from_any_status() {
        let mut waiting = opened();
        waiting.answer(at(1));
        waiting.wait_for_customer(at(1));
        let mut queued = fresh(Category::Consultation);
        queued.open(Status::Queued, None, at(0));
        for (mut t, reason) in [
            (waiting, CloseReason::NoCustomerResponse),
            (opened(), CloseReason::Resolved),
            (queued, CloseReason::Duplicate),
        ] {
            t.close(reason, at(3));
            assert_eq!(
                (t.status, t.close_reason, t.closed_at),
                (Status::Closed, Some(reason), Some(at(3)))
            );
            assert_eq!((t.waiting_since, t.response_due_at), (None, None));
            assert!(!t.awaiting_response && !t.takes_slot && !t.response_breached);
        }
        let mut late = opened();
        late.close(CloseReason::Resolved, at(5));
        assert!(late.response_breached, "R-SLA-4: closing past due keeps the breach");
    }

    // R-TKT-7: a reopened ticket is in work or queued as admission decides, with no close left.
    #[test]
    fn r_tkt_7_reopen() {
        let mut t = opened();
        t.close(CloseReason::ClosedByCustomer, at(1));
        t.reopen(Status::Open, Some(&cycle(2, true)), at(2));
        assert_eq!((t.status, t.close_reason, t.closed_at), (Status::Open, None, None));
        assert!(t.awaiting_response && t.takes_slot);
        let mut full = opened();
        full.close(CloseReason::ClosedByCustomer, at(1));
        full.reopen(Status::Queued, Some(&cycle(2, true)), at(2));
        assert_eq!(full.status, Status::Queued);
        assert!(
            !full.awaiting_response && !full.takes_slot,
            "R-SLA-3: no clock while queued"
        );
    }

    // R-LIM-2, R-TKT-1: confirmed bugs and exempt categories free the slot.
    #[test]
    fn r_lim_2_confirm_and_reclassify_free_the_slot() {
        let mut bug = fresh(Category::Bug);
        bug.open(Status::Open, Some(&cycle(0, true)), at(0));
        assert!(bug.takes_slot);
        bug.confirm_bug(at(1));
        assert!(!bug.takes_slot);
        let mut t = opened();
        t.reclassify(Category::Improvement, at(1));
        assert!(!t.takes_slot);
        t.reclassify(Category::Consultation, at(2));
        assert!(t.takes_slot);
        let mut billing = fresh(Category::LicensingBilling);
        billing.open(Status::Open, Some(&cycle(0, false)), at(0));
        assert!(
            billing.awaiting_response && billing.response_due_at.is_none(),
            "R-SLA-2: awaited without SLA"
        );
    }

    #[test]
    fn text_round_trips() {
        for s in ["queued", "open", "waiting_for_customer", "closed"] {
            assert_eq!(s.parse::<Status>().unwrap().as_str(), s);
        }
        assert_eq!(
            "not_key_contact".parse::<CloseReason>().unwrap(),
            CloseReason::NotKeyContact
        );
        assert!("lost".parse::<CloseReason>().is_err());
    }
}
