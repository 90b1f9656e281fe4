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
