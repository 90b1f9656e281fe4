//! R-NTF-5: each person chooses, per kind of notification, where it goes besides the app:
//! nowhere (`in_app`), a mail each, a Telegram message each (once linked), or an hourly or
//! daily digest. The defaults need no setting: staff get a mail for each kind.

use reglament_api::{ErrorCode, NotificationChannel, NotificationPreference, PreferenceChange};
use reglament_store::notifications as store;

use super::Notifications;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// The kinds of notification staff receive (R-NTF-1/2/3).
pub const STAFF_KINDS: [&str; 8] = [
    "ticket_created",
    "client_message",
    "assigned",
    "escalation",
    "estimate_decided",
    "sla_warning",
    "sla_breach",
    "duty_gap",
];

/// Where a kind goes when its person chose nothing.
#[must_use]
pub fn default_channel(_kind: &str) -> NotificationChannel {
    NotificationChannel::Mail
}

/// The kinds a person routes: staff's alerts, or a client's notices about their tickets
/// (R-NTF-4; answers on their own tickets are always mailed and not listed).
fn kinds_of(p: &Principal) -> &'static [&'static str] {
    if p.actor.is_staff() {
        &STAFF_KINDS
    } else {
        &super::client_notices::CLIENT_KINDS
    }
}

impl Notifications<'_> {
    /// The caller's channel for each kind, the defaults marked.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn preferences(&self, p: &Principal) -> Result<Vec<NotificationPreference>> {
        let mut tx = self.store.read().await?;
        let chosen = store::preferences(&mut tx, p.user.id).await?;
        tx.commit().await?;
        Ok(kinds_of(p)
            .iter()
            .map(|kind| {
                let choice = chosen
                    .iter()
                    .find(|(k, _)| k == kind)
                    .and_then(|(_, c)| c.parse::<NotificationChannel>().ok());
                NotificationPreference {
                    kind: (*kind).to_owned(),
                    channel: choice.unwrap_or_else(|| default_channel(kind)),
                    default: choice.is_none(),
                }
            })
            .collect())
    }

    /// Changes the caller's channels; a kind left out keeps its choice.
    ///
    /// # Errors
    /// `validation_failed` for an unknown kind or more than one change of a kind,
    /// `telegram_not_linked` for Telegram before the caller linked it.
    pub async fn set_preferences(
        &self,
        p: &Principal,
        changes: &[PreferenceChange],
    ) -> Result<Vec<NotificationPreference>> {
        let kinds = kinds_of(p);
        for (i, change) in changes.iter().enumerate() {
            if !kinds.contains(&change.kind.as_str()) {
                return Err(ServiceError::invalid(
                    &format!("[{i}].kind"),
                    format!("unknown kind; one of {}", kinds.join(", ")),
                ));
            }
            if changes[..i].iter().any(|c| c.kind == change.kind) {
                return Err(ServiceError::invalid(&format!("[{i}].kind"), "named twice"));
            }
        }
        let mut tx = self.store.begin().await?;
        if changes.iter().any(|c| c.channel == Some(NotificationChannel::Telegram))
            && reglament_store::telegram::account(&mut tx, p.user.id).await?.is_none()
        {
            return Err(ServiceError::refused(
                ErrorCode::TelegramNotLinked,
                "link your Telegram first: ask for a code in your profile and send it to the bot",
            ));
        }
        for change in changes {
            store::set_preference(
                &mut tx,
                p.user.id,
                &change.kind,
                change.channel.map(NotificationChannel::as_str),
            )
            .await?;
        }
        tx.commit().await?;
        self.preferences(p).await
    }
}
