use proptest::prelude::*;

use super::*;
use crate::calendar::tests::{cal, msk};

fn split(from: &str, to: &str) -> (i64, i64, i64) {
    let s = split_work(cal(), msk(from), msk(to)).unwrap();
    (s.business_minutes, s.overtime_minutes, s.counted_minutes())
}

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

// R-PS-3: inside 09:00–18:00 of a working day counts once, the evening twice.
#[test]
fn r_ps_3_evening_work_counts_twice() {
    assert_eq!(split("2026-12-01T10:00:00", "2026-12-01T12:30:00"), (150, 0, 150));
    assert_eq!(split("2026-12-01T17:00:00", "2026-12-01T20:00:00"), (60, 120, 300));
    assert_eq!(split("2026-12-01T07:30:00", "2026-12-01T09:30:00"), (30, 90, 210));
    // Across midnight: 22:00–02:00 of a Tuesday night is all overtime.
    assert_eq!(split("2026-12-01T22:00:00", "2026-12-02T02:00:00"), (0, 240, 480));
}

// R-PS-3: holidays and days off count twice whatever the hour; a transferred working
// Saturday counts once in business hours (2027: Saturday 20 February works, Monday 22
// February is off, Tuesday 23 February is a holiday).
#[test]
fn r_ps_3_overtime_follows_the_production_calendar() {
    assert_eq!(split("2027-02-20T16:00:00", "2027-02-20T20:00:00"), (120, 120, 360));
    assert_eq!(split("2027-02-22T10:00:00", "2027-02-22T12:00:00"), (0, 120, 240));
    assert_eq!(split("2027-02-23T10:00:00", "2027-02-23T11:00:00"), (0, 60, 120));
    // 1 May 2026 (Friday) is a holiday; an ordinary Saturday is a weekend.
    assert_eq!(split("2026-05-01T10:00:00", "2026-05-01T11:00:00"), (0, 60, 120));
    assert_eq!(split("2026-12-05T10:00:00", "2026-12-05T11:00:00"), (0, 60, 120));
    // New Year: 31 December 2026 is a day off (decree), 1 January a holiday.
    assert_eq!(split("2026-12-31T10:00:00", "2026-12-31T12:00:00"), (0, 120, 240));
    // A shortened pre-holiday day keeps 09:00–18:00 by default (R-CAL-4).
    assert_eq!(split("2026-11-03T17:00:00", "2026-11-03T18:00:00"), (60, 0, 60));
}

// R-PS-3: seconds are dropped; empty, reversed and over-long intervals are refused.
#[test]
fn r_ps_3_intervals_are_whole_minutes() {
    assert_eq!(split("2026-12-01T10:00:59", "2026-12-01T10:30:10"), (30, 0, 30));
    assert_eq!(
        split_work(cal(), msk("2026-12-01T10:00:00"), msk("2026-12-01T10:00:40")),
        Err(WorkError::EndsBeforeStart)
    );
    assert_eq!(
        split_work(cal(), msk("2026-12-01T11:00:00"), msk("2026-12-01T10:00:00")),
        Err(WorkError::EndsBeforeStart)
    );
    assert_eq!(
        split_work(cal(), msk("2026-12-01T10:00:00"), msk("2026-12-02T10:01:00")),
        Err(WorkError::TooLong)
    );
    assert!(split_work(cal(), msk("2026-12-01T10:00:00"), msk("2026-12-02T10:00:00")).is_ok());
}

// R-PS-3: an order is charged at least 1 hour in total, and the logs' charges sum to it.
#[test]
fn r_ps_3_one_hour_minimum_per_order() {
    assert_eq!(order_charge(0), 0);
    assert_eq!(order_charge(1), 60);
    assert_eq!(order_charge(59), 60);
    assert_eq!(order_charge(60), 60);
    assert_eq!(order_charge(61), 61);
    assert_eq!(charge_for_log(0, 30), 60);
    assert_eq!(charge_for_log(30, 20), 0);
    assert_eq!(charge_for_log(50, 40), 30);
    assert_eq!(charge_for_log(0, 90), 90);
}

proptest! {
    // R-PS-3: however work is split into logs, the order is charged max(total, 60).
    #[test]
    fn r_ps_3_charges_sum_to_the_order_charge(logs in proptest::collection::vec(1i64..600, 1..12)) {
        let mut before = 0;
        let mut charged = 0;
        for m in &logs {
            charged += charge_for_log(before, *m);
            before += m;
        }
        prop_assert_eq!(charged, before.max(60));
    }

    // R-PS-3: business + overtime is the interval; counted is business + 2 × overtime.
    #[test]
    fn r_ps_3_split_adds_up(start in 0i64..(3 * 365 * 24 * 60), len in 1i64..=(24 * 60)) {
        let from = msk("2025-01-01T00:00:00") + TimeDelta::minutes(start);
        let s = split_work(cal(), from, from + TimeDelta::minutes(len)).unwrap();
        prop_assert_eq!(s.business_minutes + s.overtime_minutes, len);
        prop_assert!(s.business_minutes <= 9 * 60);
        prop_assert_eq!(s.counted_minutes(), 2 * len - s.business_minutes);
    }
}

