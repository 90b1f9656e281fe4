//! The business calendar (SPEC section 2, R-CAL-1…7): the Russian Federation
//! production calendar, the `8x5` and `24x7` schedules, and business-time
//! arithmetic.
//!
//! Arithmetic works on prefix sums of business time per Moscow day, so `add` is a
//! binary search and `between` two lookups: the cost does not grow with the
//! length of the duration. Instants are counted in microseconds, the precision
//! both databases keep.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc, Weekday};

use crate::tier::Schedule;

const MICROS: i64 = 1_000_000;
const DAY: i64 = 86_400 * MICROS;
/// Moscow's offset (see [`crate::moscow`]) in microseconds.
const OFFSET: i64 = crate::moscow::OFFSET_SECS * MICROS;
/// Business hours of an `8x5` day, Moscow time.
pub const WORKDAY_START_HOUR: i64 = 9;
pub const WORKDAY_END_HOUR: i64 = 18;
/// When the setting is on, pre-holiday shortened days end an hour early (R-CAL-4).
pub const SHORTENED_END_HOUR: i64 = 17;
/// "1 business day" (R-CAL-3) and one of "N working days" (R-CAL-6): 9 business hours.
pub const BUSINESS_DAY: TimeDelta = TimeDelta::hours(9);
/// The first and last years the calendar computes; other instants are refused.
pub const FIRST_YEAR: i32 = 2015;
pub const LAST_YEAR: i32 = 2100;

pub use reglament_api::{CalendarSettings, CalendarYear, DayKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("year {0} is outside {FIRST_YEAR}..={LAST_YEAR}")]
    YearOutOfRange(i32),
    #[error("{date} is not in year {year}")]
    DateOutsideYear { year: i32, date: NaiveDate },
    #[error("{0} is a weekday, so it cannot be a working weekend day")]
    NotAWeekend(NaiveDate),
    #[error("{0} is both a working day and a day off")]
    Contradiction(NaiveDate),
    #[error("{0} is shortened but is not a working day")]
    ShortenedDayOff(NaiveDate),
    #[error("the instant is outside the years the calendar computes ({FIRST_YEAR}..={LAST_YEAR})")]
    InstantOutOfRange,
    #[error("the shipped production calendar does not parse: {0}")]
    Data(String),
}

/// The rules a year of the production calendar keeps.
pub trait YearRules {
    /// Checks that the year is coherent.
    ///
    /// # Errors
    /// The first inconsistency found.
    fn validate(&self) -> Result<(), CalendarError>;
    /// Whether `date` (of this year) is a working day.
    fn is_working(&self, date: NaiveDate) -> bool;
    /// The number of working days in the year (the official total of the decree).
    fn working_days(&self) -> usize;
}

impl YearRules for CalendarYear {
    fn validate(&self) -> Result<(), CalendarError> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&self.year) {
            return Err(CalendarError::YearOutOfRange(self.year));
        }
        let all = self
            .holidays
            .iter()
            .chain(&self.days_off)
            .chain(&self.working_weekends)
            .chain(&self.shortened);
        if let Some(date) = all.copied().find(|d| d.year() != self.year) {
            return Err(CalendarError::DateOutsideYear { year: self.year, date });
        }
        if let Some(d) = self.working_weekends.iter().find(|d| !is_weekend(**d)) {
            return Err(CalendarError::NotAWeekend(*d));
        }
        let off: HashSet<NaiveDate> = self.holidays.iter().chain(&self.days_off).copied().collect();
        if let Some(d) = self.working_weekends.iter().find(|d| off.contains(d)) {
            return Err(CalendarError::Contradiction(*d));
        }
        if let Some(d) = self
            .shortened
            .iter()
            .find(|d| off.contains(d) || (is_weekend(**d) && !self.working_weekends.contains(d)))
        {
            return Err(CalendarError::ShortenedDayOff(*d));
        }
        Ok(())
    }

    fn is_working(&self, date: NaiveDate) -> bool {
        if self.working_weekends.contains(&date) {
            return true;
        }
        !is_weekend(date) && !self.holidays.contains(&date) && !self.days_off.contains(&date)
    }

    fn working_days(&self) -> usize {
        days_of_year(self.year).filter(|d| self.is_working(*d)).count()
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn days_of_year(year: i32) -> impl Iterator<Item = NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .into_iter()
        .flat_map(|first| first.iter_days())
        .take_while(move |d| d.year() == year)
}

