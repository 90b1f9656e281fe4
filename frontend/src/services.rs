//! Professional services and bookings: the "Услуги" page (certificates, ledger, booking
//! calendar and the staff's capacity planner), the order panel of a service request's
//! ticket page (estimates, approval, work logs), and certificates on a customer's page.

use leptos::prelude::*;

use crate::api::{self, ApiError, paths};
use crate::api::{
    Booking, BookingPatch, Certificate, EstimateState, LedgerEntry, LedgerKind, Month, MonthCapacity, NewBooking, Order,
};
#[cfg(feature = "staff")]
use crate::api::{NewCertificate, NewEstimate, NewWorkLog};
use crate::i18n::Lang;
use crate::{ErrorLine, ctx};

/// Minutes as hours: `1 ч 30 мин` / `1 h 30 min`.
pub fn hours(minutes: i64, lang: Lang) -> String {
    let sign = if minutes < 0 { "−" } else { "" };
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    let (hu, mu) = (lang.tr("ч", "h"), lang.tr("мин", "min"));
    match (h, m) {
        (0, m) => format!("{sign}{m} {mu}"),
        (h, 0) => format!("{sign}{h} {hu}"),
        (h, m) => format!("{sign}{h} {hu} {m} {mu}"),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn month_name(m: Month, lang: Lang) -> String {
    let i = (m.month() as usize).saturating_sub(1).min(11);
    format!("{} {}", lang.tr(crate::i18n::MONTHS_RU[i], MONTHS_EN[i]), m.year())
}

fn ledger_kind(kind: LedgerKind, lang: Lang) -> &'static str {
    match kind {
        LedgerKind::Work => lang.tr("работы", "work"),
        LedgerKind::UnusedBooking => lang.tr("неиспользованное бронирование", "unused booking"),
        LedgerKind::Correction => lang.tr("корректировка", "correction"),
    }
}

fn estimate_state(state: EstimateState, lang: Lang) -> &'static str {
    match state {
        EstimateState::Proposed => lang.tr("ждет согласования", "awaiting approval"),
        EstimateState::Approved => lang.tr("согласована", "approved"),
        EstimateState::Declined => lang.tr("отклонена", "declined"),
        EstimateState::Superseded => lang.tr("заменена", "superseded"),
    }
}

/// A Moscow wall-clock time typed into a `datetime-local` field, as an instant (Moscow
/// has kept UTC+3 all year since 2014).
#[cfg(feature = "staff")]
fn moscow_input(field: &str, text: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .map(|t| (t - chrono::TimeDelta::hours(3)).and_utc())
        .map_err(|_| ApiError::Api {
            code: api::ErrorCode::ValidationFailed,
            detail: format!("{field}: date and time"),
        })
}

