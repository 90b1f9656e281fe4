//! Sign-in: short JWT access tokens, rotating refresh tokens, sign-out, resolving a bearer token to a [`Principal`], invitations, the first admin.

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, Header, Validation};
use reglament_api::ErrorCode;
use reglament_api::TokenPair;
use reglament_api::ids::*;
use reglament_domain::{StaffRole, UserKind};
use reglament_store::{
    ApiToken, RefreshToken, Tx, User, auth as store_auth, customers as store_customers, users as store_users,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Accounts;
use crate::accounts::cache::Account;
use crate::accounts::passwords::*;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// Prefix of API tokens, so that the bearer of a request is recognised without a lookup.
pub const API_TOKEN_PREFIX: &str = "rgl_";
/// Consecutive failures allowed before sign-in for an address is slowed down.
pub const FREE_LOGIN_FAILURES: i64 = 5;
const MAX_LOGIN_BLOCK_SECS: i64 = 15 * 60;

/// HS256 signature checks only: expiry is checked against the application's clock, not
/// the system's (access tokens and stream tickets alike).
pub(crate) fn signature_only() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_exp = false;
    validation
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: Uuid,
    pub(crate) iat: i64,
    pub(crate) exp: i64,
}

impl Accounts<'_> {
    /// When a client's access ends (R-ACL-5): ten working days after the customer's last
    /// contract. `None` for staff and for a customer that never had a contract.
    pub(crate) async fn access_ends_at(&self, tx: &mut Tx, user: &User) -> Result<Option<DateTime<Utc>>> {
        let Some(customer_id) = user.customer_id.filter(|_| user.kind == UserKind::Client) else {
            return Ok(None);
        };
        self.customer_access_ends_at(tx, customer_id).await
    }

    /// When the clients of a customer lose access (R-ACL-5): ten working days after its
    /// last contract. `None` for a customer that never had a contract.
    pub(crate) async fn customer_access_ends_at(
        &self,
        tx: &mut Tx,
        customer_id: CustomerId,
    ) -> Result<Option<DateTime<Utc>>> {
        let last = store_customers::last_contract_end(tx, customer_id).await?;
        Ok(last.map(|day| reglament_domain::access_ends_at(&self.calendar().business_calendar(), day)))
    }

    async fn account(&self, tx: &mut Tx, user: User) -> Result<Account> {
        let access_ends_at = self.access_ends_at(tx, &user).await?;
        let sessions_ended_at = store_auth::sessions_ended_at(tx, user.id).await?;
        Ok(Account {
            user,
            access_ends_at,
            sessions_ended_at,
        })
    }

    /// The account from the user cache, or read and cached.
    ///
    /// # Errors
    /// `invalid_token` when the user is gone, or on a database failure.
    async fn cached_account(&self, tx: &mut Tx, user_id: UserId) -> Result<Account> {
        if let Some(account) = self.users.get(user_id) {
            return Ok(account);
        }
        // A gone user is the token's fault; a database failure is not (500, not 401).
        let user = store_users::get(tx, user_id).await.map_err(|e| match e {
            reglament_store::StoreError::NotFound => ServiceError::Refused {
                code: ErrorCode::InvalidToken,
                detail: "unknown user".to_owned(),
            },
            other => other.into(),
        })?;
        let account = self.account(tx, user).await?;
        self.users.put(account.clone());
        Ok(account)
    }

    /// Records an API token's use at most once a minute, so that a busy script does not
    /// write (on SQLite: take the one writer's lock) on every call. A failure to record
    /// it is logged, not answered: the call itself was allowed.
    async fn touch_api_token(&self, token: &ApiToken, now: DateTime<Utc>) {
        if token.last_used_at.is_some_and(|at| now - at < TimeDelta::minutes(1)) {
            return;
        }
        let touched = async {
            let mut tx = self.store.begin().await?;
            store_auth::touch_api_token(&mut tx, token.id, now).await?;
            tx.commit().await?;
            Ok::<(), ServiceError>(())
        };
        if let Err(err) = touched.await {
            tracing::warn!(token = %token.id, error = %err, "could not record the API token's use");
        }
    }

    /// # Errors
    /// `access_expired` (403) once the grace after the last contract is over (R-ACL-5).
    fn check_access(account: &Account, now: DateTime<Utc>) -> Result<()> {
        match account.access_ends_at {
            Some(at) if now >= at => Err(ServiceError::Refused {
                code: ErrorCode::AccessExpired,
                detail: format!(
                    "the customer's support contract has ended; access closed at {} (10 working days later); \
                     a renewal restores it",
                    at.to_rfc3339()
                ),
            }),
            _ => Ok(()),
        }
    }

    fn issue_access_token(&self, user_id: UserId, now: DateTime<Utc>) -> Result<String> {
        let claims = Claims {
            sub: user_id.0,
            iat: now.timestamp(),
            exp: (now + self.config.access_token_ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.keys.encoding)
            .map_err(|e| ServiceError::Internal(Box::new(e)))
    }

    async fn issue_tokens(
        &self,
        tx: &mut reglament_store::Tx,
        user: User,
        family_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<TokenPair> {
        let refresh_token = new_secret();
        let record = RefreshToken {
            id: Uuid::now_v7(),
            user_id: user.id,
            family_id,
            expires_at: now + self.config.refresh_token_ttl,
            revoked_at: None,
        };
        store_auth::insert_refresh_token(tx, &record, &token_hash(&refresh_token), now).await?;
        Ok(TokenPair {
            access_token: self.issue_access_token(user.id, now)?,
            token_type: "Bearer".to_owned(),
            expires_in: self.config.access_token_ttl.num_seconds(),
            refresh_token,
            refresh_expires_at: record.expires_at,
            user: user.into(),
        })
    }

    /// Signs in with email and password. After [`FREE_LOGIN_FAILURES`] failures in a
    /// row, the address is blocked for a time that doubles with each further failure.
    ///
    /// # Errors
    /// `invalid_credentials` (401), `too_many_attempts` (429), `account_disabled` (401).
    pub async fn login(&self, email: &str, password: &str) -> Result<TokenPair> {
        let now = self.now();
        let email = store_users::normalize_email(email);
        let mut tx = self.store.read().await?;
        let failures = store_auth::login_failures(&mut tx, &email).await?;
        let found = store_users::find_for_login(&mut tx, &email).await?;
        tx.commit().await?;
        if let Some(blocked_until) = failures.as_ref().and_then(|f| f.blocked_until)
            && blocked_until > now
        {
            return Err(ServiceError::TooManyAttempts {
                retry_after_secs: (blocked_until - now).num_seconds().max(1),
            });
        }
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, None),
        };
        let ok = verify_password(password.to_owned(), hash).await;
        let mut tx = self.store.begin().await?;
        let Some(user) = user.filter(|_| ok) else {
            let count = failures.map_or(0, |f| f.failures) + 1;
            let blocked_until = (count >= FREE_LOGIN_FAILURES).then(|| {
                let exp = u32::try_from(count - FREE_LOGIN_FAILURES).unwrap_or(u32::MAX).min(20);
                now + TimeDelta::seconds((1_i64 << exp).min(MAX_LOGIN_BLOCK_SECS))
            });
            store_auth::record_login_failure(&mut tx, &email, count, blocked_until, now).await?;
            tx.commit().await?;
            tracing::info!(email, failures = count, "sign-in refused");
            return Err(bad_credentials());
        };
        if !user.active {
            return Err(ServiceError::Refused {
                code: ErrorCode::AccountDisabled,
                detail: "this account is disabled".to_owned(),
            });
        }
        let account = self.account(&mut tx, user).await?;
        Self::check_access(&account, now)?;
        let user = account.user;
        store_auth::clear_login_failures(&mut tx, &email).await?;
        let pair = self.issue_tokens(&mut tx, user, Uuid::now_v7(), now).await?;
        tx.commit().await?;
        Ok(pair)
    }

    /// Exchanges a refresh token for a new pair. A token already used is a sign of
    /// theft: its whole family is revoked.
    ///
    /// # Errors
    /// `invalid_refresh_token` (401).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair> {
        let now = self.now();
        let invalid = || ServiceError::Refused {
            code: ErrorCode::InvalidRefreshToken,
            detail: "the refresh token is unknown, expired or revoked".to_owned(),
        };
        let mut tx = self.store.begin().await?;
        let record = store_auth::find_refresh_token(&mut tx, &token_hash(refresh_token))
            .await?
            .ok_or_else(invalid)?;
        if record.revoked_at.is_some() {
            store_auth::revoke_refresh_family(&mut tx, record.family_id, now).await?;
            tx.commit().await?;
            tracing::warn!(user_id = %record.user_id, "a revoked refresh token was presented; its family is revoked");
            return Err(invalid());
        }
        if record.expires_at <= now || !store_auth::revoke_refresh_token(&mut tx, record.id, now).await? {
            return Err(invalid());
        }
        let user = store_users::get(&mut tx, record.user_id).await?;
        if !user.active {
            return Err(invalid());
        }
        // Refused before the token is spent: after a renewal the same session goes on.
        let account = self.account(&mut tx, user).await?;
        Self::check_access(&account, now)?;
        let user = account.user;
        let pair = self.issue_tokens(&mut tx, user, record.family_id, now).await?;
        tx.commit().await?;
        Ok(pair)
    }

    /// Revokes a refresh token (signing out of one device). Unknown tokens are ignored.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if let Some(record) = store_auth::find_refresh_token(&mut tx, &token_hash(refresh_token)).await? {
            store_auth::revoke_refresh_family(&mut tx, record.family_id, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Signs the caller out everywhere: every refresh token of the user is revoked, so
    /// that no browser or device can renew its session, and access tokens issued before
    /// now are refused (another server instance sees it within the user cache's 5 s).
    /// API tokens are managed on their own.
    ///
    /// # Errors
    /// `session_required` from an API token.
    pub async fn sign_out_everywhere(&self, p: &Principal) -> Result<()> {
        if p.token_scopes.is_some() {
            return Err(ServiceError::Refused {
                code: ErrorCode::SessionRequired,
                detail: "sessions are ended from a signed-in session".to_owned(),
            });
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        store_auth::revoke_user_refresh_tokens(&mut tx, p.user.id, now).await?;
        store_auth::end_sessions_before(&mut tx, p.user.id, now).await?;
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        self.users.clear();
        tracing::info!(user_id = %p.user.id, "signed out everywhere");
        Ok(())
    }

    /// Resolves the bearer of a request: an API token (`rgl_…`) or a JWT access token.
    ///
    /// # Errors
    /// `invalid_token` (401) for anything unknown, expired, revoked or disabled.
    pub async fn authenticate(&self, bearer: &str) -> Result<Principal> {
        let invalid = |detail: &str| ServiceError::Refused {
            code: ErrorCode::InvalidToken,
            detail: detail.to_owned(),
        };
        let now = self.now();
        if bearer.starts_with(API_TOKEN_PREFIX) {
            // Reads only: the token by its hash (so a revocation counts at once), the
            // account from the user cache, as a signed-in session's is.
            let mut tx = self.store.read().await?;
            let token = store_auth::find_api_token(&mut tx, &token_hash(bearer))
                .await?
                .ok_or_else(|| invalid("unknown API token"))?;
            if token.revoked_at.is_some() {
                return Err(invalid("the API token is revoked"));
            }
            if token.expires_at.is_some_and(|at| at <= now) {
                return Err(invalid("the API token has expired"));
            }
            let account = self.cached_account(&mut tx, token.user_id).await?;
            tx.commit().await?;
            if !account.user.active {
                return Err(invalid("the token's owner is disabled"));
            }
            Self::check_access(&account, now)?;
            self.touch_api_token(&token, now).await;
            return Principal::from_user(account.user, Some(token.scopes)).ok_or_else(|| invalid("malformed account"));
        }
        let data = jsonwebtoken::decode::<Claims>(bearer, &self.keys.decoding, &signature_only())
            .map_err(|_| invalid("the access token is malformed or its signature is wrong"))?;
        // Expiry is checked against the application's clock, not the system's.
        if data.claims.exp <= now.timestamp() {
            return Err(ServiceError::Refused {
                code: ErrorCode::TokenExpired,
                detail: "the access token has expired; refresh it".to_owned(),
            });
        }
        self.session_principal(UserId(data.claims.sub), data.claims.iat, now)
            .await
    }

    /// The principal of a signed-in session's token (an access token or a stream ticket)
    /// issued at `iat` to `user`: refused for a disabled account, a session ended by
    /// signing out everywhere, or a customer whose access has closed.
    pub(crate) async fn session_principal(&self, user: UserId, iat: i64, now: DateTime<Utc>) -> Result<Principal> {
        let invalid = |detail: &str| ServiceError::Refused {
            code: ErrorCode::InvalidToken,
            detail: detail.to_owned(),
        };
        let account = match self.users.get(user) {
            Some(account) => account,
            None => {
                let mut tx = self.store.read().await?;
                let account = self.cached_account(&mut tx, user).await?;
                tx.commit().await?;
                account
            }
        };
        if !account.user.active {
            return Err(invalid("this account is disabled"));
        }
        // Whole seconds: a token issued in the second of the sign-out survives it.
        if account.sessions_ended_at.is_some_and(|at| iat < at.timestamp()) {
            return Err(invalid("the session was ended: the user signed out everywhere"));
        }
        Self::check_access(&account, now)?;
        Principal::from_user(account.user, None).ok_or_else(|| invalid("malformed account"))
    }

    /// Sets the password of an invited user from the one-time link of the invitation.
    ///
    /// # Errors
    /// `invalid_invitation` (400) when the token is unknown, used or expired.
    pub async fn accept_invitation(&self, token: &str, password: &str) -> Result<reglament_api::User> {
        check_password_strength(password)?;
        let hash = hash_password(password.to_owned()).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let user_id = store_auth::take_invitation(&mut tx, &token_hash(token), now)
            .await?
            .ok_or_else(|| ServiceError::Refused {
                code: ErrorCode::InvalidInvitation,
                detail: "the invitation is unknown, used or expired".into(),
            })?;
        store_users::set_password(&mut tx, UserId(user_id), &hash, now).await?;
        let user = store_users::get(&mut tx, UserId(user_id)).await?;
        tx.commit().await?;
        Ok(user.into())
    }

    /// Creates the first admin on a database with no staff. Answers the password when
    /// it was generated (to be printed once), `None` when nothing was done or the
    /// password was given.
    ///
    /// # Errors
    /// On a database failure or a bad email.
    pub async fn ensure_first_admin(&self, email: &str, password: Option<&str>) -> Result<Option<String>> {
        let mut tx = self.store.begin().await?;
        if store_users::count_staff(&mut tx).await? > 0 {
            return Ok(None);
        }
        let generated = password.is_none().then(new_secret);
        let password = password.map_or_else(|| generated.clone().unwrap_or_default(), str::to_owned);
        let hash = hash_password(password).await?;
        let now = self.now();
        let user = User {
            id: UserId(Uuid::now_v7()),
            kind: UserKind::Staff,
            email: store_users::normalize_email(email),
            full_name: "Администратор".to_owned(),
            role: Some(StaffRole::Admin),
            customer_id: None,
            team_id: None,
            is_key_contact: false,
            telegram_username: None,
            active: true,
            locale: "ru".to_owned(),
            time_zone: "Europe/Moscow".to_owned(),
            has_password: true,
            created_at: now,
            updated_at: now,
        };
        store_users::insert(&mut tx, &user, Some(&hash)).await?;
        tx.commit().await?;
        tracing::info!(email = %user.email, "first admin created");
        Ok(generated)
    }
}
