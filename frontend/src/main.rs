//! Reglament's web app: the client and staff portal in Russian (English as a switch):
//! tickets, the conversation, the SLA promise and countdown, and the SLA dashboards.
//! Talks only to the documented `/api/v1`.

// Three builds of one crate (see switch.rs): the client app (no feature: the tickets),
// `more` (adds the client's other screens) and `staff` (adds the staff and admin screens).
#[cfg(feature = "more")]
mod account;
#[cfg(feature = "more")]
mod account_request;
#[cfg(feature = "staff")]
mod admin;
mod api;
mod bell;
#[cfg(feature = "staff")]
mod channels;
#[cfg(feature = "more")]
mod dashboard;
#[cfg(feature = "staff")]
mod duty;
mod fmt;
#[cfg(feature = "staff")]
mod form;
mod i18n;
#[cfg(feature = "more")]
mod import;
mod live;
mod new_ticket;
#[cfg(feature = "staff")]
mod new_ticket_staff;
#[cfg(feature = "more")]
mod preferences;
#[cfg(feature = "more")]
mod services;
#[cfg(feature = "staff")]
mod settings;
mod shell;
mod switch;
#[cfg(feature = "more")]
mod task;
mod ticket_list;
#[cfg(feature = "staff")]
mod ticket_list_staff;
mod ticket_page;
#[cfg(feature = "staff")]
mod ticket_staff;
#[cfg(feature = "more")]
mod tickets;
#[cfg(feature = "staff")]
mod webhooks;

use leptos::prelude::*;

use crate::api::{ApiError, User};
use crate::i18n::{Lang, Text};

fn main() {
    console_error_panic_hook::set_once();
    let typed = shell::take().unwrap_or_default();
    provide_typed(typed);
    leptos::mount::mount_to_body(App);
}

thread_local! {
    static TYPED: std::cell::RefCell<shell::Typed> = std::cell::RefCell::default();
}

fn provide_typed(typed: shell::Typed) {
    TYPED.with_borrow_mut(|t| *t = typed);
}

/// The screens, each with its own address so that links in mail open it.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Tickets,
    NewTicket,
    Ticket(api::TicketId),
    Dashboard,
    Company,
    Profile,
    Customers,
    Customer(api::CustomerId),
    Staff,
    Calendar,
    Services,
    Channels,
    Webhooks,
    Settings,
    Duty,
    Invite(String),
}

impl Route {
    fn parse(path: &str) -> Self {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            ["tickets", "new"] => Self::NewTicket,
            // An address that names no ticket or customer opens the list.
            ["tickets", id] => id.parse().map_or(Self::Tickets, Self::Ticket),
            ["dashboard"] => Self::Dashboard,
            ["company"] => Self::Company,
            ["profile"] => Self::Profile,
            ["admin", "customers"] => Self::Customers,
            ["admin", "customers", id] => id.parse().map_or(Self::Customers, Self::Customer),
            ["admin", "staff"] => Self::Staff,
            ["admin", "calendar"] => Self::Calendar,
            ["services"] => Self::Services,
            ["admin", "channels"] => Self::Channels,
            ["admin", "webhooks"] => Self::Webhooks,
            ["invite", token] if !token.is_empty() => Self::Invite((*token).to_owned()),
            ["admin", "settings"] => Self::Settings,
            ["duty"] => Self::Duty,
            _ => Self::Tickets,
        }
    }

    fn path(&self) -> String {
        match self {
            Self::Tickets => "/tickets".to_owned(),
            Self::NewTicket => "/tickets/new".to_owned(),
            Self::Ticket(id) => format!("/tickets/{id}"),
            Self::Dashboard => "/dashboard".to_owned(),
            Self::Company => "/company".to_owned(),
            Self::Profile => "/profile".to_owned(),
            Self::Customers => "/admin/customers".to_owned(),
            Self::Customer(id) => format!("/admin/customers/{id}"),
            Self::Staff => "/admin/staff".to_owned(),
            Self::Calendar => "/admin/calendar".to_owned(),
            Self::Services => "/services".to_owned(),
            Self::Channels => "/admin/channels".to_owned(),
            Self::Webhooks => "/admin/webhooks".to_owned(),
            Self::Invite(token) => format!("/invite/{token}"),
            Self::Settings => "/admin/settings".to_owned(),
            Self::Duty => "/duty".to_owned(),
        }
    }

    fn current() -> Self {
        Self::parse(&window().location().pathname().unwrap_or_default())
    }

    /// Whether this build has the screen. The client app leaves out the client's other
    /// screens; the server serves the `more` app at their addresses (`wants_more` in
    /// `crates/http/src/web_app.rs`), so going there loads that app's page.
    fn here(&self) -> bool {
        cfg!(feature = "more")
            || !matches!(
                self,
                Self::Dashboard | Self::Company | Self::Services | Self::Profile | Self::Invite(_)
            )
    }
}

