//! Administration: customers with their contracts, teams and clients; staff; the
//! production calendar editor (R-CAL). Admins only; the server enforces it too.

use crate::api::{
    self, ApiError, CalendarYear, CalendarYearView, Contract, ContractState, CustomerId, CustomerView, NewClient,
    NewContract, NewCustomer, NewStaff, Page, StaffRole, Team, TeamInput, User, date, paths,
};
use chrono::NaiveDate;
use leptos::prelude::*;

use crate::form::Field;
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

/// The tier, number and dates of a contract, as the new-customer and new-contract forms ask them.
#[derive(Clone, Copy)]
struct ContractForm {
    tier: RwSignal<String>,
    number: RwSignal<String>,
    starts: RwSignal<String>,
    ends: RwSignal<String>,
}

impl ContractForm {
    fn new() -> Self {
        Self {
            tier: RwSignal::new("basic".to_owned()),
            number: RwSignal::new(String::new()),
            starts: RwSignal::new(String::new()),
            ends: RwSignal::new(String::new()),
        }
    }

    /// The contract typed, or `None` when no dates were given (a customer without one yet).
    fn input(self) -> Result<Option<NewContract>, ApiError> {
        let (starts, ends) = (self.starts.get_untracked(), self.ends.get_untracked());
        if starts.is_empty() && ends.is_empty() {
            return Ok(None);
        }
        Ok(Some(NewContract {
            tier_code: self.tier.get_untracked(),
            number: self.number.get_untracked(),
            starts_on: date("starts_on", &starts)?,
            ends_on: date("ends_on", &ends)?,
        }))
    }

    fn fields(self, testids: [&'static str; 3]) -> impl IntoView {
        view! {
            <label>"Пакет"<select on:change=move |ev| self.tier.set(event_target_value(&ev))>
                {TIER_CODES.iter().map(|(c, n)| view! { <option value=*c>{*n}</option> }).collect_view()}
            </select></label>
            <Field ru="Номер договора" en="Contract number" value=self.number testid=testids[0] />
            <Field ru="Начало" en="Starts" kind="date" value=self.starts testid=testids[1] />
            <Field ru="Окончание" en="Ends" kind="date" value=self.ends testid=testids[2] />
        }
    }
}

#[component]
pub fn Customers() -> impl IntoView {
    let cx = ctx();
    let search = RwSignal::new(String::new());
    let list = LocalResource::new(move || {
        let op = paths::list_customers()
            .query("limit", 200)
            .query("q", search.get().trim());
        api::call(op)
    });
    view! {
        <section class="card" data-testid="admin-customers">
            <h1>{move || cx.tr("Заказчики", "Customers")}</h1>
            <input type="search" placeholder=move || cx.tr("Поиск по названию", "Search by name")
                prop:value=search on:input=move |ev| search.set(event_target_value(&ev)) />
            <Transition fallback=move || view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }>
                {move || list.get().map(|v| match v {
                    Err(e) => view! { <p class="error">{cx.error(&e)}</p> }.into_any(),
                    Ok(v) if v.items.is_empty() => view! {
                        <p class="empty">{cx.tr("Заказчиков пока нет: добавьте первого формой ниже.", "No customers yet: add one below.")}</p>
                    }.into_any(),
                    Ok(v) => view! { <CustomerTable rows=v.items /> }.into_any(),
                })}
            </Transition>
            <CustomerForm />
        </section>
    }
}

#[component]
fn CustomerTable(rows: Vec<CustomerView>) -> impl IntoView {
    let cx = ctx();
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
    }
}

/// A new customer with its first contract; its page opens once it is created.
#[component]
fn CustomerForm() -> impl IntoView {
    let cx = ctx();
    let name = RwSignal::new(String::new());
    let contract = ContractForm::new();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewCustomer {
            name: name.get_untracked(),
            account_manager_id: None,
        };
        let contract = contract.input();
        let created = async move {
            let contract = contract?;
            let c = api::send(paths::create_customer(), &new).await?;
            if let Some(contract) = contract {
                api::send(paths::create_contract(c.customer.id), &contract).await?;
            }
            Ok::<_, ApiError>(c)
        };
        crate::task::run(error, created, move |c| cx.go(Route::Customer(c.customer.id)));
    };
    view! {
        <h2>{move || cx.tr("Новый заказчик", "New customer")}</h2>
        <form class="grid-form" on:submit=create>
            <Field ru="Название" en="Name" value=name testid="customer-name" />
            {contract.fields(["contract-number", "contract-starts", "contract-ends"])}
            <button class="primary small" type="submit">{move || cx.tr("Добавить", "Add")}</button>
        </form>
        <ErrorLine error=error />
    }
}

