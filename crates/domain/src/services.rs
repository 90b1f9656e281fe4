//! Professional services and bookings as rules (SPEC section 10): overtime (R-PS-3),
//! the one-hour minimum, charging certificates (R-PS-4), the booking window (R-BK-1…3)
//! and the specialists' capacity of a month (R-BK-2).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::calendar::{BusinessCalendar, CalendarError, DayKind};
use crate::moscow;
pub use reglament_api::Month;

/// The smallest order: 1 working hour (section 2.1 of the regulation).
pub const MINIMUM_ORDER_MINUTES: i64 = 60;
/// Work outside business hours counts this many times (R-PS-3).
pub const OVERTIME_COEFFICIENT: i64 = 2;
/// Booking for a month closes this many calendar days before it starts (R-BK-2).
pub const BOOKING_CLOSES_DAYS_BEFORE: i64 = 5;
/// A specialist's norm on a working day and on a shortened pre-holiday day, at 40 hours a week.
pub const NORM_MINUTES_WORKING_DAY: i64 = 8 * 60;
pub const NORM_MINUTES_SHORTENED_DAY: i64 = 7 * 60;
pub const FULL_TIME_WEEKLY_HOURS: i64 = 40;
/// The longest single interval of work that can be logged.
pub const MAX_WORK_INTERVAL: TimeDelta = TimeDelta::hours(24);

/// An interval of work split into business and overtime minutes (R-PS-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkSplit {
    pub business_minutes: i64,
    pub overtime_minutes: i64,
}

impl WorkSplit {
    /// Business minutes once, overtime minutes twice.
    #[must_use]
    pub const fn counted_minutes(self) -> i64 {
        self.business_minutes + OVERTIME_COEFFICIENT * self.overtime_minutes
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    #[error("the work must end after it starts")]
    EndsBeforeStart,
    #[error("one interval of work is at most 24 hours; log longer work as several")]
    TooLong,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

/// Drops the seconds: work is counted in whole minutes.
#[must_use]
pub fn whole_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t)
}

