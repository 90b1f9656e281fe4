//! R-NTF-5: staff link their Telegram to the bot with a one-time code from their profile
//! (`/start CODE` in a private chat with the bot) and may then choose Telegram for a kind
//! of notification. The code is kept only as its SHA-256 and lives 15 minutes.

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng as _;
use reglament_api::{ErrorCode, TelegramAccountCode, TelegramAccountStatus, UserId};
use reglament_store::telegram as store;

use super::Notifications;
use crate::accounts::passwords::token_hash;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// How long a code links.
pub const CODE_TTL_MINUTES: i64 = 15;

/// The hash a code is kept and looked up by (case and spaces do not matter).
#[must_use]
pub fn code_hash(code: &str) -> String {
    token_hash(&code.trim().to_uppercase())
}

impl Notifications<'_> {
    /// Whether the caller's Telegram is linked.
    ///
    /// # Errors
    /// `forbidden` for clients.
    pub async fn telegram_account(&self, p: &Principal) -> Result<TelegramAccountStatus> {
        p.require_staff()?;
        let mut tx = self.store.read().await?;
        let account = store::account(&mut tx, p.user.id).await?;
        tx.commit().await?;
        Ok(TelegramAccountStatus {
            enabled: self.config.telegram_enabled,
            linked: account.is_some(),
            username: account.as_ref().and_then(|a| a.username.clone()),
            linked_at: account.map(|a| a.linked_at),
        })
    }

    /// A fresh one-time code for the caller; the earlier one stops working.
    ///
    /// # Errors
    /// `forbidden` for clients, `telegram_not_configured` when the server runs no bot.
    pub async fn create_telegram_code(&self, p: &Principal) -> Result<TelegramAccountCode> {
        p.require_staff()?;
        if !self.config.telegram_enabled {
            return Err(ServiceError::refused(
                ErrorCode::TelegramNotConfigured,
                "this server runs no Telegram bot: set REGLAMENT_TELEGRAM_TOKEN",
            ));
        }
        let code: String = {
            let mut rng = rand::thread_rng();
            (0..8)
                .map(|_| char::from(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rng.gen_range(0..32)]))
                .collect()
        };
        let expires_at = self.now() + TimeDelta::minutes(CODE_TTL_MINUTES);
        let mut tx = self.store.begin().await?;
        store::put_account_code(&mut tx, p.user.id, &code_hash(&code), expires_at).await?;
        tx.commit().await?;
        tracing::info!(user = %p.user.id, "Telegram link code issued");
        Ok(TelegramAccountCode {
            command: format!("/start {code}"),
            code,
            expires_at,
        })
    }

    /// Unlinks the caller's Telegram; what was routed there goes by mail from now on.
    ///
    /// # Errors
    /// `forbidden` for clients, `not_found` when nothing is linked.
    pub async fn unlink_telegram(&self, p: &Principal) -> Result<()> {
        p.require_staff()?;
        let mut tx = self.store.begin().await?;
        if !store::unlink_account(&mut tx, p.user.id).await? {
            return Err(ServiceError::not_found("telegram account"));
        }
        tx.commit().await?;
        tracing::info!(user = %p.user.id, "Telegram unlinked from the profile");
        Ok(())
    }
}

/// A linked account the code names, for the bot: the person's id when the code is good.
pub(crate) async fn take_code(tx: &mut reglament_store::Tx, code: &str, now: DateTime<Utc>) -> Result<Option<UserId>> {
    Ok(store::take_account_code(tx, &code_hash(code), now).await?)
}
