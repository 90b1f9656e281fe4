//! Telegram chats of customers (R-CH-3): link codes, the list, unlinking, the bot's state, and
//! suspending chats whose tier no longer includes Telegram.

use chrono::TimeDelta;
use rand::Rng as _;
use reglament_api::{CustomerId, ErrorCode, Scope, TelegramChat, TelegramLinkCode, TelegramStatus};
use reglament_domain::StaffRole;
use reglament_store::Tx;
use reglament_store::channels::{self as store};

use super::Channels;
use super::telegram::LINK_CODE_TTL_HOURS;
use crate::accounts::principal::Principal;
use crate::directory::customers::governing_tier;
use crate::{Result, ServiceError};

impl Channels<'_> {
    pub(crate) async fn tier_has_telegram(&self, tx: &mut Tx, customer_id: CustomerId) -> Result<bool> {
        match governing_tier(tx, customer_id, self.today()).await {
            Ok((tier, contract)) => Ok(tier.telegram
                && reglament_domain::contract_state(contract.starts_on, contract.ends_on, self.today())
                    == reglament_domain::ContractState::Active),
            Err(ServiceError::Refused { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Suspends a chat whose tier no longer includes Telegram and tells the support leads
    /// by mail; answers false when another instance did it first.
    pub(crate) async fn suspend_chat(&self, chat: &store::TelegramChat) -> Result<bool> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let current = store::chat(&mut tx, chat.chat_id).await?;
        if current.is_none_or(|c| c.suspended_at.is_some()) {
            tx.commit().await?;
            return Ok(false);
        }
        store::suspend_chat(&mut tx, chat.chat_id, now).await?;
        let subject = format!("Telegram-чат клиента «{}» отключен", chat.customer_name);
        let body = format!(
            "Уровень поддержки клиента «{}» больше не включает Telegram-чаты (R-CH-3).\n\
             Чат «{}» отключен: бот не регистрирует из него обращения.\n\n\
             Чтобы снова включить чат, переведите клиента на уровень «Премиальная» или «Премиальная+» \
             и привяжите чат заново: {}/admin/customers/{}\n",
            chat.customer_name,
            chat.title,
            self.config.public_url.trim_end_matches('/'),
            chat.customer_id
        );
        for lead in reglament_store::overdue::support_lead_emails(&mut tx).await? {
            reglament_store::mail::enqueue(&mut tx, &lead, &subject, &body, now).await?;
        }
        tx.commit().await?;
        tracing::warn!(chat = chat.chat_id, customer = %chat.customer_id, "Telegram chat suspended: the tier dropped");
        Ok(true)
    }

    /// The job's check: chats whose customer's tier dropped are suspended and staff told,
    /// the moment the tier changes rather than when someone next writes.
    pub(crate) async fn suspend_telegram_chats(&self) -> Result<usize> {
        let mut tx = self.store.read().await?;
        let chats = store::chats(&mut tx, None).await?;
        let mut dropped = Vec::new();
        for chat in chats.into_iter().filter(|c| c.suspended_at.is_none()) {
            if !self.tier_has_telegram(&mut tx, CustomerId(chat.customer_id)).await? {
                dropped.push(chat);
            }
        }
        tx.commit().await?;
        let mut suspended = 0;
        for chat in &dropped {
            if self.suspend_chat(chat).await? {
                suspended += 1;
            }
        }
        Ok(suspended)
    }

    /// A one-time code that links the chat where it is sent to the customer.
    ///
    /// # Errors
    /// `forbidden` for non-staff, `not_found`, `telegram_not_in_tier` (R-CH-3).
    pub async fn create_telegram_link_code(&self, p: &Principal, customer_id: CustomerId) -> Result<TelegramLinkCode> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin, StaffRole::SupportLead, StaffRole::AccountManager])?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        reglament_store::customers::get_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        if !self.tier_has_telegram(&mut tx, customer_id).await? {
            return Err(ServiceError::refused(
                ErrorCode::TelegramNotInTier,
                "Telegram chats are for customers on the premium and premium_plus tiers with an active contract",
            ));
        }
        let code: String = {
            let mut rng = rand::thread_rng();
            (0..10)
                .map(|_| char::from(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rng.gen_range(0..32)]))
                .collect()
        };
        let expires_at = now + TimeDelta::hours(LINK_CODE_TTL_HOURS);
        store::insert_link_code(&mut tx, &code, customer_id, p.user.id.0, expires_at).await?;
        tx.commit().await?;
        Ok(TelegramLinkCode {
            command: format!("/link {code}"),
            code,
            customer_id,
            expires_at,
        })
    }

    /// Linked chats, of one customer when given.
    ///
    /// # Errors
    /// `forbidden` for non-staff.
    pub async fn list_telegram_chats(
        &self,
        p: &Principal,
        customer_id: Option<CustomerId>,
    ) -> Result<Vec<TelegramChat>> {
        p.require_scope(Scope::DirectoryRead)?;
        p.require_staff()?;
        let mut tx = self.store.read().await?;
        let chats = store::chats(&mut tx, customer_id.map(CustomerId::uuid).map(CustomerId)).await?;
        tx.commit().await?;
        Ok(chats.into_iter().map(Into::into).collect())
    }

    /// # Errors
    /// `forbidden`, `not_found`.
    pub async fn unlink_telegram_chat(&self, p: &Principal, chat_id: i64) -> Result<()> {
        p.require_scope(Scope::DirectoryWrite)?;
        p.require_role(&[StaffRole::Admin, StaffRole::SupportLead, StaffRole::AccountManager])?;
        let mut tx = self.store.begin().await?;
        store::unlink_chat(&mut tx, chat_id)
            .await
            .map_err(ServiceError::from_store("chat"))?;
        tx.commit().await?;
        tracing::info!(chat = chat_id, by = %p.user.id, "Telegram chat unlinked");
        Ok(())
    }

    /// The bot's offset, linked chats and counters of ignored messages.
    ///
    /// # Errors
    /// `forbidden` for non-staff.
    pub async fn telegram_status(&self, p: &Principal) -> Result<TelegramStatus> {
        p.require_scope(Scope::DirectoryRead)?;
        p.require_staff()?;
        let mut tx = self.store.read().await?;
        let state = store::telegram_state(&mut tx).await?;
        let chats = store::chats(&mut tx, None).await?;
        let (outbox_waiting, outbox_failing, outbox_abandoned) =
            reglament_store::telegram::outbox_counts(&mut tx).await?;
        tx.commit().await?;
        Ok(TelegramStatus {
            outbox_waiting,
            outbox_failing,
            outbox_abandoned,
            enabled: self.config.telegram_enabled,
            update_offset: state.update_offset,
            linked_chats: i64::try_from(chats.len()).unwrap_or(i64::MAX),
            ignored_unlinked_chat: state.ignored_unlinked_chat,
            ignored_unknown_user: state.ignored_unknown_user,
            ignored_tier: state.ignored_tier,
        })
    }
}