/// The header: the portal's name, the overdue counter and the bell once signed in, and
/// the language switch.
#[component]
fn Header() -> impl IntoView {
    let cx = ctx();
    let t = move |text: Text| cx.lang.get().text(text);
    let toggle_lang = move |_| {
        let next = cx.lang.get().other();
        next.store();
        cx.lang.set(next);
    };
    view! {
        <header>
            <a class="brand" href="/tickets" on:click=move |ev| { ev.prevent_default(); cx.go(Route::Tickets); }>"Reglament"</a>
            <span class="muted portal-name">{move || t(Text::Portal)}</span>
            <Show when=move || cx.user.get().is_some()>
                <OverdueBadge />
                <bell::Bell />
            </Show>
            <button class="link" data-testid="lang-switch" on:click=toggle_lang>
                {move || t(Text::OtherLanguage)}
            </button>
        </header>
    }
}

/// What every screen reaches through the context.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub lang: RwSignal<Lang>,
    pub user: RwSignal<Option<User>>,
    pub route: RwSignal<Route>,
}

impl Ctx {
    pub fn go(self, to: Route) {
        if !to.here() {
            let _ = window().location().assign(&to.path());
            return;
        }
        if let Ok(history) = window().history() {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&to.path()));
        }
        self.route.set(to);
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }

    pub fn tr(self, ru: &'static str, en: &'static str) -> &'static str {
        self.lang.get().tr(ru, en)
    }

    /// The user's time zone (Moscow unless they chose another).
    pub fn zone(self) -> String {
        self.user
            .get_untracked()
            .map(|u| u.time_zone)
            .filter(|z| !z.is_empty())
            .unwrap_or_else(|| "Europe/Moscow".to_owned())
    }

    pub fn time(self, ts: &str) -> String {
        fmt::date_time(ts, &self.zone(), self.lang.get())
    }

    /// An instant from the API in the user's zone.
    pub fn at(self, t: chrono::DateTime<chrono::Utc>) -> String {
        self.time(&t.to_rfc3339())
    }

    pub fn error(self, err: &ApiError) -> String {
        self.lang.get().error(err)
    }
}

pub fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

#[component]
fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::load());
    let user: RwSignal<Option<User>> = RwSignal::new(None);
    let restoring = RwSignal::new(true);
    let route = RwSignal::new(Route::current());
    provide_context(lang);
    let cx = Ctx { lang, user, route };
    provide_context(cx);
    let live = live::Live::new();
    provide_context(live);
    // The live stream while someone is signed in.
    Effect::new(move |was: Option<bool>| {
        let signed_in = user.with(Option::is_some);
        if was != Some(signed_in) {
            if signed_in {
                live::start(live);
            } else {
                live::stop();
            }
        }
        signed_in
    });
    let _ = window_event_listener(leptos::ev::popstate, move |_| route.set(Route::current()));

    // The session cookie (if any) signs in again without the password; staff move to
    // their app. Without a session there is nothing to ask the server.
    if switch::may_have_session() {
        leptos::task::spawn_local(async move {
            match api::current_user().await {
                Ok(u) if switch::arrived(&u) => {}
                Ok(u) => {
                    user.set(Some(u));
                    restoring.set(false);
                }
                Err(_) => {
                    switch::no_session();
                    restoring.set(false);
                }
            }
        });
    } else {
        restoring.set(false);
    }

    let t = move |text: Text| lang.get().text(text);
    Effect::new(move |_| {
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("lang", lang.get().code());
        }
    });

    view! {
        <Header />
        <Show when=move || user.get().is_some()>
            <Nav />
        </Show>
        <main class:wide=move || user.get().is_some()>
            <Show when=move || !restoring.get() fallback=move || view! { <p class="muted">{t(Text::Loading)}</p> }>
                {move || match (user.get(), route.get()) {
                    (Some(_), _) => view! { <Screen /> }.into_any(),
                    (None, Route::Invite(token)) => invitation(token),
                    (None, _) => view! { <SignIn on_signed_in=move |u| {
                        if !switch::arrived(&u) {
                            user.set(Some(u));
                            route.set(Route::current());
                        }
                    } /> }.into_any(),
                }}
            </Show>
        </main>
    }
}

