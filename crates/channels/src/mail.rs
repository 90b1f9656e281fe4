use std::path::PathBuf;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reglament_store::mail::OutgoingMail;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("bad address: {0}")]
    Address(String),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing the mail file: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] reglament_store::StoreError),
}

/// Where mail goes.
#[derive(Clone)]
pub enum Delivery {
    /// An SMTP relay, e.g. `smtp://relay:25` or `smtps://user:pass@host:465`.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A folder where every message is written as an RFC 5322 `.eml` file.
    Folder(PathBuf),
}

impl Delivery {
    /// # Errors
    /// When the SMTP URL is not understood.
    pub fn smtp(url: &str) -> Result<Self, MailError> {
        Ok(Self::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build()))
    }

    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "SMTP".to_owned(),
            Self::Folder(dir) => format!("folder {}", dir.display()),
        }
    }
}

/// Builds the RFC 5322 message of an outbox row, dated `at` (the service's clock).
///
/// # Errors
/// On a malformed address.
pub fn build_message(from: &str, mail: &OutgoingMail, at: DateTime<Utc>) -> Result<Message, MailError> {
    let from: Mailbox = from.parse().map_err(|_| MailError::Address(from.to_owned()))?;
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|_| MailError::Address(mail.recipient.clone()))?;
    // A mail about a ticket threads with it: the client's reply carries these ids back (R-CH-2).
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .date(at.into())
        .message_id(Some(format!("<{}@reglament>", mail.id)));
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(parent.clone());
    }
    if let Some(references) = &mail.thread_references {
        builder = builder.references(references.clone());
    }
    // Every mail from the portal is automatic (RFC 3834): auto-responders do not answer it.
    builder = builder.header(AutoSubmitted("auto-generated".to_owned()));
    if let Some(url) = &mail.unsubscribe_url {
        // RFC 8058: one click in the mail program stops this kind of notice.
        builder = builder
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost("List-Unsubscribe=One-Click".to_owned()));
    }
    // The same content twice: the text as written, and HTML made from it (R-NTF-6).
    Ok(builder.multipart(MultiPart::alternative_plain_html(
        mail.body.clone(),
        html_of(&mail.subject, &mail.body),
    ))?)
}

/// The HTML part of a mail: the plain text's paragraphs and lines, escaped, with its links
/// made clickable — the same content as the text, nothing more.
#[must_use]
pub fn html_of(subject: &str, text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let linked = |line: &str| {
        line.split(' ')
            .map(|word| {
                let bare = word.trim_end_matches(['.', ',', ')', ';']);
                if bare.starts_with("https://") || bare.starts_with("http://") {
                    let rest = &word[bare.len()..];
                    format!("<a href=\"{0}\">{0}</a>{1}", escape(bare), escape(rest))
                } else {
                    escape(word)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let paragraphs: Vec<String> = text
        .trim()
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", p.lines().map(linked).collect::<Vec<_>>().join("<br>\n")))
        .collect();
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family: sans-serif; line-height: 1.4\">\n{}\n</body></html>\n",
        escape(subject),
        paragraphs.join("\n")
    )
}

/// A header lettre has no type for, by its name.
macro_rules! text_header {
    ($name:ident, $header:literal) => {
        #[derive(Debug, Clone)]
        struct $name(String);

        impl lettre::message::header::Header for $name {
            fn name() -> lettre::message::header::HeaderName {
                lettre::message::header::HeaderName::new_from_ascii_str($header)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(s.to_owned()))
            }

            fn display(&self) -> lettre::message::header::HeaderValue {
                lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(AutoSubmitted, "Auto-Submitted");
text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");

/// Sends one message, dated `at`.
///
/// # Errors
/// When the relay refuses it or the file cannot be written.
pub async fn send(delivery: &Delivery, from: &str, mail: &OutgoingMail, at: DateTime<Utc>) -> Result<(), MailError> {
    let message = build_message(from, mail, at)?;
    match delivery {
        Delivery::Smtp(transport) => {
            transport.send(message).await?;
        }
        Delivery::Folder(dir) => {
            tokio::fs::create_dir_all(dir).await?;
            let path = dir.join(format!("{}.eml", mail.id));
            tokio::fs::write(path, message.formatted()).await?;
        }
    }
    Ok(())
}

/// The mail channel's sender: a [`Delivery`] and the address mail is sent from.
#[derive(Clone)]
pub struct Mailer {
    pub delivery: Delivery,
    pub from: String,
}

impl reglament_service::channels::outbox::MailSender for Mailer {
    async fn send(&self, mail: &OutgoingMail, at: DateTime<Utc>) -> Result<(), String> {
        send(&self.delivery, &self.from, mail, at)
            .await
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reglament_store::mail as outbox;

    #[tokio::test]
    async fn mail_is_written_to_the_folder_once_and_marked_sent() {
        let now: chrono::DateTime<Utc> = "2027-02-01T07:00:00Z".parse().expect("test fixture");
        let db = reglament_store::testing::TestDb::new(reglament_store::Backend::Sqlite, now).await;
        // Queued and delivered on the service's clock, in 2027 whatever today is.
        let clock = std::sync::Arc::new(reglament_service::ManualClock::starting_at(now));
        let app = reglament_service::App::new(
            db.store.clone(),
            clock,
            reglament_service::ServiceConfig::new(b"secret".to_vec(), "http://portal.test".to_owned()),
        );
        let mut tx = db.store.begin().await.expect("tx");
        outbox::enqueue(&mut tx, "client@example.com", "Тема", "Текст письма", now)
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
        let dir = reglament_store::testing::TempDir::new();
        let mailer = Mailer {
            delivery: Delivery::Folder(dir.path().to_owned()),
            from: "support@vendor.example".to_owned(),
        };
        assert_eq!(app.channels().deliver_mail_once(&mailer).await.expect("deliver"), 1);
        assert_eq!(app.channels().deliver_mail_once(&mailer).await.expect("deliver"), 0);
        let files: Vec<_> = std::fs::read_dir(dir.path()).expect("read dir").collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].as_ref().expect("entry").path()).expect("read");
        assert!(text.contains("To: client@example.com"), "{text}");
        let mut tx = db.store.read().await.expect("tx");
        let mails = outbox::list_for(&mut tx, "client@example.com").await.expect("list");
        assert!(mails[0].sent_at.is_some());
    }
}

#[cfg(test)]
mod html_tests {
    use super::*;

    #[test]
    fn r_ntf_6_the_html_part_says_what_the_text_says() {
        let html = html_of(
            "[#7] Обращение №7",
            "Здравствуйте, <Иван> & Co!\n\nОбращение: https://support.test/tickets/1.\nЧтобы ответить, ответьте.\n",
        );
        assert!(html.contains("<title>[#7] Обращение №7</title>"), "{html}");
        assert!(html.contains("<p>Здравствуйте, &lt;Иван&gt; &amp; Co!</p>"), "{html}");
        assert!(
            html.contains("<a href=\"https://support.test/tickets/1\">https://support.test/tickets/1</a>.<br>"),
            "{html}"
        );
    }
}
