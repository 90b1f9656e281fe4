//! Passwords (argon2id) and the random secrets behind tokens and links.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use rand::RngCore as _;
use reglament_api::ErrorCode;
use sha2::{Digest as _, Sha256};

use crate::{Result, ServiceError};

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

pub(crate) async fn verify_password(password: String, hash: Option<String>) -> bool {
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

pub(crate) fn bad_credentials() -> ServiceError {
    ServiceError::Refused {
        code: ErrorCode::InvalidCredentials,
        detail: "wrong email or password".to_owned(),
    }
}
