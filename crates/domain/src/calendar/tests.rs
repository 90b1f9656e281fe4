use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use super::*;
use crate::calendar_oracle::Oracle;

/// Moscow wall-clock time as an instant.
pub(crate) fn msk(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+03:00"))
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn cal() -> &'static BusinessCalendar {
    static CAL: std::sync::OnceLock<BusinessCalendar> = std::sync::OnceLock::new();
    CAL.get_or_init(|| BusinessCalendar::russian().unwrap())
}

fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

// R-CAL-5: the shipped decrees give the official working-day totals.
#[test]
fn r_cal_5_shipped_years_match_the_official_totals() {
    let years = shipped_years().unwrap();
    let totals: Vec<(i32, usize)> = years.iter().map(|y| (y.year, y.working_days())).collect();
    assert_eq!(totals, vec![(2024, 248), (2025, 247), (2026, 247), (2027, 247)]);
    let hours: Vec<usize> = years.iter().map(|y| y.working_days() * 8 - y.shortened.len()).collect();
    assert_eq!(hours, vec![1979, 1972, 1972, 1972], "the official 40-hour-week norms");
    assert!(
        years.iter().all(|y| !y.source.is_empty()),
        "every shipped year names its decree"
    );
}

// R-CAL-5: a year without data is plain Monday–Friday, and is reported.
#[test]
fn r_cal_5_missing_years_fall_back_to_monday_to_friday() {
    let c = cal();
    assert_eq!(c.missing_years(2024..=2028), vec![2028]);
    assert_eq!(c.day_kind("2028-01-03".parse().unwrap()), Some(DayKind::Working));
    assert_eq!(c.day_kind("2028-01-01".parse().unwrap()), Some(DayKind::Weekend));
    assert_eq!(c.day_kind("2026-01-01".parse().unwrap()), Some(DayKind::Holiday));
    assert_eq!(c.day_kind("2026-01-09".parse().unwrap()), Some(DayKind::DayOff));
    assert_eq!(c.day_kind("2025-11-01".parse().unwrap()), Some(DayKind::Shortened));
    assert_eq!(c.day_kind("2024-04-27".parse().unwrap()), Some(DayKind::Working));
}

// R-CAL-3: "1 business day" is 9 business hours.
#[test]
fn r_cal_3_one_business_day() {
    let c = cal();
    // Tuesday 10:00 is due Wednesday 10:00.
    assert_eq!(
        c.add(msk("2026-03-10T10:00:00"), BUSINESS_DAY).unwrap(),
        msk("2026-03-11T10:00:00")
    );
    // Created on Saturday: due Monday 18:00.
    assert_eq!(
        c.add(msk("2026-03-14T12:00:00"), BUSINESS_DAY).unwrap(),
        msk("2026-03-16T18:00:00")
    );
    // Created on Sunday night a minute before midnight: the same.
    assert_eq!(
        c.add(msk("2026-03-15T23:59:00"), BUSINESS_DAY).unwrap(),
        msk("2026-03-16T18:00:00")
    );
}

// R-CAL-1: table cases across weekends, holidays, transfers and midnight.
#[test]
fn r_cal_1_table_cases() {
    let c = cal();
    let cases: [(&str, TimeDelta, &str); 12] = [
        // Friday 17:30 with 4 hours: 30 minutes on Friday, 3.5 hours on Monday.
        ("2026-03-13T17:30:00", hours(4), "2026-03-16T12:30:00"),
        // Created on 31 December 2025, a transferred day off: the New Year holidays run to 11 January.
        ("2025-12-31T10:00:00", BUSINESS_DAY, "2026-01-12T18:00:00"),
        // The last working hour of 2025 (30 December) and then the holidays.
        ("2025-12-30T17:00:00", hours(4), "2026-01-12T12:00:00"),
        // Across the working Saturday of 1 November 2025.
        ("2025-10-31T17:00:00", hours(4), "2025-11-01T12:00:00"),
        // Created on a holiday (23 February 2026, Monday).
        ("2026-02-23T11:00:00", hours(4), "2026-02-24T13:00:00"),
        // 8 March 2026 is a Sunday: the holiday moves to Monday 9 March.
        ("2026-03-06T16:00:00", hours(4), "2026-03-10T11:00:00"),
        // Midnight: a ticket at 00:00 starts counting at 09:00.
        ("2026-03-11T00:00:00", TimeDelta::minutes(1), "2026-03-11T09:01:00"),
        // 18:00 sharp is after hours.
        ("2026-03-11T18:00:00", hours(1), "2026-03-12T10:00:00"),
        // A duration that ends at the close ends at 18:00, not at 09:00 next day.
        ("2026-03-11T09:00:00", BUSINESS_DAY, "2026-03-11T18:00:00"),
        ("2026-03-11T17:00:00", hours(1), "2026-03-11T18:00:00"),
        // The May holidays of 2026: 1–3 and 9–11 May.
        ("2026-04-30T17:00:00", hours(2), "2026-05-04T10:00:00"),
        ("2026-05-08T17:59:59", TimeDelta::seconds(2), "2026-05-12T09:00:01"),
    ];
    for (start, d, due) in cases {
        assert_eq!(c.add(msk(start), d).unwrap(), msk(due), "{start} + {d}");
        assert_eq!(c.between(msk(start), msk(due)).unwrap(), d, "between {start} and {due}");
    }
}

