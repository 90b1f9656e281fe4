//! Notifications (R-NTF): what people are told, written in the same transaction as the
//! change that causes it, read in the app (the inbox), and the SLA warnings before a
//! response deadline passes (R-NTF-2).

pub mod inbox;
pub mod sla_alerts;
pub mod staff_alerts;

crate::capability!(
    /// Notifications (R-NTF): the inbox and the SLA warnings: `app.notifications()`.
    Notifications,
    notifications
);
