use std::path::PathBuf;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reglament_store::Store;
use reglament_store::mail::{self as outbox, OutgoingMail};

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

/// Builds the RFC 5322 message of an outbox row.
///
/// # Errors
/// On a malformed address.
pub fn build_message(from: &str, mail: &OutgoingMail) -> Result<Message, MailError> {
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
        .message_id(Some(format!("<{}@reglament>", mail.id)));
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(parent.clone());
    }
    if let Some(references) = &mail.thread_references {
        builder = builder.references(references.clone());
    }
    Ok(builder.header(ContentType::TEXT_PLAIN).body(mail.body.clone())?)
}

/// Sends one message.
///
/// # Errors
/// When the relay refuses it or the file cannot be written.
pub async fn send(delivery: &Delivery, from: &str, mail: &OutgoingMail) -> Result<(), MailError> {
    let message = build_message(from, mail)?;
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

/// Delivers the mail that is due, once: claims a batch (skipping rows another
/// instance holds), sends each, and records success or the next attempt with
/// exponential backoff. Answers how many were sent.
///
/// # Errors
/// On a database failure (a failed send is recorded, not returned).
pub async fn deliver_due(store: &Store, delivery: &Delivery, from: &str) -> Result<usize, MailError> {
    let now = Utc::now();
    let mut tx = store.begin().await?;
    let batch = outbox::claim_due(&mut tx, now, TimeDelta::minutes(5), 20).await?;
    tx.commit().await?;
    let mut sent = 0;
    for mail in batch {
        let result = send(delivery, from, &mail).await;
        let mut tx = store.begin().await?;
        match result {
            Ok(()) => {
                outbox::mark_sent(&mut tx, mail.id, Utc::now()).await?;
                sent += 1;
                tracing::info!(mail_id = %mail.id, to = %mail.recipient, "mail sent");
            }
            Err(err) => {
                let exp = u32::try_from(mail.attempts.clamp(0, 10)).unwrap_or(10);
                let retry_at = Utc::now() + TimeDelta::seconds(30 * (1_i64 << exp)).min(TimeDelta::hours(6));
                outbox::mark_failed(&mut tx, mail.id, &err.to_string(), retry_at).await?;
                tracing::warn!(mail_id = %mail.id, attempts = mail.attempts, %retry_at, error = %err, "mail not sent");
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// Runs [`deliver_due`] every `every` until the process ends.
pub async fn run_delivery_loop(store: Store, delivery: Delivery, from: String, every: Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if let Err(err) = deliver_due(&store, &delivery, &from).await {
            tracing::warn!(error = %err, "mail delivery round failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mail_is_written_to_the_folder_once_and_marked_sent() {
        let now = Utc::now();
        let db = reglament_store::testing::TestDb::new(reglament_store::Backend::Sqlite, now).await;
        let mut tx = db.store.begin().await.expect("tx");
        outbox::enqueue(&mut tx, "client@example.com", "Тема", "Текст письма", now)
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
        let dir = reglament_store::testing::TempDir::new();
        let delivery = Delivery::Folder(dir.path().to_owned());
        assert_eq!(
            deliver_due(&db.store, &delivery, "support@vendor.example")
                .await
                .expect("deliver"),
            1
        );
        assert_eq!(
            deliver_due(&db.store, &delivery, "support@vendor.example")
                .await
                .expect("deliver"),
            0
        );
        let files: Vec<_> = std::fs::read_dir(dir.path()).expect("read dir").collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].as_ref().expect("entry").path()).expect("read");
        assert!(text.contains("To: client@example.com"), "{text}");
        let mut tx = db.store.read().await.expect("tx");
        let mails = outbox::list_for(&mut tx, "client@example.com").await.expect("list");
        assert!(mails[0].sent_at.is_some());
    }
}
