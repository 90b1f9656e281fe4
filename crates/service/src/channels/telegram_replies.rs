//! R-NTF-8: Telegram both ways. In a linked chat, a message that replies to one of the bot's
//! messages about a ticket (its registration answer, a staff answer it posted) joins that
//! ticket: a client's as a client message (it starts a new response cycle where R-SLA-1
//! says so), staff's as a public answer (it answers the cycle), with its photo or document.
//! Public staff messages on a ticket registered from a chat are posted to the chat as a
//! reply to the registration answer, through the Telegram outbox.

use reglament_api::{ErrorCode, MessageInput, MessageKind, TicketId};
use reglament_store::channels as store;
use reglament_store::telegram::{self as tg, NewMessage};
use reglament_store::tickets::Ticket;
use reglament_store::{Tx, User};

use super::Channels;
use super::mail_in::{self, InboundFile};
use super::telegram::{BotReply, ChatMessage, fit_message, reply, why_refused};
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

impl Channels<'_> {
    /// Adds the message to its ticket when it replies to a bot message about one; `None`
    /// when it does not (the caller goes on with commands).
    pub(crate) async fn telegram_reply(
        &self,
        m: &ChatMessage,
        chat: &store::TelegramChat,
        sender: &User,
        files: &[InboundFile],
    ) -> Result<Option<Vec<BotReply>>> {
        let Some(original) = m.reply_to_message.as_deref() else {
            return Ok(None);
        };
        if m.words().is_some_and(|t| t.trim_start().starts_with('/')) {
            return Ok(None);
        }
        let key = format!("telegram:{}:{}", m.chat.id, m.message_id);
        let mut tx = self.store.read().await?;
        let ticket = tg::ticket_of_message(&mut tx, chat.chat_id, original.message_id).await?;
        let seen = store::receipt(&mut tx, &key).await?;
        tx.commit().await?;
        let Some(ticket_id) = ticket else {
            return Ok(None);
        };
        if seen.is_some() {
            // Handled before a restart: nothing twice.
            return Ok(Some(Vec::new()));
        }
        let p = Principal::from_user(sender.clone(), None)
            .ok_or_else(|| ServiceError::Internal("a user without a customer or a role".into()))?;
        let (accepted, refused) = self.accept_files(files);
        let mut body = m.words().map(str::trim).unwrap_or_default().to_owned();
        if body.is_empty() {
            body = "(вложение из Telegram)".to_owned();
        }
        mail_in::name_refused(&mut body, &refused);
        let input = MessageInput {
            kind: MessageKind::Message,
            body,
        };
        let posted = self
            .tickets()
            .post_message_received(&p, ticket_id, input, Some(key))
            .await;
        match posted {
            Ok(outcome) => {
                for file in accepted {
                    self.attach_received(&p, ticket_id, file, false).await?;
                }
                tracing::info!(ticket = outcome.ticket.ticket.number, chat = m.chat.id, user = %sender.id,
                    "a Telegram reply joined the ticket (R-NTF-8)");
                Ok(Some(Vec::new()))
            }
            Err(
                ServiceError::NotFound { .. }
                | ServiceError::Refused {
                    code: ErrorCode::Forbidden,
                    ..
                },
            ) => Ok(Some(reply(
                m,
                if sender.locale.starts_with("en") {
                    "This ticket is not yours to see: the message is not added."
                } else {
                    "Это обращение вам не доступно: сообщение не добавлено."
                },
            ))),
            Err(err) => Ok(Some(reply(
                m,
                format!(
                    "{}: {}",
                    if sender.locale.starts_with("en") {
                        "The message is not added to the ticket"
                    } else {
                        "Сообщение не добавлено в обращение"
                    },
                    why_refused(err)?
                ),
            ))),
        }
    }

    /// Remembers a bot message about a ticket, sent in a chat.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn telegram_sent(&self, chat_id: i64, message_id: i64, ticket_id: TicketId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tg::put_ticket_message(&mut tx, chat_id, message_id, ticket_id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a public staff message for the chat a ticket was registered from, as a reply
    /// to the registration answer (nothing when the ticket came otherwise, or its chat was
    /// unlinked or suspended since).
    pub(crate) async fn post_to_ticket_chat(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        what: (&str, &str),
        body: &str,
        writer: &str,
    ) -> Result<()> {
        let Some((chat_id, first)) = tg::chat_of_ticket(tx, ticket.id).await? else {
            return Ok(());
        };
        if store::chat(tx, chat_id).await?.is_none_or(|c| c.suspended_at.is_some()) {
            return Ok(());
        }
        // In the language of the client whose ticket it is (R-NTF-6).
        let en = reglament_store::users::get(tx, ticket.author_id)
            .await?
            .locale
            .starts_with("en");
        let (n, subject, body) = (ticket.number, &ticket.subject, body.trim());
        let text = if en {
            fit_message(
                &format!("Ticket #{n} “{subject}” — {} ({writer}):\n\n{body}", what.1),
                "\n… (in full on the portal)",
            )
        } else {
            fit_message(
                &format!("Обращение №{n} «{subject}» — {} ({writer}):\n\n{body}", what.0),
                "\n… (полностью — на портале)",
            )
        };
        let message = NewMessage {
            chat_id,
            text: &text,
            reply_to_message_id: Some(first),
            user_id: None,
            ticket_id: Some(ticket.id),
        };
        tg::enqueue(tx, &message, self.now()).await?;
        Ok(())
    }
}
