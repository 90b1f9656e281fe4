//! Monthly bookings of specialists and the month-end charge of unused hours.

mod balance;
mod charge;
pub mod months;

crate::capability!(
    /// Monthly bookings of specialists and the month-end charge of unused hours: `app.bookings()`.
    Bookings,
    bookings
);