// R-CAL-5: the 2027 decree — the New Year holidays, the February transfer, the days
// moved from 2 and 3 January to 5 November and 31 December, and the shortened days.
#[test]
fn r_cal_5_the_2027_decree() {
    let c = cal();
    let kind = |d: &str| c.day_kind(d.parse().unwrap()).unwrap();
    for d in [
        "2027-01-01",
        "2027-01-08",
        "2027-02-23",
        "2027-03-08",
        "2027-05-01",
        "2027-05-09",
        "2027-06-12",
        "2027-11-04",
    ] {
        assert_eq!(kind(d), DayKind::Holiday, "{d}");
    }
    for d in [
        "2027-02-22",
        "2027-05-03",
        "2027-05-10",
        "2027-06-14",
        "2027-11-05",
        "2027-12-31",
    ] {
        assert_eq!(kind(d), DayKind::DayOff, "{d}");
    }
    // Saturday 20 February works (a shortened pre-holiday day), Monday 11 January is the first working day.
    assert_eq!(kind("2027-02-20"), DayKind::Shortened);
    assert_eq!(kind("2027-01-11"), DayKind::Working);
    for d in ["2027-04-30", "2027-06-11", "2027-11-03"] {
        assert_eq!(kind(d), DayKind::Shortened, "{d}");
    }
    assert_eq!(
        kind("2027-12-30"),
        DayKind::Working,
        "31 December is off, so 30 December is not pre-holiday"
    );
    let cases: [(&str, TimeDelta, &str); 7] = [
        // The example: a basic ticket on Wednesday 30 December 2026 at 17:00 — one hour
        // that day, then 31 December (off), 1–10 January, and eight hours on Monday 11 January.
        ("2026-12-30T17:00:00", BUSINESS_DAY, "2027-01-11T17:00:00"),
        ("2026-12-30T17:00:00", hours(4), "2027-01-11T12:00:00"),
        ("2026-12-31T12:00:00", hours(1), "2027-01-11T10:00:00"),
        // Friday 19 February → the working Saturday 20 February → Wednesday 24 February.
        ("2027-02-19T17:00:00", hours(4), "2027-02-20T12:00:00"),
        ("2027-02-20T17:00:00", hours(2), "2027-02-24T10:00:00"),
        // 4 and 5 November and the weekend: Wednesday 3 November to Monday 8 November.
        ("2027-11-03T17:00:00", hours(4), "2027-11-08T12:00:00"),
        // The end of 2027: 30 December, then 31 December off and the 2028 holidays (not yet decreed:
        // plain Monday–Friday, so Monday 3 January 2028).
        ("2027-12-30T17:30:00", hours(1), "2028-01-03T09:30:00"),
    ];
    for (start, d, due) in cases {
        assert_eq!(c.add(msk(start), d).unwrap(), msk(due), "{start} + {d}");
        assert_eq!(c.between(msk(start), msk(due)).unwrap(), d, "between {start} and {due}");
    }
}

// R-CAL-2: 24x7 counts every minute, across midnight and New Year, holidays included.
#[test]
fn r_cal_2_around_the_clock() {
    let c = cal();
    let s = Schedule::TwentyFourSeven;
    assert_eq!(
        c.add_on(s, msk("2025-12-31T23:30:00"), hours(1)).unwrap(),
        msk("2026-01-01T00:30:00")
    );
    assert_eq!(
        c.add_on(s, msk("2026-01-01T12:00:00"), hours(2)).unwrap(),
        msk("2026-01-01T14:00:00")
    );
    assert_eq!(
        c.between_on(s, msk("2026-03-14T22:00:00"), msk("2026-03-15T01:00:00"))
            .unwrap(),
        hours(3)
    );
    assert_eq!(
        c.add_on(Schedule::EightByFive, msk("2025-12-31T23:30:00"), hours(1))
            .unwrap(),
        msk("2026-01-12T10:00:00")
    );
}

// R-CAL-4: shortened days keep 18:00 by default; the setting ends them at 17:00.
#[test]
fn r_cal_4_shortened_days() {
    let default = cal();
    assert_eq!(
        default.add(msk("2026-04-30T16:30:00"), hours(1)).unwrap(),
        msk("2026-04-30T17:30:00")
    );
    let short = BusinessCalendar::new(
        shipped_years().unwrap(),
        CalendarSettings {
            shortened_days_end_at_17: true,
        },
    )
    .unwrap();
    assert_eq!(
        short.add(msk("2026-04-30T16:30:00"), hours(1)).unwrap(),
        msk("2026-05-04T09:30:00")
    );
    assert!(!short.is_business_time(msk("2026-04-30T17:10:00")).unwrap());
    assert!(short.is_business_time(msk("2026-04-29T17:10:00")).unwrap());
}

