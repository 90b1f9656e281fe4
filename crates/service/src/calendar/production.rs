//! The business calendar as a service: the admins' production calendar (R-CAL-5),
//! response deadlines (R-SLA-1) and working-day arithmetic (R-CAL-6).

use reglament_api::ErrorCode;
use reglament_api::{CalendarSettingsInput, CalendarYearView, Deadline, WorkingDaysDue};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use reglament_domain::YearRules as _;
use reglament_domain::calendar::{FIRST_YEAR, LAST_YEAR};
use reglament_domain::{BusinessCalendar, CalendarSettings, CalendarYear, StaffRole};
use reglament_store::{calendar as store, tiers as store_tiers};

use super::Calendar;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};
use reglament_api::Scope;

const SHORTENED_SETTING: &str = "calendar.shortened_days_end_at_17";
/// From this month on, a missing next year is warned about too.
const NEXT_YEAR_WARNING_MONTH: u32 = 10;

fn year_view(data: CalendarYear, fallback: bool, warning: Option<String>) -> CalendarYearView {
    CalendarYearView {
        working_days: data.working_days(),
        year: data.year,
        source: data.source,
        holidays: data.holidays,
        days_off: data.days_off,
        working_weekends: data.working_weekends,
        shortened: data.shortened,
        fallback,
        warning,
    }
}

fn check_year(year: i32) -> Result<()> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(ServiceError::Refused {
            code: ErrorCode::YearOutOfRange,
            detail: format!("the calendar covers {FIRST_YEAR} to {LAST_YEAR}"),
        })
    }
}

fn calendar_error(err: reglament_domain::CalendarError) -> ServiceError {
    match err {
        reglament_domain::CalendarError::InstantOutOfRange | reglament_domain::CalendarError::YearOutOfRange(_) => {
            ServiceError::Refused {
                code: ErrorCode::YearOutOfRange,
                detail: err.to_string(),
            }
        }
        other => ServiceError::Refused {
            code: ErrorCode::InvalidCalendar,
            detail: other.to_string(),
        },
    }
}

/// Parses an RFC 3339 instant; a `+` that a query string turned into a space is put back.
///
/// # Errors
/// `invalid_time` (400).
pub fn parse_instant(field: &str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&text.trim().replace(' ', "+"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ServiceError::Refused {
            code: ErrorCode::InvalidTime,
            detail: format!("{field}: expected an RFC 3339 time such as 2026-03-13T17:30:00+03:00"),
        })
}

