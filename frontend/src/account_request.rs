//! The structured account request of an `account_management` ticket (R-ACC-2): chosen in
//! the new-ticket form, shown on the ticket, carried out by staff in one action (R-ACC-3).

use leptos::prelude::*;

use crate::api::{self, AccountRequest, AccountRequestView, ApiError, TicketId, TicketView, User, UserId, paths};
use crate::{ErrorLine, ctx};

const ACTIONS: [(&str, &str, &str); 5] = [
    ("add_user", "Добавить пользователя", "Add a user"),
    ("remove_user", "Удалить пользователя", "Remove a user"),
    ("change_user", "Изменить имя или email", "Change name or email"),
    ("add_to_telegram", "Добавить в Telegram-чат", "Add to the Telegram chat"),
    (
        "remove_from_telegram",
        "Удалить из Telegram-чата",
        "Remove from the Telegram chat",
    ),
];

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The fields of a request; `request` holds what they make (`None` while incomplete).
#[component]
pub fn AccountRequestFields(request: RwSignal<Option<AccountRequest>>, clients: Signal<Vec<User>>) -> impl IntoView {
    let cx = ctx();
    let action = RwSignal::new("add_user".to_owned());
    let full_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let telegram = RwSignal::new(String::new());
    let key_contact = RwSignal::new(false);
    let user: RwSignal<Option<UserId>> = RwSignal::new(None);
    let new_key: RwSignal<Option<UserId>> = RwSignal::new(None);
    Effect::new(move |_| {
        let made = match action.get().as_str() {
            "add_user" => Some(AccountRequest::AddUser {
                full_name: full_name.get().trim().to_owned(),
                email: email.get().trim().to_owned(),
                telegram_username: some(&telegram.get()),
                team_id: None,
                is_key_contact: key_contact.get(),
            }),
            "remove_user" => user.get().map(|user_id| AccountRequest::RemoveUser {
                user_id,
                new_key_contact_id: new_key.get(),
            }),
            "change_user" => user.get().map(|user_id| AccountRequest::ChangeUser {
                user_id,
                full_name: some(&full_name.get()),
                email: some(&email.get()),
            }),
            "add_to_telegram" => user.get().map(|user_id| AccountRequest::AddToTelegram {
                user_id,
                telegram_username: telegram.get().trim().to_owned(),
            }),
            "remove_from_telegram" => user.get().map(|user_id| AccountRequest::RemoveFromTelegram { user_id }),
            _ => None,
        };
        request.set(made);
    });
    let needs_user = move || action.get() != "add_user";
    let needs_name = move || matches!(action.get().as_str(), "add_user" | "change_user");
    let needs_telegram = move || matches!(action.get().as_str(), "add_user" | "add_to_telegram");
    view! {
        <fieldset class="account-request" data-testid="account-request">
            <legend>{move || cx.tr("Что изменить", "What to change")}</legend>
            <select data-testid="account-action" aria-label=move || cx.tr("Что изменить", "What to change") on:change=move |ev| action.set(event_target_value(&ev))>
                {ACTIONS.iter().map(|(value, ru, en)| view! { <option value=*value>{move || cx.tr(ru, en)}</option> }).collect_view()}
            </select>
            <Show when=needs_user>
                <ClientChoice chosen=user clients=clients required=true testid="account-user"
                    label=("Пользователь", "User") />
            </Show>
            <Show when=needs_name>
                <label>{move || cx.tr("ФИО", "Full name")}
                    <input data-testid="account-name" prop:value=full_name required=move || action.get() == "add_user"
                        on:input=move |ev| full_name.set(event_target_value(&ev)) /></label>
                <label>"Email"
                    <input data-testid="account-email" type="email" prop:value=email required=move || action.get() == "add_user"
                        on:input=move |ev| email.set(event_target_value(&ev)) /></label>
            </Show>
            <Show when=needs_telegram>
                <label>{move || cx.tr("Имя пользователя Telegram", "Telegram username")}
                    <input data-testid="account-telegram" prop:value=telegram placeholder="@username" required=move || action.get() == "add_to_telegram"
                        on:input=move |ev| telegram.set(event_target_value(&ev)) /></label>
            </Show>
            // R-CON-4: removing the last key contact names the new one.
            <Show when=move || action.get() == "remove_user">
                <ClientChoice chosen=new_key clients=clients required=false testid="account-new-key-contact"
                    label=("Новое ключевое контактное лицо (если удаляется последнее)", "The new key contact (when the last one is removed)") />
            </Show>
            <Show when=move || action.get() == "add_user">
                <label class="check"><input type="checkbox" data-testid="account-key-contact"
                    on:change=move |ev| key_contact.set(event_target_checked(&ev)) />
                    {move || cx.tr("Ключевое контактное лицо", "Key contact")}</label>
            </Show>
        </fieldset>
    }
}