// R-CAL-6: "N working days" is N × 9 business hours on 8x5.
#[test]
fn r_cal_6_working_days() {
    let c = cal();
    // Friday 6 March 15:00, then the 7–9 March holiday weekend.
    assert_eq!(
        c.add_working_days(msk("2026-03-06T15:00:00"), 3).unwrap(),
        msk("2026-03-12T15:00:00")
    );
    // R-SLA-5: ten working days for a critical fix confirmed on 30 December 2025.
    // 6 hours on 30 December, then 84 hours from 12 January: 9 days and 3 hours.
    assert_eq!(
        c.add_working_days(msk("2025-12-30T12:00:00"), 10).unwrap(),
        msk("2026-01-23T12:00:00")
    );
}

#[test]
fn bad_years_are_refused() {
    let mut y = shipped_years().unwrap().remove(0);
    y.working_weekends.push("2024-04-26".parse().unwrap());
    assert!(matches!(y.validate(), Err(CalendarError::NotAWeekend(_))));
    let mut y = shipped_years().unwrap().remove(0);
    y.holidays.push("2025-01-01".parse().unwrap());
    assert!(matches!(y.validate(), Err(CalendarError::DateOutsideYear { .. })));
    let mut y = shipped_years().unwrap().remove(0);
    y.shortened.push("2024-01-02".parse().unwrap());
    assert!(matches!(y.validate(), Err(CalendarError::ShortenedDayOff(_))));
    let mut y = shipped_years().unwrap().remove(0);
    y.year = 2200;
    assert!(matches!(y.validate(), Err(CalendarError::YearOutOfRange(2200))));
    assert!(cal().add(msk("2026-03-11T10:00:00"), TimeDelta::seconds(-1)).is_err());
    assert!(cal().add(msk("2101-01-01T10:00:00"), hours(1)).is_err());
}

fn instant_in_2024_to_2026() -> impl Strategy<Value = DateTime<Utc>> {
    // Whole seconds from 2024-01-01 to 2026-11-30 (so that 30 working days stay in the data).
    (1_704_056_400_i64..1_795_985_999).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn business_duration() -> impl Strategy<Value = TimeDelta> {
    // Up to 30 working days, to the second.
    (1_i64..=30 * 9 * 3600).prop_map(TimeDelta::seconds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn between_undoes_add(t in instant_in_2024_to_2026(), d in business_duration()) {
        let c = cal();
        prop_assert_eq!(c.between(t, c.add(t, d).unwrap()).unwrap(), d);
    }

    #[test]
    fn add_composes_inside_business_time(t in instant_in_2024_to_2026(), a in business_duration(), b in business_duration()) {
        let c = cal();
        let t = c.add(t, TimeDelta::seconds(1)).unwrap(); // inside business time
        prop_assert_eq!(c.add(c.add(t, a).unwrap(), b).unwrap(), c.add(t, a + b).unwrap());
    }

    #[test]
    fn add_is_monotonic(t in instant_in_2024_to_2026(), gap in 0_i64..400_000, d in business_duration(), e in 0_i64..100_000) {
        let c = cal();
        let later = t + TimeDelta::seconds(gap);
        prop_assert!(c.add(t, d).unwrap() <= c.add(later, d).unwrap());
        prop_assert!(c.add(t, d).unwrap() <= c.add(t, d + TimeDelta::seconds(e)).unwrap());
        prop_assert!(c.between(t, later).unwrap() >= TimeDelta::zero());
    }

    // A deadline never falls outside business time on 8x5: it is inside a working
    // day's window, or exactly at its close.
    #[test]
    fn deadlines_fall_inside_business_time(t in instant_in_2024_to_2026(), d in business_duration()) {
        let c = cal();
        let due = c.add(t, d).unwrap();
        let just_before = due - TimeDelta::microseconds(1);
        prop_assert!(c.is_business_time(just_before).unwrap(), "{} ends outside business time", due);
    }
}

/// 10,000 random cases agree with the minute-stepping oracle to the second, with
/// the default and the shortened-day settings.
#[test]
fn agrees_with_the_minute_stepping_oracle() {
    use proptest::strategy::ValueTree as _;
    use proptest::test_runner::TestRunner;
    for settings in [
        CalendarSettings::default(),
        CalendarSettings {
            shortened_days_end_at_17: true,
        },
    ] {
        let fast = BusinessCalendar::new(shipped_years().unwrap(), settings).unwrap();
        let oracle = Oracle::new(shipped_years().unwrap(), settings);
        let mut runner = TestRunner::deterministic();
        let cases = (instant_in_2024_to_2026(), business_duration());
        for _ in 0..5_000 {
            let (t, d) = cases.new_tree(&mut runner).unwrap().current();
            let due = fast.add(t, d).unwrap();
            assert_eq!(due, oracle.add(t, d), "add({t}, {d}) with {settings:?}");
            assert_eq!(
                fast.between(t, due).unwrap(),
                oracle.between(t, due),
                "between({t}, {due})"
            );
        }
    }
}