/// The "Услуги" page.
#[component]
pub fn ServicesPage() -> impl IntoView {
    let cx = ctx();
    let user = cx.user.get_untracked();
    let staff = user.as_ref().is_some_and(api::User::is_staff);
    let key_contact = user.as_ref().is_some_and(|u| u.is_key_contact);
    let selected: RwSignal<Option<Certificate>> = RwSignal::new(None);
    let ledger: RwSignal<Vec<LedgerEntry>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let load_error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let certificates = crate::task::reloading(reload, || api::call(paths::list_certificates().query("limit", 200)));
    let span = if staff { 12 } else { 6 };
    let months = crate::task::reloading(reload, move || {
        api::call(paths::booking_capacity().query("months", span))
    });
    let bookings = crate::task::reloading(reload, || api::call(paths::list_bookings().query("limit", 200)));
    // The ledger of the certificate opened, read again after each change.
    Effect::new(move |_| {
        reload.get();
        leptos::task::spawn_local(async move {
            if let Some(c) = selected.get_untracked()
                && let Ok(l) = api::call(paths::certificate_ledger(c.id).query("limit", 200)).await
            {
                ledger.set(l.items);
            }
        });
    });
    let open_ledger = Callback::new(move |c: Certificate| {
        selected.set(Some(c));
        reload.update(|n| *n += 1);
    });
    view! {
        <section class="card" data-testid="services-page">
            <h1>{move || cx.tr("Профессиональные сервисы", "Professional services")}</h1>
            <p class="muted">{move || cx.tr(
                "Работы по сертификату оплачиваются по затраченному времени; вне 09:00–18:00 рабочих дней (МСК) — с коэффициентом 2; минимальный заказ — 1 час.",
                "Work is billed by the time spent; outside 09:00–18:00 of working days (Moscow) it counts twice; the smallest order is 1 hour.")}</p>
            <Certificates certificates=certificates staff=staff open_ledger=open_ledger />
            {move || selected.get().map(|c| view! { <Ledger certificate=c entries=ledger error=load_error /> })}
            <ErrorLine error=load_error />
        </section>
        <section class="card" data-testid="booking-calendar">
            <h2>{move || if staff { cx.tr("Загрузка специалистов", "Capacity planner") } else { cx.tr("Бронирование специалистов", "Booking specialists") }}</h2>
            <p class="muted">{move || cx.tr(
                "Бронирование бесплатно; неиспользованные забронированные часы списываются с сертификата в конце месяца. Прием заявок, изменение и отмена закрываются за 5 дней до начала месяца.",
                "Booking is free; booked hours left unused are deducted at the end of the month. Booking, changes and cancellations close 5 days before the month.")}</p>
            {crate::task::shown(months, move |months: Vec<MonthCapacity>| view! {
                <ul class="cards" data-testid="capacity">
                    {months.into_iter().map(|m| view! {
                        <CapacityRow m=m staff=staff can_book=key_contact && !staff error=error reload=reload />
                    }).collect_view()}
                </ul>
            })}
            <ErrorLine error=error />
            <h2>{move || cx.tr("Бронирования", "Bookings")}</h2>
            {crate::task::shown(bookings, move |page| {
                let empty = page.items.is_empty().then(|| view! { <p class="muted">{cx.tr("Бронирований нет.", "No bookings.")}</p> });
                view! {
                    <ul class="bookings" data-testid="bookings">
                        {page.items.into_iter().map(|b| view! { <BookingItem b=b staff=staff key_contact=key_contact error=error reload=reload /> }).collect_view()}
                    </ul>
                    {empty}
                }
            })}
        </section>
    }
}

/// The customer's certificates (staff: everyone's) with their balance and a ledger link.
#[component]
fn Certificates(
    certificates: LocalResource<Result<api::Page<Certificate>, ApiError>>,
    staff: bool,
    open_ledger: Callback<Certificate>,
) -> impl IntoView {
    let cx = ctx();
    view! {
        <h2>{move || cx.tr("Сертификаты", "Certificates")}</h2>
        {crate::task::shown(certificates, move |page| {
        let empty = page.items.is_empty().then(|| view! { <p class="muted">{cx.tr("Сертификатов нет.", "No certificates.")}</p> });
        view! {
        <ul class="cards" data-testid="certificates">
            {page.items.into_iter().map(|c| {
                let lang = cx.lang.get();
                let row = c.clone();
                view! {
                    <li data-testid="certificate-row" class:muted=!c.active>
                        <strong>{c.number.clone()}</strong>
                        {staff.then(|| format!(" · {}", c.customer_name))}
                        {format!(" · {} {} · {} – {}", c.hours, lang.tr("ч", "h"), crate::fmt::day(c.valid_from), crate::fmt::day(c.valid_until))}
                        <div>{lang.tr("Остаток: ", "Balance: ")}
                            <strong data-testid="certificate-balance" class:overdue=c.balance_minutes < 0>{hours(c.balance_minutes, lang)}</strong>
                            " "
                            <button class="link" data-testid="open-ledger" on:click=move |_| open_ledger.run(row.clone())>
                                {lang.tr("Выписка", "Ledger")}</button></div>
                    </li>
                }
            }).collect_view()}
        </ul>
        {empty}
        }
        })}
    }
}

