//! The duty roster of the 24x7 tiers (R-NTF-3): who is on duty now, the next weeks, the
//! gaps of the next 7 days, the weekly rotation and the dated overrides. Admins and
//! support leads edit it; other staff read it.

use leptos::prelude::*;

use crate::api::{self, ApiError, DutyOverrideInput, DutyRoster, DutyRotationInput, StaffRole, User, UserId, paths};
use crate::form::Field;
use crate::{ErrorLine, ctx};

/// `YYYY-MM-DDTHH:MM` from a datetime-local input, as Moscow time.
fn moscow(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok()?;
    Some((local - chrono::TimeDelta::hours(3)).and_utc())
}

/// What the page's parts share: the roster as last read, the active staff to choose from,
/// the last error and the rotation being edited.
#[derive(Clone, Copy)]
struct Duty {
    roster: RwSignal<Option<DutyRoster>>,
    staff: RwSignal<Vec<User>>,
    error: RwSignal<Option<ApiError>>,
    members: RwSignal<Vec<UserId>>,
    starts_on: RwSignal<String>,
    handover: RwSignal<String>,
}

impl Duty {
    fn new() -> Self {
        let duty = Self {
            roster: RwSignal::new(None),
            staff: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            members: RwSignal::new(Vec::new()),
            starts_on: RwSignal::new(String::new()),
            handover: RwSignal::new(String::new()),
        };
        duty.load();
        let staff = duty.staff;
        let active = paths::list_users().query("kind", "staff").query("active", true);
        crate::task::run(duty.error, api::call(active.query("limit", 200)), move |p| {
            staff.set(p.items);
        });
        duty
    }

    /// Reads the roster again (six weeks ahead).
    fn load(self) {
        crate::task::run(self.error, api::call(paths::get_roster().query("weeks", 6)), move |r| {
            self.show(r);
        });
    }

    fn show(self, r: DutyRoster) {
        self.members.set(r.members.iter().map(|m| m.id).collect());
        self.starts_on.set(r.starts_on.to_string());
        self.handover.set(r.handover_time.clone());
        self.roster.set(Some(r));
    }

    fn name_of(self, id: UserId) -> String {
        self.staff
            .get()
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_string(), |u| u.full_name.clone())
    }
}

#[component]
pub fn DutyPage() -> impl IntoView {
    let cx = ctx();
    let editor = cx
        .user
        .get_untracked()
        .is_some_and(|u| matches!(u.role, Some(StaffRole::Admin | StaffRole::SupportLead)));
    let duty = Duty::new();
    view! {
        <section class="card" data-testid="duty-page">
            <h1>{move || cx.tr("Дежурства (уровни 24x7)", "Duty roster (24x7 tiers)")}</h1>
            <p class="muted">{move || cx.tr(
                "Вне рабочего времени 8x5 оповещения по обращениям уровней 24x7 получает дежурный.",
                "Outside the 8x5 working hours the alerts of 24x7 tickets go to the person on duty.")}</p>
            {move || duty.roster.get().map(|r| view! { <Roster duty=duty roster=r editor=editor /> })}
            <ErrorLine error=duty.error />
        </section>
        <Show when=move || editor>
            <Rotation duty=duty />
            <OverrideForm duty=duty />
        </Show>
    }
}

