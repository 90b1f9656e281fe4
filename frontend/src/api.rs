//! The calls the app makes to `/api/v1`, and the session kept in memory.

use std::cell::RefCell;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use reglament_api::paths::{self, Bytes, NoBody, NoContent, Op, Text};
pub use reglament_api::*;

/// Why a call failed: the API's answer (problem+json with its stable code), or no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server refused: its code and the detail it gave.
    Api { code: ErrorCode, detail: String },
    /// The server could not be reached, or answered something that is not the contract.
    Network(String),
}

// The session (OWASP ASVS level 2): the access token lives in this page's memory only;
// the refresh token is an HttpOnly cookie scoped to /api/v1/auth/session that no script
// can read. A reload renews the access token from the cookie.
thread_local! {
    static ACCESS: RefCell<Option<String>> = const { RefCell::new(None) };
    static REFRESH: RefCell<Refresh> = RefCell::new(Refresh::default());
}

/// One renewal at a time: the cookie is good once, so calls that find the access token
/// expired together wait for the same renewal instead of spending the cookie twice.
#[derive(Default)]
struct Refresh {
    running: bool,
    round: u64,
    outcome: Option<Result<User, ApiError>>,
    waiters: Vec<Waker>,
}

fn access_token() -> Option<String> {
    ACCESS.with_borrow(Clone::clone)
}

fn set_access_token(token: Option<String>) {
    ACCESS.with_borrow_mut(|a| *a = token);
}

fn network_error(err: &gloo_net::Error) -> ApiError {
    ApiError::Network(err.to_string())
}

async fn problem(res: Response) -> ApiError {
    let status = res.status();
    match read::<Problem>(res).await {
        Ok(p) => ApiError::Api {
            code: p.code,
            detail: p.detail,
        },
        Err(_) => ApiError::Network(format!("HTTP {status}")),
    }
}

async fn take_session(res: Response) -> Result<User, ApiError> {
    let session: BrowserSession = checked(res).await?;
    set_access_token(Some(session.access_token));
    Ok(session.user)
}

/// A JSON POST without a session (sign-in, an invitation's password).
async fn post_anonymous<B: Serialize, T>(op: Op<B, T>, body: &B) -> Result<Response, ApiError> {
    Request::post(&op.url())
        .header("Content-Type", "application/json")
        .body(encode(body)?)
        .map_err(|e| network_error(&e))?
        .send()
        .await
        .map_err(|e| network_error(&e))
}

/// The answer as `T`, or the problem it carries.
async fn checked<T: DeserializeOwned>(res: Response) -> Result<T, ApiError> {
    if !res.ok() {
        return Err(problem(res).await);
    }
    read(res).await
}

pub async fn login(email: &str, password: &str) -> Result<User, ApiError> {
    let input = LoginInput {
        email: email.to_owned(),
        password: password.to_owned(),
    };
    take_session(post_anonymous(paths::open_session(), &input).await?).await
}

struct WaitRefresh {
    round: u64,
}

