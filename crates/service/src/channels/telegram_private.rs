//! The bot's private chats (R-NTF-5): a staff member sends `/start CODE` with the code from
//! their profile and receives the notifications they route to Telegram there; `/stop`
//! unlinks. Anything else is answered with how to do that.

use reglament_domain::UserKind;
use reglament_store::telegram as store;

use super::Channels;
use super::telegram::{BotReply, ChatMessage, command, reply};
use crate::Result;
use crate::notifications::telegram::take_code;

impl Channels<'_> {
    pub(crate) async fn telegram_private(&self, m: &ChatMessage) -> Result<Vec<BotReply>> {
        let Some(from) = m.from.as_ref() else {
            return Ok(Vec::new());
        };
        let text = m.text.as_deref().unwrap_or_default();
        if let Some(code) = command(text, "start").filter(|c| !c.is_empty()) {
            let now = self.now();
            let mut tx = self.store.begin().await?;
            let user = match take_code(&mut tx, code, now).await? {
                Some(id) => Some(reglament_store::users::get(&mut tx, id).await?),
                None => None,
            };
            let Some(user) = user.filter(|u| u.active && u.kind == UserKind::Staff) else {
                // The spent code is gone either way.
                tx.commit().await?;
                return Ok(reply(
                    m,
                    "Код неизвестен или истек. Получите новый в профиле на портале поддержки \
                     («Уведомления» → «Telegram») и отправьте его сюда: /start КОД",
                ));
            };
            let username = from.username.as_deref().map(|n| n.trim_start_matches('@'));
            store::link_account(&mut tx, user.id, from.id, m.chat.id, username, now).await?;
            tx.commit().await?;
            tracing::info!(user = %user.id, telegram_user = from.id, "Telegram linked to a staff account");
            return Ok(reply(
                m,
                format!(
                    "Готово, {}: уведомления портала, для которых в профиле выбран Telegram, будут \
                     приходить сюда. Отвязать — /stop.",
                    user.full_name
                ),
            ));
        }
        let mut tx = self.store.begin().await?;
        let linked = store::account_of_telegram_user(&mut tx, from.id).await?;
        if command(text, "stop").is_some() {
            let unlinked = match &linked {
                Some(account) => store::unlink_account(&mut tx, account.user_id).await?,
                None => false,
            };
            tx.commit().await?;
            if unlinked {
                tracing::info!(telegram_user = from.id, "Telegram unlinked by /stop");
                return Ok(reply(m, "Telegram отвязан: уведомления снова приходят по почте."));
            }
            return Ok(reply(m, "Этот Telegram не привязан к учетной записи портала."));
        }
        tx.commit().await?;
        Ok(reply(
            m,
            if linked.is_some() {
                "Это бот портала поддержки: сюда приходят ваши уведомления. Отвязать — /stop."
            } else {
                "Это бот портала поддержки. Чтобы получать уведомления здесь, получите код в профиле \
                 на портале («Уведомления» → «Telegram») и отправьте: /start КОД"
            },
        ))
    }
}
