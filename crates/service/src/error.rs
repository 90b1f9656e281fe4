pub use reglament_api::{ErrorCode, FieldError};
use reglament_store::StoreError;

/// What a use case refuses or fails with. Every refusal carries an [`ErrorCode`], whose
/// table decides the HTTP status; only a failure of the server itself is opaque.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{detail}")]
    Validation { detail: String, errors: Vec<FieldError> },
    /// Refused for a reason the caller can act on (a rule, a conflict, a missing right…).
    #[error("{detail}")]
    Refused { code: ErrorCode, detail: String },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("too many failed sign-in attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ServiceError {
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation { .. } => ErrorCode::ValidationFailed,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Refused { code, .. } => *code,
            Self::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// A refusal with `code`.
    pub fn refused(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Refused {
            code,
            detail: detail.into(),
        }
    }

    #[must_use]
    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound { what }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError {
                field: field.to_owned(),
                message,
            }],
        }
    }

    #[must_use]
    pub fn forbidden() -> Self {
        Self::Refused {
            code: ErrorCode::Forbidden,
            detail: "your role does not allow this".to_owned(),
        }
    }

    #[must_use]
    pub fn unauthorized(detail: &str) -> Self {
        Self::Refused {
            code: ErrorCode::Unauthorized,
            detail: detail.to_owned(),
        }
    }

    /// Turns a store error into the service's; `what` names the object for `NotFound`.
    pub fn from_store(what: &'static str) -> impl Fn(StoreError) -> Self {
        move |err| match err {
            StoreError::NotFound => Self::NotFound { what },
            other => other.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound { what: "object" },
            StoreError::Conflict(field) => Self::Refused {
                code: ErrorCode::AlreadyExists,
                detail: format!("{field}: another object has the same {field}"),
            },
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<validator::ValidationErrors> for ServiceError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut errors: Vec<FieldError> = errs
            .field_errors()
            .into_iter()
            .flat_map(|(field, list)| {
                list.iter().map(move |e| FieldError {
                    field: field.to_string(),
                    message: e
                        .message
                        .as_ref()
                        .map_or_else(|| e.code.to_string(), ToString::to_string),
                })
            })
            .collect();
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self::Validation { detail, errors }
    }
}
