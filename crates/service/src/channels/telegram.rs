//! The Telegram channel (R-CH-3): group chats of `premium` and `premium_plus` customers,
//! linked by staff with a one-time `/link CODE`; on a staff command the bot registers a
//! ticket from a client's message on behalf of its author, through the same intake as
//! the portal's. Messages of unlinked chats, of unknown users and of chats whose tier
//! does not include Telegram are ignored and counted.

use reglament_api::NewTicket;
use reglament_api::ids::*;
use reglament_domain::{Category, Channel, UserKind};
use reglament_store::User;
use reglament_store::channels::{self as store, TelegramState};
use serde::Deserialize;

use super::Channels;
use crate::{Result, ServiceError};

/// How long a link code is valid.
pub const LINK_CODE_TTL_HOURS: i64 = 24;

/// The categories the bot registers (R-CH-3), by the word staff type after `/ticket`.
pub const CHAT_CATEGORIES: [(&str, Category); 10] = [
    ("bug", Category::Bug),
    ("ошибка", Category::Bug),
    ("improvement", Category::Improvement),
    ("доработка", Category::Improvement),
    ("account_management", Category::AccountManagement),
    ("учетные_записи", Category::AccountManagement),
    ("licensing_billing", Category::LicensingBilling),
    ("лицензирование", Category::LicensingBilling),
    ("service_request", Category::ServiceRequest),
    ("услуги", Category::ServiceRequest),
];

/// One element of `getUpdates`' answer (only what the bot reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<ChatMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatMessage {
    pub message_id: i64,
    #[serde(default)]
    pub from: Option<ChatUser>,
    pub chat: Chat,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub reply_to_message: Option<Box<ChatMessage>>,
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
}

/// The arguments of `/name args` (or `/name@bot args`) when `text` is that command.
pub(crate) fn command<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let rest = text.trim().strip_prefix('/')?;
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let head = head.split('@').next().unwrap_or_default();
    head.eq_ignore_ascii_case(name).then_some(args.trim())
}