#[component]
fn Screen() -> impl IntoView {
    let cx = ctx();
    move || match cx.route.get() {
        Route::Tickets => view! { <ticket_list::TicketList /> }.into_any(),
        Route::NewTicket => view! { <new_ticket::NewTicket /> }.into_any(),
        Route::Ticket(id) => view! { <ticket_page::TicketPage id=id /> }.into_any(),
        Route::Invite(token) => invitation(token),
        other if !other.here() => view! { <ticket_list::TicketList /> }.into_any(),
        other => more_screen(cx, &other),
    }
}

/// The client's other screens: in the `more` app and the staff app.
#[cfg(feature = "more")]
fn more_screen(cx: Ctx, route: &Route) -> AnyView {
    match route {
        Route::Dashboard => view! { <dashboard::Dashboard /> }.into_any(),
        Route::Company => view! { <tickets::Company /> }.into_any(),
        Route::Services => view! { <services::ServicesPage /> }.into_any(),
        Route::Profile => match cx.user.get_untracked() {
            Some(u) => view! { <Profile user=u on_sign_out=move || switch::signed_out(cx) /> }.into_any(),
            None => ().into_any(),
        },
        staff => staff_screen(staff),
    }
}

/// In the client app only the tickets' screens are here (`Route::here`); a server
/// without the `more` app built serves this one at those addresses: the list then.
#[cfg(not(feature = "more"))]
fn more_screen(_: Ctx, route: &Route) -> AnyView {
    staff_screen(route)
}

#[cfg(feature = "more")]
fn invitation(token: String) -> AnyView {
    view! { <import::AcceptInvitation token=token /> }.into_any()
}

#[cfg(not(feature = "more"))]
fn invitation(_: String) -> AnyView {
    view! { <ticket_list::TicketList /> }.into_any()
}

/// The staff and admin screens: in the staff app.
#[cfg(feature = "staff")]
fn staff_screen(route: &Route) -> AnyView {
    match *route {
        Route::Customers => view! { <admin::Customers /> }.into_any(),
        Route::Customer(id) => view! {
            <admin::Customer id=id />
            <services::CustomerCertificates customer=id />
            <channels::CustomerTelegram customer=id />
        }
        .into_any(),
        Route::Channels => view! { <channels::ChannelsPage /> }.into_any(),
        Route::Staff => view! { <admin::Staff /> }.into_any(),
        Route::Calendar => view! { <admin::Calendar /> }.into_any(),
        Route::Webhooks => view! { <webhooks::WebhooksPage /> }.into_any(),
        Route::Settings => view! { <settings::SettingsPage /> }.into_any(),
        Route::Duty => view! { <duty::DutyPage /> }.into_any(),
        _ => view! { <ticket_list::TicketList /> }.into_any(),
    }
}

