//! Notifications (R-NTF): what a person is told, in the app and by their channels.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{NotificationId, TicketId};

/// A notification of the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: NotificationId,
    /// What happened: `sla_warning` (a response deadline is near, R-NTF-2), `sla_breach`
    /// (it passed).
    pub kind: String,
    /// The ticket it is about, to jump to.
    pub ticket_id: Option<TicketId>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// `None` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of the caller's notifications, newest first, with the unread count (the bell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub total: i64,
    /// Unread notifications in all, whatever the page.
    pub unread: i64,
    pub limit: i64,
    pub offset: i64,
}

/// `?unread=true` lists only the unread ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct NotificationsQuery {
    pub unread: Option<bool>,
}
