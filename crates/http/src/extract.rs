//! Extractors: the authenticated caller, paging, and problem+json for bad input.

use reglament_api::ErrorCode;
use reglament_api::Paging;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{FromRequest, HttpRequest, web};
use reglament_service::accounts::principal::Principal;
use reglament_service::{App, PageRequest, ServiceError};

use crate::problem::ApiError;

/// The signed-in caller (JWT) or the integration (API token) behind `Authorization: Bearer …`.
pub struct Auth(pub Principal);

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let app = req.app_data::<web::Data<App>>().cloned();
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned));
        Box::pin(async move {
            let app =
                app.ok_or_else(|| ApiError::Service(ServiceError::Internal("application state missing".into())))?;
            let bearer = match header {
                Some(Ok(value)) => value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        ApiError::Service(ServiceError::unauthorized("use Authorization: Bearer <token>"))
                    })?,
                Some(Err(_)) => {
                    return Err(ApiError::Service(ServiceError::unauthorized(
                        "the Authorization header is not text",
                    )));
                }
                None => {
                    return Err(ApiError::Service(ServiceError::unauthorized(
                        "sign in first: no Authorization header",
                    )));
                }
            };
            Ok(Self(app.accounts().authenticate(&bearer).await?))
        })
    }
}

/// The page a `?limit=&offset=` asks for.
pub trait PagingExt {
    /// # Errors
    /// `validation_failed` when out of range.
    fn page(self) -> Result<PageRequest, ApiError>;
}

impl PagingExt for Paging {
    fn page(self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(PageRequest::DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        if !(1..=PageRequest::MAX_LIMIT).contains(&limit) {
            return Err(ServiceError::invalid("limit", format!("must be 1 to {}", PageRequest::MAX_LIMIT)).into());
        }
        if offset < 0 {
            return Err(ServiceError::invalid("offset", "must not be negative").into());
        }
        Ok(PageRequest { limit, offset })
    }
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(crate::JSON_LIMIT)
        .error_handler(|err, _| {
            let detail = err.to_string();
            match err {
                JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                    ApiError::transport(
                        ErrorCode::PayloadTooLarge,
                        format!("the body exceeds {} bytes", crate::JSON_LIMIT),
                    )
                    .into()
                }
                JsonPayloadError::ContentType => {
                    ApiError::transport(ErrorCode::UnsupportedMediaType, "send Content-Type: application/json").into()
                }
                _ => ApiError::transport(ErrorCode::InvalidJson, detail).into(),
            }
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err: QueryPayloadError, _| ApiError::transport(ErrorCode::InvalidQuery, err.to_string()).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err: PathError, _| ApiError::transport(ErrorCode::InvalidPath, err.to_string()).into())
}
