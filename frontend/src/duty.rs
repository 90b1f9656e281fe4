//! The duty roster of the 24x7 tiers (R-NTF-3): who is on duty now, the next weeks, the
//! gaps of the next 7 days, the weekly rotation and the dated overrides. Admins and
//! support leads edit it; other staff read it.

use leptos::prelude::*;

use crate::api::{self, ApiError, DutyOverrideInput, DutyRoster, DutyRotationInput, StaffRole, User, UserId, paths};
use crate::{ErrorLine, ctx};

/// `YYYY-MM-DDTHH:MM` from a datetime-local input, as Moscow time.
fn moscow(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok()?;
    Some((local - chrono::TimeDelta::hours(3)).and_utc())
}

#[component]
pub fn DutyPage() -> impl IntoView {
    let cx = ctx();
    let editor = cx
        .user
        .get_untracked()
        .is_some_and(|u| matches!(u.role, Some(StaffRole::Admin | StaffRole::SupportLead)));
    let roster: RwSignal<Option<DutyRoster>> = RwSignal::new(None);
    let staff: RwSignal<Vec<User>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let members: RwSignal<Vec<UserId>> = RwSignal::new(Vec::new());
    let starts_on = RwSignal::new(String::new());
    let handover = RwSignal::new(String::new());
    let pick = RwSignal::new(String::new());
    let o_user = RwSignal::new(String::new());
    let o_from = RwSignal::new(String::new());
    let o_to = RwSignal::new(String::new());
    let o_note = RwSignal::new(String::new());
    let show = move |r: DutyRoster| {
        members.set(r.members.iter().map(|m| m.id).collect());
        starts_on.set(r.starts_on.to_string());
        handover.set(r.handover_time.clone());
        roster.set(Some(r));
    };
    let load = move || {
        crate::task::run(error, api::call(paths::get_roster().query("weeks", 6)), show);
    };
    load();
    leptos::task::spawn_local(async move {
        if let Ok(p) = api::call(
            paths::list_users()
                .query("kind", "staff")
                .query("active", true)
                .query("limit", 200),
        )
        .await
        {
            staff.set(p.items);
        }
    });
    let name_of = move |id: UserId| {
        staff
            .get()
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_string(), |u| u.full_name.clone())
    };
    let save_rotation = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let starts = match api::date("starts_on", &starts_on.get_untracked()) {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        let input = DutyRotationInput {
            starts_on: starts,
            handover_time: Some(handover.get_untracked()),
            member_ids: members.get_untracked(),
        };
        crate::task::run(
            error,
            async move { api::send(paths::put_rotation(), &input).await },
            move |r| {
                show(r);
            },
        );
    };
    let add_override = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(from), Some(to)) = (moscow(&o_from.get_untracked()), moscow(&o_to.get_untracked())) else {
            return error.set(Some(ApiError::Network(
                cx.tr("Укажите начало и конец замены", "Give the start and the end")
                    .to_owned(),
            )));
        };
        let Ok(user_id) = o_user.get_untracked().parse::<UserId>() else {
            return error.set(Some(ApiError::Network(
                cx.tr("Выберите сотрудника", "Choose a person").to_owned(),
            )));
        };
        let note = o_note.get_untracked();
        let input = DutyOverrideInput {
            user_id,
            starts_at: from,
            ends_at: to,
            note: Some(note).filter(|n| !n.trim().is_empty()),
        };
        crate::task::run(
            error,
            async move { api::send(paths::add_override(), &input).await },
            move |_| {
                o_note.set(String::new());
                load();
            },
        );
    };
    let remove = move |id: api::DutyOverrideId| {
        crate::task::run(error, api::done(paths::remove_override(id)), move |()| load());
    };
    let add_member = move || {
        if let Ok(id) = pick.get_untracked().parse::<UserId>() {
            members.update(|m| m.push(id));
        }
    };
    let staff_options = move || {
        staff
            .get()
            .into_iter()
            .map(|u| view! { <option value=u.id.to_string()>{u.full_name.clone()}</option> })
            .collect_view()
    };
    view! {
        <section class="card" data-testid="duty-page">
            <h1>{move || cx.tr("Дежурства (уровни 24x7)", "Duty roster (24x7 tiers)")}</h1>
            <p class="muted">{move || cx.tr(
                "Вне рабочего времени 8x5 оповещения по обращениям уровней 24x7 получает дежурный.",
                "Outside the 8x5 working hours the alerts of 24x7 tickets go to the person on duty.")}</p>
            {move || roster.get().map(|r| {
                let now = r.on_duty_now.clone();
                view! {
                    <p data-testid="duty-now" class="duty-now">
                        {cx.tr("Сейчас дежурит: ", "On duty now: ")}
                        <strong>{now.map_or_else(|| cx.tr("никто", "nobody").to_owned(), |p| p.full_name)}</strong>
                    </p>
                    {r.gaps.into_iter().map(|g| view! {
                        <p class="error" role="alert" data-testid="duty-gap">
                            {cx.tr("Нет дежурного: ", "Nobody on duty: ")}{cx.at(g.from)}" — "{cx.at(g.to)}
                        </p>
                    }).collect_view()}
                    <h2>{cx.tr("Ближайшие недели", "The next weeks")}</h2>
                    <ul class="duty-slots">
                        {r.slots.into_iter().map(|s| {
                            let gap = s.person.is_none();
                            let source = s.source.clone().unwrap_or_default();
                            view! {
                                <li data-testid="duty-slot" class:gap=gap>
                                    <span class="muted small">{cx.at(s.from)}" — "{cx.at(s.to)}</span>
                                    <strong>{s.person.map_or_else(|| cx.tr("пропуск", "gap").to_owned(), |p| p.full_name)}</strong>
                                    {(source == "override").then(|| view! { <span class="tag">{cx.tr("замена", "override")}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <h2>{cx.tr("Замены", "Overrides")}</h2>
                    <ul class="duty-overrides">
                        {r.overrides.into_iter().map(|o| {
                            let id = o.id;
                            view! {
                                <li data-testid="override-row">
                                    <strong>{o.person.full_name.clone()}</strong>" "
                                    <span class="muted small">{cx.at(o.starts_at)}" — "{cx.at(o.ends_at)}</span>" "
                                    <span>{o.note.clone()}</span>
                                    {editor.then(|| view! {
                                        <button class="link small" data-testid="override-remove" on:click=move |_| remove(id)>
                                            {cx.tr("Удалить", "Remove")}
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
            })}
            <ErrorLine error=error />
        </section>
        <Show when=move || editor>
            <section class="card" data-testid="duty-rotation">
                <h2>{move || cx.tr("Недельная ротация", "Weekly rotation")}</h2>
                <form on:submit=save_rotation class="stack">
                    <ol class="duty-members">
                        {move || members.get().into_iter().enumerate().map(|(i, id)| view! {
                            <li data-testid="duty-member">
                                {name_of(id)}" "
                                <button type="button" class="link small" on:click=move |_| members.update(|m| { if i < m.len() { m.remove(i); } })>
                                    {cx.tr("Убрать", "Remove")}
                                </button>
                            </li>
                        }).collect_view()}
                    </ol>
                    <div class="row">
                        <select data-testid="duty-member-select" aria-label=move || cx.tr("Сотрудник", "Person") on:change=move |ev| pick.set(event_target_value(&ev))>
                            <option value="">{move || cx.tr("— сотрудник —", "— person —")}</option>
                            {staff_options}
                        </select>
                        <button type="button" class="small" data-testid="duty-add-member"
                            on:click=move |_| add_member()>
                            {move || cx.tr("Добавить неделю", "Add a week")}
                        </button>
                    </div>
                    <label>{move || cx.tr("Первая неделя с", "First week from")}
                        <input type="date" data-testid="duty-starts" prop:value=starts_on on:input=move |ev| starts_on.set(event_target_value(&ev)) />
                    </label>
                    <label>{move || cx.tr("Смена по понедельникам в (МСК)", "Handover on Mondays at (Moscow)")}
                        <input type="time" data-testid="duty-handover" prop:value=handover on:input=move |ev| handover.set(event_target_value(&ev)) />
                    </label>
                    <button class="primary small" type="submit" data-testid="duty-save-rotation">{move || cx.tr("Сохранить ротацию", "Save the rotation")}</button>
                </form>
            </section>
            <section class="card" data-testid="duty-override-form">
                <h2>{move || cx.tr("Добавить замену", "Add an override")}</h2>
                <form on:submit=add_override class="stack">
                    <select data-testid="override-user" aria-label=move || cx.tr("Сотрудник", "Person") on:change=move |ev| o_user.set(event_target_value(&ev))>
                        <option value="">{move || cx.tr("— сотрудник —", "— person —")}</option>
                        {staff_options}
                    </select>
                    <label>{move || cx.tr("С (МСК)", "From (Moscow)")}
                        <input type="datetime-local" data-testid="override-from" prop:value=o_from on:input=move |ev| o_from.set(event_target_value(&ev)) />
                    </label>
                    <label>{move || cx.tr("По (МСК)", "Until (Moscow)")}
                        <input type="datetime-local" data-testid="override-to" prop:value=o_to on:input=move |ev| o_to.set(event_target_value(&ev)) />
                    </label>
                    <input data-testid="override-note" placeholder=move || cx.tr("Причина (отпуск, болезнь)", "Why (holiday, sick day)")
                        prop:value=o_note on:input=move |ev| o_note.set(event_target_value(&ev)) />
                    <button class="primary small" type="submit" data-testid="override-add">{move || cx.tr("Добавить", "Add")}</button>
                </form>
            </section>
        </Show>
    }
}

/// For support leads on the dashboard: the gaps of the next 7 days, with a link to the roster.
#[component]
pub fn GapBanner() -> impl IntoView {
    let cx = ctx();
    let gaps: RwSignal<Vec<api::DutySlot>> = RwSignal::new(Vec::new());
    leptos::task::spawn_local(async move {
        if let Ok(r) = api::call(paths::get_roster().query("weeks", 1)).await {
            gaps.set(r.gaps);
        }
    });
    move || {
        let list = gaps.get();
        (!list.is_empty()).then(|| {
            let first = list[0].clone();
            view! {
                <section class="card warning" role="alert" data-testid="dashboard-duty-gap">
                    <strong>{cx.tr("В графике дежурств пропуск", "The duty roster has a gap")}</strong>" "
                    {cx.tr("в ближайшие 7 дней, с ", "in the next 7 days, from ")}{cx.at(first.from)}". "
                    <a href="/duty" on:click=move |ev| { ev.prevent_default(); cx.go(crate::Route::Duty); }>
                        {cx.tr("Открыть график", "Open the roster")}
                    </a>
                </section>
            }
        })
    }
}
