//! The calls the app makes to `/api/v1`, and the session kept in memory.

use std::cell::RefCell;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    match res.json::<Problem>().await {
        Ok(p) => ApiError::Api {
            code: p.code,
            detail: p.detail,
        },
        Err(_) => ApiError::Network(format!("HTTP {}", res.status())),
    }
}

async fn take_session(res: Response) -> Result<User, ApiError> {
    let session: BrowserSession = checked(res).await?;
    set_access_token(Some(session.access_token));
    Ok(session.user)
}

/// A JSON POST without a session (sign-in, an invitation's password).
async fn post_anonymous<B: Serialize>(path: &str, body: &B) -> Result<Response, ApiError> {
    Request::post(path)
        .json(body)
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
    take_session(post_anonymous("/api/v1/auth/session", &input).await?).await
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
    let outcome = match Request::post("/api/v1/auth/session/refresh").send().await {
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
    get("/me").await
}

/// Signs this browser out: the cookie's session is revoked and the cookie cleared.
pub async fn logout() {
    let _ = Request::delete("/api/v1/auth/session").send().await;
    set_access_token(None);
}

/// Ends every session of the user on every device, this one included.
///
/// # Errors
/// When the server refuses.
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    let outcome = send("POST", "/auth/sign-out-everywhere", None).await.map(|_| ());
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
async fn send(method: &str, path: &str, body: Option<String>) -> Result<Response, ApiError> {
    for attempt in 0..2 {
        let token = bearer().await?;
        let url = format!("/api/v1{path}");
        let builder = match method {
            "POST" => Request::post(&url),
            "PATCH" => Request::patch(&url),
            "PUT" => Request::put(&url),
            "DELETE" => Request::delete(&url),
            _ => Request::get(&url),
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

fn encode<B: Serialize>(body: &B) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|e| ApiError::Network(e.to_string()))
}

async fn read<T: DeserializeOwned>(res: Response) -> Result<T, ApiError> {
    res.json().await.map_err(|e| network_error(&e))
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    read(send("GET", path, None).await?).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    read(send("POST", path, Some(encode(body)?)).await?).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    read(send("PUT", path, Some(encode(body)?)).await?).await
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    read(send("PATCH", path, Some(encode(body)?)).await?).await
}

/// A `POST` without a body whose answer has none (204).
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    send("POST", path, None).await.map(|_| ())
}

/// A `DELETE`, whose answer has no body.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    send("DELETE", path, None).await.map(|_| ())
}

/// Attaches a file to a ticket (the body is the file, its type the `Content-Type`).
pub async fn upload(ticket_id: TicketId, file: &web_sys::File) -> Result<Attachment, ApiError> {
    let name = js_sys::encode_uri_component(&file.name());
    let kind = if file.type_().is_empty() {
        "application/octet-stream".to_owned()
    } else {
        file.type_()
    };
    post_file(&format!("/tickets/{ticket_id}/attachments?name={name}"), file, &kind).await
}

/// POSTs a file as the body with its content type (a registration list) and reads the
/// answer as `T`.
pub async fn post_file<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
    content_type: &str,
) -> Result<T, ApiError> {
    let token = bearer().await?;
    let res = Request::post(&format!("/api/v1{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", content_type)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| network_error(&e))?
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    checked(res).await
}

/// Sets the password from an invitation's one-time link; no session needed.
pub async fn accept_invitation(token: &str, password: &str) -> Result<User, ApiError> {
    let input = AcceptInvitationInput {
        token: token.to_owned(),
        password: password.to_owned(),
    };
    checked(post_anonymous("/api/v1/auth/accept-invitation", &input).await?).await
}

/// Downloads an attachment with the session's token and hands it to the browser as a file.
pub async fn download(id: AttachmentId, file_name: &str, content_type: &str) -> Result<(), ApiError> {
    download_from(&format!("/attachments/{id}"), file_name, content_type).await
}

/// Downloads any `/api/v1` file (a ledger's CSV, an attachment) and hands it to the browser.
pub async fn download_from(path: &str, file_name: &str, content_type: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast as _;
    let res = send("GET", path, None).await?;
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
pub fn date(field: &str, text: &str) -> Result<chrono::NaiveDate, ApiError> {
    text.trim().parse().map_err(|_| ApiError::Api {
        code: ErrorCode::ValidationFailed,
        detail: format!("{field}: a date as YYYY-MM-DD"),
    })
}

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

/// A value for a query string.
pub fn enc(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
