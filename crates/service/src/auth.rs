//! Sign-in (argon2id passwords, short JWT access tokens, rotating refresh tokens),
//! API tokens for integrations, and resolving a bearer token to a [`Principal`].

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use reglament_api::ApiTokenId;
use reglament_api::ErrorCode;
use reglament_api::{CreatedApiToken, Scope, TokenPair};
use reglament_domain::{Actor, StaffRole, UserKind};
use reglament_store::{
    ApiToken, RefreshToken, Scopes, Tx, User, auth as store_auth, customers as store_customers, users as store_users,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::{App, Result, ServiceError};

/// Prefix of API tokens, so that the bearer of a request is recognised without a lookup.
pub const API_TOKEN_PREFIX: &str = "rgl_";
/// Consecutive failures allowed before sign-in for an address is slowed down.
pub const FREE_LOGIN_FAILURES: i64 = 5;
const MAX_LOGIN_BLOCK_SECS: i64 = 15 * 60;

/// The authenticated caller of a use case.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub actor: Actor<Uuid>,
    /// `None` for a signed-in session; the token's scopes for an API token.
    pub token_scopes: Option<Scopes>,
}

impl Principal {
    /// # Errors
    /// `insufficient_scope` when an API token lacks the scope.
    pub fn require_scope(&self, scope: Scope) -> Result<()> {
        match &self.token_scopes {
            Some(scopes) if !scopes.contains(scope.as_str()) => Err(ServiceError::Refused {
                code: ErrorCode::InsufficientScope,
                detail: format!("the API token lacks the scope {}", scope.as_str()),
            }),
            _ => Ok(()),
        }
    }