/// One of the customer's clients, chosen from a list.
#[component]
fn ClientChoice(
    chosen: RwSignal<Option<UserId>>,
    clients: Signal<Vec<User>>,
    required: bool,
    testid: &'static str,
    label: (&'static str, &'static str),
) -> impl IntoView {
    let cx = ctx();
    view! {
        <label>{move || cx.tr(label.0, label.1)}
            <select data-testid=testid required=required on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                <option value="">"—"</option>
                {move || clients.get().into_iter().map(|u| view! {
                    <option value=u.id.to_string()>{format!("{} <{}>", u.full_name, u.email)}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

fn describe(cx: crate::Ctx, r: &AccountRequest) -> String {
    match r {
        AccountRequest::AddUser {
            full_name,
            email,
            telegram_username,
            is_key_contact,
            ..
        } => format!(
            "{}: {full_name} <{email}>{}{}",
            cx.tr("Добавить пользователя", "Add a user"),
            telegram_username
                .as_ref()
                .map(|t| format!(", Telegram @{t}"))
                .unwrap_or_default(),
            if *is_key_contact {
                cx.tr(", ключевое контактное лицо", ", key contact")
            } else {
                ""
            }
        ),
        AccountRequest::RemoveUser {
            user_id,
            new_key_contact_id,
        } => format!(
            "{} {user_id}{}",
            cx.tr("Удалить пользователя", "Remove user"),
            new_key_contact_id
                .map(|k| format!("; {} {k}", cx.tr("новое ключевое контактное лицо", "new key contact")))
                .unwrap_or_default()
        ),
        AccountRequest::ChangeUser {
            user_id,
            full_name,
            email,
        } => format!(
            "{} {user_id}: {}",
            cx.tr("Изменить пользователя", "Change user"),
            [full_name.clone(), email.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AccountRequest::AddToTelegram {
            user_id,
            telegram_username,
        } => format!(
            "{} {user_id}: @{telegram_username}",
            cx.tr("Добавить в Telegram-чат", "Add to the Telegram chat")
        ),
        AccountRequest::RemoveFromTelegram { user_id } => {
            format!(
                "{} {user_id}",
                cx.tr("Удалить из Telegram-чата", "Remove from the Telegram chat")
            )
        }
    }
}

/// The request on the ticket page; admins and account managers carry it out.
#[component]
pub fn AccountRequestPanel(ticket: TicketId, can_apply: bool, on_applied: Callback<TicketView>) -> impl IntoView {
    let cx = ctx();
    let request = LocalResource::new(move || api::call(paths::get_account_request(ticket)));
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let apply = move |_| {
        crate::task::run(error, api::call(paths::apply_account_request(ticket)), move |view| {
            request.refetch();
            on_applied.run(view);
        });
    };
    move || {
        request.get().and_then(Result::ok).map(|r: AccountRequestView| {
            let applied = r.applied_at;
            view! {
                <section class="card" data-testid="account-request-panel">
                    <h2>{cx.tr("Запрос по учетным записям", "Account request")}</h2>
                    <p data-testid="account-request-text">{describe(cx, &r.request)}</p>
                    {match applied {
                        Some(at) => view! { <p class="promise" data-testid="account-request-applied">{format!("{} {}", cx.tr("Выполнен", "Carried out"), cx.at(at))}</p> }.into_any(),
                        None if can_apply => view! {
                            <button class="primary" data-testid="account-request-apply" on:click=apply>{cx.tr("Выполнить запрос", "Carry out")}</button>
                        }.into_any(),
                        None => ().into_any(),
                    }}
                    <ErrorLine error=error />
                </section>
            }
        })
    }
}