/// What a customer's page shares: the customer, the last error, a counter bumped after
/// each change (the lists, resources, are read again) and the teams (the contact form
/// offers them).
#[derive(Clone, Copy)]
struct CustomerPage {
    id: CustomerId,
    error: RwSignal<Option<ApiError>>,
    reload: RwSignal<u32>,
    teams: LocalResource<Result<Page<Team>, ApiError>>,
}

impl CustomerPage {
    /// Runs one change, then reads the page's lists again, or shows why it was refused.
    fn act<T: 'static>(self, change: impl std::future::Future<Output = Result<T, ApiError>> + 'static) {
        crate::task::change(self.error, self.reload, change);
    }
}

#[component]
pub fn Customer(id: CustomerId) -> impl IntoView {
    let cx = ctx();
    let reload = RwSignal::new(0);
    let teams = crate::task::reloading(reload, move || api::call(paths::list_teams(id).query("limit", 200)));
    let page = CustomerPage {
        id,
        error: RwSignal::new(None),
        reload,
        teams,
    };
    let customer = crate::task::reloading(reload, move || api::call(paths::get_customer(id)));
    let contracts = crate::task::reloading(reload, move || api::call(paths::list_contracts(id)));
    let clients = crate::task::reloading(reload, move || {
        api::call(paths::list_users().query("customer_id", id).query("limit", 200))
    });
    view! {
        <section class="card" data-testid="admin-customer">
            <p class="crumbs"><a href="/admin/customers" on:click=move |ev| { ev.prevent_default(); cx.go(Route::Customers); }>{move || cx.tr("← Заказчики", "← Customers")}</a></p>
            <h1>{move || customer.get().and_then(Result::ok).map(|c| c.customer.name).unwrap_or_default()}</h1>
            <ErrorLine error=page.error />
            <Contracts page=page contracts=contracts />
            <Teams page=page />
            <Contacts page=page clients=clients />
        </section>
        <crate::import::ClientImport customer=id on_imported=Callback::new(move |()| page.reload.update(|n| *n += 1)) />
    }
}

#[component]
fn Contracts(page: CustomerPage, contracts: LocalResource<Result<Page<Contract>, ApiError>>) -> impl IntoView {
    let cx = ctx();
    let form = ContractForm::new();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = form.input();
        page.act(async move {
            let body = input?.ok_or_else(|| ApiError::Api {
                code: api::ErrorCode::ValidationFailed,
                detail: "starts_on: a date as YYYY-MM-DD".to_owned(),
            })?;
            api::send(paths::create_contract(page.id), &body).await
        });
    };
    view! {
        <h2>{move || cx.tr("Договоры", "Contracts")}</h2>
        {crate::task::shown(contracts, |p| view! { <ul>{p.items.into_iter().map(|k| view! {
            <li>{format!("{} · {} · {} — {}", k.number, k.tier_code, k.starts_on, k.ends_on)}</li>
        }).collect_view()}</ul> })}
        <form class="grid-form" on:submit=add>
            {form.fields(["new-contract-number", "new-contract-starts", "new-contract-ends"])}
            <button class="primary small" type="submit">{move || cx.tr("Добавить договор", "Add a contract")}</button>
        </form>
    }
}

#[component]
fn Teams(page: CustomerPage) -> impl IntoView {
    let cx = ctx();
    let name = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = TeamInput {
            name: name.get_untracked(),
        };
        page.act(async move { api::send(paths::create_team(page.id), &body).await });
        name.set(String::new());
    };
    view! {
        <h2>{move || cx.tr("Команды", "Teams")}</h2>
        {crate::task::shown(page.teams, |p| view! { <ul>{p.items.into_iter().map(|t| view! { <li>{t.name}</li> }).collect_view()}</ul> })}
        <form class="grid-form" on:submit=add>
            <Field ru="Название команды" en="Team name" value=name testid="team-name" />
            <button class="primary small" type="submit">{move || cx.tr("Добавить команду", "Add a team")}</button>
        </form>
    }
}

