//! R-NTF-5: notifications leave the app by the channel each person chose for their kind —
//! a mail each, a Telegram message each (staff who linked the bot; mail when they unlinked
//! it since), an hourly or a daily digest — from the notifications table, the outbox
//! they were written to with the change. A round claims what it mails (`delivered_at`) in
//! the transaction that queues the mail, so a second instance or a restart after kill -9
//! sends nothing twice and loses nothing.
//!
//! Bursts fold: a person mailed within the last minute is not mailed again until the
//! minute is over; then what waited goes alone when that makes at most 5 mails in the
//! minute, else as one mail listing them all. The first alert of a quiet night goes at
//! once; 2,000 tickets in a minute make two mails per person.

use chrono::{DateTime, Duration, NaiveTime, TimeZone as _, Timelike as _, Utc};
use reglament_api::{NotificationChannel, UserId};
use reglament_store::mail::Thread;
use reglament_store::notifications::{self as store, Undelivered};
use reglament_store::{Tx, tickets as store_tickets, users as store_users};

use super::Notifications;
use super::inbox::Reader;
use crate::Result;

/// People looked at in one round.
const PEOPLE: i64 = 500;
/// One person's notifications in one mail at most (the rest follow in the next).
const PER_MAIL: i64 = 1_000;
/// The burst window of R-NTF-5.
const BURST_WINDOW: Duration = Duration::minutes(1);
/// More than this many within the window become one mail.
const BURST_LIMIT: usize = 5;

/// What a round sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mailed {
    /// Mails of one notification.
    pub single: usize,
    /// Mails folding a burst.
    pub folded: usize,
    /// Hourly and daily digests.
    pub digests: usize,
    /// Telegram messages (one notification or a folded burst each).
    pub telegram: usize,
}

/// Where one person's notifications of a channel go.
enum Sink {
    Mail(String),
    Telegram { chat_id: i64, user: UserId },
}

