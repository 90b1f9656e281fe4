//! The Telegram bot (R-CH-3) over the Bot API with long polling: `getUpdates` from the
//! offset kept in the database, each update handed to the service (which moves the
//! offset in the database after acting), and the service's answers sent with
//! `sendMessage`; the same `sendMessage` delivers the outbox of notifications.

use std::fmt;
use std::time::Duration;

use reglament_service::App;
use reglament_service::channels::mail_in::InboundFile;
use reglament_service::channels::telegram::{BotReply, Update};
use reglament_service::channels::telegram_out::{SendFailure, TelegramSender};
use reglament_store::telegram::OutgoingMessage;
use serde::Deserialize;
use serde_json::json;

#[derive(Clone)]
pub struct TelegramSettings {
    pub token: String,
    /// `https://api.telegram.org` unless pointed elsewhere (a local fake in tests).
    pub api_url: String,
    /// The long poll's wait, in seconds.
    pub poll_timeout_secs: u64,
}

impl fmt::Debug for TelegramSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramSettings")
            .field("api_url", &self.api_url)
            .field("poll_timeout_secs", &self.poll_timeout_secs)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    #[error("Bot API: {0}")]
    Http(#[from] reqwest::Error),
    #[error("Bot API refused {method}: {description}")]
    Refused {
        method: &'static str,
        /// Telegram's `error_code` (an HTTP status), when it gave one.
        code: Option<u16>,
        description: String,
    },
    #[error("processing: {0}")]
    Service(#[from] reglament_service::ServiceError),
}

#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    error_code: Option<u16>,
    result: Option<T>,
}

/// The bot's connection to the Bot API.
#[derive(Clone)]
pub struct Bot {
    http: reqwest::Client,
    settings: TelegramSettings,
}

impl Bot {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(settings: TelegramSettings) -> Result<Self, TelegramError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.poll_timeout_secs + 15))
            .build()?;
        Ok(Self { http, settings })
    }

    fn url(&self, method: &str) -> String {
        format!(
            "{}/bot{}/{method}",
            self.settings.api_url.trim_end_matches('/'),
            self.settings.token
        )
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        body: &serde_json::Value,
    ) -> Result<T, TelegramError> {
        let answer: Answer<T> = self.http.post(self.url(method)).json(body).send().await?.json().await?;
        match (answer.ok, answer.result) {
            (true, Some(result)) => Ok(result),
            _ => Err(TelegramError::Refused {
                method,
                code: answer.error_code,
                description: answer.description.unwrap_or_default(),
            }),
        }
    }

    /// One long poll: fetches the updates after the stored offset and handles each in
    /// order. Answers how many updates there were.
    ///
    /// # Errors
    /// When the Bot API or the database fails; the unhandled updates come again.
    pub async fn poll_once(&self, app: &App) -> Result<usize, TelegramError> {
        let offset = app.channels().telegram_offset().await?;
        let updates: Vec<Update> = self
            .call(
                "getUpdates",
                &json!({"offset": offset, "timeout": self.settings.poll_timeout_secs,
                        "allowed_updates": ["message", "edited_message"]}),
            )
            .await?;
        for update in &updates {
            let files = self.files_of(update).await?;
            for reply in app.channels().telegram_update(update, &files).await? {
                match self.send(&reply).await {
                    Ok(message_id) => {
                        if let Some(ticket) = reply.ticket_id {
                            app.channels().telegram_sent(reply.chat_id, message_id, ticket).await?;
                        }
                    }
                    Err(err) => tracing::warn!(error = %err, chat = reply.chat_id, "Telegram answer not sent"),
                }
            }
        }
        Ok(updates.len())
    }

    /// The photo or document of a reply in a group chat (the only messages whose files join a
    /// ticket, R-NTF-8), downloaded. A file Telegram refuses to hand out (over its 20 MB) is
    /// left out; a network failure fails the poll, so that the update comes again.
    async fn files_of(&self, update: &Update) -> Result<Vec<InboundFile>, TelegramError> {
        let Some(m) = update.message.as_ref() else {
            return Ok(Vec::new());
        };
        let Some((file_id, name, content_type)) = m.file() else {
            return Ok(Vec::new());
        };
        if m.chat.is_private() || m.reply_to_message.is_none() {
            return Ok(Vec::new());
        }
        match self.download(&file_id).await {
            Ok(bytes) => Ok(vec![InboundFile {
                name,
                content_type,
                bytes,
            }]),
            Err(err @ TelegramError::Refused { .. }) => {
                tracing::warn!(error = %err, file = %name, "a Telegram file left out");
                Ok(Vec::new())
            }
            Err(err) => Err(err),
        }
    }

    async fn download(&self, file_id: &str) -> Result<Vec<u8>, TelegramError> {
        #[derive(Deserialize)]
        struct File {
            file_path: Option<String>,
        }
        let file: File = self.call("getFile", &json!({"file_id": file_id})).await?;
        let Some(path) = file.file_path else {
            return Err(TelegramError::Refused {
                method: "getFile",
                code: None,
                description: "no file_path".to_owned(),
            });
        };
        let url = format!(
            "{}/file/bot{}/{path}",
            self.settings.api_url.trim_end_matches('/'),
            self.settings.token
        );
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?
            .to_vec())
    }

    /// Answers the sent message's id.
    ///
    /// # Errors
    /// When the Bot API refuses the message.
    pub async fn send(&self, reply: &BotReply) -> Result<i64, TelegramError> {
        let mut body = json!({"chat_id": reply.chat_id, "text": reply.text});
        if let Some(id) = reply.reply_to_message_id {
            body["reply_parameters"] = json!({"message_id": id, "allow_sending_without_reply": true});
        }
        let sent: Sent = self.call("sendMessage", &body).await?;
        Ok(sent.message_id)
    }
}

#[derive(Deserialize)]
struct Sent {
    message_id: i64,
}

impl TelegramSender for Bot {
    async fn send_message(&self, message: &OutgoingMessage) -> Result<i64, SendFailure> {
        let mut body = json!({"chat_id": message.chat_id, "text": message.text});
        if let Some(id) = message.reply_to_message_id {
            body["reply_parameters"] = json!({"message_id": id, "allow_sending_without_reply": true});
        }
        match self.call::<Sent>("sendMessage", &body).await {
            Ok(sent) => Ok(sent.message_id),
            Err(err @ TelegramError::Refused { code: Some(403), .. }) => Err(SendFailure::Permanent(err.to_string())),
            Err(err @ TelegramError::Refused { code: Some(400), .. }) if err.to_string().contains("chat not found") => {
                Err(SendFailure::Permanent(err.to_string()))
            }
            Err(err) => Err(SendFailure::Retry(err.to_string())),
        }
    }
}

/// Polls until the process ends, waiting after failures.
pub async fn run_bot(app: App, bot: Bot) {
    tracing::info!(settings = ?bot.settings, "Telegram bot started");
    let mut backoff = Duration::from_secs(2);
    loop {
        match bot.poll_once(&app).await {
            Ok(_) => backoff = Duration::from_secs(2),
            Err(err) => {
                tracing::warn!(error = %err, retry_in = ?backoff, "Telegram poll failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(120));
            }
        }
    }
}