#[component]
fn Ledger(
    certificate: Certificate,
    entries: RwSignal<Vec<LedgerEntry>>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let cx = ctx();
    let (id, number) = (certificate.id, certificate.number.clone());
    let download = move |_| {
        let number = number.clone();
        leptos::task::spawn_local(async move {
            let csv = paths::certificate_ledger_csv(id);
            if let Err(e) = api::download(csv, &format!("ledger-{number}.csv"), "text/csv").await {
                error.set(Some(e));
            }
        });
    };
    view! {
        <h2>{move || format!("{} {}", cx.tr("Выписка по сертификату", "Ledger of certificate"), certificate.number)}</h2>
        <button class="link" data-testid="ledger-csv" on:click=download>{move || cx.tr("Скачать CSV", "Download CSV")}</button>
        <div class="table-wrap" tabindex="0"><table data-testid="ledger">
            <thead><tr>
                <th>{move || cx.tr("Когда", "When")}</th>
                <th>{move || cx.tr("Что", "What")}</th>
                <th>{move || cx.tr("Списано", "Deducted")}</th>
                <th>{move || cx.tr("Остаток", "Balance")}</th>
                <th>{move || cx.tr("Основание", "Note")}</th>
            </tr></thead>
            <tbody>
                {move || entries.get().into_iter().map(|e| {
                    let lang = cx.lang.get();
                    view! {
                        <tr data-testid="ledger-row">
                            <td>{cx.at(e.created_at)}</td>
                            <td>{ledger_kind(e.kind, lang)}{e.ticket_number.map(|n| format!(" · №{n}"))}
                                {e.overridden.then(|| lang.tr(" · сверх остатка", " · overridden"))}</td>
                            <td data-testid="ledger-minutes">{hours(e.minutes, lang)}</td>
                            <td>{hours(e.balance_after_minutes, lang)}</td>
                            <td>{e.note}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

#[component]
fn CapacityRow(
    m: MonthCapacity,
    staff: bool,
    can_book: bool,
    error: RwSignal<Option<ApiError>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let cx = ctx();
    let amount = RwSignal::new(String::new());
    let month = m.month;
    let book = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let h = match api::whole_number("hours", &amount.get_untracked()) {
            Ok(h) => h,
            Err(e) => return error.set(Some(e)),
        };
        let body = NewBooking {
            month,
            hours: h,
            customer_id: None,
        };
        amount.set(String::new());
        crate::task::change(
            error,
            reload,
            async move { api::send(paths::create_booking(), &body).await },
        );
    };
    let key = m.month.to_string();
    let deadline = m.deadline;
    view! {
        <li data-testid="capacity-row" data-month=key.clone() class:muted=!m.open>
            <strong>{move || month_name(month, cx.lang.get())}</strong>
            <div>{move || cx.tr("свободно ", "free ")}<span data-testid="capacity-free">{format!("{} / {}", m.free_hours, m.capacity_hours)}</span>
                {move || cx.tr(" ч · прием до ", " h · closes ")}<span data-testid="booking-deadline">{move || cx.at(deadline)}</span></div>
            <div class="muted">{if staff {
                m.by_customer.iter().map(|c| format!("{}: {} {}", c.customer_name, c.hours, cx.tr("ч", "h"))).collect::<Vec<_>>().join("; ")
            } else {
                format!("{} {} {}", cx.tr("ваша бронь:", "yours:"), m.own_hours, cx.tr("ч", "h"))
            }}</div>
            // R-CON-5: what the certificate leaves to book, for the client.
            {m.bookable_hours.map(|h| view! {
                <div>{move || cx.tr("можно забронировать: ", "you can book: ")}<span data-testid="capacity-bookable">{h}</span>
                    {move || cx.tr(" ч (по остатку сертификата)", " h (by the certificate's balance)")}</div>
            })}
            {can_book.then(|| if m.open {
                view! {
                    <form class="inline" on:submit=book>
                        <input type="number" min="1" size="4" aria-label=move || cx.tr("Часов", "Hours")
                            data-testid=format!("book-hours-{key}") prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev)) />
                        <button class="small" type="submit" data-testid=format!("book-{key}")>{move || cx.tr("Забронировать", "Book")}</button>
                    </form>
                }.into_any()
            } else {
                view! { <span class="muted">{move || cx.tr("закрыто", "closed")}</span> }.into_any()
            })}
        </li>
    }
}

#[component]
fn BookingItem(
    b: Booking,
    staff: bool,
    key_contact: bool,
    error: RwSignal<Option<ApiError>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let cx = ctx();
    let amount = RwSignal::new(b.hours.to_string());
    let id = b.id;
    let change = move |_| {
        let Ok(h) = amount.get_untracked().trim().parse::<i64>() else {
            return;
        };
        crate::task::change(error, reload, async move {
            api::send(paths::change_booking(id), &BookingPatch { hours: h }).await
        });
    };
    let cancel = move |_| {
        crate::task::change(error, reload, async move { api::done(paths::cancel_booking(id)).await });
    };
    let editable = b.changeable && (key_contact || staff);
    let deadline = b.deadline;
    view! {
        <li data-testid="booking">
            <strong>{move || month_name(b.month, cx.lang.get())}</strong>
            {staff.then(|| format!(" · {}", b.customer_name))}
            {move || format!(" · {} {}", b.hours, cx.tr("ч", "h"))}
            <span class="muted">{move || format!(" · {} {}", cx.tr("изменить можно до", "changeable until"), cx.at(deadline))}</span>
            {editable.then(|| view! {
                <span class="actions">
                    <input type="number" min="1" size="4" aria-label=move || cx.tr("Часов", "Hours") data-testid="booking-hours"
                        prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev)) />
                    <button class="link" data-testid="booking-change" on:click=change>{move || cx.tr("Изменить", "Change")}</button>
                    <button class="link" data-testid="booking-cancel" on:click=cancel>{move || cx.tr("Отменить", "Cancel")}</button>
                </span>
            })}
        </li>
    }
}

/// Estimates and work of a service request, on its ticket page.
/// A service request's order as the ticket page shows it: the estimates (a key contact
/// approves or declines), the work logged and its charge; staff propose and log in the
/// staff app.
#[derive(Clone, Copy)]
pub(crate) struct OrderState {
    id: api::TicketId,
    order: RwSignal<Option<Order>>,
    error: RwSignal<Option<ApiError>>,
    reload: RwSignal<u32>,
}

#[component]
pub fn OrderPanel(id: api::TicketId, closed: bool, on_change: Callback<()>) -> impl IntoView {
    let cx = ctx();
    let user = cx.user.get_untracked();
    let staff = user.as_ref().is_some_and(api::User::is_staff);
    let key_contact = user.as_ref().is_some_and(|u| u.is_key_contact);
    let here = OrderState {
        id,
        order: RwSignal::new(None),
        error: RwSignal::new(None),
        reload: RwSignal::new(0),
    };
    let first = RwSignal::new(true);
    Effect::new(move |_| {
        here.reload.get();
        if !first.get_untracked() {
            on_change.run(());
        }
        first.set(false);
        crate::task::run(here.error, api::call(paths::get_order(id)), move |o| {
            here.order.set(Some(o));
        });
    });
    let decide = key_contact && !staff && !closed;
    view! {
        <section class="order" data-testid="order-panel">
            <h2>{move || cx.tr("Заказ услуги", "Service order")}</h2>
            {move || here.order.get().map(|o| view! {
                <Estimates here=here estimates=o.estimates decide=decide />
                <WorkLogs logs=o.work_logs charged=o.charged_minutes />
            })}
            <StaffForms here=here closed=closed />
            <ErrorLine error=here.error />
        </section>
    }
}

#[component]
fn Estimates(here: OrderState, estimates: Vec<api::Estimate>, decide: bool) -> impl IntoView {
    let cx = ctx();
    let lang = cx.lang.get_untracked();
    let (error, reload, ticket) = (here.error, here.reload, here.id);
    view! {
        <h3>{cx.tr("Оценка", "Estimate")}</h3>
        {estimates.is_empty().then(|| view! { <p class="muted">{cx.tr("Оценки пока нет.", "No estimate yet.")}</p> })}
        <ul class="estimates">
            {estimates.into_iter().map(|e| {
                let pending = e.state == EstimateState::Proposed && decide;
                let estimate = e.id;
                view! {
                    <li data-testid="estimate" data-state=e.state.as_str() class:muted=e.state == EstimateState::Superseded>
                        <strong>{format!("{} {}", e.hours, lang.tr("ч", "h"))}</strong>
                        {format!(" · {} {} · ", lang.tr("начало", "start"), crate::fmt::day(e.starts_on))}
                        <span data-testid="estimate-state">{estimate_state(e.state, lang)}</span>
                        {(!e.conditions.is_empty()).then(|| view! { <div class="muted">{e.conditions.clone()}</div> })}
                        {pending.then(|| view! {
                            <div class="actions">
                                <button class="primary small" data-testid="approve-estimate"
                                    on:click=move |_| crate::task::change(error, reload, api::call(paths::approve_estimate(ticket, estimate)))>
                                    {lang.tr("Согласовать", "Approve")}</button>
                                <button class="link" data-testid="decline-estimate"
                                    on:click=move |_| crate::task::change(error, reload, api::call(paths::decline_estimate(ticket, estimate)))>
                                    {lang.tr("Отклонить", "Decline")}</button>
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn WorkLogs(logs: Vec<api::WorkLog>, charged: i64) -> impl IntoView {
    let cx = ctx();
    let lang = cx.lang.get_untracked();
    view! {
        <h3>{cx.tr("Выполненные работы", "Work done")}</h3>
        <div class="table-wrap" tabindex="0"><table data-testid="work-logs">
            <thead><tr>
                <th>{lang.tr("Когда (МСК)", "When (Moscow)")}</th>
                <th>{lang.tr("В рабочее время", "Business hours")}</th>
                <th>{lang.tr("Сверхурочно (×2)", "Overtime (×2)")}</th>
                <th>{lang.tr("Списано", "Charged")}</th>
                <th>{lang.tr("Что сделано", "What was done")}</th>
            </tr></thead>
            <tbody>
                {logs.into_iter().map(|w| view! {
                    <tr data-testid="work-log-row">
                        <td>{format!("{} – {}", cx.at(w.started_at), cx.at(w.ended_at))}</td>
                        <td>{hours(w.business_minutes, lang)}</td>
                        <td>{hours(w.overtime_minutes, lang)}</td>
                        <td data-testid="work-charged">{hours(w.charged_minutes, lang)}</td>
                        <td>{w.description} {format!(" — {}", w.specialist_name)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
        <p data-testid="order-total">{format!("{}: {}", lang.tr("Всего списано", "Charged in all"), hours(charged, lang))}</p>
    }
}

/// Staff propose an estimate; specialists and admins log work (the staff app only).
#[cfg(feature = "staff")]
#[component]
fn StaffForms(here: OrderState, closed: bool) -> impl IntoView {
    let user = ctx().user.get_untracked();
    let staff = user.as_ref().is_some_and(api::User::is_staff);
    let worker = user
        .as_ref()
        .is_some_and(|u| matches!(u.role, Some(api::StaffRole::Specialist | api::StaffRole::Admin)));
    view! {
        {(staff && !closed).then(|| view! { <EstimateForm here=here /> })}
        {worker.then(|| view! { <WorkForm here=here /> })}
    }
}

#[cfg(not(feature = "staff"))]
#[component]
fn StaffForms(here: OrderState, closed: bool) -> impl IntoView {
    let _ = (here, closed);
}

#[cfg(feature = "staff")]
#[component]
fn EstimateForm(here: OrderState) -> impl IntoView {
    use crate::form::Field;
    let cx = ctx();
    let (hours, start, conditions) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let propose = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = api::whole_number("hours", &hours.get_untracked())
            .and_then(|h| Ok((h, api::date("starts_on", &start.get_untracked())?)));
        match parsed {
            Ok((hours, starts_on)) => {
                let body = NewEstimate {
                    hours,
                    starts_on,
                    conditions: conditions.get_untracked(),
                };
                let op = paths::propose_estimate(here.id);
                crate::task::change(here.error, here.reload, async move { api::send(op, &body).await });
            }
            Err(e) => here.error.set(Some(e)),
        }
    };
    view! {
        <form class="grid-form" data-testid="estimate-form" on:submit=propose>
            <Field ru="Часов" en="Hours" kind="number" value=hours testid="estimate-hours" />
            <Field ru="Начало работ" en="Start" kind="date" value=start testid="estimate-start" />
            <Field ru="Условия" en="Conditions" value=conditions testid="estimate-conditions" />
            <button class="small" type="submit" data-testid="estimate-submit">{move || cx.tr("Отправить оценку", "Send the estimate")}</button>
        </form>
    }
}

#[cfg(feature = "staff")]
#[component]
fn WorkForm(here: OrderState) -> impl IntoView {
    use crate::form::Field;
    let cx = ctx();
    let (from, to, text) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let log_work = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = moscow_input("started_at", &from.get_untracked())
            .and_then(|a| Ok((a, moscow_input("ended_at", &to.get_untracked())?)));
        match parsed {
            Ok((started_at, ended_at)) => {
                let body = NewWorkLog {
                    started_at,
                    ended_at,
                    description: text.get_untracked(),
                    override_balance: false,
                };
                text.set(String::new());
                let op = paths::log_work(here.id);
                crate::task::change(here.error, here.reload, async move { api::send(op, &body).await });
            }
            Err(e) => here.error.set(Some(e)),
        }
    };
    view! {
        <form class="grid-form" data-testid="work-form" on:submit=log_work>
            <Field ru="Начало (МСК)" en="Start (Moscow)" kind="datetime-local" value=from testid="work-start" />
            <Field ru="Окончание (МСК)" en="End (Moscow)" kind="datetime-local" value=to testid="work-end" />
            <Field ru="Что сделано" en="What was done" value=text testid="work-description" />
            <button class="small" type="submit" data-testid="work-submit">{move || cx.tr("Учесть работу", "Log work")}</button>
        </form>
    }
}

#[cfg(feature = "staff")]
/// A customer's certificates and the form to record one, on the admin's customer page.
#[component]
pub fn CustomerCertificates(customer: api::CustomerId) -> impl IntoView {
    use crate::form::Field;
    let cx = ctx();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let list = crate::task::reloading(reload, move || {
        api::call(
            paths::list_certificates()
                .query("customer_id", customer)
                .query("limit", 200),
        )
    });
    let (number, amount, from, until) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let customer_id = customer;
        let parsed = api::whole_number("hours", &amount.get_untracked()).and_then(|h| {
            Ok((
                h,
                api::date("valid_from", &from.get_untracked())?,
                api::date("valid_until", &until.get_untracked())?,
            ))
        });
        match parsed {
            Ok((hours, valid_from, valid_until)) => {
                let body = NewCertificate {
                    customer_id,
                    number: number.get_untracked(),
                    hours,
                    valid_from,
                    valid_until,
                };
                crate::task::change(error, reload, async move {
                    api::send(paths::create_certificate(), &body).await
                });
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="card" data-testid="customer-certificates">
            <h2>{move || cx.tr("Сертификаты профессионального сервиса", "Professional-services certificates")}</h2>
            {crate::task::shown(list, move |p| view! { <ul>
                {p.items.into_iter().map(|c| view! {
                    <li data-testid="customer-certificate">{format!("{} · {} ч · {} – {} · {} {}", c.number, c.hours,
                        crate::fmt::day(c.valid_from), crate::fmt::day(c.valid_until),
                        cx.tr("остаток", "balance"), hours(c.balance_minutes, cx.lang.get()))}</li>
                }).collect_view()}
            </ul> })}
            <form class="grid-form" on:submit=create>
                <Field ru="Номер" en="Number" value=number testid="certificate-number" />
                <Field ru="Часов" en="Hours" kind="number" value=amount testid="certificate-hours" />
                <Field ru="Действует с" en="Valid from" kind="date" value=from testid="certificate-from" />
                <Field ru="по" en="until" kind="date" value=until testid="certificate-until" />
                <button class="small" type="submit" data-testid="certificate-submit">{move || cx.tr("Добавить сертификат", "Add a certificate")}</button>
            </form>
            <ErrorLine error=error />
        </section>
    }
}