/// Who is on duty now, the gaps, the next weeks and the overrides to come.
#[component]
fn Roster(duty: Duty, roster: DutyRoster, editor: bool) -> impl IntoView {
    let cx = ctx();
    let now = roster.on_duty_now.clone();
    let remove = move |id: api::DutyOverrideId| {
        crate::task::run(duty.error, api::done(paths::remove_override(id)), move |()| duty.load());
    };
    view! {
        <p data-testid="duty-now" class="duty-now">
            {cx.tr("Сейчас дежурит: ", "On duty now: ")}
            <strong>{now.map_or_else(|| cx.tr("никто", "nobody").to_owned(), |p| p.full_name)}</strong>
        </p>
        {roster.gaps.into_iter().map(|g| view! {
            <p class="error" role="alert" data-testid="duty-gap">
                {cx.tr("Нет дежурного: ", "Nobody on duty: ")}{cx.at(g.from)}" — "{cx.at(g.to)}
            </p>
        }).collect_view()}
        <h2>{cx.tr("Ближайшие недели", "The next weeks")}</h2>
        <ul class="duty-slots">
            {roster.slots.into_iter().map(|s| {
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
            {roster.overrides.into_iter().map(|o| {
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
}

/// The active staff as the options of a select, after a "— person —" placeholder.
#[component]
fn StaffSelect(duty: Duty, choice: RwSignal<String>, testid: &'static str) -> impl IntoView {
    let cx = ctx();
    view! {
        <select data-testid=testid aria-label=move || cx.tr("Сотрудник", "Person") on:change=move |ev| choice.set(event_target_value(&ev))>
            <option value="">{move || cx.tr("— сотрудник —", "— person —")}</option>
            {move || duty.staff.get().into_iter().map(|u| view! { <option value=u.id.to_string()>{u.full_name.clone()}</option> }).collect_view()}
        </select>
    }
}

/// The weekly rotation: people in the order of their weeks, the first week, the handover.
#[component]
fn Rotation(duty: Duty) -> impl IntoView {
    let cx = ctx();
    let (members, starts_on, handover) = (duty.members, duty.starts_on, duty.handover);
    let pick = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let starts = match api::date("starts_on", &starts_on.get_untracked()) {
            Ok(d) => d,
            Err(e) => return duty.error.set(Some(e)),
        };
        let input = DutyRotationInput {
            starts_on: starts,
            handover_time: Some(handover.get_untracked()),
            member_ids: members.get_untracked(),
        };
        crate::task::run(
            duty.error,
            async move { api::send(paths::put_rotation(), &input).await },
            move |r| {
                duty.show(r);
            },
        );
    };
    let add_member = move |_| {
        if let Ok(id) = pick.get_untracked().parse::<UserId>() {
            members.update(|m| m.push(id));
        }
    };
    view! {
        <section class="card" data-testid="duty-rotation">
            <h2>{move || cx.tr("Недельная ротация", "Weekly rotation")}</h2>
            <form on:submit=save class="stack">
                <ol class="duty-members">
                    {move || members.get().into_iter().enumerate().map(|(i, id)| view! {
                        <li data-testid="duty-member">
                            {duty.name_of(id)}" "
                            <button type="button" class="link small" on:click=move |_| members.update(|m| { if i < m.len() { m.remove(i); } })>
                                {cx.tr("Убрать", "Remove")}
                            </button>
                        </li>
                    }).collect_view()}
                </ol>
                <div class="row">
                    <StaffSelect duty=duty choice=pick testid="duty-member-select" />
                    <button type="button" class="small" data-testid="duty-add-member" on:click=add_member>
                        {move || cx.tr("Добавить неделю", "Add a week")}
                    </button>
                </div>
                <Field ru="Первая неделя с" en="First week from" kind="date" value=starts_on testid="duty-starts" />
                <Field ru="Смена по понедельникам в (МСК)" en="Handover on Mondays at (Moscow)" kind="time" value=handover testid="duty-handover" />
                <button class="primary small" type="submit" data-testid="duty-save-rotation">{move || cx.tr("Сохранить ротацию", "Save the rotation")}</button>
            </form>
        </section>
    }
}

/// Someone else on duty for a while (a holiday, a sick day).
#[component]
fn OverrideForm(duty: Duty) -> impl IntoView {
    let cx = ctx();
    let (user, from, to, note) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let refuse =
            |ru: &'static str, en: &'static str| duty.error.set(Some(ApiError::Network(cx.tr(ru, en).to_owned())));
        let (Some(starts_at), Some(ends_at)) = (moscow(&from.get_untracked()), moscow(&to.get_untracked())) else {
            return refuse("Укажите начало и конец замены", "Give the start and the end");
        };
        let Ok(user_id) = user.get_untracked().parse::<UserId>() else {
            return refuse("Выберите сотрудника", "Choose a person");
        };
        let input = DutyOverrideInput {
            user_id,
            starts_at,
            ends_at,
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        crate::task::run(
            duty.error,
            async move { api::send(paths::add_override(), &input).await },
            move |_| {
                note.set(String::new());
                duty.load();
            },
        );
    };
    view! {
        <section class="card" data-testid="duty-override-form">
            <h2>{move || cx.tr("Добавить замену", "Add an override")}</h2>
            <form on:submit=add class="stack">
                <StaffSelect duty=duty choice=user testid="override-user" />
                <Field ru="С (МСК)" en="From (Moscow)" kind="datetime-local" value=from testid="override-from" />
                <Field ru="По (МСК)" en="Until (Moscow)" kind="datetime-local" value=to testid="override-to" />
                <input data-testid="override-note" placeholder=move || cx.tr("Причина (отпуск, болезнь)", "Why (holiday, sick day)")
                    prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                <button class="primary small" type="submit" data-testid="override-add">{move || cx.tr("Добавить", "Add")}</button>
            </form>
        </section>
    }
}

/// For support leads on the dashboard: the gaps of the next 7 days, with a link to the roster.
#[component]
pub fn GapBanner() -> impl IntoView {
    let cx = ctx();
    let roster = LocalResource::new(|| api::call(paths::get_roster().query("weeks", 1)));
    move || {
        let list = roster.get().and_then(Result::ok).map(|r| r.gaps).unwrap_or_default();
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
