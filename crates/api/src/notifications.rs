//! Notifications (R-NTF): what a person is told, in the app and by their channels.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::enums::UnknownValue;
use crate::{DutyOverrideId, NotificationId, TicketId, UserId};

/// A notification of the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: NotificationId,
    /// What happened (R-NTF-1/2/3): `ticket_created`, `client_message`, `assigned`,
    /// `escalation`, `estimate_decided`, `sla_warning` (a response deadline is near),
    /// `sla_breach` (it passed), `duty_gap` (nobody on duty soon).
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

crate::enums::wire_enum! {
    /// Where a kind of notification goes besides the app (R-NTF-5).
    NotificationChannel {
        /// Only in the app (the bell).
        InApp = "in_app",
        /// A mail each (more than 5 within a minute fold into one mail).
        Mail = "mail",
        /// A message each from the bot, for staff who linked their Telegram (more than 5
        /// within a minute fold into one message).
        Telegram = "telegram",
        /// Collected into one mail an hour.
        DigestHourly = "digest_hourly",
        /// Collected into one mail a day (at 09:00 in the person's time zone).
        DigestDaily = "digest_daily",
    }
}

/// One kind of notification and where it goes for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPreference {
    pub kind: String,
    pub channel: NotificationChannel,
    /// No choice made: `channel` is the default.
    pub default: bool,
}

/// The caller's choices, by kind: `{"kind": "sla_warning", "channel": "mail"}`; a kind
/// left out keeps its choice, `channel: null` returns it to the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreferenceChange {
    pub kind: String,
    pub channel: Option<NotificationChannel>,
}

/// The caller's Telegram, linked to the bot for notifications (R-NTF-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramAccountStatus {
    /// Whether this server runs the bot at all.
    pub enabled: bool,
    pub linked: bool,
    /// The Telegram username when the link was made, without `@`.
    pub username: Option<String>,
    pub linked_at: Option<DateTime<Utc>>,
}

/// A one-time code that links the caller's Telegram: send `command` to the bot in a
/// private chat. A new code replaces the caller's earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TelegramAccountCode {
    pub code: String,
    /// `/start CODE`.
    pub command: String,
    pub expires_at: DateTime<Utc>,
}

/// `?token=` of a one-click unsubscribe link (RFC 8058), as mailed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UnsubscribeQuery {
    pub token: String,
}

/// A person in the duty roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyPerson {
    pub id: UserId,
    pub full_name: String,
    /// A disabled person on duty is a gap.
    pub active: bool,
}

/// A dated override: someone else on duty for a while (a holiday, a sick day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyOverride {
    pub id: DutyOverrideId,
    pub person: DutyPerson,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub note: String,
}

/// A stretch of time with one person (or nobody: a gap) on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutySlot {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// `None`: nobody is on duty (a gap).
    pub person: Option<DutyPerson>,
    /// `rotation` or `override`; `None` for a gap.
    pub source: Option<String>,
}

/// The duty roster of the 24x7 tiers (R-NTF-3): the weekly rotation, the overrides to
/// come, who is on duty now, the next weeks and the gaps in the next 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyRoster {
    /// The rotation's first week (its Monday counts).
    pub starts_on: NaiveDate,
    /// The Monday handover, Moscow time, `HH:MM`.
    pub handover_time: String,
    /// In order of their weeks: week k since `starts_on` is member k mod n.
    pub members: Vec<DutyPerson>,
    /// Overrides that have not ended, soonest first.
    pub overrides: Vec<DutyOverride>,
    pub on_duty_now: Option<DutyPerson>,
    /// The next weeks from now.
    pub slots: Vec<DutySlot>,
    /// Stretches of the next 7 days with nobody on duty.
    pub gaps: Vec<DutySlot>,
}

/// The weekly rotation as admins and support leads set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DutyRotationInput {
    pub starts_on: NaiveDate,
    /// `HH:MM`, Moscow time; default `09:00`.
    #[serde(default)]
    pub handover_time: Option<String>,
    /// Active staff, in order of their weeks; the same person may take several weeks.
    #[validate(length(max = 100))]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub member_ids: Vec<UserId>,
}

/// A dated override to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DutyOverrideInput {
    pub user_id: UserId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    #[validate(length(max = 500))]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

/// `?weeks=` of the roster to show (1–12, default 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DutyQuery {
    pub weeks: Option<u32>,
}

/// A short-lived ticket that opens the live stream (`GET /api/v1/stream?ticket=…`): a
/// browser's EventSource cannot send an Authorization header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamTicket {
    pub ticket: String,
    pub expires_at: DateTime<Utc>,
}

/// `?ticket=` from `POST /api/v1/stream/tickets` (or send `Authorization: Bearer`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct StreamQuery {
    pub ticket: Option<String>,
    /// Resume after this event (as the `Last-Event-ID` header, which wins): a browser that
    /// opens a new EventSource with a fresh ticket cannot set the header.
    pub last_event_id: Option<i64>,
}