// R-PS-4: charges take the certificate that expires first, then the next; what they do
// not cover is refused, or put below zero on the last one when overdrawn.
#[test]
fn r_ps_4_allocation_across_certificates() {
    let certs = [Balance { id: 1, minutes: 30 }, Balance { id: 2, minutes: 100 }];
    assert_eq!(allocate(&certs, 20, false), Ok(vec![(1, 20)]));
    assert_eq!(allocate(&certs, 90, false), Ok(vec![(1, 30), (2, 60)]));
    assert_eq!(allocate(&certs, 130, false), Ok(vec![(1, 30), (2, 100)]));
    assert_eq!(
        allocate(&certs, 131, false),
        Err(ChargeError::Insufficient {
            available: 130,
            needed: 131
        })
    );
    assert_eq!(allocate(&certs, 131, true), Ok(vec![(1, 30), (2, 101)]));
    let empty = [Balance { id: 1, minutes: 0 }, Balance { id: 2, minutes: -5 }];
    assert_eq!(allocate(&empty, 10, true), Ok(vec![(2, 10)]));
    assert_eq!(allocate::<u8>(&[], 10, true), Err(ChargeError::NoCertificate));
}

// R-BK-2: booking for M closes at 00:00 Moscow time 5 calendar days before M starts.
#[test]
fn r_bk_2_deadline_is_midnight_moscow_five_days_before() {
    assert_eq!(booking_deadline(month("2027-02")), msk("2027-01-27T00:00:00"));
    assert_eq!(booking_deadline(month("2027-01")), msk("2026-12-27T00:00:00"));
    assert_eq!(booking_deadline(month("2027-03")), msk("2027-02-24T00:00:00"));
    let m = month("2027-02");
    assert_eq!(check_booking_window(msk("2027-01-26T23:59:00"), m), Ok(()));
    assert_eq!(check_booking_window(msk("2027-01-26T23:59:59"), m), Ok(()));
    assert_eq!(
        check_booking_window(msk("2027-01-27T00:00:00"), m),
        Err(WindowError::Closed)
    );
    assert_eq!(
        check_booking_window(msk("2027-01-27T00:01:00"), m),
        Err(WindowError::Closed)
    );
}

// R-BK-1: only a later calendar month, in Moscow's calendar (at 23:30 UTC on 31 December
// it is already January in Moscow).
#[test]
fn r_bk_1_only_later_months() {
    let now = msk("2026-11-28T12:00:00");
    assert_eq!(check_booking_window(now, month("2026-11")), Err(WindowError::NotLater));
    assert_eq!(check_booking_window(now, month("2026-10")), Err(WindowError::NotLater));
    // December is later, but its deadline (26 November, 24:00) has passed.
    assert_eq!(check_booking_window(now, month("2026-12")), Err(WindowError::Closed));
    assert_eq!(check_booking_window(now, month("2027-01")), Ok(()));
    assert_eq!(check_booking_window(now, month("2028-06")), Ok(()));
    let new_year = "2026-12-31T21:30:00Z".parse().unwrap();
    assert_eq!(moscow_month(new_year), month("2027-01"));
    assert_eq!(month_end(month("2026-12")), msk("2027-01-01T00:00:00"));
}

// R-BK-2: capacity from the production calendar. May 2026: 19 working days, one of them
// (8 May) shortened, so 151 norm hours; May 2027: 19 working days, none shortened, 152.
#[test]
fn r_bk_2_capacity_in_the_may_holidays() {
    assert_eq!(working_days(cal(), month("2026-05")), (18, 1));
    assert_eq!(capacity_minutes(cal(), month("2026-05"), &[40]), 151 * 60);
    assert_eq!(working_days(cal(), month("2027-05")), (19, 0));
    assert_eq!(capacity_minutes(cal(), month("2027-05"), &[40]), 152 * 60);
    // Two full-time specialists and one at 20 hours a week: 2.5 norms.
    assert_eq!(capacity_minutes(cal(), month("2027-05"), &[40, 40, 20]), 380 * 60);
    // February 2027 has the working Saturday (shortened): 19 days + 1 shortened = 159 h.
    assert_eq!(working_days(cal(), month("2027-02")), (18, 1));
    assert_eq!(capacity_minutes(cal(), month("2027-02"), &[40]), (18 * 8 + 7) * 60);
    assert_eq!(capacity_minutes(cal(), month("2027-02"), &[]), 0);
}

// R-BK-2: every month's norm hours of 2024–2027 sum to the decree's yearly 40-hour norm.
#[test]
fn r_bk_2_monthly_norms_sum_to_the_yearly_norm() {
    for (year, norm) in [(2024, 1979), (2025, 1972), (2026, 1972), (2027, 1972)] {
        let total: i64 = (1..=12)
            .map(|m| capacity_minutes(cal(), Month::new(year, m).unwrap(), &[40]))
            .sum();
        assert_eq!(total, norm * 60, "{year}");
    }
}
