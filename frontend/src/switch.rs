//! Three apps at one set of addresses: the client app, which every visitor downloads
//! before signing in (the tickets); the `more` app, which adds the client's other screens
//! (dashboard, company, services, profile, invitations, the panels of account requests and
//! orders) and which the server serves at those screens' addresses and at any address
//! asked with `?full`; and the staff app, which adds the staff and admin screens (built
//! with the `staff` feature). A readable cookie, `reglament_app`, says which app this
//! browser's session uses: the server serves the staff app's page for `staff`. It is only
//! a hint: the API decides what anyone may do.
//!
//! The cookie also tells whether a session cookie may exist: without it the app starts on
//! the sign-in form without asking the server (no 401 on a first visit).

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::api::User;

const COOKIE: &str = "reglament_app";
/// Whether this build is the staff app.
const STAFF_APP: bool = cfg!(feature = "staff");
/// As long as the longest session (the refresh cookie's 30 days).
const MAX_AGE_SECS: u32 = 30 * 24 * 3600;

fn document_cookie() -> String {
    js_sys::Reflect::get(&document(), &JsValue::from_str("cookie"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn set_document_cookie(value: &str) {
    let _ = js_sys::Reflect::set(&document(), &JsValue::from_str("cookie"), &JsValue::from_str(value));
}

/// The app the cookie names: `Some("client" | "staff")`, `None` without a session.
fn current() -> Option<String> {
    document_cookie()
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn remember(app: Option<&str>) {
    match app {
        Some(app) => set_document_cookie(&format!("{COOKIE}={app}; path=/; max-age={MAX_AGE_SECS}; samesite=lax")),
        None => set_document_cookie(&format!("{COOKIE}=; path=/; max-age=0; samesite=lax")),
    }
}

/// Whether a session may be restored: someone signed in on this browser before.
pub fn may_have_session() -> bool {
    current().is_some()
}

/// After a sign-in or a restored session: remembers the user's app and, when this is not
/// it, loads the page again at the same address (the server then serves the other app).
/// True when the page is being replaced. A server without the staff app built keeps
/// serving this one: the cookie then already names the wanted app, and nothing reloads.
pub fn arrived(user: &User) -> bool {
    let wanted = if user.is_staff() { "staff" } else { "client" };
    let before = current();
    remember(Some(wanted));
    if user.is_staff() == STAFF_APP || before.as_deref() == Some(wanted) {
        return false;
    }
    window().location().reload().is_ok()
}

/// A failed restore: the session is gone, so is the hint.
pub fn no_session() {
    remember(None);
}

#[cfg(feature = "more")]
/// Signed out: the next visit starts in the client app.
pub fn signed_out(cx: crate::Ctx) {
    remember(None);
    cx.user.set(None);
    if STAFF_APP {
        let _ = window().location().reload();
    }
}

/// Opens this address again in the `more` app (`?full`), keeping the address's own query
/// and adding `extra` (`name=value`, or empty); nothing when the address already asked for
/// it (a server without the `more` app built serves this app there too).
#[cfg(not(feature = "more"))]
pub fn full(extra: &str) {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    let mut pairs: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    if pairs.iter().any(|p| *p == "full" || p.starts_with("full=")) {
        return;
    }
    if !extra.is_empty() {
        pairs.push(extra);
    }
    pairs.push("full");
    let path = location.pathname().unwrap_or_default();
    let _ = location.replace(&format!("{path}?{}", pairs.join("&")));
}
