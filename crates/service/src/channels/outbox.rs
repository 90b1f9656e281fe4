//! Mail the use cases queue (in the outbox, in the same transaction as the change).

use reglament_store::{Tx, User, mail as outbox};

use super::Channels;
use crate::{App, Result};

/// Mails within an hour to one sender after which their mail gets no automatic answer.
pub const REPLIES_PER_HOUR: i64 = 20;

impl Channels<'_> {
    /// The loop guard: a sender who was mailed [`REPLIES_PER_HOUR`] times within the last
    /// hour gets no automatic answer to their mail (the registration, a refusal), so that a
    /// mailbox that answers every mail without saying it is automatic cannot make a loop.
    pub(super) async fn over_reply_limit(&self, tx: &mut Tx, sender: &str) -> Result<bool> {
        let since = self.now() - chrono::TimeDelta::hours(1);
        let sent = reglament_store::mail::count_to_since(tx, sender, since).await?;
        if sent >= REPLIES_PER_HOUR {
            tracing::warn!(%sender, sent, "no automatic answer: the sender was mailed too often within the hour");
            return Ok(true);
        }
        Ok(false)
    }

    /// Queues the invitation with its one-time link to set a password (R-ACC-1).
    pub(crate) async fn queue_invitation(&self, tx: &mut Tx, user: &User, token: &str) -> Result<()> {
        let link = self.invitation_link(token);
        let subject = "Приглашение на портал технической поддержки";
        let body = format!(
            "Здравствуйте, {name}!\n\n\
             Для вас создана учетная запись на портале технической поддержки.\n\
             Чтобы задать пароль, откройте ссылку (она действует {days} дней и только один раз):\n\n{link}\n\n\
             Если вы не ждали этого письма, просто проигнорируйте его.\n",
            name = user.full_name,
            days = self.config.invitation_ttl.num_days(),
        );
        outbox::enqueue(tx, &user.email, subject, &body, self.now()).await?;
        Ok(())
    }

    #[must_use]
    pub fn invitation_link(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.config.public_url.trim_end_matches('/'))
    }
}

/// The mail channel's sender (SMTP, a folder of `.eml` files): one queued mail out.
/// The round that drives it runs on the service's clock, like the webhooks'.
pub trait MailSender: Send + Sync {
    /// # Errors
    /// Why the mail was not sent (recorded on the row; it is tried again later).
    fn send(
        &self,
        mail: &outbox::OutgoingMail,
        at: chrono::DateTime<chrono::Utc>,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// How long a claimed mail is held before another round or instance may take it.
const MAIL_LEASE_MINUTES: i64 = 5;
/// Mail sent in one round.
const MAIL_BATCH: i64 = 20;

impl Channels<'_> {
    /// Delivers the mail that is due on the service's clock, once: claims a batch
    /// (skipping rows another instance holds), sends each, and records success or the
    /// next attempt with exponential backoff (30 s doubling, at most 6 h). Answers how
    /// many were sent.
    ///
    /// # Errors
    /// On a database failure (a failed send is recorded, not returned).
    pub async fn deliver_mail_once(&self, sender: &impl MailSender) -> Result<usize> {
        let claimed_at = self.now();
        let mut tx = self.store.begin().await?;
        let batch = outbox::claim_due(
            &mut tx,
            claimed_at,
            chrono::TimeDelta::minutes(MAIL_LEASE_MINUTES),
            MAIL_BATCH,
        )
        .await?;
        tx.commit().await?;
        let mut sent = 0;
        for mail in batch {
            let result = sender.send(&mail, self.now()).await;
            // The instant the outcome is recorded: sending may take a while.
            let now = self.now();
            let mut tx = self.store.begin().await?;
            match result {
                Ok(()) => {
                    outbox::mark_sent(&mut tx, mail.id, now).await?;
                    sent += 1;
                    tracing::info!(mail_id = %mail.id, to = %mail.recipient, "mail sent");
                }
                Err(err) => {
                    let exp = u32::try_from(mail.attempts.clamp(0, 10)).unwrap_or(10);
                    let backoff = chrono::TimeDelta::seconds(30 * (1_i64 << exp)).min(chrono::TimeDelta::hours(6));
                    let retry_at = now + backoff;
                    outbox::mark_failed(&mut tx, mail.id, &err, retry_at).await?;
                    tracing::warn!(mail_id = %mail.id, attempts = mail.attempts, %retry_at, error = %err, "mail not sent");
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}

/// Runs [`Channels::deliver_mail_once`] every `every` until the process ends.
pub async fn run_mail_forever(app: App, sender: impl MailSender, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        let Some(_round) = app.instances().round().await else {
            return;
        };
        // Notifications to mail first (R-NTF-5), so that they leave in this round.
        if let Err(err) = app.notifications().deliver_once().await {
            tracing::warn!(error = %err, "notification mail round failed");
        }
        if let Err(err) = app.channels().deliver_mail_once(&sender).await {
            tracing::warn!(error = %err, "mail delivery round failed");
        }
    }
}
