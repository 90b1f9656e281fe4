//! The sign-in form the page shows before the app has started (`index.html`, between the
//! `shell` comments; the server serves it only to a browser without a session). When the
//! app starts it takes the shell away, keeping what was typed and where the cursor was.

use leptos::prelude::*;
use wasm_bindgen::JsCast as _;

/// What the visitor typed into the shell's form before the app started.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub email: String,
    pub password: String,
    focused: Option<String>,
}

fn value(id: &str) -> String {
    document()
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .unwrap_or_default()
}

/// Removes the shell, if the page has one, and answers what was typed into it.
pub fn take() -> Option<Typed> {
    let shell = document().get_element_by_id("shell")?;
    let focused = document()
        .active_element()
        .map(|el| el.id())
        .filter(|id| id == "email" || id == "password");
    let typed = Typed {
        email: value("email"),
        password: value("password"),
        focused,
    };
    shell.remove();
    Some(typed)
}

/// Puts the cursor back where it was in the shell, once the app's form is on the page.
pub fn refocus(typed: &Typed) {
    if let Some(id) = &typed.focused
        && let Some(el) = document().get_element_by_id(id)
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}
