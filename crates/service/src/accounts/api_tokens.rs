//! API tokens for integrations: created by a signed-in session, scoped, revocable.

use reglament_api::ApiTokenId;
use reglament_api::CreatedApiToken;
use reglament_api::ErrorCode;
use reglament_store::{ApiToken, Scopes, auth as store_auth};
use uuid::Uuid;

use super::Accounts;
use super::sessions::API_TOKEN_PREFIX;
use crate::accounts::passwords::*;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

impl Accounts<'_> {
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
            id: ApiTokenId(Uuid::now_v7()),
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
        let now = self.now();
        let mut tx = self.store.begin().await?;
        store_auth::get_api_token(&mut tx, p.user.id, id)
            .await
            .map_err(ServiceError::from_store("API token"))?;
        store_auth::revoke_api_token(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