#[component]
fn Contacts(page: CustomerPage, clients: LocalResource<Result<Page<User>, ApiError>>) -> impl IntoView {
    let cx = ctx();
    let (email, full_name, password, team) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let key = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewClient {
            email: email.get_untracked(),
            full_name: full_name.get_untracked(),
            team_id: team.get_untracked().parse().ok(),
            is_key_contact: key.get_untracked(),
            telegram_username: None,
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        };
        page.act(async move { api::send(paths::create_client(page.id), &body).await });
    };
    view! {
        <h2>{move || cx.tr("Контактные лица", "Contacts")}</h2>
        {crate::task::shown(clients, move |p| view! {
            <div class="table-wrap" tabindex="0"><table>
                <thead><tr><th>{cx.tr("Имя", "Name")}</th><th>"Email"</th><th>{cx.tr("Статус", "Status")}</th></tr></thead>
                <tbody>{p.items.into_iter().map(|u| view! {
                    <tr><td>{u.full_name}{u.is_key_contact.then_some(" (ККЛ)")}</td><td>{u.email}</td>
                        <td>{if u.active { "активен" } else { "отключён" }}</td></tr>
                }).collect_view()}</tbody>
            </table></div>
        })}
        <form class="grid-form" on:submit=add>
            <Field ru="Email" en="Email" kind="email" value=email testid="client-email" />
            <Field ru="ФИО" en="Full name" value=full_name testid="client-name" />
            <Field ru="Пароль (или приглашение письмом)" en="Password (or an invitation by mail)" kind="password" value=password testid="client-password" />
            <label>"Команда"<select on:change=move |ev| team.set(event_target_value(&ev))>
                <option value="">"—"</option>
                {move || page.teams.get().and_then(Result::ok).map(|p| p.items).unwrap_or_default().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
            </select></label>
            <label class="check"><input type="checkbox" on:change=move |ev| key.set(event_target_checked(&ev)) />"Ключевое контактное лицо"</label>
            <button class="primary small" type="submit">{move || cx.tr("Добавить контакт", "Add a contact")}</button>
        </form>
    }
}

