//! Per-process state of sign-in: the JWT keys and the accounts behind recent access tokens.

use chrono::{DateTime, Utc};
use jsonwebtoken::{DecodingKey, EncodingKey};
use reglament_api::ids::*;
use reglament_store::User;

/// The accounts behind recent access tokens, so that a busy client costs one database
/// round trip less per request. This instance forgets an account the moment it changes
/// it; another instance sees a change (say, a disabled account) within [`Self::TTL`].
#[derive(Default)]
pub(crate) struct UserCache {
    entries: std::sync::Mutex<std::collections::HashMap<UserId, (Account, std::time::Instant)>>,
}

/// A user and, for a client, when the customer's access ends (R-ACL-5).
#[derive(Clone)]
pub(crate) struct Account {
    pub(crate) user: User,
    pub(crate) access_ends_at: Option<DateTime<Utc>>,
    /// The last "sign out everywhere": access tokens issued before it are refused.
    pub(crate) sessions_ended_at: Option<DateTime<Utc>>,
}

impl UserCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX: usize = 10_000;

    pub(crate) fn get(&self, id: UserId) -> Option<Account> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(&id)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(account, _)| account.clone())
    }

    pub(crate) fn put(&self, account: Account) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= Self::MAX {
            entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            if entries.len() >= Self::MAX {
                entries.clear();
            }
        }
        entries.insert(account.user.id, (account, std::time::Instant::now()));
    }

    /// Forgets every account (after a change that touches several, a contract or the
    /// calendar, or to be sure).
    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

pub(crate) struct JwtKeys {
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// Stream tickets are signed with a key of their own, so that neither an access token
    /// nor a stream ticket passes for the other.
    pub(crate) stream_encoding: EncodingKey,
    pub(crate) stream_decoding: DecodingKey,
}

impl JwtKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        let stream = [secret, b":live-stream-ticket"].concat();
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            stream_encoding: EncodingKey::from_secret(&stream),
            stream_decoding: DecodingKey::from_secret(&stream),
        }
    }
}