impl Calendar<'_> {
    /// The calendar in force now.
    #[must_use]
    pub fn business_calendar(&self) -> Arc<BusinessCalendar> {
        match self.calendar.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(poisoned.get_ref()),
        }
    }

    /// Reads the production calendar and its settings from the database (at start, after
    /// edits, and on every round of the background jobs, so that an edit made by another
    /// instance or by `reglament calendar import` takes effect within a round). Answers
    /// whether the calendar changed.
    ///
    /// # Errors
    /// On a database failure or stored data that does not make a calendar.
    pub async fn load_calendar(&self) -> Result<bool> {
        // One load at a time, so that a slow load never replaces a newer one.
        let _one = self.calendar_load.lock().await;
        let mut tx = self.store.read().await?;
        let years = store::list_years(&mut tx).await?;
        let settings = CalendarSettings {
            shortened_days_end_at_17: store::get_setting(&mut tx, SHORTENED_SETTING).await?.as_deref() == Some("true"),
        };
        tx.commit().await?;
        let current = self.business_calendar();
        if current.settings() == settings && current.years().eq(years.iter()) {
            return Ok(false);
        }
        let calendar = BusinessCalendar::new(years, settings).map_err(calendar_error)?;
        if let Ok(mut slot) = self.calendar.write() {
            *slot = Arc::new(calendar);
        }
        // When access ends after a contract is counted on this calendar (R-ACL-5).
        self.users.clear();
        Ok(true)
    }

    /// Warnings for health and the start-up log (R-CAL-5): the current Moscow year without
    /// data, and from 1 October the next one too, so that admins add it before promises
    /// cross New Year.
    #[must_use]
    pub fn calendar_warnings(&self) -> Vec<String> {
        calendar_warnings_on(&self.business_calendar(), self.today())
    }

    /// A year of the production calendar; a year without data answers plain Monday–Friday and a warning.
    ///
    /// # Errors
    /// `year_out_of_range` (400).
    pub fn calendar_year(&self, p: &Principal, year: i32) -> Result<CalendarYearView> {
        p.require_scope(Scope::SlaRead)?;
        check_year(year)?;
        let calendar = self.business_calendar();
        Ok(match calendar.year(year) {
            Some(data) => year_view(data.clone(), false, None),
            None => year_view(
                CalendarYear {
                    year,
                    source: String::new(),
                    holidays: vec![],
                    days_off: vec![],
                    working_weekends: vec![],
                    shortened: vec![],
                },
                true,
                Some(format!("no production calendar for {year}: Monday–Friday is assumed")),
            ),
        })
    }

    /// Replaces years of the production calendar (admins): `PUT` of one year and the import of many.
    ///
    /// # Errors
    /// `forbidden`, `invalid_calendar` (400), `year_out_of_range` (400).
    pub async fn put_calendar_years(&self, p: &Principal, years: Vec<CalendarYear>) -> Result<Vec<CalendarYearView>> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin])?;
        let saved = save_years(&self.store, &years, self.now()).await?;
        let mut tx = self.store.begin().await?;
        self.changed_everywhere(&mut tx, crate::Cached::Calendar).await?;
        tx.commit().await?;
        self.load_calendar().await?;
        tracing::info!(years = ?saved, by = %p.user.id, "production calendar saved");
        years.iter().map(|y| self.calendar_year(p, y.year)).collect()
    }

    /// # Errors
    /// `forbidden`.
    pub async fn put_calendar_settings(&self, p: &Principal, input: CalendarSettingsInput) -> Result<CalendarSettings> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin])?;
        let mut tx = self.store.begin().await?;
        store::put_setting(
            &mut tx,
            SHORTENED_SETTING,
            if input.shortened_days_end_at_17 {
                "true"
            } else {
                "false"
            },
            self.now(),
        )
        .await?;
        self.changed_everywhere(&mut tx, crate::Cached::Calendar).await?;
        tx.commit().await?;
        self.load_calendar().await?;
        Ok(self.business_calendar().settings())
    }

    /// The response due time of `tier` for a ticket entering work at `start` (R-SLA-1).
    ///
    /// # Errors
    /// `unknown_tier` (400), `year_out_of_range` (400).
    pub async fn deadline(&self, p: &Principal, tier: &str, start: DateTime<Utc>) -> Result<Deadline> {
        p.require_scope(Scope::SlaRead)?;
        let mut tx = self.store.read().await?;
        let tier = store_tiers::get(&mut tx, tier)
            .await
            .map_err(|_| ServiceError::Refused {
                code: ErrorCode::UnknownTier,
                detail: format!("there is no tier {tier:?}"),
            })?;
        tx.commit().await?;
        let due_at =
            reglament_domain::sla::response_due_at(&self.business_calendar(), &tier, start).map_err(calendar_error)?;
        Ok(Deadline {
            tier: tier.code,
            schedule: tier.schedule,
            start,
            due_at,
        })
    }

    /// `start` plus `days` working days: days × 9 business hours on 8x5 (R-CAL-6).
    ///
    /// # Errors
    /// `year_out_of_range` (400).
    pub fn add_working_days(&self, p: &Principal, start: DateTime<Utc>, days: u32) -> Result<WorkingDaysDue> {
        p.require_scope(Scope::SlaRead)?;
        let due_at = self
            .business_calendar()
            .add_working_days(start, days)
            .map_err(calendar_error)?;
        Ok(WorkingDaysDue { start, days, due_at })
    }
}

/// The warnings of [`App::calendar_warnings`] for a calendar on a Moscow date.
#[must_use]
fn calendar_warnings_on(calendar: &BusinessCalendar, today: NaiveDate) -> Vec<String> {
    let year = today.year();
    let last = if today.month() >= NEXT_YEAR_WARNING_MONTH {
        year + 1
    } else {
        year
    };
    calendar
        .missing_years(year..=last)
        .into_iter()
        .map(|y| {
            format!(
                "no production calendar for {y}: Monday–Friday is assumed; an admin can add it at PUT /api/v1/calendar/{y}, \
                 in the web app's calendar editor or with `reglament calendar import FILE`"
            )
        })
        .collect()
}

/// Validates every year and writes them all in one transaction, or nothing (R-CAL-5): the
/// admins' `PUT` and import, and `reglament calendar import`. Answers the years written.
/// The running servers read the new calendar on their next load.
///
/// # Errors
/// `validation_failed` for an empty list, `year_out_of_range`, `invalid_calendar` (400),
/// and database failures.
pub async fn save_years(
    store: &reglament_store::Store,
    years: &[CalendarYear],
    now: DateTime<Utc>,
) -> Result<Vec<i32>> {
    if years.is_empty() {
        return Err(ServiceError::invalid("years", "give at least one year"));
    }
    let mut seen = std::collections::HashSet::new();
    for year in years {
        check_year(year.year)?;
        year.validate().map_err(calendar_error)?;
        if !seen.insert(year.year) {
            return Err(ServiceError::invalid("years", format!("{} is given twice", year.year)));
        }
    }
    let mut tx = store.begin().await?;
    for year in years {
        store::put_year(&mut tx, year, now).await?;
    }
    tx.commit().await?;
    Ok(years.iter().map(|y| y.year).collect())
}
