//! Professional services and bookings (SPEC section 10, R-PS-1…4, R-BK-1…5):
//! certificates of prepaid hours and their ledger, orders (estimates and work logs),
//! monthly bookings of specialists and the capacity they are taken from.
//!
//! Time is counted in whole minutes on the wire (`*_minutes`), so that overtime doubling
//! and the one-hour minimum never round; certificate sizes, estimates and bookings are
//! whole hours, as they are sold.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use validator::Validate;

use crate::enums::UnknownValue;
use crate::ids::{BookingId, CertificateId, CustomerId, EstimateId, LedgerEntryId, TicketId, UserId, WorkLogId};

/// A calendar month, `YYYY-MM` on the wire (Moscow's calendar: bookings are for months there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// # Errors
    /// When `month` is not 1–12 or the year is outside 1000–9998 (so that the next month
    /// is a month too).
    pub fn new(year: i32, month: u32) -> Result<Self, UnknownValue> {
        if (1..=12).contains(&month) && (1000..=9998).contains(&year) {
            Ok(Self { year, month })
        } else {
            Err(UnknownValue(format!("{year:04}-{month:02}")))
        }
    }

    /// The month a date falls in.
    #[must_use]
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    #[must_use]
    pub const fn year(self) -> i32 {
        self.year
    }

    #[must_use]
    pub const fn month(self) -> u32 {
        self.month
    }

    /// Its first day.
    #[must_use]
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The month after it.
    #[must_use]
    pub const fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its last day.
    #[must_use]
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    /// Every day of it.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.first_day().iter_days().take_while(move |d| Self::of(*d) == self)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UnknownValue(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Self::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).map_err(|_| bad())
    }
}

impl TryFrom<String> for Month {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a month YYYY-MM")))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Month {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]{4}-(0[1-9]|1[0-2])$"))
            .description(Some("A calendar month, YYYY-MM"))
            .examples([serde_json::json!("2027-02")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Month {}

crate::enums::wire_enum! {
    /// Where an estimate stands (R-PS-2).
    EstimateState {
        /// Waits for the key contact's decision.
        Proposed = "proposed",
        Approved = "approved",
        Declined = "declined",
        /// A revised estimate replaced it; it stays in the history.
        Superseded = "superseded",
    }
}

crate::enums::wire_enum! {
    /// Why a ledger row deducts (or returns) minutes.
    LedgerKind {
        /// Work logged on an order (R-PS-3, R-PS-4), with the one-hour minimum.
        Work = "work",
        /// Booked hours left unused at the end of the month (R-BK-4).
        UnusedBooking = "unused_booking",
        /// A correction by staff; never an edit of an earlier row.
        Correction = "correction",
    }
}

/// Prepaid hours of professional services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    pub id: CertificateId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub number: String,
    /// The hours bought.
    pub hours: i64,
    pub valid_from: NaiveDate,
    /// The last day it may be used (inclusive).
    pub valid_until: NaiveDate,
    /// Minutes deducted so far (the sum of its ledger).
    pub charged_minutes: i64,
    /// `hours × 60 − charged_minutes`; below zero only after an admin's override.
    pub balance_minutes: i64,
    /// Valid today (Moscow).
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCertificate {
    pub customer_id: CustomerId,
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub number: String,
    #[validate(range(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000))]
    pub hours: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// `?customer_id=` of the certificate list (staff; a client always sees their own).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CertificatesQuery {
    pub customer_id: Option<CustomerId>,
}

/// One row of a certificate's ledger. Rows are never edited; a correction is a new row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub certificate_id: CertificateId,
    pub kind: LedgerKind,
    /// Minutes deducted; negative when a correction gives minutes back.
    pub minutes: i64,
    /// The certificate's balance after this row.
    pub balance_after_minutes: i64,
    pub ticket_id: Option<TicketId>,
    pub ticket_number: Option<i64>,
    pub work_log_id: Option<WorkLogId>,
    /// For unused booked hours: the month.
    pub month: Option<Month>,
    pub note: String,
    /// Who caused it; `None` for the month-end run.
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
    /// An admin let it take the balance below zero.
    pub overridden: bool,
    pub created_at: DateTime<Utc>,
}

/// A correction of a certificate's ledger: a new row, never an edit.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LedgerCorrection {
    /// Minutes to deduct; negative gives minutes back. Not zero.
    #[validate(range(min = -6_000_000, max = 6_000_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = -6_000_000, maximum = 6_000_000))]
    pub minutes: i64,
    /// Why.
    #[validate(length(min = 1, max = 1000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1000))]
    pub note: String,
    /// Admins only: allow the balance to go below zero (recorded).
    #[serde(default)]
    pub override_balance: bool,
}

/// Staff's answer to an order: hours, start date and conditions (R-PS-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub id: EstimateId,
    pub ticket_id: TicketId,
    pub hours: i64,
    pub starts_on: NaiveDate,
    pub conditions: String,
    pub state: EstimateState,
    pub author_id: UserId,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEstimate {
    /// At least 1 hour: the smallest order (section 2.1 of the regulation).
    #[validate(range(min = 1, max = 100_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100_000))]
    pub hours: i64,
    pub starts_on: NaiveDate,
    #[validate(length(max = 5000))]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    #[serde(default)]
    pub conditions: String,
}

