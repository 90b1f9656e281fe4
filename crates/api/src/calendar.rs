//! The production calendar and SLA deadlines.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::Schedule;

/// One year of the production calendar, as decreed (and as admins edit and import it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    #[cfg_attr(feature = "openapi", schema(minimum = 2015, maximum = 2100))]
    pub year: i32,
    /// The decree, for people.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub source: String,
    /// Non-working public holidays (article 112 of the Labour Code), weekends included.
    pub holidays: Vec<NaiveDate>,
    /// Other days off on weekdays: holidays moved from weekends, transfers.
    pub days_off: Vec<NaiveDate>,
    /// Saturdays and Sundays that the decree makes working days.
    pub working_weekends: Vec<NaiveDate>,
    /// Pre-holiday working days shortened by one hour.
    pub shortened: Vec<NaiveDate>,
}

/// Settings of the business calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarSettings {
    /// End pre-holiday shortened days at 17:00 instead of 18:00 (R-CAL-4; off by default,
    /// as the regulation names only holidays).
    pub shortened_days_end_at_17: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarSettingsInput {
    pub shortened_days_end_at_17: bool,
}

/// A year of the production calendar as the API shows it: the year's data (the body of
/// `PUT /calendar/{year}`) and what follows from it. The fields are spelt out rather than
/// flattened, so that the schema is one object, not an `allOf` with a closed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarYearView {
    pub year: i32,
    /// The decree, for people.
    pub source: String,
    pub holidays: Vec<NaiveDate>,
    pub days_off: Vec<NaiveDate>,
    pub working_weekends: Vec<NaiveDate>,
    pub shortened: Vec<NaiveDate>,
    pub working_days: usize,
    /// True when there is no data for the year and plain Monday–Friday is assumed (R-CAL-5).
    pub fallback: bool,
    pub warning: Option<String>,
}

impl CalendarYearView {
    /// The year's data alone, as `PUT /calendar/{year}` takes it.
    #[must_use]
    pub fn data(&self) -> CalendarYear {
        CalendarYear {
            year: self.year,
            source: self.source.clone(),
            holidays: self.holidays.clone(),
            days_off: self.days_off.clone(),
            working_weekends: self.working_weekends.clone(),
            shortened: self.shortened.clone(),
        }
    }
}

/// The promise shown when a ticket is created: the response due time of a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    pub tier: String,
    pub schedule: Schedule,
    pub start: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingDaysDue {
    pub start: DateTime<Utc>,
    pub days: u32,
    pub due_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DeadlineQuery {
    /// Tier code, e.g. `basic`.
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 50))]
    pub tier: String,
    /// When the ticket enters work (RFC 3339, any offset).
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-03-13T17:30:00+03:00"))]
    pub start: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct WorkingDaysQuery {
    /// RFC 3339, any offset.
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-03-06T15:00:00+03:00"))]
    pub start: String,
    /// Working days to add (0 to 3650).
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 3650))]
    pub days: i64,
}
