//! Contracts: which tier is in force for a customer on a given day.

use chrono::NaiveDate;
pub use reglament_api::ContractState;

/// The state of a contract on a Moscow calendar day. Both bounds are inclusive:
/// a contract "till 31 December" still holds on 31 December.
#[must_use]
pub fn contract_state(starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> ContractState {
    if today < starts_on {
        ContractState::Future
    } else if today > ends_on {
        ContractState::Ended
    } else {
        ContractState::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn bounds_are_inclusive() {
        let (s, e) = (d(2026, 1, 1), d(2026, 12, 31));
        assert_eq!(contract_state(s, e, d(2025, 12, 31)), ContractState::Future);
        assert_eq!(contract_state(s, e, d(2026, 1, 1)), ContractState::Active);
        assert_eq!(contract_state(s, e, d(2026, 12, 31)), ContractState::Active);
        assert_eq!(contract_state(s, e, d(2027, 1, 1)), ContractState::Ended);
    }
}
