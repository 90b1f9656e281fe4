//! Reglament's web app: sign-in in Russian (English as a switch), then the user's
//! name and role. Talks only to the documented `/api/v1`.

mod api;
mod i18n;

use leptos::prelude::*;

use crate::api::{ApiError, Session, User};
use crate::i18n::{Lang, Text};

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::load());
    let user: RwSignal<Option<User>> = RwSignal::new(None);
    let restoring = RwSignal::new(Session::load().is_some());
    provide_context(lang);

    // A stored session signs in again without the password.
    leptos::task::spawn_local(async move {
        if Session::load().is_some() {
            user.set(api::current_user().await.ok());
        }
        restoring.set(false);
    });

    let t = move |text: Text| lang.get().text(text);
    let toggle_lang = move |_| {
        let next = lang.get().other();
        next.store();
        lang.set(next);
    };
    Effect::new(move |_| {
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("lang", lang.get().code());
        }
    });

    view! {
        <header>
            <span class="brand">"Reglament"</span>
            <span class="muted">{move || t(Text::Portal)}</span>
            <button class="link" data-testid="lang-switch" on:click=toggle_lang>
                {move || t(Text::OtherLanguage)}
            </button>
        </header>
        <main>
            <Show when=move || !restoring.get() fallback=move || view! { <p class="muted">{t(Text::Loading)}</p> }>
                {move || match user.get() {
                    Some(u) => view! { <Profile user=u on_sign_out=move || user.set(None) /> }.into_any(),
                    None => view! { <SignIn on_signed_in=move |u| user.set(Some(u)) /> }.into_any(),
                }}
            </Show>
        </main>
    }
}

#[component]
fn SignIn(on_signed_in: impl Fn(User) + Copy + 'static) -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let t = move |text: Text| lang.get().text(text);
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let login = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            match api::login(&email, &password).await {
                Ok(user) => {
                    error.set(None);
                    on_signed_in(user);
                }
                Err(err) => error.set(Some(err)),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.dispatch((email.get_untracked(), password.get_untracked()));
    };
    view! {
        <form class="card" on:submit=submit data-testid="sign-in">
            <h1>{move || t(Text::SignInTitle)}</h1>
            <label for="email">{move || t(Text::Email)}</label>
            <input id="email" name="email" type="email" autocomplete="username" required
                prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
            <label for="password">{move || t(Text::Password)}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
            <button class="primary" type="submit" data-testid="sign-in-submit" disabled=move || login.pending().get()>
                {move || if login.pending().get() { t(Text::SigningIn) } else { t(Text::SignIn) }}
            </button>
            {move || error.get().map(|e| view! {
                <p class="error" role="alert" data-testid="sign-in-error">{lang.get().error(&e)}</p>
            })}
        </form>
    }
}

#[component]
fn Profile(user: User, on_sign_out: impl Fn() + Copy + 'static) -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let t = move |text: Text| lang.get().text(text);
    let role = user.clone();
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            api::logout().await;
            on_sign_out();
        });
    };
    view! {
        <section class="card" data-testid="profile">
            <h1>{move || t(Text::Welcome)}</h1>
            <dl>
                <dt>{move || t(Text::Name)}</dt>
                <dd data-testid="user-name">{user.full_name.clone()}</dd>
                <dt>{move || t(Text::Role)}</dt>
                <dd data-testid="user-role">{move || lang.get().role(&role)}</dd>
                <dt>{move || t(Text::Email)}</dt>
                <dd>{user.email.clone()}</dd>
            </dl>
            <button class="link" data-testid="sign-out" on:click=sign_out>{move || t(Text::SignOut)}</button>
        </section>
    }
}
