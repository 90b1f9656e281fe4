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

/// The HTTP face of a [`ServiceError`], or of a request the transport itself refuses.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        Self(err)
    }
}

impl ApiError {
    /// A bad request the transport refuses before any use case runs.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self(ServiceError::Rule {
            code,
            detail: detail.into(),
        })
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            ServiceError::Validation { .. } => StatusCode::BAD_REQUEST,
            ServiceError::NotFound { .. } => StatusCode::NOT_FOUND,
            ServiceError::Conflict { .. } => StatusCode::CONFLICT,
            ServiceError::Rule { code, .. } => match *code {
                "bad_request" | "invalid_json" | "invalid_query" | "invalid_path" | "invalid_invitation" => {
                    StatusCode::BAD_REQUEST
                }
                "payload_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                "unsupported_media_type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "method_not_allowed" => StatusCode::METHOD_NOT_ALLOWED,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            ServiceError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ServiceError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match &self.0 {
            ServiceError::Internal(source) => {
                tracing::error!(error = %source, "internal error");
                "the server failed to handle the request; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let errors = match &self.0 {
            ServiceError::Validation { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let code = self.0.code();
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
        if let ServiceError::TooManyAttempts { retry_after_secs } = &self.0 {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(problem)
    }
}
