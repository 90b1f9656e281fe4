//! Errors as every client sees them: RFC 9457 problem details whose `code` is one of
//! [`ErrorCode`], each with the one HTTP status it is answered with.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::enums::UnknownValue;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($text:tt, $status:tt) ),* $(,)?) => {
        /// Every stable `code` of a problem, with its HTTP status: the one table that
        /// decides both. Clients match on the code, never on the text of `detail`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum ErrorCode {
            $( $(#[$doc])* #[serde(rename = $text)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in the order of the table.
            pub const ALL: [Self; [$($text),*].len()] = [$(Self::$variant),*];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// The HTTP status this code is always answered with.
            #[must_use]
            pub const fn status(self) -> u16 {
                match self { $(Self::$variant => $status),* }
            }
        }

        impl FromStr for ErrorCode {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok(Self::$variant),)* other => Err(UnknownValue(other.to_owned())) }
            }
        }
    };
}

error_codes! {
    // 400: the request itself is wrong.
    /// A field was refused; `errors` says which and why.
    ValidationFailed = ("validation_failed", 400),
    /// The query string does not parse.
    InvalidQuery = ("invalid_query", 400),
    /// A path segment does not parse (a malformed id).
    InvalidPath = ("invalid_path", 400),
    /// The body is not the JSON the operation takes.
    InvalidJson = ("invalid_json", 400),
    /// A tier code that names no tier.
    UnknownTier = ("unknown_tier", 400),
    /// A year outside the calendar's range (2015–2100).
    YearOutOfRange = ("year_out_of_range", 400),
    /// A calendar year that contradicts itself.
    InvalidCalendar = ("invalid_calendar", 400),
    /// An instant outside the calendar's range.
    InvalidTime = ("invalid_time", 400),
    /// A number of working days out of range.
    InvalidDays = ("invalid_days", 400),
    /// An invitation link that is unknown, used or expired.
    InvalidInvitation = ("invalid_invitation", 400),
    /// A registration list that cannot be read: no header with `email` and `full_name`,
    /// broken CSV or JSON, more than 20,000 rows.
    InvalidImport = ("invalid_import", 400),
    /// An upload without content.
    EmptyFile = ("empty_file", 400),
    /// An upload that could not be read to the end.
    UploadFailed = ("upload_failed", 400),
    // 401: who is calling is not known.
    /// No token, or one that does not verify.
    InvalidToken = ("invalid_token", 401),
    /// The access token has expired; refresh it.
    TokenExpired = ("token_expired", 401),
    /// Wrong e-mail or password.
    InvalidCredentials = ("invalid_credentials", 401),
    /// A refresh token that is unknown, used, revoked or expired.
    InvalidRefreshToken = ("invalid_refresh_token", 401),
    /// The account is switched off.
    AccountDisabled = ("account_disabled", 401),
    /// Sign in first.
    Unauthorized = ("unauthorized", 401),
    // 403: known, but not allowed.
    /// The role does not allow this.
    Forbidden = ("forbidden", 403),
    /// The API token lacks the scope the operation needs.
    InsufficientScope = ("insufficient_scope", 403),
    /// Only a signed-in session may do this, not an API token.
    SessionRequired = ("session_required", 403),
    /// Deprecated alias of `not_key_contact` (the same idea, a second name): the escalation
    /// (R-ESC-1) still answers it for this release, with `canonical_code: not_key_contact`;
    /// the next release answers `not_key_contact` there too.
    KeyContactOnly = ("key_contact_only", 403),
    /// Only clients may do this.
    ClientsOnly = ("clients_only", 403),
    /// The customer's last contract ended more than 10 working days ago (R-ACL-5):
    /// sign-in, refresh and tokens are refused until a renewal.
    AccessExpired = ("access_expired", 403),
    /// Only a customer's key contact may do this: escalate (R-ESC-1), decide on estimates,
    /// book hours (R-PS-2, R-BK-1).
    NotKeyContact = ("not_key_contact", 403),
    // 404, 405
    /// No such object, or one the caller may not see.
    NotFound = ("not_found", 404),
    /// No such operation under `/api/v1`.
    NoSuchEndpoint = ("no_such_endpoint", 404),
    /// The path exists with other methods; `Allow` lists them.
    MethodNotAllowed = ("method_not_allowed", 405),
    // 409: the state of things refuses it.
    /// Another object has the same unique field (`detail` names it).
    AlreadyExists = ("already_exists", 409),
    /// The e-mail address belongs to another user.
    EmailTaken = ("email_taken", 409),
    /// The contract's dates overlap another contract of the customer.
    ContractOverlap = ("contract_overlap", 409),
    /// The account request was carried out already (R-ACC-3).
    AlreadyApplied = ("already_applied", 409),
    /// The change would leave a customer with a contract in force without a key contact
    /// (R-CON-4): name the new one in the same request (`new_key_contact_id`).
    LastKeyContact = ("last_key_contact", 409),
    /// The webhook subscription is paused; resume it first (R-INT-2).
    WebhookPaused = ("webhook_paused", 409),
    /// Only a failed webhook delivery is sent again by hand; a pending one is on its way.
    DeliveryNotFailed = ("delivery_not_failed", 409),
    /// The ticket is closed.
    TicketClosed = ("ticket_closed", 409),
    /// The ticket is already closed.
    AlreadyClosed = ("already_closed", 409),
    /// The bug is already confirmed.
    AlreadyConfirmed = ("already_confirmed", 409),
    /// The ticket is already escalated.
    AlreadyEscalated = ("already_escalated", 409),
    /// The ticket is not critical.
    NotCritical = ("not_critical", 409),
    /// The estimate was decided already or replaced by a revised one.
    EstimateNotPending = ("estimate_not_pending", 409),
    /// The specialist has logged work that overlaps this interval.
    WorkLogOverlap = ("work_log_overlap", 409),
    // 410
    /// A confidential attachment was purged after 30 days (R-CONF-1).
    AttachmentPurged = ("attachment_purged", 410),
    // 413, 415
    /// The body is over the size limit.
    PayloadTooLarge = ("payload_too_large", 413),
    /// The file is over the attachment size limit.
    AttachmentTooLarge = ("attachment_too_large", 413),
    /// The body's content type is not what the operation takes.
    UnsupportedMediaType = ("unsupported_media_type", 415),
    /// The file's content does not match its declared type.
    ContentTypeMismatch = ("content_type_mismatch", 415),
    // 422: a rule of the regulation refuses it.
    /// The customer's tier allows no more active contacts (R-ACL-4).
    ContactLimitReached = ("contact_limit_reached", 422),
    /// The customer's tier allows one team only.
    SeveralTeamsNotAllowed = ("several_teams_not_allowed", 422),
    /// The customer has never had a contract.
    NoContract = ("no_contract", 422),
    /// A registration list with rows in error: nothing was imported (R-ACC-1).
    ImportHasErrors = ("import_has_errors", 422),
    /// The customer has no contract in force today.
    NoActiveContract = ("no_active_contract", 422),
    /// Only a bug can be confirmed or resolved as one.
    NotABug = ("not_a_bug", 422),
    /// Only an overdue ticket can be escalated (R-ESC-1).
    NotOverdue = ("not_overdue", 422),
    /// Users cannot switch off or demote themselves.
    CannotChangeSelf = ("cannot_change_self", 422),
    /// The latest version cannot stop being supported.
    VersionIsLatest = ("version_is_latest", 422),
    /// Estimates and work logs belong to `service_request` tickets (R-PS-1).
    NotAServiceRequest = ("not_a_service_request", 422),
    /// Work is logged only on an order whose estimate the key contact approved (R-PS-2).
    EstimateNotApproved = ("estimate_not_approved", 422),
    /// The customer has no certificate valid at that date (R-BK-1, R-PS-4).
    NoActiveCertificate = ("no_active_certificate", 422),
    /// The month is past the expiry of the customer's certificates (R-BK-1).
    CertificateExpired = ("certificate_expired", 422),
    /// The certificates' balance does not cover it; an admin may override (R-PS-4).
    InsufficientBalance = ("insufficient_balance", 422),
    /// Booking for the month is closed: it is not a later month, or its deadline passed (R-BK-1…3).
    BookingClosed = ("booking_closed", 422),
    /// The month is after the end of the customer's last contract (R-CON-3): renew first.
    AfterContractEnd = ("after_contract_end", 422),
    /// The specialists' capacity for the month is booked (R-BK-2, R-BK-5).
    CapacityExceeded = ("capacity_exceeded", 422),
    /// Only customers whose tier includes Telegram chats may have one linked (R-CH-3).
    TelegramNotInTier = ("telegram_not_in_tier", 422),
    /// Telegram is chosen for notifications before the account is linked to the bot (R-NTF-5).
    TelegramNotLinked = ("telegram_not_linked", 422),
    /// This server runs no Telegram bot (`REGLAMENT_TELEGRAM_TOKEN` is not set).
    TelegramNotConfigured = ("telegram_not_configured", 422),
    /// The rejected mail's content was purged or is not a message that can be processed.
    MailNotProcessable = ("mail_not_processable", 422),
    // 429, 500
    /// Too many failed sign-ins for the address; `Retry-After` says when to try again.
    TooManyAttempts = ("too_many_attempts", 429),
    /// The server failed; the details are in its log, never in the answer.
    InternalError = ("internal_error", 500),
}

impl ErrorCode {
    /// The code a client should match on: itself, or for a deprecated alias the code it
    /// stands for (`key_contact_only` → `not_key_contact`).
    #[must_use]
    pub const fn canonical(self) -> Self {
        match self {
            Self::KeyContactOnly => Self::NotKeyContact,
            other => other,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One input field that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An error as every client sees it (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:reglament:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable code to match on.
    pub code: ErrorCode,
    /// Present when `code` is a deprecated alias: the code it stands for, which replaces it
    /// in the next release (`key_contact_only` → `not_key_contact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_code: Option<ErrorCode>,
    /// The fields that were refused, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_with_an_error_status() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!((400..600).contains(&code.status()), "{code}");
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
            // An alias stands for a code that is not itself an alias, with the same status.
            let canonical = code.canonical();
            assert_eq!(canonical.canonical(), canonical, "{code}");
            assert_eq!(canonical.status(), code.status(), "{code}");
        }
    }
}
