//! Response headers that protect the browser session (OWASP ASVS level 2, V14.4): a strict
//! Content-Security-Policy the web app runs under, no framing, no referrer, no sniffing,
//! and HSTS when the request came over TLS.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The web app: its own scripts and the wasm they compile, nothing inline, nothing foreign.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";
/// The API docs page (Swagger UI) sets inline styles; scripts stay its own.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the headers to every answer that does not set them itself.
///
/// # Errors
/// Those of the wrapped service.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let docs = req.path().starts_with("/api/docs");
    let tls = req.connection_info().scheme() == "https";
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let mut set = |name: &'static str, value: &'static str| {
        let name = HeaderName::from_static(name);
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set("content-security-policy", if docs { DOCS_CSP } else { APP_CSP });
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set("x-content-type-options", "nosniff");
    set("cross-origin-opener-policy", "same-origin");
    if tls {
        set("strict-transport-security", HSTS);
    }
    Ok(res)
}