/// In the client app a staff address shows the tickets: a client never reaches the staff
/// screens, and staff are moved to the staff app as soon as they are known.
#[cfg(not(feature = "staff"))]
fn staff_screen(_: &Route) -> AnyView {
    view! { <ticket_list::TicketList /> }.into_any()
}
#[component]
fn Nav() -> impl IntoView {
    let cx = ctx();
    let link = move |to: Route, ru: &'static str, en: &'static str, id: &'static str| {
        let target = to.clone();
        let href = to.path();
        view! {
            <a href=href data-testid=id
                class:active=move || {
                    let r = cx.route.get();
                    r == target || (matches!(target, Route::Tickets) && matches!(r, Route::Ticket(_)))
                }
                on:click=move |ev| { ev.prevent_default(); cx.go(to.clone()); }>
                {move || cx.tr(ru, en)}
            </a>
        }
    };
    let client = move || cx.user.get().is_some_and(|u| !u.is_staff());
    let staff = move || cx.user.get().is_some_and(|u| u.is_staff());
    let admin = move || cx.user.get().is_some_and(|u| u.role == Some(api::StaffRole::Admin));
    view! {
        <nav>
            {link(Route::Tickets, "Обращения", "Tickets", "nav-tickets")}
            {link(Route::NewTicket, "Новое обращение", "New ticket", "nav-new-ticket")}
            {link(Route::Dashboard, "SLA", "SLA", "nav-dashboard")}
            <Show when=client>{link(Route::Company, "Компания", "Company", "nav-company")}</Show>
            {link(Route::Services, "Услуги", "Services", "nav-services")}
            <Show when=staff>{link(Route::Duty, "Дежурства", "Duty", "nav-duty")}</Show>
            <Show when=admin>
                {link(Route::Customers, "Заказчики", "Customers", "nav-customers")}
                {link(Route::Staff, "Сотрудники", "Staff", "nav-staff")}
                {link(Route::Calendar, "Календарь", "Calendar", "nav-calendar")}
                {link(Route::Channels, "Каналы", "Channels", "nav-channels")}
                {link(Route::Webhooks, "Вебхуки", "Webhooks", "nav-webhooks")}
                {link(Route::Settings, "Настройки", "Settings", "nav-settings")}
            </Show>
            <span class="spacer"></span>
            {move || {
                let name = cx.user.get().map(|u| u.full_name).unwrap_or_default();
                let to = Route::Profile;
                view! {
                    <a href="/profile" data-testid="nav-profile" on:click=move |ev| { ev.prevent_default(); cx.go(to.clone()); }>{name}</a>
                }
            }}
        </nav>
    }
}

/// Tickets past their response time, as the user may see them; refreshed every minute.
#[component]
fn OverdueBadge() -> impl IntoView {
    let cx = ctx();
    let total: RwSignal<Option<i64>> = RwSignal::new(None);
    let load = move || {
        leptos::task::spawn_local(async move {
            if let Ok(v) = api::call(api::paths::overdue()).await {
                total.set(Some(v.total));
            }
        });
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, std::time::Duration::from_secs(60)) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <a href="/tickets?overdue=true" data-testid="overdue-counter"
            class="overdue-badge" class:zero=move || total.get().unwrap_or(0) == 0
            title=move || cx.tr("Просроченные обращения", "Overdue tickets")
            on:click=move |ev| { ev.prevent_default(); ticket_list::show_overdue(); cx.go(Route::Tickets); }>
            {move || cx.tr("Просрочено: ", "Overdue: ")}
            <strong>{move || total.get().map_or("…".to_owned(), |n| n.to_string())}</strong>
        </a>
    }
}

#[component]
fn SignIn(on_signed_in: impl Fn(User) + Copy + 'static) -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let t = move |text: Text| lang.get().text(text);
    // What was typed into the page's shell form before the app started.
    let typed = TYPED.with_borrow_mut(std::mem::take);
    let email = RwSignal::new(typed.email.clone());
    let password = RwSignal::new(typed.password.clone());
    request_animation_frame(move || shell::refocus(&typed));
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

#[cfg(feature = "more")]
#[component]
fn Profile(user: User, on_sign_out: impl Fn() + Copy + 'static) -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let t = move |text: Text| lang.get().text(text);
    let role = user.clone();
    let staff = user.is_staff();
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            api::logout().await;
            on_sign_out();
        });
    };
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let everywhere = move |_| {
        crate::task::run(error, api::sign_out_everywhere(), move |()| on_sign_out());
    };
    let cx = ctx();
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
            <div class="actions">
                <button class="link" data-testid="sign-out" on:click=sign_out>{move || t(Text::SignOut)}</button>
                <button class="link" data-testid="sign-out-everywhere" on:click=everywhere>
                    {move || cx.tr("Выйти на всех устройствах", "Sign out everywhere")}
                </button>
            </div>
            <ErrorLine error=error />
        </section>
        <preferences::Preferences staff=staff />
        <account::ApiTokens />
    }
}

/// An error of the last action, as the user reads it (empty while there is none).
#[component]
pub fn ErrorLine(error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let cx = ctx();
    move || {
        error
            .get()
            .map(|e| view! { <p class="error" role="alert" data-testid="error">{cx.error(&e)}</p> })
    }
}