/// The production calendars shipped with Reglament (2024–2026, the years with a decree).
///
/// # Errors
/// Only if the embedded data is broken (a test keeps it whole).
pub fn shipped_years() -> Result<Vec<CalendarYear>, CalendarError> {
    let years: Vec<CalendarYear> = serde_json::from_str(include_str!("../data/ru-production-calendar.json"))
        .map_err(|e| CalendarError::Data(e.to_string()))?;
    for y in &years {
        y.validate()?;
    }
    Ok(years)
}

/// The `8x5` business calendar over [`FIRST_YEAR`]..=[`LAST_YEAR`] (R-CAL-1): Moscow
/// days with their business windows, and the running total of business time.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    first_day: i64,
    /// Business window of each day: (start, end) in microseconds after local midnight; start == end off.
    windows: Vec<(i64, i64)>,
    /// `cumulative[i]` = business microseconds in days `0..i`; one longer than `windows`.
    cumulative: Vec<i64>,
    kinds: Vec<DayKind>,
    years: BTreeMap<i32, CalendarYear>,
    settings: CalendarSettings,
}

fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

impl BusinessCalendar {
    /// A calendar from the given years; years without data are plain Monday–Friday (R-CAL-5).
    ///
    /// # Errors
    /// When a year is incoherent.
    pub fn new(years: Vec<CalendarYear>, settings: CalendarSettings) -> Result<Self, CalendarError> {
        let mut by_year = BTreeMap::new();
        for y in years {
            y.validate()?;
            by_year.insert(y.year, y);
        }
        let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).ok_or(CalendarError::YearOutOfRange(FIRST_YEAR))?;
        let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).ok_or(CalendarError::YearOutOfRange(LAST_YEAR))?;
        let days = usize::try_from(day_number(last) - day_number(first) + 1).unwrap_or(0);
        let mut windows = Vec::with_capacity(days);
        let mut kinds = Vec::with_capacity(days);
        let mut cumulative = Vec::with_capacity(days + 1);
        cumulative.push(0);
        let start = WORKDAY_START_HOUR * 3600 * MICROS;
        for date in first.iter_days().take(days) {
            let kind = match by_year.get(&date.year()) {
                Some(y) if y.working_weekends.contains(&date) || y.shortened.contains(&date) => {
                    if y.shortened.contains(&date) {
                        DayKind::Shortened
                    } else {
                        DayKind::Working
                    }
                }
                Some(y) if y.holidays.contains(&date) => DayKind::Holiday,
                Some(y) if y.days_off.contains(&date) => DayKind::DayOff,
                _ if is_weekend(date) => DayKind::Weekend,
                _ => DayKind::Working,
            };
            let window = match kind {
                DayKind::Shortened if settings.shortened_days_end_at_17 => (start, SHORTENED_END_HOUR * 3600 * MICROS),
                DayKind::Working | DayKind::Shortened => (start, WORKDAY_END_HOUR * 3600 * MICROS),
                _ => (0, 0),
            };
            let total = cumulative.last().copied().unwrap_or(0) + window.1 - window.0;
            cumulative.push(total);
            windows.push(window);
            kinds.push(kind);
        }
        Ok(Self {
            first_day: day_number(first),
            windows,
            cumulative,
            kinds,
            years: by_year,
            settings,
        })
    }

    /// The shipped production calendar with default settings.
    ///
    /// # Errors
    /// Only if the shipped data is broken.
    pub fn russian() -> Result<Self, CalendarError> {
        Self::new(shipped_years()?, CalendarSettings::default())
    }

    #[must_use]
    pub fn settings(&self) -> CalendarSettings {
        self.settings
    }

    /// The data of a year, if there is any.
    #[must_use]
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// Every year with data.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// The years of `range` that have no data and fall back to Monday–Friday (R-CAL-5).
    #[must_use]
    pub fn missing_years(&self, range: std::ops::RangeInclusive<i32>) -> Vec<i32> {
        range.filter(|y| !self.years.contains_key(y)).collect()
    }

    /// What a Moscow calendar day is.
    #[must_use]
    pub fn day_kind(&self, date: NaiveDate) -> Option<DayKind> {
        let i = usize::try_from(day_number(date) - self.first_day).ok()?;
        self.kinds.get(i).copied()
    }

    /// Splits an instant into (day index, microseconds after Moscow midnight).
    fn locate(&self, t: DateTime<Utc>) -> Result<(usize, i64), CalendarError> {
        let local = t.timestamp_micros() + OFFSET;
        let day = local.div_euclid(DAY) + UNIX_EPOCH_DAY - self.first_day;
        let index = usize::try_from(day).map_err(|_| CalendarError::InstantOutOfRange)?;
        if index >= self.windows.len() {
            return Err(CalendarError::InstantOutOfRange);
        }
        Ok((index, local.rem_euclid(DAY)))
    }

    /// Business microseconds from the calendar's start to `t`.
    fn position(&self, t: DateTime<Utc>) -> Result<i64, CalendarError> {
        let (day, micros) = self.locate(t)?;
        let (start, end) = self.windows[day];
        Ok(self.cumulative[day] + micros.clamp(start, end) - start)
    }

    fn instant(&self, day: usize, micros_of_day: i64) -> Result<DateTime<Utc>, CalendarError> {
        let day = i64::try_from(day).map_err(|_| CalendarError::InstantOutOfRange)? + self.first_day - UNIX_EPOCH_DAY;
        DateTime::from_timestamp_micros(day * DAY + micros_of_day - OFFSET).ok_or(CalendarError::InstantOutOfRange)
    }

    /// The instant `duration` of business time after `t` on `8x5`. A deadline always
    /// falls inside business time: a duration that ends exactly at a day's close ends
    /// at 18:00 that day, not at 09:00 of the next working day. A zero duration is `t`.
    ///
    /// # Errors
    /// `InstantOutOfRange` outside the calendar's years; a negative duration is refused too.
    pub fn add(&self, t: DateTime<Utc>, duration: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        let d = duration.num_microseconds().ok_or(CalendarError::InstantOutOfRange)?;
        if d < 0 {
            return Err(CalendarError::InstantOutOfRange);
        }
        if d == 0 {
            return Ok(t);
        }
        let target = self.position(t)? + d;
        // The first day whose running total reaches the target; it has business time,
        // since the day before it did not reach it.
        let day = self.cumulative[1..].partition_point(|&c| c < target);
        if day >= self.windows.len() {
            return Err(CalendarError::InstantOutOfRange);
        }
        let (start, _) = self.windows[day];
        self.instant(day, start + target - self.cumulative[day])
    }

    /// Business time on `8x5` from `from` to `to` (negative when `to` is earlier).
    ///
    /// # Errors
    /// `InstantOutOfRange` outside the calendar's years.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<TimeDelta, CalendarError> {
        Ok(TimeDelta::microseconds(self.position(to)? - self.position(from)?))
    }

    /// Whether `t` is inside business time on `8x5` (an instant at 18:00 sharp is not).
    ///
    /// # Errors
    /// `InstantOutOfRange` outside the calendar's years.
    pub fn is_business_time(&self, t: DateTime<Utc>) -> Result<bool, CalendarError> {
        let (day, micros) = self.locate(t)?;
        let (start, end) = self.windows[day];
        Ok(micros >= start && micros < end)
    }

    /// "N working days" after `t` (auto-close, access block, critical fix): N × 9
    /// business hours on `8x5`, whatever the tier (R-CAL-6).
    ///
    /// # Errors
    /// `InstantOutOfRange` outside the calendar's years.
    pub fn add_working_days(&self, t: DateTime<Utc>, days: u32) -> Result<DateTime<Utc>, CalendarError> {
        self.add(
            t,
            BUSINESS_DAY * i32::try_from(days).map_err(|_| CalendarError::InstantOutOfRange)?,
        )
    }

    /// `add` on a schedule: `24x7` counts every minute (R-CAL-2).
    ///
    /// # Errors
    /// As [`BusinessCalendar::add`].
    pub fn add_on(&self, schedule: Schedule, t: DateTime<Utc>, d: TimeDelta) -> Result<DateTime<Utc>, CalendarError> {
        match schedule {
            Schedule::EightByFive => self.add(t, d),
            Schedule::TwentyFourSeven if d < TimeDelta::zero() => Err(CalendarError::InstantOutOfRange),
            Schedule::TwentyFourSeven => t.checked_add_signed(d).ok_or(CalendarError::InstantOutOfRange),
        }
    }

    /// `between` on a schedule.
    ///
    /// # Errors
    /// As [`BusinessCalendar::between`].
    pub fn between_on(
        &self,
        schedule: Schedule,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<TimeDelta, CalendarError> {
        match schedule {
            Schedule::EightByFive => self.between(from, to),
            Schedule::TwentyFourSeven => Ok(to - from),
        }
    }
}

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_DAY: i64 = 719_163;

#[cfg(test)]
pub(crate) mod tests;
