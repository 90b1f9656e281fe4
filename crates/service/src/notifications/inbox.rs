//! The caller's notifications: the list with the unread count (the bell), marking read;
//! and writing a notification to people, for the other rooms.

use reglament_api::{NotificationId, NotificationList, TicketId, UserId};
use reglament_store::PageRequest;
use reglament_store::Tx;
use reglament_store::notifications::{self as store, NewNotification};

use super::Notifications;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// What one notification says, to whom it goes and the occasion that makes it once.
pub(crate) struct Told<'a> {
    pub kind: &'a str,
    pub ticket_id: Option<TicketId>,
    pub title: &'a str,
    pub body: &'a str,
    /// One notification per recipient and key; `None`: always.
    pub once: Option<&'a str>,
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
        let chosen: std::collections::HashMap<UserId, String> = if recipients.is_empty() {
            std::collections::HashMap::new()
        } else {
            store::chosen_channels(tx, told.kind).await?.into_iter().collect()
        };
        for recipient in recipients.iter().copied().filter(|r| seen.insert(*r)) {
            let channel = chosen
                .get(&recipient)
                .map_or(super::preferences::default_channel(told.kind).as_str(), String::as_str);
            let n = NewNotification {
                recipient_id: recipient,
                kind: told.kind,
                ticket_id: told.ticket_id,
                title: told.title,
                body: told.body,
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
