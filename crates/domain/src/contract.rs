//! Contracts: which tier is in force for a customer on a given day.

use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc, Weekday};
pub use reglament_api::ContractState;

use crate::calendar::{BusinessCalendar, WORKDAY_END_HOUR};
use crate::moscow;

/// Working days a customer's clients keep access after its last contract ends (R-ACL-5).
pub const ACCESS_GRACE_WORKING_DAYS: u32 = 10;

/// When the clients of a customer whose last contract ends on `last_day` lose access:
/// [`ACCESS_GRACE_WORKING_DAYS`] working days (R-CAL-6) counted from the Moscow midnight
/// after `last_day`, that is the end of the tenth working day. Beyond the calendar's
/// years, weekdays stand for working days.
#[must_use]
pub fn access_ends_at(calendar: &BusinessCalendar, last_day: NaiveDate) -> DateTime<Utc> {
    let next = last_day.succ_opt().unwrap_or(last_day);
    let midnight = moscow::midnight(next);
    if let Ok(at) = calendar.add_working_days(midnight, ACCESS_GRACE_WORKING_DAYS) {
        return at;
    }
    let mut day = next;
    let mut counted = 0;
    loop {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
            if counted == ACCESS_GRACE_WORKING_DAYS {
                break;
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    moscow::midnight(day) + TimeDelta::hours(WORKDAY_END_HOUR)
}

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

    fn msk(y: i32, m: u32, day: u32, h: u32) -> DateTime<Utc> {
        d(y, m, day).and_hms_opt(h, 0, 0).expect("valid time").and_utc() - TimeDelta::hours(3)
    }

    /// R-ACL-5, R-CAL-6: a contract ending on 31 December 2026 leaves access until the end
    /// of the tenth working day of 2027; the New Year holidays (1–10 January) do not count.
    #[test]
    fn r_acl_5_grace_skips_the_new_year_holidays() {
        let calendar = BusinessCalendar::russian().expect("calendar");
        assert_eq!(access_ends_at(&calendar, d(2026, 12, 31)), msk(2027, 1, 22, 18));
    }

    /// R-ACL-5: a contract ending on a Friday: ten working days are the next two weeks.
    #[test]
    fn r_acl_5_grace_is_ten_working_days() {
        let calendar = BusinessCalendar::russian().expect("calendar");
        // 2026-09-18 is a Friday; 21 September … 2 October are ten working days.
        assert_eq!(access_ends_at(&calendar, d(2026, 9, 18)), msk(2026, 10, 2, 18));
        // Past the calendar's years, weekdays count.
        let far = access_ends_at(&calendar, d(2101, 1, 7));
        assert!(far > msk(2101, 1, 7, 18));
    }
}