impl Notifications<'_> {
    /// One round of delivery of notifications beyond the app: mail, Telegram, digests.
    ///
    /// # Errors
    /// On a database failure; what was queued before it stays queued.
    pub async fn deliver_once(&self) -> Result<Mailed> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let people = store::waiting_recipients(&mut tx, PEOPLE).await?;
        tx.commit().await?;
        let mut mailed = Mailed::default();
        for person in people {
            let mut tx = self.store.read().await?;
            let items = store::undelivered(&mut tx, person, PER_MAIL).await?;
            let user = store_users::get(&mut tx, person).await?;
            let telegram = if items.iter().any(|n| n.channel == "telegram") {
                reglament_store::telegram::account(&mut tx, person).await?
            } else {
                None
            };
            tx.commit().await?;
            let reader = Reader::of(&user.locale, &user.time_zone);
            // Telegram for a person who unlinked it since: mail instead.
            let by_telegram = |n: &Undelivered| n.channel == "telegram" && telegram.is_some();
            let mail: Vec<_> = items
                .iter()
                .filter(|n| n.channel == "mail" || (n.channel == "telegram" && !by_telegram(n)))
                .cloned()
                .collect();
            if !mail.is_empty() {
                self.send_or_fold(person, reader, Sink::Mail(user.email.clone()), mail, now, &mut mailed)
                    .await?;
            }
            if let Some(account) = &telegram {
                let sink = Sink::Telegram {
                    chat_id: account.chat_id,
                    user: person,
                };
                let items: Vec<_> = items.iter().filter(|n| by_telegram(n)).cloned().collect();
                if !items.is_empty() {
                    self.send_or_fold(person, reader, sink, items, now, &mut mailed).await?;
                }
            }
            for channel in [NotificationChannel::DigestHourly, NotificationChannel::DigestDaily] {
                let due: Vec<_> = items
                    .iter()
                    .filter(|n| n.channel == channel.as_str())
                    .cloned()
                    .collect();
                if !due.is_empty() {
                    mailed.digests += usize::from(self.digest(&user, channel, due, now).await?);
                }
            }
        }
        if mailed != Mailed::default() {
            tracing::info!(?mailed, "notifications delivered");
        }
        Ok(mailed)
    }

    async fn send_or_fold(
        &self,
        person: UserId,
        reader: Reader<'_>,
        sink: Sink,
        items: Vec<Undelivered>,
        now: DateTime<Utc>,
        mailed: &mut Mailed,
    ) -> Result<()> {
        let channel = match sink {
            Sink::Mail(_) => "mail",
            Sink::Telegram { .. } => "telegram",
        };
        let mut tx = self.store.begin().await?;
        let last = store::last_delivered(&mut tx, person, channel).await?;
        if last.is_some_and(|at| now - at < BURST_WINDOW) {
            // Inside a burst window: they wait for its end.
            return Ok(());
        }
        let held = last.is_some_and(|at| items.iter().any(|n| n.created_at < at + BURST_WINDOW));
        let in_minute = items.len() + usize::from(held);
        let Some(sent) = (if in_minute > BURST_LIMIT {
            let subject = format!(
                "Reglament: {} {}",
                items.len(),
                reader.say("уведомлений", "notifications")
            );
            self.queue(
                &mut tx,
                &sink,
                &subject,
                &self.listing(&items, reader),
                None,
                &items,
                now,
            )
            .await?
            .then_some((0, 1))
        } else {
            let mut ok = true;
            for n in &items {
                let subject = self.subject(&mut tx, n).await?;
                let body = format!("{}\n\n{}\n", n.body, self.link(n));
                ok &= self
                    .queue(
                        &mut tx,
                        &sink,
                        &subject,
                        &body,
                        n.ticket_id,
                        std::slice::from_ref(n),
                        now,
                    )
                    .await?;
            }
            ok.then_some((items.len(), 0))
        }) else {
            // Another instance took some of them: theirs to send.
            return Ok(());
        };
        tx.commit().await?;
        match sink {
            Sink::Mail(_) => {
                mailed.single += sent.0;
                mailed.folded += sent.1;
            }
            Sink::Telegram { .. } => mailed.telegram += sent.0 + sent.1,
        }
        Ok(())
    }

    /// A digest when its period is over: hourly at the next full hour after the oldest,
    /// daily at the next 09:00 in the person's time zone.
    async fn digest(
        &self,
        user: &reglament_store::User,
        channel: NotificationChannel,
        items: Vec<Undelivered>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let oldest = items.iter().map(|n| n.created_at).min().unwrap_or(now);
        let reader = Reader::of(&user.locale, &user.time_zone);
        let (due, period) = match channel {
            NotificationChannel::DigestHourly => (next_hour(oldest), reader.say("сводка за час", "hourly digest")),
            _ => (
                next_morning(oldest, &user.time_zone),
                reader.say("сводка за день", "daily digest"),
            ),
        };
        if now < due {
            return Ok(false);
        }
        let subject = format!(
            "Reglament: {period}: {} {}",
            items.len(),
            reader.say("уведомлений", "notifications")
        );
        if !self
            .queue(
                &mut tx,
                &Sink::Mail(user.email.clone()),
                &subject,
                &self.listing(&items, reader),
                None,
                &items,
                now,
            )
            .await?
        {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Queues one mail or Telegram message and claims its notifications; false when some
    /// were claimed already.
    #[allow(clippy::too_many_arguments)]
    async fn queue(
        &self,
        tx: &mut Tx,
        to: &Sink,
        subject: &str,
        body: &str,
        ticket: Option<reglament_api::TicketId>,
        items: &[Undelivered],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let ids: Vec<_> = items.iter().map(|n| n.id).collect();
        if store::mark_delivered(tx, &ids, now).await? != ids.len() as u64 {
            return Ok(false);
        }
        match to {
            Sink::Mail(address) => {
                let thread = Thread {
                    ticket_id: ticket.map(|t| t.0),
                    ..Thread::default()
                };
                reglament_store::mail::enqueue_in_thread(tx, address, subject, body, &thread, now).await?;
            }
            Sink::Telegram { chat_id, user } => {
                let text = crate::channels::telegram_wire::fit_message(&format!("{subject}\n\n{body}"), "\n…");
                let message = reglament_store::telegram::NewMessage {
                    chat_id: *chat_id,
                    text: &text,
                    user_id: Some(*user),
                    ticket_id: ticket,
                    ..Default::default()
                };
                reglament_store::telegram::enqueue(tx, &message, now).await?;
            }
        }
        Ok(true)
    }

    /// A single notification's subject names its ticket as `[#N]`, so that a staff member
    /// who answers the mail answers the ticket (R-NTF-7).
    async fn subject(&self, tx: &mut Tx, n: &Undelivered) -> Result<String> {
        Ok(match n.ticket_id {
            Some(id) => {
                let number = store_tickets::get(tx, id).await?.number;
                format!("[#{number}] {}", n.title)
            }
            None => n.title.clone(),
        })
    }

    fn link(&self, n: &Undelivered) -> String {
        let base = self.config.public_url.trim_end_matches('/');
        match n.ticket_id {
            Some(id) => format!("{base}/tickets/{id}"),
            None => format!("{base}/"),
        }
    }

    fn listing(&self, items: &[Undelivered], reader: Reader<'_>) -> String {
        const SHOWN: usize = 100;
        let mut body = reader.say("Уведомления:\n\n", "Notifications:\n\n").to_owned();
        for n in items.iter().take(SHOWN) {
            body.push_str(&format!(
                "{} — {}\n  {}\n  {}\n\n",
                reader.time(n.created_at),
                n.title,
                n.body,
                self.link(n)
            ));
        }
        if items.len() > SHOWN {
            let more = items.len() - SHOWN;
            let portal = self.config.public_url.trim_end_matches('/');
            body.push_str(&if reader.en {
                format!("…and {more} more. All notifications are under the portal's bell: {portal}/\n")
            } else {
                format!("…и еще {more}. Все уведомления — в колокольчике портала: {portal}/\n")
            });
        }
        body
    }
}

fn next_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    let hour = at
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at);
    hour + Duration::hours(1)
}

/// The next 09:00 after `at` in the time zone (Moscow when it is not understood).
fn next_morning(at: DateTime<Utc>, zone: &str) -> DateTime<Utc> {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Europe::Moscow);
    let local = at.with_timezone(&tz);
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    let mut day = local.date_naive();
    if local.time() >= nine {
        day = day.succ_opt().unwrap_or(day);
    }
    tz.from_local_datetime(&day.and_time(nine))
        .earliest()
        .map_or(at + Duration::days(1), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ntf_5_digests_fall_due_at_the_next_hour_and_the_next_morning() {
        let at: DateTime<Utc> = "2026-03-16T06:20:00Z".parse().expect("instant");
        assert_eq!(
            next_hour(at),
            "2026-03-16T07:00:00Z".parse::<DateTime<Utc>>().expect("instant")
        );
        // 09:20 in Moscow: tomorrow's 09:00 Moscow time; 14:20 in Novosibirsk: tomorrow 09:00 there.
        assert_eq!(
            next_morning(at, "Europe/Moscow"),
            "2026-03-17T06:00:00Z".parse::<DateTime<Utc>>().expect("instant")
        );
        assert_eq!(
            next_morning("2026-03-16T01:00:00Z".parse().expect("instant"), "Asia/Novosibirsk"),
            "2026-03-16T02:00:00Z".parse::<DateTime<Utc>>().expect("instant")
        );
    }
}
