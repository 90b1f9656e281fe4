//! The Telegram bot (R-CH-3) over the Bot API with long polling: `getUpdates` from the
//! offset kept in the database, each update handed to the service (which moves the
//! offset in the database after acting), and the service's answers sent with
//! `sendMessage`; the same `sendMessage` delivers the outbox of notifications.

use std::fmt;
use std::time::Duration;

use reglament_service::App;
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
                        "allowed_updates": ["message"]}),
            )
            .await?;
        for update in &updates {
            for reply in app.channels().telegram_update(update).await? {
                if let Err(err) = self.send(&reply).await {
                    tracing::warn!(error = %err, chat = reply.chat_id, "Telegram answer not sent");
                }
            }
        }
        Ok(updates.len())
    }

    /// # Errors
    /// When the Bot API refuses the message.
    pub async fn send(&self, reply: &BotReply) -> Result<(), TelegramError> {
        let mut body = json!({"chat_id": reply.chat_id, "text": reply.text});
        if let Some(id) = reply.reply_to_message_id {
            body["reply_parameters"] = json!({"message_id": id, "allow_sending_without_reply": true});
        }
        let _: serde_json::Value = self.call("sendMessage", &body).await?;
        Ok(())
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
