//! The caller's notifications: the list with the unread count (the bell), marking read;
//! and writing a notification to people, for the other rooms.

use reglament_api::{NotificationId, NotificationList, TicketId, UserId};
use reglament_store::PageRequest;
use reglament_store::Tx;
use reglament_store::notifications::{self as store, NewNotification};

use super::Notifications;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// The text of a notification for one reader: its title and body.
pub(crate) type Text<'a> = dyn Fn(&Reader<'_>) -> (String, String) + Sync + 'a;

/// What one notification says, to whom it goes and the occasion that makes it once.
pub(crate) struct Told<'a> {
    pub kind: &'a str,
    pub ticket_id: Option<TicketId>,
    /// Written for each recipient in their language and time zone (R-NTF-6).
    pub text: &'a Text<'a>,
    /// One notification per recipient and key; `None`: always.
    pub once: Option<&'a str>,
}

/// Who reads a notification: their language and time zone (R-NTF-6).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub en: bool,
    pub zone: &'a str,
}

impl Reader<'_> {
    /// Moscow time, for someone whose profile names nothing else.
    pub(crate) const MOSCOW: Reader<'static> = Reader {
        en: false,
        zone: "Europe/Moscow",
    };

    /// A reader of this locale (`en…` for English, else Russian) and zone.
    pub(crate) fn of<'z>(locale: &str, zone: &'z str) -> Reader<'z> {
        Reader {
            en: locale.starts_with("en"),
            zone,
        }
    }

    /// The Russian or the English text.
    pub(crate) fn say<'s>(&self, ru: &'s str, en: &'s str) -> &'s str {
        if self.en { en } else { ru }
    }

    /// An instant in the reader's time zone, Moscow time in brackets when it differs.
    pub(crate) fn time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        reglament_domain::moscow::format_for(at, self.zone, if self.en { "en" } else { "ru" })
    }
}

impl Notifications<'_> {
    /// The caller's notifications, newest first, with the unread count.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list(&self, p: &Principal, unread_only: bool, page: PageRequest) -> Result<NotificationList> {
        let mut tx = self.store.read().await?;
        let (list, unread) = store::list(&mut tx, p.user.id, unread_only, page).await?;
        tx.commit().await?;
        Ok(NotificationList {
            items: list.items,
            total: list.total,
            unread,
            limit: list.limit,
            offset: list.offset,
        })
    }

    /// Marks one of the caller's notifications read (again is fine).
    ///
    /// # Errors
    /// `not_found` for a notification that is not the caller's.
    pub async fn mark_read(&self, p: &Principal, id: NotificationId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if !store::mark_read(&mut tx, p.user.id, id, self.now()).await? {
            return Err(ServiceError::not_found("notification"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks every notification of the caller read.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn mark_all_read(&self, p: &Principal) -> Result<()> {
        let mut tx = self.store.begin().await?;
        store::mark_all_read(&mut tx, p.user.id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tells each recipient once (the same person named twice is told once), in the
    /// caller's transaction. Answers how many notifications were written.
    pub(crate) async fn tell(&self, tx: &mut Tx, recipients: &[UserId], told: &Told<'_>) -> Result<usize> {
        let now = self.now();
        let mut seen = std::collections::HashSet::new();
        let mut written = 0;
        // Where each goes besides the app (R-NTF-5): the person's choice for the kind.
        let (chosen, readers): (
            std::collections::HashMap<UserId, String>,
            std::collections::HashMap<_, _>,
        ) = if recipients.is_empty() {
            Default::default()
        } else {
            let chosen = store::chosen_channels(tx, told.kind).await?.into_iter().collect();
            let readers = store::staff_readers(tx)
                .await?
                .into_iter()
                .map(|(id, locale, zone)| (id, (locale, zone)))
                .collect();
            (chosen, readers)
        };
        for recipient in recipients.iter().copied().filter(|r| seen.insert(*r)) {
            let channel = chosen
                .get(&recipient)
                .map_or(super::preferences::default_channel(told.kind).as_str(), String::as_str);
            let reader = readers
                .get(&recipient)
                .map_or(Reader::MOSCOW, |(locale, zone)| Reader::of(locale, zone));
            let (title, body) = (told.text)(&reader);
            let n = NewNotification {
                recipient_id: recipient,
                kind: told.kind,
                ticket_id: told.ticket_id,
                title: &title,
                body: &body,
                dedup_key: told.once,
                channel,
            };
            if store::insert(tx, &n, now).await? {
                written += 1;
            }
        }
        Ok(written)
    }
}
