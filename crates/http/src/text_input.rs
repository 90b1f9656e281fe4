//! Text the API reads must be storable on both backends: PostgreSQL refuses a NUL
//! character in `text` (SQLSTATE 22021), SQLite keeps it. A NUL anywhere a client sends
//! text (a path segment, a query parameter, a JSON string, a CSV list) is refused here,
//! once, before any handler runs: 400 `validation_failed` naming the field.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};
use futures_util::StreamExt as _;
use reglament_api::ErrorCode;
use reglament_service::ServiceError;

use crate::problem::ApiError;

/// The largest text body read here: the registration import's limit; JSON bodies are
/// held to [`crate::JSON_LIMIT`] by their own extractor afterwards.
const TEXT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Middleware: refuses a request whose path, query or text body holds a NUL.
///
/// # Errors
/// Those of the wrapped service.
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = match nul_in_path(&req).or_else(|| nul_in_query(req.query_string())) {
        Some(field) => Some(field),
        None if is_text_body(&req) => {
            let body = match read_body(&mut req).await {
                Ok(body) => body,
                Err(err) => return Ok(req.error_response(err).map_into_right_body()),
            };
            let field = nul_in_body(&req, &body);
            req.set_payload(actix_web::dev::Payload::from(body));
            field
        }
        None => None,
    };
    match refused {
        Some(field) => {
            let err = ApiError::from(ServiceError::invalid(
                &field,
                "must not contain the NUL character (U+0000)",
            ));
            Ok(req.error_response(err).map_into_right_body())
        }
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// The documented path parameter whose segment holds `%00`, or `path`.
fn nul_in_path(req: &ServiceRequest) -> Option<String> {
    let path = req.uri().path();
    if !path.contains("%00") {
        return None;
    }
    let name = path.strip_prefix("/api/v1").and_then(|rest| {
        let at = rest
            .trim_matches('/')
            .split('/')
            .position(|segment| segment.contains("%00"))?;
        let template = crate::openapi::documented_path(path)?;
        template.segments[at]
            .strip_prefix('{')
            .map(|name| name.trim_end_matches('}').to_owned())
    });
    Some(name.unwrap_or_else(|| "path".to_owned()))
}

/// The query parameter whose name or value holds `%00`.
fn nul_in_query(query: &str) -> Option<String> {
    if !query.contains("%00") {
        return None;
    }
    query.split('&').find(|pair| pair.contains("%00")).map(|pair| {
        let name = pair.split('=').next().unwrap_or_default();
        if name.contains("%00") || name.is_empty() {
            "query".to_owned()
        } else {
            percent_decode(name)
        }
    })
}

/// `+` and `%XX` decoded, for naming a parameter (invalid escapes stay as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn media_type(req: &ServiceRequest) -> String {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// JSON and CSV bodies carry text that is stored; files (attachments) are bytes.
fn is_text_body(req: &ServiceRequest) -> bool {
    let media = media_type(req);
    let path = req.path();
    media == "application/json"
        || media.ends_with("+json")
        || media == "text/csv"
        // The registration import reads any other type as CSV.
        || (path.ends_with("/clients/import") && !path.contains("%00"))
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let too_large = || {
        ApiError::transport(
            ErrorCode::PayloadTooLarge,
            format!("the body exceeds {TEXT_BODY_LIMIT} bytes"),
        )
    };
    if req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|length| length > TEXT_BODY_LIMIT)
    {
        return Err(too_large());
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::transport(ErrorCode::UploadFailed, e.to_string()))?;
        if body.len() + chunk.len() > TEXT_BODY_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Where a text body holds a NUL: the JSON field's path (`rows[1].email`), or `body`
/// for a CSV list.
fn nul_in_body(req: &ServiceRequest, body: &[u8]) -> Option<String> {
    let media = media_type(req);
    if media == "application/json" || media.ends_with("+json") {
        if !json_has_nul_escape(body) {
            return None;
        }
        // Rare: parse once more to name the field. A body that does not parse is left
        // to the JSON extractor's `invalid_json`.
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        return nul_field(&value, String::new()).map(|f| if f.is_empty() { "body".to_owned() } else { f });
    }
    body.contains(&0).then(|| "body".to_owned())
}

/// Whether the JSON text holds `\u0000` as an escape (a raw NUL is invalid JSON and is
/// refused by the parser); an escaped backslash before `u0000` is not one.
fn json_has_nul_escape(body: &[u8]) -> bool {
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\\' {
            if body.get(i + 1) == Some(&b'u') && body.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn nul_field(value: &serde_json::Value, at: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) => s.contains('\0').then_some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_field(item, format!("{at}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if key.contains('\0') {
                Some(if at.is_empty() { "body".to_owned() } else { at.clone() })
            } else {
                nul_field(item, path)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_escape_but_not_an_escaped_backslash() {
        assert!(json_has_nul_escape(br#"{"a":"x\u0000y"}"#));
        assert!(!json_has_nul_escape(br#"{"a":"x\\u0000y"}"#));
        assert!(json_has_nul_escape(br#"{"a":"x\\\u0000y"}"#));
        assert!(!json_has_nul_escape(br#"{"a":"\u00001"}"#.get(..9).unwrap_or_default()));
        assert!(!json_has_nul_escape(br#"{"a":"\u0001"}"#));
    }

    #[test]
    fn names_the_json_field() -> Result<(), serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(r#"{"a":1,"rows":[{"email":"ok"},{"email":"x\u0000"}]}"#)?;
        assert_eq!(nul_field(&v, String::new()).as_deref(), Some("rows[1].email"));
        let v: serde_json::Value = serde_json::from_str(r#"["x\u0000"]"#)?;
        assert_eq!(nul_field(&v, String::new()).as_deref(), Some("[0]"));
        Ok(())
    }

    #[test]
    fn names_the_query_parameter() {
        assert_eq!(nul_in_query("limit=5&q=a%00b").as_deref(), Some("q"));
        assert_eq!(nul_in_query("q=%2500").as_deref(), None);
        assert_eq!(nul_in_query("a%5Bb%5D=%00").as_deref(), Some("a[b]"));
        assert_eq!(nul_in_query("%00=1").as_deref(), Some("query"));
    }
}
