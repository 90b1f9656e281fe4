use reglament_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// One input field that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What a use case refuses or fails with. Each variant carries a stable
/// snake_case `code` that clients and tests match on.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{detail}")]
    Validation { detail: String, errors: Vec<FieldError> },
    /// Input that is well-formed but names nothing valid (an unknown tier, a year out of range).
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// The thing existed but is gone for good (a purged attachment).
    #[error("{detail}")]
    Gone { code: &'static str, detail: String },
    /// A request body over a limit.
    #[error("{detail}")]
    TooLarge { code: &'static str, detail: String },
    /// A file of a type that is refused.
    #[error("{detail}")]
    UnsupportedType { code: &'static str, detail: String },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A rule of the regulation refuses the change (a limit, a tier's feature).
    #[error("{detail}")]
    Rule { code: &'static str, detail: String },
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    #[error("too many failed sign-in attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ServiceError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { code, .. }
            | Self::BadRequest { code, .. }
            | Self::Gone { code, .. }
            | Self::TooLarge { code, .. }
            | Self::UnsupportedType { code, .. }
            | Self::Rule { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. } => code,
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::Internal(_) => "internal_error",
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
        Self::Forbidden {
            code: "forbidden",
            detail: "your role does not allow this".to_owned(),
        }
    }

    #[must_use]
    pub fn unauthorized(detail: &str) -> Self {
        Self::Unauthorized {
            code: "unauthorized",
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
            StoreError::Conflict(field) => Self::Conflict {
                code: "already_exists",
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
