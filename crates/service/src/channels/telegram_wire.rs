//! The Bot API's JSON as the bot reads it (`getUpdates`' updates, messages, chats, users,
//! photos, documents), what the bot answers, and reading commands out of a message.

use reglament_api::TicketId;
use serde::Deserialize;

/// One element of `getUpdates`' answer (only what the bot reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<ChatMessage>,
    /// An edit of an earlier message: what was recorded stays as first written (counted).
    #[serde(default)]
    pub edited_message: Option<ChatMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatMessage {
    pub message_id: i64,
    #[serde(default)]
    pub from: Option<ChatUser>,
    pub chat: Chat,
    #[serde(default)]
    pub text: Option<String>,
    /// The text of a photo or a document.
    #[serde(default)]
    pub caption: Option<String>,
    /// A photo in several sizes, the largest last.
    #[serde(default)]
    pub photo: Option<Vec<PhotoSize>>,
    #[serde(default)]
    pub document: Option<Document>,
    #[serde(default)]
    pub reply_to_message: Option<Box<ChatMessage>>,
}

impl ChatMessage {
    /// The text, or the caption of a photo or document.
    #[must_use]
    pub fn words(&self) -> Option<&str> {
        self.text.as_deref().or(self.caption.as_deref())
    }

    /// The file a message carries (the largest photo size, or the document) and the name
    /// and type to keep it under.
    #[must_use]
    pub fn file(&self) -> Option<(String, String, String)> {
        if let Some(d) = &self.document {
            let name = d.file_name.clone().unwrap_or_else(|| "документ".to_owned());
            let kind = d
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            return Some((d.file_id.clone(), name, kind));
        }
        let largest = self.photo.as_ref()?.iter().max_by_key(|p| p.width * p.height)?;
        Some((
            largest.file_id.clone(),
            format!("photo-{}.jpg", self.message_id),
            "image/jpeg".to_owned(),
        ))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PhotoSize {
    pub file_id: String,
    #[serde(default)]
    pub width: i64,
    #[serde(default)]
    pub height: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub file_id: String,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub mime_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatUser {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: i64,
    /// `private`, `group`, `supergroup`, `channel`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

impl Chat {
    /// A one-to-one chat of a person with the bot.
    #[must_use]
    pub fn is_private(&self) -> bool {
        self.kind.as_deref() == Some("private")
    }
}

/// A message the bot sends in answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotReply {
    pub chat_id: i64,
    pub reply_to_message_id: Option<i64>,
    pub text: String,
    /// The ticket it is about: a reply to this message joins the ticket (R-NTF-8).
    pub ticket_id: Option<TicketId>,
}

/// The arguments of `/name args` (or `/name@bot args`) when `text` is that command.
pub(crate) fn command<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let rest = text.trim().strip_prefix('/')?;
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let head = head.split('@').next().unwrap_or_default();
    head.eq_ignore_ascii_case(name).then_some(args.trim())
}

pub(crate) fn looks_like_version(word: &str) -> bool {
    !word.is_empty()
        && word.chars().next().is_some_and(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// The message without U+0000, which PostgreSQL cannot store (the chat is not told: the
/// character is dropped, as from mail).
pub(crate) fn without_nul(m: &ChatMessage) -> ChatMessage {
    let clean = |text: &Option<String>| text.as_ref().map(|t| t.replace('\0', ""));
    let mut m = m.clone();
    m.text = clean(&m.text);
    m.caption = clean(&m.caption);
    m.chat.title = clean(&m.chat.title);
    if let Some(from) = m.from.as_mut() {
        from.username = clean(&from.username);
    }
    m.reply_to_message = m.reply_to_message.as_deref().map(|r| Box::new(without_nul(r)));
    m
}

/// Telegram refuses messages over 4,096 characters; a margin is kept.
pub const MAX_MESSAGE_CHARS: usize = 4_000;

/// A message's text within [`MAX_MESSAGE_CHARS`], `tail` marking where it was cut.
#[must_use]
pub fn fit_message(text: &str, tail: &str) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text.trim_end().to_owned();
    }
    let mut cut: String = text
        .chars()
        .take(MAX_MESSAGE_CHARS.saturating_sub(tail.chars().count()))
        .collect();
    cut.push_str(tail);
    cut
}

/// What to tell the chat of a refusal; a failure of the server itself stays an error.
pub(crate) fn why_refused(err: crate::ServiceError) -> crate::Result<String> {
    match err {
        crate::ServiceError::Refused { detail, .. } => Ok(detail),
        crate::ServiceError::Validation { errors, .. } => {
            Ok(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
        }
        other => Err(other),
    }
}

pub(crate) fn reply(m: &ChatMessage, text: impl Into<String>) -> Vec<BotReply> {
    vec![BotReply {
        chat_id: m.chat.id,
        reply_to_message_id: Some(m.message_id),
        text: text.into(),
        ticket_id: None,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ch_3_a_nul_in_a_chat_message_is_dropped() -> Result<(), serde_json::Error> {
        let m: ChatMessage = serde_json::from_str(
            r#"{"message_id": 1, "chat": {"id": 5, "title": "Ч\u0000ат"}, "from": {"id": 7, "is_bot": false, "username": "iv\u0000an"},
               "text": "/ticket consultation @ivan Т\u0000екст", "reply_to_message": {"message_id": 0, "chat": {"id": 5}, "text": "a\u0000b"}}"#,
        )?;
        let clean = without_nul(&m);
        assert_eq!(clean.text.as_deref(), Some("/ticket consultation @ivan Текст"));
        assert_eq!(clean.chat.title.as_deref(), Some("Чат"));
        assert_eq!(clean.from.and_then(|f| f.username).as_deref(), Some("ivan"));
        assert_eq!(clean.reply_to_message.and_then(|r| r.text).as_deref(), Some("ab"));
        Ok(())
    }

    #[test]
    fn r_ch_3_commands_are_read_with_or_without_the_bot_name() {
        assert_eq!(command("/ticket bug 3.2", "ticket"), Some("bug 3.2"));
        assert_eq!(command("/ticket@reglament_bot bug", "ticket"), Some("bug"));
        assert_eq!(command("/link ABC", "link"), Some("ABC"));
        assert_eq!(command("ticket bug", "ticket"), None);
        assert_eq!(command("/tickets bug", "ticket"), None);
        assert!(looks_like_version("3.2.1"));
        assert!(!looks_like_version("@ivan"));
        assert!(!looks_like_version("Отчет"));
    }

    #[test]
    fn r_ntf_5_a_long_telegram_message_is_cut_where_telegram_allows() {
        assert_eq!(fit_message("коротко\n", "\n…"), "коротко");
        let long = "я".repeat(5_000);
        for tail in ["\n…", "\n… (полностью — на портале)"] {
            let cut = fit_message(&long, tail);
            assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS);
            assert!(cut.ends_with(tail));
        }
    }
}