/// Work on an order: an interval of a specialist's time (R-PS-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkLog {
    pub id: WorkLogId,
    pub ticket_id: TicketId,
    pub specialist_id: UserId,
    pub specialist_name: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// Minutes inside 09:00–18:00 of Moscow working days: counted once.
    pub business_minutes: i64,
    /// Minutes outside them: counted twice.
    pub overtime_minutes: i64,
    /// `business_minutes + 2 × overtime_minutes`.
    pub counted_minutes: i64,
    /// What this log deducted from certificates: its counted minutes, raised so that the
    /// order is charged at least 60 minutes in total.
    pub charged_minutes: i64,
    pub description: String,
    /// An admin let it take the balance below zero.
    pub overridden: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWorkLog {
    /// Seconds are dropped: work is counted in whole minutes.
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// What was done and its result; posted in the ticket and mailed to the author (R-PS-4).
    #[validate(length(min = 1, max = 10_000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 10_000))]
    pub description: String,
    /// Admins only: log it even when the balance does not cover it (recorded).
    #[serde(default)]
    pub override_balance: bool,
}

/// An order (a `service_request` ticket) with its estimates and logged work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub ticket_id: TicketId,
    /// Newest first; the first one is the estimate in force.
    pub estimates: Vec<Estimate>,
    /// Oldest first.
    pub work_logs: Vec<WorkLog>,
    pub counted_minutes: i64,
    pub charged_minutes: i64,
    /// Whether work may be logged: the estimate in force is approved.
    pub approved: bool,
}

/// Hours of specialists reserved by a customer for a month (R-BK-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    pub id: BookingId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub month: Month,
    pub hours: i64,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Booking for the month, changes and cancellations close at this instant (R-BK-2, R-BK-3).
    pub deadline: DateTime<Utc>,
    /// Whether it may still be changed or cancelled.
    pub changeable: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    pub month: Month,
    #[validate(range(min = 1, max = 10_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub hours: i64,
    /// Staff booking for a customer name it; a key contact books for their own.
    pub customer_id: Option<CustomerId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BookingPatch {
    #[validate(range(min = 1, max = 10_000))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000))]
    pub hours: i64,
}

/// `?month=&customer_id=` of the booking list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct BookingsQuery {
    pub month: Option<Month>,
    /// Staff only; a client always sees their own customer's.
    pub customer_id: Option<CustomerId>,
}

/// `?from=&months=` of the capacity planner.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CapacityQuery {
    /// The first month (default: next month).
    pub from: Option<Month>,
    /// How many months, 1 to 24 (default 6).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 24))]
    pub months: Option<u32>,
}

/// Booked hours of one customer in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerHours {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub hours: i64,
}

/// A month of the booking calendar (R-BK-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCapacity {
    pub month: Month,
    /// Working days and shortened pre-holiday days of the production calendar.
    pub working_days: i64,
    pub shortened_days: i64,
    /// Active specialists whose hours make the capacity.
    pub specialists: i64,
    /// The specialists' norm hours in the month: 8 h a working day, 7 h a shortened one,
    /// × weekly hours / 40, summed and rounded down to whole hours.
    pub capacity_hours: i64,
    pub booked_hours: i64,
    pub free_hours: i64,
    /// Booking closes at 00:00 Moscow time 5 calendar days before the month.
    pub deadline: DateTime<Utc>,
    /// Open for booking now: before the deadline and not fully booked.
    pub open: bool,
    /// The caller's customer's bookings in the month (a client's; 0 for staff).
    pub own_hours: i64,
    /// A client's: the hours their customer can still book in the month (R-CON-5): the
    /// free hours while the month is open, within what its certificates valid in the month
    /// hold less the hours its bookings already commit (booked, not yet charged, not used
    /// by logged work). Absent for staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookable_hours: Option<i64>,
    /// Staff only: booked hours by customer.
    pub by_customer: Vec<CustomerHours>,
}

/// A staff member with the `specialist` role and their weekly hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Specialist {
    pub user_id: UserId,
    pub full_name: String,
    pub email: String,
    pub active: bool,
    /// Hours a week (40 by default); the capacity scales by weekly hours / 40.
    pub weekly_hours: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SpecialistPatch {
    #[validate(range(min = 1, max = 60))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 60))]
    pub weekly_hours: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_yyyy_mm_on_the_wire() -> Result<(), Box<dyn std::error::Error>> {
        let m: Month = serde_json::from_str("\"2027-02\"")?;
        assert_eq!(m, Month::new(2027, 2)?);
        assert_eq!(serde_json::to_string(&m)?, "\"2027-02\"");
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2027, 2, 28).ok_or("date")?);
        assert_eq!(Month::new(2026, 12)?.next(), Month::new(2027, 1)?);
        assert_eq!(m.days().count(), 28);
        for bad in [
            "2027-13",
            "2027-00",
            "27-01",
            "2027-1",
            "2027/01",
            "20a7-01",
            "2027-01-01",
            "",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        Ok(())
    }
}