#[component]
pub fn Staff() -> impl IntoView {
    let cx = ctx();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let (email, full_name, password, role) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(StaffRole::Agent),
    );
    let list = crate::task::reloading(reload, || {
        api::call(paths::list_users().query("kind", "staff").query("limit", 200))
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
        crate::task::change(
            error,
            reload,
            async move { api::send(paths::create_staff(), &body).await },
        );
    };
    view! {
        <section class="card" data-testid="admin-staff">
            <h1>{move || cx.tr("Сотрудники поддержки", "Support staff")}</h1>
            {crate::task::shown(list, move |staff| view! {
                <div class="table-wrap" tabindex="0"><table>
                    <thead><tr><th>{cx.tr("Имя", "Name")}</th><th>"Email"</th><th>{cx.tr("Роль", "Role")}</th></tr></thead>
                    <tbody>{staff.items.into_iter().map(|u| view! {
                        <tr><td>{u.full_name}</td><td>{u.email}</td><td>{u.role.map_or("—", |r| cx.lang.get().staff_role(r))}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
            })}
            <h2>{move || cx.tr("Новый сотрудник", "New staff member")}</h2>
            <form class="grid-form" on:submit=create>
                <Field ru="Email" en="Email" kind="email" value=email testid="staff-email" />
                <Field ru="ФИО" en="Full name" value=full_name testid="staff-name" />
                <Field ru="Пароль (или приглашение письмом)" en="Password (or an invitation by mail)" kind="password" value=password testid="staff-password" />
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

/// The first weekday (0 = Monday) and the number of days of month `m` (0-based) of `year`.
fn month_shape(year: i32, m: u32) -> (u32, u32) {
    let first = js_sys::Date::new_with_year_month_day(year.cast_unsigned(), m.cast_signed(), 1);
    let days = js_sys::Date::new_with_year_month_day(year.cast_unsigned(), m.cast_signed() + 1, 0).get_date();
    ((first.get_day() + 6) % 7, days)
}

/// The calendar being edited: which year, as read and changed, the last error, saved or not.
#[derive(Clone, Copy)]
struct Year {
    number: RwSignal<i32>,
    days: RwSignal<Option<CalendarYearView>>,
    error: RwSignal<Option<ApiError>>,
    saved: RwSignal<bool>,
}

impl Year {
    /// Gives `date` the kind `kind`.
    fn set_day(self, date: NaiveDate, kind: Kind) {
        self.days.update(|y| {
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
        self.saved.set(false);
    }

    fn save(self) {
        let Some(y) = self.days.get_untracked() else { return };
        let body: CalendarYear = y.data();
        let op = paths::put_calendar_year(self.number.get_untracked());
        crate::task::run(self.error, async move { api::send(op, &body).await }, move |v| {
            self.days.set(Some(v));
            self.saved.set(true);
        });
    }

    /// The working days and hours of the year as edited, to compare with the decree.
    fn totals(self) -> Option<(u32, u32)> {
        let y = self.days.get()?;
        let yn = self.number.get();
        let (mut days, mut shortened) = (0_u32, 0_u32);
        for m in 0..12u32 {
            let (lead, count) = month_shape(yn, m);
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
    }

    /// Marks the holidays of article 112 of the Labour Code.
    fn fill_statutory(self) {
        let yn = self.number.get_untracked();
        self.days.update(|y| {
            let Some(y) = y else { return };
            for (m, d) in STATUTORY_HOLIDAYS {
                if let Some(date) = NaiveDate::from_ymd_opt(yn, m, d)
                    && !y.holidays.contains(&date)
                {
                    y.holidays.push(date);
                }
            }
        });
        self.saved.set(false);
    }
}

#[component]
pub fn Calendar() -> impl IntoView {
    let cx = ctx();
    let year = Year {
        number: RwSignal::new(js_sys::Date::new_0().get_full_year().cast_signed()),
        days: RwSignal::new(None),
        error: RwSignal::new(None),
        saved: RwSignal::new(false),
    };
    Effect::new(move |_| {
        let y = year.number.get();
        crate::task::run(year.error, api::call(paths::get_calendar_year(y)), move |v| {
            year.days.set(Some(v));
        });
    });
    let totals = move || {
        year.totals().map(|(days, hours)| {
            let (d, h) = (
                cx.tr("рабочих дней:", "working days:"),
                cx.tr("норма при 40-часовой неделе, ч:", "hours at 40 h a week:"),
            );
            format!("{d} {days}, {h} {hours}")
        })
    };
    let set_source = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        year.days.update(|y| {
            if let Some(y) = y {
                y.source = v;
            }
        });
        year.saved.set(false);
    };
    view! {
        <section class="card" data-testid="admin-calendar">
            <h1>{move || cx.tr("Производственный календарь", "Production calendar")}</h1>
            <div class="actions">
                <button class="link" on:click=move |_| year.number.update(|y| *y -= 1)>"←"</button>
                <strong>{move || year.number.get()}</strong>
                <button class="link" on:click=move |_| year.number.update(|y| *y += 1)>"→"</button>
                <span class="muted" data-testid="calendar-totals">{move || totals().unwrap_or_default()}</span>
                <button class="primary small" data-testid="calendar-save" on:click=move |_| year.save()>{move || cx.tr("Сохранить", "Save")}</button>
                {move || year.saved.get().then(|| view! { <span class="muted">{cx.tr("Сохранено", "Saved")}</span> })}
            </div>
            {move || year.days.get().and_then(|y| y.warning.map(|w| view! {
                <p class="promise queued" data-testid="calendar-warning">{w}
                    " "<button class="link small" data-testid="calendar-statutory" on:click=move |_| year.fill_statutory()>
                        {cx.tr("Отметить праздники ст. 112 ТК РФ", "Mark the statutory holidays")}</button></p>
            }))}
            <label>{move || cx.tr("Основание (постановление Правительства)", "Source (the government's decree)")}
                <input data-testid="calendar-source" prop:value=move || year.days.get().map(|y| y.source).unwrap_or_default() on:input=set_source />
            </label>
            <p class="legend"><span><i class="day holiday"></i>"праздник"</span><span><i class="day day_off"></i>"выходной (перенос)"</span>
                <span><i class="day working_weekend"></i>"рабочая суббота/воскресенье"</span><span><i class="day shortened"></i>"сокращённый"</span>
                <span class="muted">"Нажмите на день, чтобы изменить его вид."</span></p>
            <ErrorLine error=year.error />
            <div class="months">{move || {
                let number = year.number.get();
                year.days.get().map(|y| view! { <Months year=year number=number days=y /> })
            }}</div>
        </section>
    }
}

/// The twelve months of the year, each day a button that moves it to the next kind.
#[component]
fn Months(year: Year, number: i32, days: CalendarYearView) -> impl IntoView {
    let yn = number;
    (0..12u32)
        .map(|m| {
            let (lead, count) = month_shape(yn, m);
            let cells = (0..lead)
                .map(|_| view! { <span class="day empty"></span> }.into_any())
                .chain((1..=count).map(|d| {
                    let weekend = (lead + d - 1) % 7 >= 5;
                    let Some(date) = NaiveDate::from_ymd_opt(yn, m + 1, d) else { return ().into_any() };
                    let kind = kind_of(&days, date, weekend);
                    let class = match kind {
                        Kind::Working => "day",
                        Kind::Weekend => "day weekend",
                        Kind::Holiday => "day holiday",
                        Kind::DayOff => "day day_off",
                        Kind::WorkingWeekend => "day working_weekend",
                        Kind::ShortenedWeekend => "day working_weekend shortened",
                        Kind::Shortened => "day shortened",
                    };
                    let label = format!("{yn:04}-{:02}-{d:02}", m + 1);
                    view! { <button class=class title=label on:click=move |_| year.set_day(date, next_kind(kind, weekend))>{d}</button> }.into_any()
                }))
                .collect_view();
            view! { <div class="month"><h3>{crate::i18n::MONTHS_RU[m as usize]}</h3><div class="days">{cells}</div></div> }
        })
        .collect_view()
}
