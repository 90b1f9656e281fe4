//! The production calendar and SLA deadlines.

pub mod production;

crate::capability!(
    /// The production calendar and SLA deadlines: `app.business_calendar()`.
    Calendar,
    calendar
);
