//! RFC 9457 problem details with a stable machine-readable `code`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
pub use reglament_api::{ErrorCode, Problem};
use reglament_service::ServiceError;

/// The HTTP face of a [`ServiceError`], or of a request the transport itself refuses
/// (malformed JSON, a wrong content type, an unknown path…).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Service(ServiceError),
    #[error("{detail}")]
    Transport { code: ErrorCode, detail: String },
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        Self::Service(err)
    }
}

impl ApiError {
    /// A request the transport refuses before any use case sees it.
    pub fn transport(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Transport {
            code,
            detail: detail.into(),
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            Self::Service(err) => err.code(),
            Self::Transport { code, .. } => *code,
        }
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl ResponseError for ApiError {
    /// Decided by the code's row in [`ErrorCode`]'s table, never case by case.
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
            code,
            canonical_code: (code.canonical() != code).then(|| code.canonical()),
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
