//! The admins' settings: the community portal (R-ACL-6), the calendar setting (R-CAL-4),
//! the tiers of Appendix 1, and the product versions.

use leptos::prelude::*;

use crate::api::{
    self, ApiError, CalendarSettingsInput, PortalSettings, ProductVersion, Tier, TierInput, VersionInput, paths,
};
use crate::task::change as run;
use crate::{ErrorLine, ctx};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <PortalAndCalendar />
        <Tiers />
        <Versions />
    }
}

#[component]
fn PortalAndCalendar() -> impl IntoView {
    let cx = ctx();
    let community = RwSignal::new(String::new());
    let shortened = RwSignal::new(false);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let saved = RwSignal::new(0_u32);
    // The form is editable once the stored values are in: typing before they arrive
    // would be overwritten by them and saved back unchanged.
    let loaded = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        match api::call(paths::get_portal_settings()).await {
            Ok(s) => community.set(s.community_url),
            Err(e) => error.set(Some(e)),
        }
        match api::call(paths::get_calendar_settings()).await {
            Ok(s) => shortened.set(s.shortened_days_end_at_17),
            Err(e) => error.set(Some(e)),
        }
        loaded.set(true);
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let portal = PortalSettings {
            community_url: community.get_untracked(),
        };
        let calendar = CalendarSettingsInput {
            shortened_days_end_at_17: shortened.get_untracked(),
        };
        run(error, saved, async move {
            api::send(paths::put_portal_settings(), &portal).await?;
            api::send(paths::put_calendar_settings(), &calendar).await
        });
    };
    view! {
        <section class="card" data-testid="admin-settings">
            <h1>{move || cx.tr("Настройки", "Settings")}</h1>
            <form on:submit=save>
                <label>{move || cx.tr("Портал сообщества (для компаний без действующего договора)", "Community portal (for customers without an active contract)")}
                    <input data-testid="settings-community" type="url" required prop:value=community
                        prop:disabled=move || !loaded.get()
                        on:input=move |ev| community.set(event_target_value(&ev)) />
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="settings-shortened" prop:checked=shortened
                        prop:disabled=move || !loaded.get()
                        on:change=move |ev| shortened.set(event_target_checked(&ev)) />
                    {move || cx.tr("Сокращенные предпраздничные дни заканчиваются в 17:00", "Shortened pre-holiday days end at 17:00")}
                </label>
                <button class="primary small" type="submit" data-testid="settings-save" prop:disabled=move || !loaded.get()>{move || cx.tr("Сохранить", "Save")}</button>
                {move || (saved.get() > 0).then(|| view! { <span class="muted" data-testid="settings-saved">{cx.tr("Сохранено", "Saved")}</span> })}
            </form>
            <ErrorLine error=error />
        </section>
    }
}

