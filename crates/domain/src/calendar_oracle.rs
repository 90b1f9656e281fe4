//! A deliberately plain business-time oracle: it walks the clock minute by minute
//! and asks of each minute whether it is business time, from the decree data
//! directly. It is slow on purpose; tests and the benchmark compare
//! [`crate::calendar::BusinessCalendar`] with it.

use std::cell::Cell;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};

use crate::calendar::YearRules as _;
use crate::calendar::{CalendarSettings, CalendarYear};

pub struct Oracle {
    years: Vec<CalendarYear>,
    settings: CalendarSettings,
    /// The last Moscow day looked up and its closing hour: the minutes of one day ask the same question.
    last_day: Cell<Option<(i64, Option<i64>)>>,
}

const MOSCOW: i64 = 3 * 3600;

impl Oracle {
    #[must_use]
    pub fn new(years: Vec<CalendarYear>, settings: CalendarSettings) -> Self {
        Self {
            years,
            settings,
            last_day: Cell::new(None),
        }
    }

    /// The hour a Moscow day's business time ends, or `None` for a day off.
    fn closing_hour(&self, date: NaiveDate) -> Option<i64> {
        let working = match self.years.iter().find(|y| y.year == date.year()) {
            Some(year) => year.is_working(date),
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        };
        let shortened = self.years.iter().any(|y| y.shortened.contains(&date));
        working.then_some(if shortened && self.settings.shortened_days_end_at_17 {
            17
        } else {
            18
        })
    }

    /// Whether the minute that starts at `unix` seconds is business time in Moscow.
    fn business_minute(&self, unix: i64) -> bool {
        let local = unix + MOSCOW;
        let day = local.div_euclid(86_400);
        let close = match self.last_day.get() {
            Some((cached, close)) if cached == day => close,
            _ => {
                let date = DateTime::from_timestamp(day * 86_400, 0).map(|d| d.date_naive());
                let close = date.and_then(|d| self.closing_hour(d));
                self.last_day.set(Some((day, close)));
                close
            }
        };
        let hour = local.rem_euclid(86_400) / 3600;
        close.is_some_and(|close| (9..close).contains(&hour))
    }

    /// `add` by walking the clock one minute at a time (whole-second instants).
    #[must_use]
    pub fn add(&self, t: DateTime<Utc>, d: TimeDelta) -> DateTime<Utc> {
        let mut now = t.timestamp();
        let mut left = d.num_seconds();
        if left == 0 {
            return t;
        }
        loop {
            let next_minute = (now.div_euclid(60) + 1) * 60;
            if self.business_minute(now) {
                let chunk = next_minute - now;
                if left <= chunk {
                    return DateTime::from_timestamp(now + left, 0).unwrap_or(t);
                }
                left -= chunk;
            }
            now = next_minute;
        }
    }

    /// `between` by walking the clock one minute at a time (whole-second instants, `from <= to`).
    #[must_use]
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        let (mut now, end) = (from.timestamp(), to.timestamp());
        let mut total = 0;
        while now < end {
            let next_minute = ((now.div_euclid(60) + 1) * 60).min(end);
            if self.business_minute(now) {
                total += next_minute - now;
            }
            now = next_minute;
        }
        TimeDelta::seconds(total)
    }
}
