//! Administration: customers with their contracts, teams and clients; staff; the
//! production calendar editor (R-CAL). Admins only; the server enforces it too.

use crate::api::{
    self, ApiError, CalendarYear, CalendarYearView, Contract, ContractState, CustomerId, CustomerView, NewClient,
    NewContract, NewCustomer, NewStaff, Page, StaffRole, Team, TeamInput, User, date, paths,
};
use chrono::NaiveDate;
use leptos::prelude::*;

use crate::{ErrorLine, Route, ctx};

const TIER_CODES: [(&str, &str); 4] = [
    ("basic", "Базовый"),
    ("basic_plus", "Базовый+"),
    ("premium", "Премиальный"),
    ("premium_plus", "Премиальный+"),
];
/// The roles in the order the staff form offers them.
const ROLES: [StaffRole; 5] = [
    StaffRole::Agent,
    StaffRole::SupportLead,
    StaffRole::AccountManager,
    StaffRole::Specialist,
    StaffRole::Admin,
];

fn text_input(label: &'static str, value: RwSignal<String>, testid: &'static str, kind: &'static str) -> impl IntoView {
    view! {
        <label>{label}
            <input type=kind data-testid=testid prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// The tier, number and dates of a contract, as the new-customer and new-contract forms ask them.
fn contract_fields(
    tier: RwSignal<String>,
    number: RwSignal<String>,
    starts: RwSignal<String>,
    ends: RwSignal<String>,
    testids: [&'static str; 3],
) -> impl IntoView {
    view! {
        <label>"Пакет"<select on:change=move |ev| tier.set(event_target_value(&ev))>
            {TIER_CODES.iter().map(|(c, n)| view! { <option value=*c>{*n}</option> }).collect_view()}
        </select></label>
        {text_input("Номер договора", number, testids[0], "text")}
        {text_input("Начало", starts, testids[1], "date")}
        {text_input("Окончание", ends, testids[2], "date")}
    }
}

#[component]
pub fn Customers() -> impl IntoView {
    let cx = ctx();
    let list: RwSignal<Option<Result<Page<CustomerView>, ApiError>>> = RwSignal::new(None);
    let search = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let tier = RwSignal::new("basic".to_owned());
    let number = RwSignal::new(String::new());
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    Effect::new(move |_| {
        reload.get();
        let q = search.get();
        leptos::task::spawn_local(async move {
            let op = paths::list_customers().query("limit", 200).query("q", q.trim());
            list.set(Some(api::call(op).await));
        });
    });
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let (n, t, num, st, en) = (
            name.get_untracked(),
            tier.get_untracked(),
            number.get_untracked(),
            starts.get_untracked(),
            ends.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            let result = async {
                let new = NewCustomer {
                    name: n,
                    account_manager_id: None,
                };
                let c = api::send(paths::create_customer(), &new).await?;
                if !st.is_empty() && !en.is_empty() {
                    let contract = NewContract {
                        tier_code: t,
                        number: num,
                        starts_on: date("starts_on", &st)?,
                        ends_on: date("ends_on", &en)?,
                    };
                    api::send(paths::create_contract(c.customer.id), &contract).await?;
                }
                Ok::<_, ApiError>(c)
            }
            .await;
            match result {
                Ok(c) => cx.go(Route::Customer(c.customer.id)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-testid="admin-customers">
            <h1>{move || cx.tr("Заказчики", "Customers")}</h1>
            <input type="search" placeholder=move || cx.tr("Поиск по названию", "Search by name")
                prop:value=search on:input=move |ev| search.set(event_target_value(&ev)) />
            {move || match list.get() {
                None => view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{cx.error(&e)}</p> }.into_any(),
                Some(Ok(v)) => {
                    let rows = v.items;
                    if rows.is_empty() {
                        return view! { <p class="empty">{cx.tr("Заказчиков пока нет: добавьте первого формой ниже.", "No customers yet: add one below.")}</p> }.into_any();
                    }
                    view! {
                        <div class="table-wrap" tabindex="0"><table>
                            <thead><tr><th>{cx.tr("Название", "Name")}</th><th>{cx.tr("Пакет", "Tier")}</th><th>{cx.tr("Договор", "Contract")}</th><th>{cx.tr("Контакты", "Contacts")}</th></tr></thead>
                            <tbody>{rows.into_iter().map(|c| {
                                let id = c.customer.id.to_string();
                                let to = Route::Customer(c.customer.id);
                                view! { <tr data-testid="customer-row">
                                    <td><a href=format!("/admin/customers/{id}") on:click=move |ev| { ev.prevent_default(); cx.go(to.clone()); }>{c.customer.name.clone()}</a></td>
                                    <td>{c.contract.as_ref().map_or_else(|| "—".to_owned(), |k| TIER_CODES.iter().find(|x| x.0 == k.tier_code).map_or(k.tier_code.as_str(), |x| x.1).to_owned())}</td>
                                    <td>{match c.contract_state { Some(ContractState::Active) => cx.tr("действует", "active"), Some(ContractState::Future) => cx.tr("ещё не начался", "not started"), Some(ContractState::Ended) => cx.tr("истёк", "ended"), None => cx.tr("нет", "none") }}</td>
                                    <td>{c.active_clients.to_string()}</td>
                                </tr> }
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }
            }}
            <h2>{move || cx.tr("Новый заказчик", "New customer")}</h2>
            <form class="grid-form" on:submit=create>
                {text_input("Название", name, "customer-name", "text")}
                {contract_fields(tier, number, starts, ends, ["contract-number", "contract-starts", "contract-ends"])}
                <button class="primary small" type="submit">{move || cx.tr("Добавить", "Add")}</button>
            </form>
            <ErrorLine error=error />
        </section>
    }
}

#[component]
pub fn Customer(id: CustomerId) -> impl IntoView {
    let cx = ctx();
    let customer: RwSignal<Option<CustomerView>> = RwSignal::new(None);
    let contracts: RwSignal<Vec<Contract>> = RwSignal::new(Vec::new());
    let teams: RwSignal<Vec<Team>> = RwSignal::new(Vec::new());
    let clients: RwSignal<Vec<User>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let (team_name, email, full_name, password, key, team) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(false),
        RwSignal::new(String::new()),
    );
    let (tier, number, starts, ends) = (
        RwSignal::new("basic".to_owned()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    Effect::new(move |_| {
        reload.get();
        leptos::task::spawn_local(async move {
            match api::call(paths::get_customer(id)).await {
                Ok(c) => customer.set(Some(c)),
                Err(e) => error.set(Some(e)),
            }
            if let Ok(v) = api::call(paths::list_contracts(id)).await {
                contracts.set(v.items);
            }
            if let Ok(v) = api::call(paths::list_teams(id).query("limit", 200)).await {
                teams.set(v.items);
            }
            if let Ok(v) = api::call(paths::list_users().query("customer_id", id).query("limit", 200)).await {
                clients.set(v.items);
            }
        });
    });
    // Runs one change, then reloads the page's lists, or shows why it was refused.
    let act = move |change: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>| {
        crate::task::change(error, reload, change);
    };
    view! {
        <section class="card" data-testid="admin-customer">
            <p class="crumbs"><a href="/admin/customers" on:click=move |ev| { ev.prevent_default(); cx.go(Route::Customers); }>{move || cx.tr("← Заказчики", "← Customers")}</a></p>
            <h1>{move || customer.get().map(|c| c.customer.name).unwrap_or_default()}</h1>
            <ErrorLine error=error />
            <h2>{move || cx.tr("Договоры", "Contracts")}</h2>
            <ul>{move || contracts.get().into_iter().map(|k| view! {
                <li>{format!("{} · {} · {} — {}", k.number, k.tier_code, k.starts_on, k.ends_on)}</li>
            }).collect_view()}</ul>
            <form class="grid-form" on:submit=move |ev| { ev.prevent_default();
                let (tier_code, number, starts, ends) = (tier.get_untracked(), number.get_untracked(), starts.get_untracked(), ends.get_untracked());
                act(Box::pin(async move {
                    let body = NewContract { tier_code, number, starts_on: date("starts_on", &starts)?, ends_on: date("ends_on", &ends)? };
                    api::send(paths::create_contract(id), &body).await.map(drop)
                })); }>
                {contract_fields(tier, number, starts, ends, ["new-contract-number", "new-contract-starts", "new-contract-ends"])}
                <button class="primary small" type="submit">{move || cx.tr("Добавить договор", "Add a contract")}</button>
            </form>
            <h2>{move || cx.tr("Команды", "Teams")}</h2>
            <ul>{move || teams.get().into_iter().map(|t| view! { <li>{t.name}</li> }).collect_view()}</ul>
            <form class="grid-form" on:submit=move |ev| { ev.prevent_default();
                let body = TeamInput { name: team_name.get_untracked() };
                act(Box::pin(async move { api::send(paths::create_team(id), &body).await.map(drop) }));
                team_name.set(String::new()); }>
                {text_input("Название команды", team_name, "team-name", "text")}
                <button class="primary small" type="submit">{move || cx.tr("Добавить команду", "Add a team")}</button>
            </form>
            <h2>{move || cx.tr("Контактные лица", "Contacts")}</h2>
            <div class="table-wrap" tabindex="0"><table>
                <thead><tr><th>{move || cx.tr("Имя", "Name")}</th><th>"Email"</th><th>{move || cx.tr("Статус", "Status")}</th></tr></thead>
                <tbody>{move || clients.get().into_iter().map(|u| view! {
                    <tr><td>{u.full_name}{u.is_key_contact.then_some(" (ККЛ)")}</td><td>{u.email}</td>
                        <td>{if u.active { "активен" } else { "отключён" }}</td></tr>
                }).collect_view()}</tbody>
            </table></div>
            <form class="grid-form" on:submit=move |ev| { ev.prevent_default();
                let body = NewClient {
                    email: email.get_untracked(),
                    full_name: full_name.get_untracked(),
                    team_id: team.get_untracked().parse().ok(),
                    is_key_contact: key.get_untracked(),
                    telegram_username: None,
                    password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
                };
                act(Box::pin(async move { api::send(paths::create_client(id), &body).await.map(drop) })); }>
                {text_input("Email", email, "client-email", "email")}
                {text_input("ФИО", full_name, "client-name", "text")}
                {text_input("Пароль (или приглашение письмом)", password, "client-password", "password")}
                <label>"Команда"<select on:change=move |ev| team.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || teams.get().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                </select></label>
                <label class="check"><input type="checkbox" on:change=move |ev| key.set(event_target_checked(&ev)) />"Ключевое контактное лицо"</label>
                <button class="primary small" type="submit">{move || cx.tr("Добавить контакт", "Add a contact")}</button>
            </form>
        </section>
        <crate::import::ClientImport customer=id on_imported=Callback::new(move |()| reload.update(|n| *n += 1)) />
    }
}

#[component]
pub fn Staff() -> impl IntoView {
    let cx = ctx();
    let list: RwSignal<Vec<User>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let (email, full_name, password, role) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(StaffRole::Agent),
    );
    Effect::new(move |_| {
        reload.get();
        crate::task::run(
            error,
            api::call(paths::list_users().query("kind", "staff").query("limit", 200)),
            move |v| list.set(v.items),
        );
    });
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewStaff {
            email: email.get_untracked(),
            full_name: full_name.get_untracked(),
            role: role.get_untracked(),
            telegram_username: None,
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        };
        error.set(None);
        crate::task::change(
            error,
            reload,
            async move { api::send(paths::create_staff(), &body).await },
        );
    };
    view! {
        <section class="card" data-testid="admin-staff">
            <h1>{move || cx.tr("Сотрудники поддержки", "Support staff")}</h1>
            <div class="table-wrap" tabindex="0"><table>
                <thead><tr><th>{move || cx.tr("Имя", "Name")}</th><th>"Email"</th><th>{move || cx.tr("Роль", "Role")}</th></tr></thead>
                <tbody>{move || list.get().into_iter().map(|u| {
                    view! { <tr><td>{u.full_name}</td><td>{u.email}</td>
                        <td>{u.role.map_or("—", |r| cx.lang.get().staff_role(r))}</td></tr> }
                }).collect_view()}</tbody>
            </table></div>
            <h2>{move || cx.tr("Новый сотрудник", "New staff member")}</h2>
            <form class="grid-form" on:submit=create>
                {text_input("Email", email, "staff-email", "email")}
                {text_input("ФИО", full_name, "staff-name", "text")}
                {text_input("Пароль (или приглашение письмом)", password, "staff-password", "password")}
                <label>"Роль"<select on:change=move |ev| if let Ok(r) = event_target_value(&ev).parse() { role.set(r) }>
                    {ROLES.iter().map(|r| view! { <option value=r.as_str()>{cx.lang.get().staff_role(*r)}</option> }).collect_view()}
                </select></label>
                <button class="primary small" type="submit">{move || cx.tr("Добавить", "Add")}</button>
            </form>
            <ErrorLine error=error />
        </section>
    }
}

/// What a day is in the production calendar being edited.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Working,
    Weekend,
    Holiday,
    DayOff,
    WorkingWeekend,
    /// A working Saturday before a holiday (20 February 2027).
    ShortenedWeekend,
    Shortened,
}

impl Kind {
    fn is_working(self) -> bool {
        matches!(
            self,
            Self::Working | Self::WorkingWeekend | Self::ShortenedWeekend | Self::Shortened
        )
    }
}

/// Non-working public holidays of article 112 of the Labour Code, as month-day.
const STATUTORY_HOLIDAYS: [(u32, u32); 14] = [
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 7),
    (1, 8),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
];

fn kind_of(year: &CalendarYearView, date: NaiveDate, weekend: bool) -> Kind {
    if year.holidays.contains(&date) {
        Kind::Holiday
    } else if year.days_off.contains(&date) {
        Kind::DayOff
    } else if year.working_weekends.contains(&date) && year.shortened.contains(&date) {
        Kind::ShortenedWeekend
    } else if year.working_weekends.contains(&date) {
        Kind::WorkingWeekend
    } else if year.shortened.contains(&date) {
        Kind::Shortened
    } else if weekend {
        Kind::Weekend
    } else {
        Kind::Working
    }
}

/// The next kind a click gives a day: weekdays cycle through working, holiday, day
/// off and shortened; weekends through weekend, working weekend and holiday.
fn next_kind(kind: Kind, weekend: bool) -> Kind {
    match (kind, weekend) {
        (Kind::Working, false) | (Kind::ShortenedWeekend, true) => Kind::Holiday,
        (Kind::Holiday, false) => Kind::DayOff,
        (Kind::DayOff, false) => Kind::Shortened,
        (_, false) => Kind::Working,
        (Kind::Weekend, true) => Kind::WorkingWeekend,
        (Kind::WorkingWeekend, true) => Kind::ShortenedWeekend,
        (_, true) => Kind::Weekend,
    }
}

#[component]
pub fn Calendar() -> impl IntoView {
    let cx = ctx();
    let year_no = RwSignal::new(js_sys::Date::new_0().get_full_year().cast_signed());
    let year: RwSignal<Option<CalendarYearView>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        let y = year_no.get();
        crate::task::run(error, api::call(paths::get_calendar_year(y)), move |v| {
            year.set(Some(v));
        });
    });
    let set_day = move |date: NaiveDate, kind: Kind| {
        year.update(|y| {
            let Some(y) = y else { return };
            for list in [
                &mut y.holidays,
                &mut y.days_off,
                &mut y.working_weekends,
                &mut y.shortened,
            ] {
                list.retain(|d| *d != date);
            }
            match kind {
                Kind::Holiday => y.holidays.push(date),
                Kind::DayOff => y.days_off.push(date),
                Kind::WorkingWeekend => y.working_weekends.push(date),
                Kind::ShortenedWeekend => {
                    y.working_weekends.push(date);
                    y.shortened.push(date);
                }
                Kind::Shortened => y.shortened.push(date),
                Kind::Working | Kind::Weekend => {}
            }
        });
        saved.set(false);
    };
    let save = move |_| {
        let Some(y) = year.get_untracked() else { return };
        let body: CalendarYear = y.data();
        let op = paths::put_calendar_year(year_no.get_untracked());
        error.set(None);
        crate::task::run(error, async move { api::send(op, &body).await }, move |v| {
            year.set(Some(v));
            saved.set(true);
        });
    };
    // The totals of the year as edited, to compare with the decree before saving.
    let totals = move || {
        let y = year.get()?;
        let yn = year_no.get();
        let (mut days, mut shortened) = (0_u32, 0_u32);
        for m in 0..12u32 {
            let first = js_sys::Date::new_with_year_month_day(yn as u32, m.cast_signed(), 1);
            let lead = (first.get_day() + 6) % 7;
            let count = js_sys::Date::new_with_year_month_day(yn as u32, m.cast_signed() + 1, 0).get_date();
            for d in 1..=count {
                let Some(date) = NaiveDate::from_ymd_opt(yn, m + 1, d) else {
                    continue;
                };
                let kind = kind_of(&y, date, (lead + d - 1) % 7 >= 5);
                days += u32::from(kind.is_working());
                shortened += u32::from(matches!(kind, Kind::Shortened | Kind::ShortenedWeekend));
            }
        }
        Some((days, days * 8 - shortened))
    };
    let fill_statutory = move |_| {
        let yn = year_no.get_untracked();
        year.update(|y| {
            let Some(y) = y else { return };
            for (m, d) in STATUTORY_HOLIDAYS {
                if let Some(date) = NaiveDate::from_ymd_opt(yn, m, d)
                    && !y.holidays.contains(&date)
                {
                    y.holidays.push(date);
                }
            }
        });
        saved.set(false);
    };
    let months = crate::i18n::MONTHS_RU;
    view! {
        <section class="card" data-testid="admin-calendar">
            <h1>{move || cx.tr("Производственный календарь", "Production calendar")}</h1>
            <div class="actions">
                <button class="link" on:click=move |_| year_no.update(|y| *y -= 1)>"←"</button>
                <strong>{move || year_no.get()}</strong>
                <button class="link" on:click=move |_| year_no.update(|y| *y += 1)>"→"</button>
                <span class="muted" data-testid="calendar-totals">{move || totals().map(|(days, hours)| format!("{} {days}, {} {hours}",
                    cx.tr("рабочих дней:", "working days:"), cx.tr("норма при 40-часовой неделе, ч:", "hours at 40 h a week:"))).unwrap_or_default()}</span>
                <button class="primary small" data-testid="calendar-save" on:click=save>{move || cx.tr("Сохранить", "Save")}</button>
                {move || saved.get().then(|| view! { <span class="muted">{cx.tr("Сохранено", "Saved")}</span> })}
            </div>
            {move || year.get().and_then(|y| y.warning.map(|w| view! {
                <p class="promise queued" data-testid="calendar-warning">{w}
                    " "<button class="link small" data-testid="calendar-statutory" on:click=fill_statutory>
                        {cx.tr("Отметить праздники ст. 112 ТК РФ", "Mark the statutory holidays")}</button></p>
            }))}
            <label>{move || cx.tr("Основание (постановление Правительства)", "Source (the government's decree)")}
                <input data-testid="calendar-source" prop:value=move || year.get().map(|y| y.source).unwrap_or_default()
                    on:input=move |ev| { let v = event_target_value(&ev); year.update(|y| if let Some(y) = y { y.source = v; }); saved.set(false); } />
            </label>
            <p class="legend"><span><i class="day holiday"></i>"праздник"</span><span><i class="day day_off"></i>"выходной (перенос)"</span>
                <span><i class="day working_weekend"></i>"рабочая суббота/воскресенье"</span><span><i class="day shortened"></i>"сокращённый"</span>
                <span class="muted">"Нажмите на день, чтобы изменить его вид."</span></p>
            <ErrorLine error=error />
            <div class="months">
                {move || {
                    let Some(y) = year.get() else { return ().into_any() };
                    let yn = year_no.get();
                    (0..12u32).map(|m| {
                        let first = js_sys::Date::new_with_year_month_day(yn as u32, m.cast_signed(), 1);
                        let lead = (first.get_day() + 6) % 7;
                        let days = js_sys::Date::new_with_year_month_day(yn as u32, m.cast_signed() + 1, 0).get_date();
                        let cells = (0..lead).map(|_| view! { <span class="day empty"></span> }.into_any())
                            .chain((1..=days).map(|d| {
                                let label = format!("{yn:04}-{:02}-{d:02}", m + 1);
                                let weekday = (lead + d - 1) % 7;
                                let weekend = weekday >= 5;
                                let Some(date) = NaiveDate::from_ymd_opt(yn, m + 1, d) else { return ().into_any() };
                                let kind = kind_of(&y, date, weekend);
                                let class = match kind { Kind::Working => "day", Kind::Weekend => "day weekend", Kind::Holiday => "day holiday",
                                    Kind::DayOff => "day day_off", Kind::WorkingWeekend => "day working_weekend",
                                    Kind::ShortenedWeekend => "day working_weekend shortened", Kind::Shortened => "day shortened" };
                                view! { <button class=class title=label on:click=move |_| set_day(date, next_kind(kind, weekend))>{d}</button> }.into_any()
                            }))
                            .collect_view();
                        view! { <div class="month"><h3>{months[m as usize]}</h3><div class="days">{cells}</div></div> }
                    }).collect_view().into_any()
                }}
            </div>
        </section>
    }
}
