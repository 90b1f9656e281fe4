//! RFC 9457 problem details with a stable machine-readable `code`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use reglament_service::{FieldError, ServiceError};
use serde::Serialize;
use utoipa::ToSchema;

/// An error as every client sees it (`application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:reglament:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code to match on (`contact_limit_reached`, `not_found`…).
    pub code: String,
    /// The fields that were refused, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The HTTP face of a [`ServiceError`], or of a request the transport itself refuses
/// (malformed JSON, a wrong content type, an unknown path…).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Service(ServiceError),
    #[error("{detail}")]
    Transport {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        Self::Service(err)
    }
}

impl ApiError {
    pub fn transport(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Transport {
            status,
            code,
            detail: detail.into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Service(err) => err.code(),
            Self::Transport { code, .. } => code,
        }
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        let err = match self {
            Self::Transport { status, .. } => return *status,
            Self::Service(err) => err,
        };
        match err {
            // An invitation link that no longer works is a bad request, not a broken rule.
            ServiceError::Validation { .. }
            | ServiceError::BadRequest { .. }
            | ServiceError::Rule {
                code: "invalid_invitation",
                ..
            } => StatusCode::BAD_REQUEST,
            ServiceError::NotFound { .. } => StatusCode::NOT_FOUND,
            ServiceError::Gone { .. } => StatusCode::GONE,
            ServiceError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::UnsupportedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ServiceError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            Self::Service(ServiceError::Internal(source)) => {
                tracing::error!(error = %source, "internal error");
                "the server failed to handle the request; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let errors = match self {
            Self::Service(ServiceError::Validation { errors, .. }) => errors.clone(),
            _ => Vec::new(),
        };
        let code = self.code();
        let problem = Problem {
            kind: format!("urn:reglament:problem:{code}"),
            title: title(status),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if let Self::Service(ServiceError::TooManyAttempts { retry_after_secs }) = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(problem)
    }
}
