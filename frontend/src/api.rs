//! The calls the app makes to `/api/v1`, and the session kept in local storage.

use gloo_net::http::{Request, Response};
use serde::{Deserialize, Serialize};

const SESSION_KEY: &str = "reglament.session";

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    pub id: String,
    pub kind: String,
    pub email: String,
    pub full_name: String,
    pub role: Option<String>,
    pub is_key_contact: bool,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl User {
    pub fn is_staff(&self) -> bool {
        self.kind == "staff"
    }
}

/// An error as the API says it (problem+json `code`), or a network failure.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: String,
    pub detail: String,
}

#[derive(Deserialize)]
struct Problem {
    code: String,
    #[serde(default)]
    detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
}

#[derive(Deserialize)]
struct TokenPair {
    access_token: String,
    refresh_token: String,
    user: User,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl Session {
    pub fn load() -> Option<Self> {
        let text = storage()?.get_item(SESSION_KEY).ok().flatten()?;
        serde_json::from_str(&text).ok()
    }

    fn store(&self) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(self)) {
            let _ = storage.set_item(SESSION_KEY, &text);
        }
    }

    fn clear() {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(SESSION_KEY);
        }
    }
}

fn network_error(err: &gloo_net::Error) -> ApiError {
    ApiError {
        code: "network".into(),
        detail: err.to_string(),
    }
}

async fn problem(res: Response) -> ApiError {
    match res.json::<Problem>().await {
        Ok(p) => ApiError {
            code: p.code,
            detail: p.detail,
        },
        Err(_) => ApiError {
            code: "http".into(),
            detail: format!("HTTP {}", res.status()),
        },
    }
}

async fn take_pair(res: Response) -> Result<User, ApiError> {
    if !res.ok() {
        return Err(problem(res).await);
    }
    let pair: TokenPair = res.json().await.map_err(|e| network_error(&e))?;
    Session {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
    }
    .store();
    Ok(pair.user)
}

pub async fn login(email: &str, password: &str) -> Result<User, ApiError> {
    let res = Request::post("/api/v1/auth/login")
        .json(&serde_json::json!({ "email": email, "password": password }))
        .map_err(|e| network_error(&e))?
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    take_pair(res).await
}

async fn refresh(session: &Session) -> Result<User, ApiError> {
    let res = Request::post("/api/v1/auth/refresh")
        .json(&serde_json::json!({ "refresh_token": session.refresh_token }))
        .map_err(|e| network_error(&e))?
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    take_pair(res).await
}

/// The signed-in user, refreshing the access token once when it has expired.
pub async fn current_user() -> Result<User, ApiError> {
    let session = Session::load().ok_or_else(|| ApiError {
        code: "unauthorized".into(),
        detail: String::new(),
    })?;
    let res = Request::get("/api/v1/me")
        .header("Authorization", &format!("Bearer {}", session.access_token))
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    if res.ok() {
        return res.json().await.map_err(|e| network_error(&e));
    }
    if res.status() == 401 {
        let refreshed = refresh(&session).await;
        if refreshed.is_err() {
            Session::clear();
        }
        return refreshed;
    }
    Err(problem(res).await)
}

pub async fn logout() {
    if let Some(session) = Session::load()
        && let Ok(req) =
            Request::post("/api/v1/auth/logout").json(&serde_json::json!({ "refresh_token": session.refresh_token }))
    {
        let _ = req.send().await;
    }
    Session::clear();
}

fn unauthorized() -> ApiError {
    ApiError {
        code: "unauthorized".into(),
        detail: String::new(),
    }
}

/// Any `/api/v1` call as the signed-in user, refreshing the access token once on 401.
/// A 204 answers `null`.
pub async fn call(method: &str, path: &str, body: Option<&serde_json::Value>) -> Result<serde_json::Value, ApiError> {
    for attempt in 0..2 {
        let session = Session::load().ok_or_else(unauthorized)?;
        let url = format!("/api/v1{path}");
        let builder = match method {
            "POST" => Request::post(&url),
            "PATCH" => Request::patch(&url),
            "PUT" => Request::put(&url),
            "DELETE" => Request::delete(&url),
            _ => Request::get(&url),
        }
        .header("Authorization", &format!("Bearer {}", session.access_token));
        let res = match body {
            Some(b) => builder.json(b).map_err(|e| network_error(&e))?.send().await,
            None => builder.send().await,
        }
        .map_err(|e| network_error(&e))?;
        if res.status() == 401 && attempt == 0 {
            if refresh(&session).await.is_err() {
                Session::clear();
                return Err(unauthorized());
            }
            continue;
        }
        if !res.ok() {
            return Err(problem(res).await);
        }
        if res.status() == 204 {
            return Ok(serde_json::Value::Null);
        }
        return res.json().await.map_err(|e| network_error(&e));
    }
    Err(unauthorized())
}

pub async fn get(path: &str) -> Result<serde_json::Value, ApiError> {
    call("GET", path, None).await
}

pub async fn post(path: &str, body: &serde_json::Value) -> Result<serde_json::Value, ApiError> {
    call("POST", path, Some(body)).await
}

/// Attaches a file to a ticket (the body is the file, its type the `Content-Type`).
pub async fn upload(ticket_id: &str, file: &web_sys::File) -> Result<serde_json::Value, ApiError> {
    let session = Session::load().ok_or_else(unauthorized)?;
    let name = js_sys::encode_uri_component(&file.name());
    let kind = if file.type_().is_empty() {
        "application/octet-stream".to_owned()
    } else {
        file.type_()
    };
    let res = Request::post(&format!("/api/v1/tickets/{ticket_id}/attachments?name={name}"))
        .header("Authorization", &format!("Bearer {}", session.access_token))
        .header("Content-Type", &kind)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| network_error(&e))?
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    if !res.ok() {
        return Err(problem(res).await);
    }
    res.json().await.map_err(|e| network_error(&e))
}

/// Downloads an attachment with the session's token and hands it to the browser as a file.
pub async fn download(id: &str, file_name: &str, content_type: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast as _;
    let session = Session::load().ok_or_else(unauthorized)?;
    let res = Request::get(&format!("/api/v1/attachments/{id}"))
        .header("Authorization", &format!("Bearer {}", session.access_token))
        .send()
        .await
        .map_err(|e| network_error(&e))?;
    if !res.ok() {
        return Err(problem(res).await);
    }
    let bytes = res.binary().await.map_err(|e| network_error(&e))?;
    let failed = |_| ApiError {
        code: "download".into(),
        detail: String::new(),
    };
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

/// A string field of an API object, empty when absent.
pub fn text(v: &serde_json::Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// The rows of a paged list (`items`) or of a bare array.
pub fn items(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["items"]
        .as_array()
        .or_else(|| v.as_array())
        .cloned()
        .unwrap_or_default()
}

/// A value for a query string.
pub fn enc(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
