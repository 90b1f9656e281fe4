//! Ticket rules (SPEC sections 5–6): statuses, close reasons, and the open-ticket
//! limit with its queue (R-LIM-1…4).

pub use reglament_api::{Channel, CloseReason, Status};

use crate::sla::Category;
use crate::tier::Tier;

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

/// Whether a ticket takes one of the customer's slots now.
#[must_use]
pub fn takes_slot(status: Status, category: Category, bug_confirmed: bool) -> bool {
    status.in_work() && category_counts(category, bug_confirmed)
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
    #![allow(clippy::unwrap_used)]
    use super::*;

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