fn looks_like_version(word: &str) -> bool {
    !word.is_empty()
        && word.chars().next().is_some_and(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// The message without U+0000, which PostgreSQL cannot store (the chat is not told: the
/// character is dropped, as from mail).
fn without_nul(m: &ChatMessage) -> ChatMessage {
    let clean = |text: &Option<String>| text.as_ref().map(|t| t.replace('\0', ""));
    let mut m = m.clone();
    m.text = clean(&m.text);
    m.chat.title = clean(&m.chat.title);
    if let Some(from) = m.from.as_mut() {
        from.username = clean(&from.username);
    }
    m.reply_to_message = m.reply_to_message.as_deref().map(|r| Box::new(without_nul(r)));
    m
}

pub(crate) fn reply(m: &ChatMessage, text: impl Into<String>) -> Vec<BotReply> {
    vec![BotReply {
        chat_id: m.chat.id,
        reply_to_message_id: Some(m.message_id),
        text: text.into(),
    }]
}

impl Channels<'_> {
    /// Handles one update and moves the bot's offset past it, answering what to send.
    ///
    /// # Errors
    /// On a database failure (the offset stays, so the update comes again; its ticket,
    /// if one was written, is not written twice).
    pub async fn telegram_update(&self, update: &Update) -> Result<Vec<BotReply>> {
        let mut ignored = TelegramState::default();
        let replies = match &update.message {
            Some(m) if m.text.is_some() && !m.from.as_ref().is_some_and(|f| f.is_bot) => {
                self.telegram_message(&without_nul(m), &mut ignored).await?
            }
            _ => Vec::new(),
        };
        let mut tx = self.store.begin().await?;
        store::advance_telegram(&mut tx, update.update_id + 1, ignored).await?;
        tx.commit().await?;
        Ok(replies)
    }

    /// The offset to ask `getUpdates` from.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn telegram_offset(&self) -> Result<i64> {
        let mut tx = self.store.read().await?;
        let state = store::telegram_state(&mut tx).await?;
        tx.commit().await?;
        Ok(state.update_offset)
    }

    async fn telegram_message(&self, m: &ChatMessage, ignored: &mut TelegramState) -> Result<Vec<BotReply>> {
        if m.chat.is_private() {
            return self.telegram_private(m).await;
        }
        let text = m.text.as_deref().unwrap_or_default();
        if let Some(code) = command(text, "link") {
            return self.telegram_link(m, code).await;
        }
        let mut tx = self.store.read().await?;
        let Some(chat) = store::chat(&mut tx, m.chat.id).await? else {
            tx.commit().await?;
            ignored.ignored_unlinked_chat += 1;
            return Ok(Vec::new());
        };
        let allowed =
            chat.suspended_at.is_none() && self.tier_has_telegram(&mut tx, CustomerId(chat.customer_id)).await?;
        tx.commit().await?;
        if !allowed {
            ignored.ignored_tier += 1;
            if chat.suspended_at.is_none() && self.suspend_chat(&chat).await? {
                return Ok(reply(
                    m,
                    "Чат отключен: уровень поддержки клиента не включает Telegram-чаты. \
                     Обращайтесь через портал поддержки.",
                ));
            }
            return Ok(Vec::new());
        }
        let Some(sender) = self.telegram_user(m.from.as_ref()).await? else {
            ignored.ignored_unknown_user += 1;
            return Ok(Vec::new());
        };
        let Some(args) = command(text, "ticket") else {
            return Ok(Vec::new());
        };
        if sender.kind != UserKind::Staff {
            return Ok(reply(
                m,
                "Обращения из чата регистрирует поддержка. Вы можете открыть обращение на портале.",
            ));
        }
        self.telegram_ticket(m, &chat, &sender, args, ignored).await
    }

    /// `/ticket <category> [version] [subject]` in reply to a client's message, or
    /// `/ticket <category> [version] @username <text>`.
    async fn telegram_ticket(
        &self,
        m: &ChatMessage,
        chat: &store::TelegramChat,
        staff: &User,
        args: &str,
        ignored: &mut TelegramState,
    ) -> Result<Vec<BotReply>> {
        let usage = "Формат: ответом на сообщение клиента «/ticket <категория> [версия] [тема]» или \
                     «/ticket <категория> [версия] @пользователь текст». Категории: bug, improvement, \
                     account_management, licensing_billing, service_request.";
        let mut words = args.split_whitespace().peekable();
        let Some(category) = words
            .next()
            .and_then(|w| CHAT_CATEGORIES.iter().find(|(name, _)| name.eq_ignore_ascii_case(w)))
            .map(|(_, c)| *c)
        else {
            return Ok(reply(m, usage));
        };
        let version = words.next_if(|w| looks_like_version(w)).map(ToOwned::to_owned);
        let rest: Vec<&str> = words.collect();
        let (source, author_name, body, subject) = match &m.reply_to_message {
            Some(source) => {
                let body = source.text.clone().unwrap_or_default();
                let subject = if rest.is_empty() { None } else { Some(rest.join(" ")) };
                (
                    source.as_ref(),
                    source.from.as_ref().and_then(|f| f.username.clone()),
                    body,
                    subject,
                )
            }
            None => match rest.split_first() {
                Some((who, text)) if who.starts_with('@') && !text.is_empty() => {
                    (m, Some(who.to_string()), text.join(" "), None)
                }
                _ => return Ok(reply(m, usage)),
            },
        };
        if body.trim().is_empty() {
            return Ok(reply(m, "В сообщении клиента нет текста."));
        }
        let author = match &author_name {
            Some(name) => self.telegram_client(name, CustomerId(chat.customer_id)).await?,
            None => None,
        };
        let Some(author) = author else {
            ignored.ignored_unknown_user += 1;
            return Ok(reply(
                m,
                format!(
                    "Автор сообщения {} не зарегистрирован на портале как пользователь этого клиента \
                     (имя пользователя Telegram в профиле).",
                    author_name.map_or_else(
                        || "без имени пользователя".to_owned(),
                        |n| format!("@{}", n.trim_start_matches('@'))
                    )
                ),
            ));
        };
        let key = format!("telegram:{}:{}", m.chat.id, source.message_id);
        let mut tx = self.store.read().await?;
        let seen = store::receipt(&mut tx, &key).await?;
        let seen_number = match seen.as_ref().and_then(|r| r.ticket_id) {
            Some(id) => reglament_store::tickets::get(&mut tx, TicketId(id))
                .await
                .ok()
                .map(|t| t.number),
            None => None,
        };
        tx.commit().await?;
        if seen.is_some() {
            return Ok(reply(
                m,
                format!(
                    "Это сообщение уже зарегистрировано: обращение №{}.",
                    seen_number.unwrap_or_default()
                ),
            ));
        }
        let subject: String = subject
            .unwrap_or_else(|| {
                body.lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or_default()
                    .to_owned()
            })
            .trim()
            .chars()
            .take(120)
            .collect();
        let input = NewTicket {
            category,
            subject,
            body: format!(
                "{}\n\n— из Telegram-чата «{}», сообщение @{}",
                body.trim(),
                chat.title,
                author
                    .telegram_username
                    .as_deref()
                    .unwrap_or_default()
                    .trim_start_matches('@')
            ),
            product_version: version,
            is_critical: false,
            critical_justification: None,
            author_id: None,
            channel: None,
            account_request: None,
        };
        match self
            .tickets()
            .open_ticket(&author, input, Channel::Telegram, None, staff.id, Some(key))
            .await
        {
            Ok(view) => {
                let state = match view.queue_position {
                    Some(place) => format!("в очереди, место {place}"),
                    None => view.ticket.status.name_ru().to_owned(),
                };
                let promise = view.ticket.response_due_at.map_or_else(String::new, |due| {
                    format!(
                        "\nСрок первого ответа: до {} (МСК).",
                        reglament_domain::moscow::format(due)
                    )
                });
                tracing::info!(ticket = view.ticket.number, chat = m.chat.id, by = %staff.id, "ticket registered from Telegram");
                Ok(reply(
                    m,
                    format!(
                        "Зарегистрировано обращение №{} «{}» от {}.\nСтатус: {state}.{promise}",
                        view.ticket.number, view.ticket.subject, author.full_name
                    ),
                ))
            }
            Err(ServiceError::Refused { detail, .. }) => {
                Ok(reply(m, format!("Обращение не зарегистрировано: {detail}")))
            }
            Err(ServiceError::Validation { errors, .. }) => {
                let why = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ");
                Ok(reply(m, format!("Обращение не зарегистрировано: {why}")))
            }
            Err(other) => Err(other),
        }
    }

    async fn telegram_link(&self, m: &ChatMessage, code: &str) -> Result<Vec<BotReply>> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(customer_id) = store::take_link_code(&mut tx, code.trim(), now).await? else {
            tx.commit().await?;
            return Ok(reply(
                m,
                "Код привязки неизвестен или истек: получите новый в карточке клиента.",
            ));
        };
        if !self.tier_has_telegram(&mut tx, CustomerId(customer_id)).await? {
            tx.commit().await?;
            return Ok(reply(
                m,
                "Telegram-чаты доступны только для уровней поддержки «Премиальная» и «Премиальная+».",
            ));
        }
        let by = match self.telegram_user(m.from.as_ref()).await? {
            Some(u) if u.kind == UserKind::Staff => Some(u.id),
            _ => None,
        };
        let title = m.chat.title.clone().unwrap_or_else(|| format!("чат {}", m.chat.id));
        store::link_chat(&mut tx, m.chat.id, CustomerId(customer_id), &title, by, now).await?;
        let chat = store::chat(&mut tx, m.chat.id)
            .await?
            .ok_or_else(|| ServiceError::Internal("the linked chat is gone".into()))?;
        tx.commit().await?;
        tracing::info!(chat = m.chat.id, %customer_id, "Telegram chat linked");
        Ok(reply(m, format!("Чат привязан к клиенту «{}».", chat.customer_name)))
    }

    /// The active user whose Telegram username wrote.
    async fn telegram_user(&self, from: Option<&ChatUser>) -> Result<Option<User>> {
        match from.and_then(|f| f.username.as_deref()) {
            Some(name) => self.user_by_telegram_name(name).await,
            None => Ok(None),
        }
    }

    /// The active user with this Telegram username.
    async fn user_by_telegram_name(&self, name: &str) -> Result<Option<User>> {
        let mut tx = self.store.read().await?;
        let user = match store::user_by_telegram(&mut tx, name).await? {
            Some(id) => Some(reglament_store::users::get(&mut tx, UserId(id)).await?),
            None => None,
        };
        tx.commit().await?;
        Ok(user.filter(|u| u.active))
    }

    /// The active client of `customer_id` with this Telegram username.
    async fn telegram_client(&self, name: &str, customer_id: CustomerId) -> Result<Option<User>> {
        let user = self.user_by_telegram_name(name).await?;
        Ok(user.filter(|u| u.customer_id == Some(customer_id)))
    }
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
    fn r_ch_3_only_the_regulations_chat_categories_are_registered() {
        let categories: std::collections::HashSet<Category> = CHAT_CATEGORIES.iter().map(|(_, c)| *c).collect();
        assert_eq!(categories.len(), 5);
        assert!(!categories.contains(&Category::Consultation));
    }
}