impl Future for WaitRefresh {
    type Output = Result<User, ApiError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        REFRESH.with_borrow_mut(|r| {
            if r.round > self.round {
                Poll::Ready(r.outcome.clone().unwrap_or_else(|| Err(unauthorized())))
            } else {
                r.waiters.push(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// Renews the access token from the refresh cookie (the cookie rotates).
async fn refresh() -> Result<User, ApiError> {
    let waiting = REFRESH.with_borrow_mut(|r| {
        if r.running {
            Some(r.round)
        } else {
            r.running = true;
            None
        }
    });
    if let Some(round) = waiting {
        return WaitRefresh { round }.await;
    }
    let outcome = match Request::post(&paths::refresh_session().url()).send().await {
        Ok(res) => take_session(res).await,
        Err(e) => Err(network_error(&e)),
    };
    if outcome.is_err() {
        set_access_token(None);
    }
    REFRESH.with_borrow_mut(|r| {
        r.running = false;
        r.round += 1;
        r.outcome = Some(outcome.clone());
        for waker in r.waiters.drain(..) {
            waker.wake();
        }
    });
    outcome
}

/// The signed-in user: after a reload the session is renewed from the cookie.
pub async fn current_user() -> Result<User, ApiError> {
    if access_token().is_none() {
        return refresh().await;
    }
    call(paths::me()).await
}

#[cfg(feature = "more")]
/// Signs this browser out: the cookie's session is revoked and the cookie cleared.
pub async fn logout() {
    let _ = Request::delete(&paths::close_session().url()).send().await;
    set_access_token(None);
}

#[cfg(feature = "more")]
/// Ends every session of the user on every device, this one included.
///
/// # Errors
/// When the server refuses.
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    let outcome = done(paths::sign_out_everywhere()).await;
    set_access_token(None);
    outcome
}

fn unauthorized() -> ApiError {
    ApiError::Api {
        code: ErrorCode::Unauthorized,
        detail: String::new(),
    }
}

/// The access token, renewed from the cookie first when there is none yet.
async fn bearer() -> Result<String, ApiError> {
    if let Some(token) = access_token() {
        return Ok(token);
    }
    refresh().await?;
    access_token().ok_or_else(unauthorized)
}

/// Any `/api/v1` call as the signed-in user with an optional JSON body, refreshing the
/// access token once on 401. Answers the response to read as the caller's type.
///
/// Not generic (the operations' types stay in their thin wrappers below): one copy of this
/// in the wasm, not one per operation.
async fn request(method: paths::Method, url: String, body: Option<String>) -> Result<Response, ApiError> {
    for attempt in 0..2 {
        let token = bearer().await?;
        let builder = match method {
            paths::Method::Post => Request::post(&url),
            paths::Method::Patch => Request::patch(&url),
            paths::Method::Put => Request::put(&url),
            paths::Method::Delete => Request::delete(&url),
            paths::Method::Get => Request::get(&url),
        }
        .header("Authorization", &format!("Bearer {token}"));
        let res = match &body {
            Some(b) => {
                builder
                    .header("Content-Type", "application/json")
                    .body(b.clone())
                    .map_err(|e| network_error(&e))?
                    .send()
                    .await
            }
            None => builder.send().await,
        }
        .map_err(|e| network_error(&e))?;
        if res.status() == 401 && attempt == 0 {
            // Another call may have renewed the token meanwhile; else renew it now.
            if access_token().as_deref() == Some(token.as_str()) && refresh().await.is_err() {
                return Err(unauthorized());
            }
            continue;
        }
        if !res.ok() {
            return Err(problem(res).await);
        }
        return Ok(res);
    }
    Err(unauthorized())
}

/// A body as JSON text, through the browser's `JSON.stringify` (no JSON library in the wasm).
fn encode<B: Serialize>(body: &B) -> Result<String, ApiError> {
    let failed = |detail: String| ApiError::Network(detail);
    let value = body
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| failed(e.to_string()))?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| failed("the body is not JSON".to_owned()))
}

/// JSON text read as `T`, through the browser's `JSON.parse`.
///
/// # Errors
/// When the text is not JSON or not a `T`.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let value = js_sys::JSON::parse(text).map_err(|_| ApiError::Network("not JSON".to_owned()))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| ApiError::Network(e.to_string()))
}

async fn read<T: DeserializeOwned>(res: Response) -> Result<T, ApiError> {
    decode(&res.text().await.map_err(|e| network_error(&e))?)
}

/// An operation that takes no body and answers JSON (a read, or an action without input).
pub async fn call<T: DeserializeOwned>(op: Op<NoBody, T>) -> Result<T, ApiError> {
    read(request(op.method, op.url(), None).await?).await
}

/// An operation with a JSON body that answers JSON.
pub async fn send<B: Serialize, T: DeserializeOwned>(op: Op<B, T>, body: &B) -> Result<T, ApiError> {
    read(request(op.method, op.url(), Some(encode(body)?)).await?).await
}

/// An operation without a body that answers `204 No Content`.
pub async fn done(op: Op<NoBody, NoContent>) -> Result<(), ApiError> {
    request(op.method, op.url(), None).await.map(|_| ())
}

/// Attaches a file to a ticket (the body is the file, its type the `Content-Type`).
pub async fn upload(ticket_id: TicketId, file: &web_sys::File) -> Result<Attachment, ApiError> {
    let kind = if file.type_().is_empty() {
        "application/octet-stream".to_owned()
    } else {
        file.type_()
    };
    let op = paths::upload_attachment(ticket_id).query("name", file.name());
    post_file(op, file, &kind).await
}

/// POSTs a file as the body with its content type (a registration list) and reads the
/// answer as `T`.
pub async fn post_file<B, T: DeserializeOwned>(
    op: Op<B, T>,
    file: &web_sys::File,
    content_type: &str,
) -> Result<T, ApiError> {
    let token = bearer().await?;
    let res = Request::post(&op.url())
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", content_type)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| network_error(&e))?
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    checked(res).await
}

#[cfg(feature = "more")]
/// Sets the password from an invitation's one-time link; no session needed.
pub async fn accept_invitation(token: &str, password: &str) -> Result<User, ApiError> {
    let input = AcceptInvitationInput {
        token: token.to_owned(),
        password: password.to_owned(),
    };
    checked(post_anonymous(paths::accept_invitation(), &input).await?).await
}

/// An answer that is a file to hand to the browser (an attachment, a ledger's CSV).
pub trait Download {}
impl Download for Bytes {}
impl Download for Text {}

/// Downloads a file (a ledger's CSV, an attachment) and hands it to the browser.
pub async fn download<T: Download>(op: Op<NoBody, T>, file_name: &str, content_type: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast as _;
    let res = request(op.method, op.url(), None).await?;
    let bytes = res.binary().await.map_err(|e| network_error(&e))?;
    let failed = |_| ApiError::Network("the browser refused the download".to_owned());
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| failed(wasm_bindgen::JsValue::NULL))?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| failed(wasm_bindgen::JsValue::NULL))?;
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// A date typed into a form, refused before it is sent when it is not `YYYY-MM-DD`.
///
/// # Errors
/// `validation_failed` naming `field`.
#[cfg(feature = "staff")]
pub fn date(field: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    text.trim().parse().map_err(|_| ApiError::Api {
        code: ErrorCode::ValidationFailed,
        detail: format!("{field}: a date as YYYY-MM-DD"),
    })
}

#[cfg(feature = "more")]
/// A whole number typed into a form, refused before it is sent when it is not one.
///
/// # Errors
/// `validation_failed` naming `field`.
pub fn whole_number(field: &str, text: &str) -> Result<i64, ApiError> {
    text.trim().parse().map_err(|_| ApiError::Api {
        code: ErrorCode::ValidationFailed,
        detail: format!("{field}: a whole number"),
    })
}
