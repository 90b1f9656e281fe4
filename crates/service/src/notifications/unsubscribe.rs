//! R-NTF-5: every optional mail to a client carries a one-click unsubscribe (RFC 8058):
//! `List-Unsubscribe: <URL>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The
//! URL names the person and the kind of notice and is signed (HMAC-SHA256 with a key of its
//! own derived from the server's secret) and expiring, so that it works without signing in
//! and changes only that kind, for that person, to the app only.

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac as _};
use reglament_api::{ErrorCode, NotificationChannel, UserId};
use sha2::Sha256;

use super::Notifications;
use super::client_notices::CLIENT_KINDS;
use crate::{Result, ServiceError};

/// How long an unsubscribe link works.
pub const LINK_TTL_DAYS: i64 = 90;

/// What a one-click unsubscribe changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    pub user_id: UserId,
    pub kind: String,
}

impl Notifications<'_> {
    fn unsubscribe_mac(&self, payload: &str) -> Result<Hmac<Sha256>> {
        let mut key = b"reglament-unsubscribe:".to_vec();
        key.extend_from_slice(&self.config.jwt_secret);
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| ServiceError::Internal(e.to_string().into()))?;
        mac.update(payload.as_bytes());
        Ok(mac)
    }

    /// The signed link that stops `kind` for `user` (it expires after [`LINK_TTL_DAYS`]).
    ///
    /// # Errors
    /// Only if the key cannot be made.
    pub fn unsubscribe_link(&self, user: UserId, kind: &str) -> Result<String> {
        let expires = (self.now() + TimeDelta::days(LINK_TTL_DAYS)).timestamp();
        let payload = format!("{user}:{kind}:{expires}");
        let mac = self.unsubscribe_mac(&payload)?.finalize().into_bytes();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Ok(format!(
            "{}/api/v1/unsubscribe?token={}.{}",
            self.config.public_url.trim_end_matches('/'),
            b64.encode(payload),
            b64.encode(mac)
        ))
    }

    fn read_unsubscribe(&self, token: &str, now: DateTime<Utc>) -> Result<(UserId, String)> {
        let bad = || ServiceError::refused(ErrorCode::InvalidToken, "the unsubscribe link is unknown or expired");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (payload, mac) = token.split_once('.').ok_or_else(bad)?;
        let payload = String::from_utf8(b64.decode(payload).map_err(|_| bad())?).map_err(|_| bad())?;
        let mac = b64.decode(mac).map_err(|_| bad())?;
        self.unsubscribe_mac(&payload)?.verify_slice(&mac).map_err(|_| bad())?;
        let mut parts = payload.splitn(3, ':');
        let (Some(user), Some(kind), Some(expires)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let expires: i64 = expires.parse().map_err(|_| bad())?;
        if now.timestamp() > expires || !CLIENT_KINDS.contains(&kind) {
            return Err(bad());
        }
        let user: uuid::Uuid = user.parse().map_err(|_| bad())?;
        Ok((UserId(user), kind.to_owned()))
    }

    /// Stops the link's kind for its person (it goes to the app only), without signing in.
    ///
    /// # Errors
    /// `invalid_token` for a link that is forged, unknown or expired.
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscribed> {
        let (user_id, kind) = self.read_unsubscribe(token, self.now())?;
        let mut tx = self.store.begin().await?;
        reglament_store::users::get(&mut tx, user_id).await.map_err(|_| {
            ServiceError::refused(ErrorCode::InvalidToken, "the unsubscribe link is unknown or expired")
        })?;
        reglament_store::notifications::set_preference(
            &mut tx,
            user_id,
            &kind,
            Some(NotificationChannel::InApp.as_str()),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = %user_id, %kind, "unsubscribed by the one-click link (RFC 8058)");
        Ok(Unsubscribed { user_id, kind })
    }
}
