//! Monthly bookings of specialists and the month-end charge of unused hours.

pub mod months;

crate::capability!(
    /// Monthly bookings of specialists and the month-end charge of unused hours: `app.bookings()`.
    Bookings,
    bookings
);
