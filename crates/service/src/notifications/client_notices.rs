//! R-NTF-4: clients are told of every change to a ticket they can see that they did not
//! make themselves — in the app (live) and by mail, threaded with the ticket (R-CH-2), in
//! their language with times in their time zone (R-NTF-6). Who: the ticket's participants
//! (its author, the author's team, the key contacts when the author is gone). What is
//! optional goes by each client's choice per kind (R-NTF-5); answers on their own tickets
//! are always mailed. The texts are here, typed, one template for every notice.

use chrono::{DateTime, Utc};
use reglament_api::{NotificationChannel, UserId};
use reglament_store::notifications::{self as store, NewNotification};
use reglament_store::tickets::Ticket;
use reglament_store::{Tx, User};

use super::Notifications;
use crate::Result;

/// The kinds clients may route (R-NTF-5); `ticket_answer` is not among them: answers and
/// registrations on their own tickets are always mailed.
pub const CLIENT_KINDS: [&str; 2] = ["ticket_status", "auto_close_reminder"];

/// What a notice is, for preferences: staff's answers and registrations (always mailed),
/// status changes, the reminder before the auto-close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Answer,
    Status,
    AutoCloseReminder,
}

impl NoticeKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "ticket_answer",
            Self::Status => "ticket_status",
            Self::AutoCloseReminder => "auto_close_reminder",
        }
    }
}

/// One notice to a ticket's clients.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub kind: NoticeKind,
    /// The change, in Russian and in English: "ответ поддержки" / "an answer from support".
    pub what: (&'a str, &'a str),
    /// What staff wrote, or the details (as written; empty for none).
    pub text: &'a str,
    /// An instant to name, with its label in both languages, shown in each recipient's
    /// time zone with Moscow time in brackets.
    pub at: Option<(DateTime<Utc>, &'a str, &'a str)>,
    /// One notice per recipient and key (a reminder per waiting period); `None`: always.
    pub once: Option<&'a str>,
}

/// The recipient's language: `en` for English, else Russian.
fn lang(user: &User) -> &'static str {
    if user.locale.starts_with("en") { "en" } else { "ru" }
}

/// A notice written for one person: the mail's subject and body, and the short form the
/// app's bell shows (the change, its time and the start of what staff wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The bell's title: the mail's subject without its `[#N]` thread tag.
    pub title: String,
    pub subject: String,
    pub body: String,
    pub short: String,
}

/// The bell's text is cut at this many characters.
const SHORT: usize = 300;

/// A notice for one person; `unsubscribe` is the one-click link of an optional notice.
#[must_use]
pub fn render(notice: &Notice<'_>, ticket: &Ticket, user: &User, link: &str, unsubscribe: Option<&str>) -> Rendered {
    let en = lang(user) == "en";
    let what = if en { notice.what.1 } else { notice.what.0 };
    let when = notice.at.map_or_else(String::new, |(at, ru, label_en)| {
        let shown = reglament_domain::moscow::format_for(at, &user.time_zone, lang(user));
        format!("\n{}: {shown}.", if en { label_en } else { ru })
    });
    let stop = unsubscribe.map_or_else(String::new, |url| {
        if en {
            format!("\nTo stop mail about this kind of change: {url}\n")
        } else {
            format!("\nОтписаться от писем о таких изменениях: {url}\n")
        }
    });
    let text = notice.text.trim();
    let text = if text.is_empty() {
        String::new()
    } else {
        format!("\n\n{text}")
    };
    let (n, subject) = (ticket.number, &ticket.subject);
    let (title, said, body) = if en {
        let said = format!("Ticket #{n} “{subject}”: {what}.{when}{text}");
        let body = format!(
            "Hello, {}!\n\n{said}\n\nTicket: {link}\n\nTo answer, reply to this mail.\n{stop}",
            user.full_name
        );
        (format!("Ticket #{n}: {what}"), said, body)
    } else {
        let said = format!("По обращению №{n} «{subject}»: {what}.{when}{text}");
        let body = format!(
            "Здравствуйте, {}!\n\n{said}\n\nОбращение: {link}\n\nЧтобы ответить, ответьте на это письмо.\n{stop}",
            user.full_name
        );
        (format!("Обращение №{n}: {what}"), said, body)
    };
    let short = if said.chars().count() > SHORT {
        said.chars().take(SHORT - 1).collect::<String>().trim_end().to_owned() + "…"
    } else {
        said
    };
    Rendered {
        subject: format!("[#{n}] {title}"),
        title,
        body,
        short,
    }
}

impl Notifications<'_> {
    /// Tells the ticket's clients, in the caller's transaction. Answers how many were told.
    pub(crate) async fn tell_clients(&self, tx: &mut Tx, ticket: &Ticket, notice: &Notice<'_>) -> Result<usize> {
        let people = reglament_store::channels::participant_ids(tx, ticket.author_id).await?;
        if people.is_empty() {
            return Ok(0);
        }
        let optional = notice.kind != NoticeKind::Answer;
        let chosen: std::collections::HashMap<UserId, String> = if optional {
            store::chosen_channels(tx, notice.kind.as_str())
                .await?
                .into_iter()
                .collect()
        } else {
            std::collections::HashMap::new()
        };
        let thread = self.channels().ticket_thread(tx, ticket).await?;
        let link = format!("{}/tickets/{}", self.config.public_url.trim_end_matches('/'), ticket.id);
        let now = self.now();
        let mut told = 0;
        for id in people {
            let user = reglament_store::users::get(tx, id).await?;
            let channel = chosen
                .get(&id)
                .and_then(|c| c.parse::<NotificationChannel>().ok())
                .unwrap_or(NotificationChannel::Mail);
            let unsubscribe = if optional {
                Some(self.unsubscribe_link(id, notice.kind.as_str())?)
            } else {
                None
            };
            let Rendered {
                title,
                subject,
                body,
                short,
            } = render(notice, ticket, &user, &link, unsubscribe.as_deref());
            // Mailed here, threaded: the notification itself stays in the app.
            let mailed = channel == NotificationChannel::Mail;
            let n = NewNotification {
                recipient_id: id,
                kind: notice.kind.as_str(),
                ticket_id: Some(ticket.id),
                title: &title,
                body: &short,
                dedup_key: notice.once,
                channel: if mailed { "in_app" } else { channel.as_str() },
            };
            if !store::insert(tx, &n, now).await? {
                continue;
            }
            if mailed {
                let thread = reglament_store::mail::Thread {
                    unsubscribe_url: unsubscribe,
                    ..thread.clone()
                };
                reglament_store::mail::enqueue_in_thread(tx, &user.email, &subject, &body, &thread, now).await?;
            }
            told += 1;
        }
        Ok(told)
    }
}