/// R-PS-3: the minutes of `[start, end)` inside 09:00–18:00 of Moscow working days (the
/// production calendar: holidays are off, transferred working Saturdays are on), and the
/// rest, which counts twice. Both ends are taken to the whole minute first.
///
/// # Errors
/// An empty or reversed interval, one over 24 hours, or instants outside the calendar.
pub fn split_work(
    calendar: &BusinessCalendar,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<WorkSplit, WorkError> {
    let (start, end) = (whole_minute(start), whole_minute(end));
    if end <= start {
        return Err(WorkError::EndsBeforeStart);
    }
    if end - start > MAX_WORK_INTERVAL {
        return Err(WorkError::TooLong);
    }
    let business = calendar.between(start, end)?.num_minutes();
    Ok(WorkSplit {
        business_minutes: business,
        overtime_minutes: (end - start).num_minutes() - business,
    })
}

/// What an order is charged after `counted` minutes of work: at least an hour once any
/// work is logged (the regulation's smallest order), else nothing.
#[must_use]
pub const fn order_charge(counted: i64) -> i64 {
    if counted <= 0 {
        0
    } else if counted < MINIMUM_ORDER_MINUTES {
        MINIMUM_ORDER_MINUTES
    } else {
        counted
    }
}

/// What one more log of `counted` minutes adds to an order that had `before` counted
/// minutes: so that the order's charges always sum to [`order_charge`] of its total.
#[must_use]
pub const fn charge_for_log(before: i64, counted: i64) -> i64 {
    order_charge(before + counted) - order_charge(before)
}

/// A certificate's balance as the charging rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance<Id> {
    pub id: Id,
    pub minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChargeError {
    #[error("no certificate of the customer is valid on that date")]
    NoCertificate,
    #[error("the certificates' balance is {available} minutes; {needed} are needed")]
    Insufficient { available: i64, needed: i64 },
}

/// R-PS-4: takes `minutes` from the certificates in the order given (the one that expires
/// first first), each down to zero. What they do not cover is refused, unless `overdraw`
/// (an admin's override, or the month-end charge, which the rule makes due in full) puts
/// it on the last one, below zero.
///
/// # Errors
/// `NoCertificate` with none given; `Insufficient` when they do not cover it.
pub fn allocate<Id: Copy + PartialEq>(
    certificates: &[Balance<Id>],
    minutes: i64,
    overdraw: bool,
) -> Result<Vec<(Id, i64)>, ChargeError> {
    let Some(last) = certificates.last() else {
        return Err(ChargeError::NoCertificate);
    };
    let mut left = minutes;
    let mut parts: Vec<(Id, i64)> = Vec::new();
    for c in certificates {
        if left <= 0 {
            break;
        }
        let take = left.min(c.minutes.max(0));
        if take > 0 {
            parts.push((c.id, take));
            left -= take;
        }
    }
    if left > 0 {
        if !overdraw {
            let available = certificates.iter().map(|c| c.minutes.max(0)).sum();
            return Err(ChargeError::Insufficient {
                available,
                needed: minutes,
            });
        }
        match parts.last_mut() {
            Some((id, m)) if *id == last.id => *m += left,
            _ => parts.push((last.id, left)),
        }
    }
    Ok(parts)
}

/// The instant booking for `month` closes (R-BK-2) and changes stop (R-BK-3): 00:00 Moscow
/// time 5 calendar days before the month's first day.
#[must_use]
pub fn booking_deadline(month: Month) -> DateTime<Utc> {
    let day = month.first_day() - TimeDelta::days(BOOKING_CLOSES_DAYS_BEFORE);
    moscow::midnight(day)
}

/// The month `now` is in, in Moscow.
#[must_use]
pub fn moscow_month(now: DateTime<Utc>) -> Month {
    Month::of(moscow::date(now))
}

/// The instant `month` ends in Moscow (its next month's 00:00).
#[must_use]
pub fn month_end(month: Month) -> DateTime<Utc> {
    moscow::midnight(month.next().first_day())
}

/// Why a month cannot be booked (or a booking changed) now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("bookings are for a later calendar month than the current one")]
    NotLater,
    #[error("booking for this month closed 5 days before it starts")]
    Closed,
}

/// R-BK-1, R-BK-2, R-BK-3: `month` is a later calendar month and its deadline is still ahead.
///
/// # Errors
/// Which of the two it is not.
pub fn check_booking_window(now: DateTime<Utc>, month: Month) -> Result<(), WindowError> {
    if month <= moscow_month(now) {
        return Err(WindowError::NotLater);
    }
    if now >= booking_deadline(month) {
        return Err(WindowError::Closed);
    }
    Ok(())
}

/// The working and shortened days of a month on the production calendar.
#[must_use]
pub fn working_days(calendar: &BusinessCalendar, month: Month) -> (i64, i64) {
    month.days().fold((0, 0), |(w, s), d| match calendar.day_kind(d) {
        Some(DayKind::Working) => (w + 1, s),
        Some(DayKind::Shortened) => (w, s + 1),
        _ => (w, s),
    })
}

/// R-BK-2: the specialists' norm of a month in minutes: 8 h a working day, 7 h a shortened
/// one, each specialist scaled by their weekly hours / 40.
#[must_use]
pub fn capacity_minutes(calendar: &BusinessCalendar, month: Month, weekly_hours: &[i64]) -> i64 {
    let (working, shortened) = working_days(calendar, month);
    let full_time = working * NORM_MINUTES_WORKING_DAY + shortened * NORM_MINUTES_SHORTENED_DAY;
    weekly_hours
        .iter()
        .map(|h| full_time * h / FULL_TIME_WEEKLY_HOURS)
        .sum()
}

#[cfg(test)]
mod tests;