    /// # Errors
    /// `forbidden` unless the caller is staff with one of `roles`.
    pub fn require_role(&self, roles: &[StaffRole]) -> Result<()> {
        if self.actor.has_role(roles) {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    /// # Errors
    /// `forbidden` unless the caller is staff.
    pub fn require_staff(&self) -> Result<()> {
        if self.actor.is_staff() {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    #[must_use]
    pub fn from_user(user: User, token_scopes: Option<Scopes>) -> Option<Self> {
        let actor = match (user.kind, user.role, user.customer_id) {
            (UserKind::Staff, Some(role), _) => Actor::Staff { id: user.id, role },
            (UserKind::Client, _, Some(customer_id)) => Actor::Client {
                id: user.id,
                customer_id,
                team_id: user.team_id,
                is_key_contact: user.is_key_contact,
            },
            _ => return None,
        };
        Some(Self {
            user,
            actor,
            token_scopes,
        })
    }
}

/// The accounts behind recent access tokens, so that a busy client costs one database
/// round trip less per request. This instance forgets an account the moment it changes
/// it; another instance sees a change (say, a disabled account) within [`Self::TTL`].
#[derive(Default)]
pub(crate) struct UserCache {
    entries: std::sync::Mutex<std::collections::HashMap<Uuid, (Account, std::time::Instant)>>,
}

/// A user and, for a client, when the customer's access ends (R-ACL-5).
#[derive(Clone)]
pub(crate) struct Account {
    user: User,
    access_ends_at: Option<DateTime<Utc>>,
    /// The last "sign out everywhere": access tokens issued before it are refused.
    sessions_ended_at: Option<DateTime<Utc>>,
}

impl UserCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX: usize = 10_000;

    fn get(&self, id: Uuid) -> Option<Account> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(&id)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(account, _)| account.clone())
    }

    fn put(&self, account: Account) {
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
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    iat: i64,
    exp: i64,
}

/// A fresh random secret: 32 bytes, URL-safe base64.
#[must_use]
pub fn new_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens are looked up by this hash; the token itself is never stored.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// # Errors
/// `Internal` only if hashing itself fails.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| ServiceError::Internal(Box::new(e)))?
    .map_err(|e| ServiceError::Internal(e.to_string().into()))
}

async fn verify_password(password: String, hash: Option<String>) -> bool {
    // An unknown address costs the same as a known one, so timing does not tell them apart.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let stored = hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    let salt = SaltString::generate(&mut rand::rngs::OsRng);
                    Argon2::default()
                        .hash_password(b"not a password", &salt)
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// A password must be 10 to 256 characters.
///
/// # Errors
/// `validation_failed` otherwise.
pub fn check_password_strength(password: &str) -> Result<()> {
    let len = password.chars().count();
    if !(10..=256).contains(&len) {
        return Err(ServiceError::invalid("password", "must be 10 to 256 characters long"));
    }
    Ok(())
}

fn bad_credentials() -> ServiceError {
    ServiceError::Refused {
        code: ErrorCode::InvalidCredentials,
        detail: "wrong email or password".to_owned(),
    }
}

impl App {
    /// When a client's access ends (R-ACL-5): ten working days after the customer's last
    /// contract. `None` for staff and for a customer that never had a contract.
    pub(crate) async fn access_ends_at(&self, tx: &mut Tx, user: &User) -> Result<Option<DateTime<Utc>>> {
        let Some(customer_id) = user.customer_id.filter(|_| user.kind == UserKind::Client) else {
            return Ok(None);
        };
        let last = store_customers::last_contract_end(tx, customer_id).await?;
        Ok(last.map(|day| reglament_domain::access_ends_at(&self.calendar(), day)))
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
    async fn cached_account(&self, tx: &mut Tx, user_id: Uuid) -> Result<Account> {
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

    fn issue_access_token(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<String> {
        let claims = Claims {
            sub: user_id,
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
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(bearer, &self.keys.decoding, &validation)
            .map_err(|_| invalid("the access token is malformed or its signature is wrong"))?;
        // Expiry is checked against the application's clock, not the system's.
        if data.claims.exp <= now.timestamp() {
            return Err(ServiceError::Refused {
                code: ErrorCode::TokenExpired,
                detail: "the access token has expired; refresh it".to_owned(),
            });
        }
        let account = match self.users.get(data.claims.sub) {
            Some(account) => account,
            None => {
                let mut tx = self.store.read().await?;
                let account = self.cached_account(&mut tx, data.claims.sub).await?;
                tx.commit().await?;
                account
            }
        };
        if !account.user.active {
            return Err(invalid("this account is disabled"));
        }
        // Whole seconds: a token issued in the second of the sign-out survives it.
        if account
            .sessions_ended_at
            .is_some_and(|at| data.claims.iat < at.timestamp())
        {
            return Err(invalid("the session was ended: the user signed out everywhere"));
        }
        Self::check_access(&account, now)?;
        Principal::from_user(account.user, None).ok_or_else(|| invalid("malformed account"))
    }

    /// Creates an API token for the caller. Only a signed-in session may do this, so
    /// that a token cannot mint tokens.
    ///
    /// # Errors
    /// `forbidden` from an API token, `validation_failed` on a bad name or scope list.
    pub async fn create_api_token(&self, p: &Principal, input: crate::input::NewApiToken) -> Result<CreatedApiToken> {
        use validator::Validate as _;
        if p.token_scopes.is_some() {
            return Err(ServiceError::Refused {
                code: ErrorCode::SessionRequired,
                detail: "API tokens are managed from a signed-in session".to_owned(),
            });
        }
        input.validate()?;
        if input.scopes.is_empty() {
            return Err(ServiceError::invalid("scopes", "name at least one scope"));
        }
        let now = self.now();
        if input.expires_at.is_some_and(|at| at <= now) {
            return Err(ServiceError::invalid("expires_at", "must be in the future"));
        }
        let mut scopes: Vec<String> = input.scopes.iter().map(|s| s.as_str().to_owned()).collect();
        scopes.sort();
        scopes.dedup();
        let token = format!("{API_TOKEN_PREFIX}{}", new_secret());
        let info = ApiToken {
            id: Uuid::now_v7(),
            user_id: p.user.id,
            name: input.name.trim().to_owned(),
            token_prefix: token.chars().take(10).collect(),
            scopes: Scopes(scopes),
            created_at: now,
            expires_at: input.expires_at.map(reglament_store::micros),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.store.begin().await?;
        store_auth::insert_api_token(&mut tx, &info, &token_hash(&token)).await?;
        tx.commit().await?;
        tracing::info!(user_id = %p.user.id, token_id = %info.id, "API token created");
        Ok(CreatedApiToken {
            token,
            info: info.into(),
        })
    }

    /// # Errors
    /// On a database failure.
    pub async fn list_api_tokens(
        &self,
        p: &Principal,
        page: reglament_store::PageRequest,
    ) -> Result<reglament_store::Page<reglament_api::ApiToken>> {
        let mut tx = self.store.read().await?;
        let list = store_auth::list_api_tokens(&mut tx, p.user.id, page).await?;
        tx.commit().await?;
        Ok(list.map(Into::into))
    }

    /// Revokes one of the caller's tokens.
    ///
    /// # Errors
    /// `not_found` when the caller has no such token.
    pub async fn revoke_api_token(&self, p: &Principal, id: ApiTokenId) -> Result<()> {
        let id = id.uuid();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        store_auth::get_api_token(&mut tx, p.user.id, id)
            .await
            .map_err(ServiceError::from_store("API token"))?;
        store_auth::revoke_api_token(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(())
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
        store_users::set_password(&mut tx, user_id, &hash, now).await?;
        let user = store_users::get(&mut tx, user_id).await?;
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
            id: Uuid::now_v7(),
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
