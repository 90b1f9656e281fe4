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
use reglament_store::telegram as tg;

use super::Channels;
use super::mail_in::InboundFile;
pub use super::telegram_wire::*;
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

impl Channels<'_> {
    /// Handles one update and moves the bot's offset past it, answering what to send.
    ///
    /// # Errors
    /// On a database failure (the offset stays, so the update comes again; its ticket,
    /// if one was written, is not written twice).
    pub async fn telegram_update(&self, update: &Update, files: &[InboundFile]) -> Result<Vec<BotReply>> {
        let mut ignored = TelegramState::default();
        let replies = match &update.message {
            Some(m) if (m.words().is_some() || m.file().is_some()) && !m.from.as_ref().is_some_and(|f| f.is_bot) => {
                self.telegram_message(&without_nul(m), files, &mut ignored).await?
            }
            _ => Vec::new(),
        };
        if update.edited_message.is_some() {
            tracing::debug!(
                update = update.update_id,
                "an edited Telegram message: kept as first written"
            );
        }
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

    async fn telegram_message(
        &self,
        m: &ChatMessage,
        files: &[InboundFile],
        ignored: &mut TelegramState,
    ) -> Result<Vec<BotReply>> {
        if m.chat.is_private() {
            return self.telegram_private(m).await;
        }
        let text = m.words().unwrap_or_default();
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
        if let Some(replies) = self.telegram_reply(m, &chat, &sender, files).await? {
            return Ok(replies);
        }
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
                let body = source.words().unwrap_or_default().to_owned();
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
        let customer = CustomerId(chat.customer_id);
        let author = match (&m.reply_to_message, &author_name) {
            // The author of the answered message: by their numeric id once known.
            (Some(source), _) => self
                .telegram_user(source.from.as_ref())
                .await?
                .filter(|u| u.customer_id == Some(customer)),
            (None, Some(name)) => self.telegram_client(name, customer).await?,
            (None, None) => None,
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
                // Told to the client, in the author's language and time zone (R-NTF-6).
                let en = author.locale.starts_with("en");
                let status = if en {
                    view.ticket.status.name_en()
                } else {
                    view.ticket.status.name_ru()
                };
                let state = match (view.queue_position, en) {
                    (Some(place), false) => format!("в очереди, место {place}"),
                    (Some(place), true) => format!("queued, place {place}"),
                    (None, _) => status.to_owned(),
                };
                let promise = view.ticket.response_due_at.map_or_else(String::new, |due| {
                    let due =
                        reglament_domain::moscow::format_for(due, &author.time_zone, if en { "en" } else { "ru" });
                    if en {
                        format!("\nFirst response due by {due}.")
                    } else {
                        format!("\nСрок первого ответа: до {due}.")
                    }
                });
                tracing::info!(ticket = view.ticket.number, chat = m.chat.id, by = %staff.id, "ticket registered from Telegram");
                let (number, subject, name) = (view.ticket.number, &view.ticket.subject, &author.full_name);
                let text = if en {
                    format!(
                        "Ticket #{number} “{subject}” from {name} is registered.\nStatus: {state}.{promise}\n\
                         Reply to this message to add to the ticket."
                    )
                } else {
                    format!(
                        "Зарегистрировано обращение №{number} «{subject}» от {name}.\nСтатус: {state}.{promise}\n\
                         Ответьте на это сообщение, чтобы дополнить обращение."
                    )
                };
                let mut answer = reply(m, text);
                answer[0].ticket_id = Some(view.ticket.id);
                Ok(answer)
            }
            Err(err) => Ok(reply(
                m,
                format!("Обращение не зарегистрировано: {}", why_refused(err)?),
            )),
        }
    }

    async fn telegram_link(&self, m: &ChatMessage, code: &str) -> Result<Vec<BotReply>> {
        let now = self.now();
        // Who links, before the write transaction (matching may record their id).
        let by = match self.telegram_user(m.from.as_ref()).await? {
            Some(u) if u.kind == UserKind::Staff => Some(u.id),
            _ => None,
        };
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
        let title = m.chat.title.clone().unwrap_or_else(|| format!("чат {}", m.chat.id));
        store::link_chat(&mut tx, m.chat.id, CustomerId(customer_id), &title, by, now).await?;
        let chat = store::chat(&mut tx, m.chat.id)
            .await?
            .ok_or_else(|| ServiceError::Internal("the linked chat is gone".into()))?;
        tx.commit().await?;
        tracing::info!(chat = m.chat.id, %customer_id, "Telegram chat linked");
        Ok(reply(m, format!("Чат привязан к клиенту «{}».", chat.customer_name)))
    }

    /// The active user who wrote: by the numeric id once known (a matched identity, or a
    /// staff member's linked account); else by the username, only the first time, which
    /// then records the id (R-NTF-8). A username whose person is known under another id
    /// matches nobody.
    pub(crate) async fn telegram_user(&self, from: Option<&ChatUser>) -> Result<Option<User>> {
        let Some(from) = from else {
            return Ok(None);
        };
        let mut tx = self.store.read().await?;
        let known = match tg::identity(&mut tx, from.id).await? {
            Some(id) => Some(id),
            None => tg::account_of_telegram_user(&mut tx, from.id).await?.map(|a| a.user_id),
        };
        if let Some(id) = known {
            let user = reglament_store::users::get(&mut tx, id).await?;
            tx.commit().await?;
            return Ok(Some(user).filter(|u| u.active));
        }
        let found = match from.username.as_deref() {
            Some(name) => store::user_by_telegram(&mut tx, name).await?,
            None => None,
        };
        let user = match found {
            Some(id) if tg::identity_of_user(&mut tx, UserId(id)).await?.is_none() => {
                Some(reglament_store::users::get(&mut tx, UserId(id)).await?)
            }
            _ => None,
        };
        tx.commit().await?;
        let Some(user) = user.filter(|u| u.active) else {
            return Ok(None);
        };
        let mut tx = self.store.begin().await?;
        tg::put_identity(&mut tx, from.id, user.id, self.now()).await?;
        tx.commit().await?;
        tracing::info!(user = %user.id, telegram_user = from.id, "Telegram user matched by username; known by id from now on");
        Ok(Some(user))
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
    fn r_ch_3_only_the_regulations_chat_categories_are_registered() {
        let categories: std::collections::HashSet<Category> = CHAT_CATEGORIES.iter().map(|(_, c)| *c).collect();
        assert_eq!(categories.len(), 5);
        assert!(!categories.contains(&Category::Consultation));
    }
}
