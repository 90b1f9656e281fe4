//! Stream tickets: a browser's EventSource cannot send an Authorization header, so a
//! signed-in user trades their access token for a ticket that opens the live stream
//! (`GET /api/v1/stream?ticket=…`) for a minute. It is a JWT signed with a key of its own
//! (an access token does not open the stream by the query, nor a ticket anything else),
//! holds no state, and so works on every instance. API tokens read the stream with
//! `Authorization: Bearer` and need no ticket.

use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, Header};
use reglament_api::{ErrorCode, StreamTicket, UserId};

use super::Accounts;
use super::principal::Principal;
use super::sessions::{Claims, signature_only};
use crate::{Result, ServiceError};

/// How long a stream ticket opens the stream.
pub const STREAM_TICKET_TTL: TimeDelta = TimeDelta::seconds(60);

impl Accounts<'_> {
    /// A ticket that opens the caller's live stream for a minute.
    ///
    /// # Errors
    /// `forbidden` for an API token (it reads the stream with its bearer header).
    pub fn stream_ticket(&self, p: &Principal) -> Result<StreamTicket> {
        if p.token_scopes.is_some() {
            return Err(ServiceError::Refused {
                code: ErrorCode::Forbidden,
                detail: "an API token reads the stream with Authorization: Bearer; stream tickets are for browsers"
                    .to_owned(),
            });
        }
        let now = self.now();
        let expires_at = now + STREAM_TICKET_TTL;
        let claims = Claims {
            sub: p.user.id.0,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let ticket = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.keys.stream_encoding)
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        Ok(StreamTicket { ticket, expires_at })
    }

    /// The principal a stream ticket stands for.
    ///
    /// # Errors
    /// `invalid_token` for a ticket that is malformed, forged, expired, or whose session
    /// ended.
    pub async fn authenticate_stream(&self, ticket: &str) -> Result<Principal> {
        let data =
            jsonwebtoken::decode::<Claims>(ticket, &self.keys.stream_decoding, &signature_only()).map_err(|_| {
                ServiceError::Refused {
                    code: ErrorCode::InvalidToken,
                    detail: "the stream ticket is malformed or its signature is wrong".to_owned(),
                }
            })?;
        let now = self.now();
        if data.claims.exp <= now.timestamp() {
            return Err(ServiceError::Refused {
                code: ErrorCode::InvalidToken,
                detail: "the stream ticket has expired; ask for a new one".to_owned(),
            });
        }
        self.session_principal(UserId(data.claims.sub), data.claims.iat, now)
            .await
    }
}