fn number(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

#[component]
fn Tiers() -> impl IntoView {
    let cx = ctx();
    let tiers: RwSignal<Vec<Tier>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    Effect::new(move |_| {
        reload.get();
        crate::task::run(error, api::call(paths::list_tiers()), move |t| tiers.set(t));
    });
    let save = move |code: String| {
        let Some(t) = tiers.get_untracked().into_iter().find(|t| t.code == code) else {
            return;
        };
        let input = TierInput {
            name_ru: t.name_ru,
            name_en: t.name_en,
            schedule: t.schedule,
            response_target_minutes: t.response_target_minutes,
            max_open_tickets: t.max_open_tickets,
            several_teams: t.several_teams,
            max_contacts: t.max_contacts,
            telegram: t.telegram,
            dedicated_manager: t.dedicated_manager,
            monthly_video_meeting: t.monthly_video_meeting,
            warn_percent: Some(t.warn_percent),
        };
        run(
            error,
            reload,
            async move { api::send(paths::put_tier(&code), &input).await },
        );
    };
    let save = Callback::new(save);
    view! {
        <section class="card" data-testid="admin-tiers">
            <h2>{move || cx.tr("Уровни поддержки (Приложение 1)", "Support tiers (Appendix 1)")}</h2>
            <div class="table-wrap" tabindex="0"><table class="list">
                <thead><tr>
                    <th>{move || cx.tr("Уровень", "Tier")}</th>
                    <th>{move || cx.tr("Режим", "Schedule")}</th>
                    <th>{move || cx.tr("Срок ответа, мин", "Response, min")}</th>
                    <th>{move || cx.tr("Открытых обращений", "Open tickets")}</th>
                    <th>{move || cx.tr("Контактов", "Contacts")}</th>
                    <th>{move || cx.tr("Несколько команд", "Several teams")}</th>
                    <th>"Telegram"</th>
                    <th>{move || cx.tr("Предупредить при, %", "Warn at, %")}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {move || tiers.get().into_iter().map(|t| view! { <TierRow tier=t tiers=tiers save=save /> }).collect_view()}
                </tbody>
            </table></div>
            <ErrorLine error=error />
        </section>
    }
}

/// One tier's editable terms; each field named with its tier and column for a screen reader.
#[component]
fn TierRow(tier: Tier, tiers: RwSignal<Vec<Tier>>, save: Callback<String>) -> impl IntoView {
    let cx = ctx();
    let code = StoredValue::new(tier.code.clone());
    let edit = move |f: &dyn Fn(&mut Tier)| {
        tiers.update(|list| {
            if let Some(t) = list.iter_mut().find(|t| t.code == code.get_value()) {
                f(t);
            }
        });
    };
    let t = tier;
    let named = |ru: &'static str, en: &'static str| format!("{}: {}", t.name_ru, cx.tr(ru, en));
    let [n1, n2, n3, n4, n5, n6] = [
        named("срок ответа, мин", "response, min"),
        named("открытых обращений", "open tickets"),
        named("контактов", "contacts"),
        named("несколько команд", "several teams"),
        named("Telegram", "Telegram"),
        named("предупредить при, %", "warn at, %"),
    ];
    view! {
        <tr data-testid=format!("tier-{}", t.code)>
            <td>{t.name_ru.clone()}</td>
            <td>{t.schedule.as_str()}</td>
            <td><input class="narrow" data-testid="tier-response" aria-label=n1 inputmode="numeric" value=t.response_target_minutes.to_string()
                on:change=move |ev| { let v = number(&event_target_value(&ev)); edit(&|t| if let Some(v) = v { t.response_target_minutes = v; }); } /></td>
            <td><input class="narrow" data-testid="tier-open" aria-label=n2 inputmode="numeric" value=t.max_open_tickets.map(|n| n.to_string()).unwrap_or_default()
                placeholder="∞" on:change=move |ev| { let v = number(&event_target_value(&ev)); edit(&|t| t.max_open_tickets = v); } /></td>
            <td><input class="narrow" data-testid="tier-contacts" aria-label=n3 inputmode="numeric" value=t.max_contacts.to_string()
                on:change=move |ev| { let v = number(&event_target_value(&ev)); edit(&|t| if let Some(v) = v { t.max_contacts = v; }); } /></td>
            <td><input type="checkbox" aria-label=n4 prop:checked=t.several_teams
                on:change=move |ev| { let v = event_target_checked(&ev); edit(&|t| t.several_teams = v); } /></td>
            <td><input type="checkbox" aria-label=n5 prop:checked=t.telegram
                on:change=move |ev| { let v = event_target_checked(&ev); edit(&|t| t.telegram = v); } /></td>
            <td><input class="narrow" data-testid="tier-warn" aria-label=n6 inputmode="numeric" value=t.warn_percent.to_string()
                on:change=move |ev| { let v = number(&event_target_value(&ev)).and_then(|n| i32::try_from(n).ok()); edit(&|t| if let Some(v) = v { t.warn_percent = v; }); } /></td>
            <td><button class="small" data-testid="tier-save" on:click=move |_| save.run(code.get_value())>{cx.tr("Сохранить", "Save")}</button></td>
        </tr>
    }
}

#[component]
fn Versions() -> impl IntoView {
    let cx = ctx();
    let versions: RwSignal<Vec<ProductVersion>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let new_version = RwSignal::new(String::new());
    let new_latest = RwSignal::new(false);
    Effect::new(move |_| {
        reload.get();
        crate::task::run(error, api::call(paths::list_versions()), move |v| versions.set(v));
    });
    let put = move |version: String, input: VersionInput| {
        run(error, reload, async move {
            api::send(paths::put_version(&version), &input).await
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let version = new_version.get_untracked().trim().to_owned();
        new_version.set(String::new());
        put(
            version,
            VersionInput {
                supported: true,
                latest: new_latest.get_untracked(),
                released_on: None,
            },
        );
    };
    view! {
        <section class="card" data-testid="admin-versions">
            <h2>{move || cx.tr("Версии продукта", "Product versions")}</h2>
            <div class="table-wrap" tabindex="0"><table class="list">
                <thead><tr>
                    <th>{move || cx.tr("Версия", "Version")}</th>
                    <th>{move || cx.tr("Поддерживается", "Supported")}</th>
                    <th>{move || cx.tr("Актуальная", "Latest")}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {move || versions.get().into_iter().map(|v| {
                        let (a, b) = (v.version.clone(), v.version.clone());
                        let released_on = v.released_on;
                        let (supported, latest) = (v.supported, v.latest);
                        view! {
                            <tr data-testid="version-row">
                                <td>{v.version.clone()}</td>
                                <td>{if supported { cx.tr("да", "yes") } else { cx.tr("нет", "no") }}</td>
                                <td>{if latest { cx.tr("да", "yes") } else { "" }}</td>
                                <td>
                                    <button class="link small" data-testid="version-support"
                                        on:click=move |_| put(a.clone(), VersionInput { supported: !supported, latest: latest && !supported, released_on })>
                                        {if supported { cx.tr("Снять с поддержки", "End support") } else { cx.tr("Вернуть поддержку", "Support again") }}
                                    </button>
                                    {(!latest).then(|| view! {
                                        <button class="link small" data-testid="version-latest"
                                            on:click=move |_| put(b.clone(), VersionInput { supported: true, latest: true, released_on })>
                                            {cx.tr("Сделать актуальной", "Make latest")}
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
            <form on:submit=add class="row">
                <label>{move || cx.tr("Новая версия", "New version")}
                    <input data-testid="version-new" required maxlength="50" prop:value=new_version
                        on:input=move |ev| new_version.set(event_target_value(&ev)) />
                </label>
                <label class="check"><input type="checkbox" prop:checked=new_latest on:change=move |ev| new_latest.set(event_target_checked(&ev)) />
                    {move || cx.tr("актуальная", "latest")}</label>
                <button class="primary small" type="submit" data-testid="version-add">{move || cx.tr("Добавить", "Add")}</button>
            </form>
            <ErrorLine error=error />
        </section>
    }
}
