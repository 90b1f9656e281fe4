//! Notifications (R-NTF): what people are told, written in the same transaction as the
//! change that causes it, read in the app (the inbox), and the SLA warnings before a
//! response deadline passes (R-NTF-2).

pub mod access_notices;
pub mod booking_notices;
pub mod client_notices;
pub mod delivery;
pub mod duty;
pub mod inbox;
pub mod live;
pub mod live_hub;
pub mod preferences;
pub mod sla_alerts;
pub mod staff_alerts;
pub mod telegram;
pub mod unsubscribe;

crate::capability!(
    /// Notifications (R-NTF): the inbox and the SLA warnings: `app.notifications()`.
    Notifications,
    notifications
);
