//! The user's own account: API tokens for integrations and scripts (R-CH-4), and signing
//! out of every device.

use leptos::prelude::*;

use crate::api::{self, ApiError, ApiToken, NewApiToken, Scope, paths};
use crate::{ErrorLine, ctx};

/// The user's API tokens: create (the secret shown once), see scopes and last use, revoke.
#[component]
pub fn ApiTokens() -> impl IntoView {
    let cx = ctx();
    let tokens: RwSignal<Vec<ApiToken>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = Callback::new(move |()| {
        crate::task::run(
            error,
            api::call(paths::list_api_tokens().query("limit", 100)),
            move |p| {
                tokens.set(p.items);
            },
        );
    });
    reload.run(());
    view! {
        <section class="card" data-testid="api-tokens">
            <h2>{move || cx.tr("API-токены", "API tokens")}</h2>
            <p class="muted">{move || cx.tr(
                "Токен для интеграции или скрипта CI: Authorization: Bearer <токен>. Он может не больше, чем вы, и только в выбранных областях.",
                "A token for an integration or a CI script: Authorization: Bearer <token>. It can do no more than you, within the scopes chosen.")}</p>
            <NewToken error=error reload=reload />
            <ErrorLine error=error />
            <TokenTable tokens=tokens error=error reload=reload />
        </section>
    }
}

/// A new token: its purpose and scopes; the secret is shown once.
#[component]
fn NewToken(error: RwSignal<Option<ApiError>>, reload: Callback<()>) -> impl IntoView {
    let cx = ctx();
    let name = RwSignal::new(String::new());
    let chosen: RwSignal<Vec<Scope>> = RwSignal::new(vec![Scope::SlaRead]);
    let created: RwSignal<Option<String>> = RwSignal::new(None);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewApiToken {
            name: name.get_untracked(),
            scopes: chosen.get_untracked(),
            expires_at: None,
        };
        crate::task::run(
            error,
            async move { api::send(paths::create_api_token(), &input).await },
            move |t| {
                created.set(Some(t.token));
                name.set(String::new());
                reload.run(());
            },
        );
    };
    view! {
        <form on:submit=create class="row">
            <label>{move || cx.tr("Назначение", "Purpose")}
                <input data-testid="token-name" required maxlength="100" prop:value=name
                    on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <fieldset class="scopes">
                {Scope::ALL.iter().map(|&scope| view! {
                    <label class="check">
                        <input type="checkbox" data-testid=format!("scope-{}", scope.as_str())
                            prop:checked=move || chosen.get().contains(&scope)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| { c.retain(|s| *s != scope); if on { c.push(scope); } });
                            } />
                        {scope.as_str()}
                    </label>
                }).collect_view()}
            </fieldset>
            <button class="primary small" type="submit" data-testid="token-create">{move || cx.tr("Создать", "Create")}</button>
        </form>
        {move || created.get().map(|token| view! {
            <p class="promise" data-testid="token-secret">
                {cx.tr("Скопируйте токен сейчас — он больше не будет показан:", "Copy the token now; it is not shown again:")}
                " "<code>{token}</code>
            </p>
        })}
    }
}

#[component]
fn TokenTable(
    tokens: RwSignal<Vec<ApiToken>>,
    error: RwSignal<Option<ApiError>>,
    reload: Callback<()>,
) -> impl IntoView {
    let cx = ctx();
    let revoke = move |id: api::ApiTokenId| {
        crate::task::run(error, api::done(paths::revoke_api_token(id)), move |()| reload.run(()));
    };
    view! {
        <div class="table-wrap" tabindex="0"><table class="list">
            <thead><tr>
                <th>{move || cx.tr("Назначение", "Purpose")}</th>
                <th>{move || cx.tr("Начало", "Prefix")}</th>
                <th>{move || cx.tr("Области", "Scopes")}</th>
                <th>{move || cx.tr("Последнее использование", "Last used")}</th>
                <th></th>
            </tr></thead>
            <tbody>
                {move || tokens.get().into_iter().map(|t| {
                    let id = t.id;
                    let revoked = t.revoked_at.is_some();
                    view! {
                        <tr data-testid="token-row" class:muted=revoked>
                            <td>{t.name.clone()}</td>
                            <td><code>{t.token_prefix.clone()}</code></td>
                            <td>{t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                            <td>{t.last_used_at.map_or_else(|| cx.tr("не использовался", "never").to_owned(), |at| cx.at(at))}</td>
                            <td>{if revoked {
                                view! { <span>{cx.tr("отозван", "revoked")}</span> }.into_any()
                            } else {
                                view! { <button class="link small" data-testid="token-revoke" on:click=move |_| revoke(id)>{cx.tr("Отозвать", "Revoke")}</button> }.into_any()
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}
