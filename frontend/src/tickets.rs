//! Ticket screens: the list (the client's own and team's, the staff work queue), a new
//! ticket with its promised response time or queue place, and the ticket page with
//! the conversation, history, countdown and actions.

use std::cell::Cell;

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use serde::Serialize;

use crate::api::{
    self, ApiError, Category, CustomerView, Page, Status, Team, TicketId, TicketList as TicketPage_, TicketView,
    TicketsQuery, User,
};
use crate::fmt;
use crate::{Route, ctx};

const STATUSES: [Status; 4] = [Status::Open, Status::WaitingForCustomer, Status::Queued, Status::Closed];

/// A change to a ticket in flight; answers the ticket it landed on, when it says.
pub(crate) type Change = Pin<Box<dyn Future<Output = Result<Option<TicketId>, ApiError>>>>;

/// POST `body` to `/tickets/{id}/{path}`, an action that answers the ticket.
pub(crate) fn ticket_action<B: Serialize + 'static>(id: &str, path: &str, body: B) -> Change {
    let url = format!("/tickets/{id}/{path}");
    Box::pin(async move { api::post::<_, TicketView>(&url, &body).await.map(|v| Some(v.ticket.id)) })
}

thread_local! {
    static OVERDUE_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// Opens the list filtered to overdue tickets (the header's counter).
pub fn show_overdue() {
    OVERDUE_ONLY.with(|c| c.set(true));
}

/// `overdue`, `soon` (within an hour) or nothing, for a ticket's due time.
fn urgency(t: &TicketView, now: f64) -> &'static str {
    if t.overdue {
        return "overdue";
    }
    match t.ticket.response_due_at.map(fmt::at_millis) {
        Some(due) if t.ticket.awaiting_response && due - now < 3_600_000.0 => "soon",
        _ => "",
    }
}

#[component]
pub fn TicketList() -> impl IntoView {
    let cx = ctx();
    let staff = cx.user.get_untracked().is_some_and(|u| u.is_staff());
    let status = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let overdue = RwSignal::new(OVERDUE_ONLY.with(|c| c.replace(false)));
    let mine = RwSignal::new(false);
    let customer = RwSignal::new(String::new());
    let tier = RwSignal::new(String::new());
    let sort = RwSignal::new(if staff { "due" } else { "created" }.to_owned());
    // Keyset paging: the cursor of this page and those of the pages before it (for Back).
    let cursor: RwSignal<Option<String>> = RwSignal::new(None);
    let earlier: RwSignal<Vec<Option<String>>> = RwSignal::new(Vec::new());
    let page: RwSignal<Option<Result<TicketPage_, ApiError>>> = RwSignal::new(None);
    let customers: RwSignal<Vec<CustomerView>> = RwSignal::new(Vec::new());
    let now = RwSignal::new(fmt::now_millis());
    if let Ok(handle) = set_interval_with_handle(move || now.set(fmt::now_millis()), std::time::Duration::from_secs(30))
    {
        on_cleanup(move || handle.clear());
    }
    if staff {
        leptos::task::spawn_local(async move {
            if let Ok(v) = api::get::<Page<CustomerView>>("/customers?limit=200").await {
                customers.set(v.items);
            }
        });
    }
    const LIMIT: i64 = 25;
    // The page shown, read again when a ticket changes (the live stream), without a flash.
    let last_query: RwSignal<Option<String>> = RwSignal::new(None);
    crate::live::on_change(
        crate::live::live().tickets,
        || true,
        move || async move {
            if let Some(q) = last_query.get_untracked()
                && let Ok(p) = api::get::<TicketPage_>(&q).await
            {
                page.set(Some(Ok(p)));
            }
        },
    );
    Effect::new(move |_| {
        // The same query type the server reads (reglament_api::TicketsQuery).
        let text = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let query = TicketsQuery {
            status: status.get().parse().ok(),
            category: category.get().parse().ok(),
            customer_id: customer.get().parse().ok(),
            team_id: None,
            assignee_id: if mine.get() {
                cx.user.get_untracked().map(|u| u.id)
            } else {
                None
            },
            tier: text(tier.get()),
            overdue: overdue.get().then_some(true),
            q: text(search.get()).map(|q| q.trim().to_owned()),
            sort: sort.get().parse().ok(),
            cursor: cursor.get(),
        };
        let q = format!("/tickets?limit={LIMIT}&{}", query.to_query_string());
        last_query.set(Some(q.clone()));
        page.set(None);
        leptos::task::spawn_local(async move {
            page.set(Some(api::get(&q).await));
        });
    });
    let reset = move || {
        cursor.set(None);
        earlier.set(Vec::new());
    };
    // The tier filter narrows the customer choice (tickets are filtered by customer).
    let shown_customers = move || {
        let t = tier.get();
        customers
            .get()
            .into_iter()
            .filter(|c| t.is_empty() || c.contract.as_ref().is_some_and(|k| k.tier_code == t))
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card" data-testid="ticket-list">
            <div class="title-row">
                <h1>{move || if staff { cx.tr("Очередь обращений", "Work queue") } else { cx.tr("Мои обращения", "My tickets") }}</h1>
                <Show when=move || !staff>
                    <button class="primary small" data-testid="new-ticket" on:click=move |_| cx.go(Route::NewTicket)>
                        {move || cx.tr("Новое обращение", "New ticket")}
                    </button>
                </Show>
            </div>
            <div class="filters">
                <input type="search" data-testid="filter-search" placeholder=move || cx.tr("Поиск по теме", "Search the subject")
                    prop:value=search on:input=move |ev| { search.set(event_target_value(&ev)); reset(); } />
                <select data-testid="filter-status" aria-label=move || cx.tr("Статус", "Status")
                    on:change=move |ev| { status.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || cx.tr("Все статусы", "All statuses")}</option>
                    {STATUSES.iter().map(|st| view! { <option value=st.as_str()>{move || cx.lang.get().status(*st)}</option> }).collect_view()}
                </select>
                <select data-testid="filter-category" aria-label=move || cx.tr("Категория", "Category")
                    on:change=move |ev| { category.set(event_target_value(&ev)); reset(); }>
                    <option value="">{move || cx.tr("Все категории", "All categories")}</option>
                    {Category::ALL.iter().map(|c| view! { <option value=c.as_str()>{move || cx.lang.get().category(*c)}</option> }).collect_view()}
                </select>
                <Show when=move || staff>
                    <select data-testid="filter-tier" aria-label=move || cx.tr("Пакет", "Tier")
                        on:change=move |ev| { tier.set(event_target_value(&ev)); customer.set(String::new()); reset(); }>
                        <option value="">{move || cx.tr("Все пакеты", "All tiers")}</option>
                        {api::TierCode::ALL.iter().map(|t| view! { <option value=t.as_str()>{move || cx.lang.get().tier(t.as_str())}</option> }).collect_view()}
                    </select>
                    <select data-testid="filter-customer" aria-label=move || cx.tr("Заказчик", "Customer")
                        prop:value=customer on:change=move |ev| { customer.set(event_target_value(&ev)); reset(); }>
                        <option value="">{move || cx.tr("Все заказчики", "All customers")}</option>
                        {move || shown_customers().into_iter().map(|c| view! { <option value=c.customer.id.to_string()>{c.customer.name}</option> }).collect_view()}
                    </select>
                    <label class="check"><input type="checkbox" data-testid="filter-mine"
                        on:change=move |ev| { mine.set(event_target_checked(&ev)); reset(); } />
                        {move || cx.tr("Мои", "Mine")}</label>
                </Show>
                <label class="check"><input type="checkbox" data-testid="filter-overdue" prop:checked=overdue
                    on:change=move |ev| { overdue.set(event_target_checked(&ev)); reset(); } />
                    {move || cx.tr("Просроченные", "Overdue")}</label>
                <select data-testid="sort" aria-label=move || cx.tr("Порядок", "Order") prop:value=sort
                    on:change=move |ev| { sort.set(event_target_value(&ev)); reset(); }>
                    <option value="due">{move || cx.tr("По сроку ответа", "By response due")}</option>
                    <option value="created">{move || cx.tr("Сначала новые", "Newest first")}</option>
                </select>
            </div>
            {move || match page.get() {
                None => view! { <p class="muted" data-testid="loading">{cx.tr("Загрузка…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{cx.error(&e)}</p> }.into_any(),
                Some(Ok(p)) => {
                    let found = p.items.clone();
                    let total = p.total;
                    if found.is_empty() {
                        return view! {
                            <p class="empty" data-testid="empty">
                                {if staff {
                                    cx.tr("Обращений по этим условиям нет. Измените фильтры.", "No tickets match. Change the filters.")
                                } else {
                                    cx.tr("Здесь пока пусто. Создайте обращение кнопкой «Новое обращение» — мы ответим в срок вашего пакета поддержки.",
                                        "Nothing here yet. Open a ticket with “New ticket”; we answer within your tier's time.")
                                }}
                            </p>
                        }.into_any();
                    }
                    let rows = found.into_iter().map(|t| {
                        let id = t.ticket.id.to_string();
                        let class = urgency(&t, now.get_untracked());
                        let due = t.ticket.response_due_at.map_or_else(|| "—".to_owned(), |d| cx.at(d));
                        let position = t.queue_position;
                        let to = Route::Ticket(id.clone());
                        let customer = t.customer_name.clone();
                        let tier = cx.lang.get().tier(t.ticket.response_tier.as_deref().unwrap_or_default());
                        let assignee = t.assignee_name.clone().unwrap_or_else(|| "—".to_owned());
                        // Staff see whose ticket it is: columns on desktop, a line under the subject on phones.
                        let whose = staff.then(|| view! {
                            <div class="row-meta show-phone" data-testid="row-meta">{format!("{customer} · {tier}")}</div>
                        });
                        let columns = staff.then(|| view! {
                            <td class="hide-phone" data-testid="row-customer">{customer.clone()}</td>
                            <td class="hide-phone" data-testid="row-tier">{tier}</td>
                            <td class="hide-phone" data-testid="row-assignee">{assignee}</td>
                        });
                        view! {
                            <tr class=class data-testid="ticket-row">
                                <td class="num">{format!("№{}", t.ticket.number)}</td>
                                <td class="subject"><a href=format!("/tickets/{id}") on:click=move |ev| { ev.prevent_default(); cx.go(to.clone()); }>{t.ticket.subject.clone()}</a>
                                    {whose}</td>
                                {columns}
                                <td>{cx.lang.get().status(t.ticket.status)}
                                    {position.map(|p| format!(" ({p})"))}</td>
                                <td class="hide-phone">{cx.lang.get().category(t.ticket.category)}</td>
                                <td class="due">{due}</td>
                            </tr>
                        }
                    }).collect_view();
                    let first = i64::try_from(earlier.get_untracked().len()).unwrap_or(0) * LIMIT + 1;
                    let shown_to = first - 1 + i64::try_from(p.items.len()).unwrap_or(0);
                    let next = p.next_cursor.clone();
                    let has_next = next.is_some();
                    // Past 1,000 matches the server stops counting (`total_exact` false).
                    let of_total = if p.total_exact { total.to_string() } else { format!("{total}+") };
                    let staff_heads = staff.then(|| view! {
                        <th class="hide-phone">{cx.tr("Заказчик", "Customer")}</th>
                        <th class="hide-phone">{cx.tr("Пакет", "Tier")}</th>
                        <th class="hide-phone">{cx.tr("Исполнитель", "Assignee")}</th>
                    });
                    view! {
                        <div class="table-wrap" tabindex="0">
                            <table class="tickets">
                                <thead><tr>
                                    <th>"№"</th><th>{cx.tr("Тема", "Subject")}</th>{staff_heads}<th>{cx.tr("Статус", "Status")}</th>
                                    <th class="hide-phone">{cx.tr("Категория", "Category")}</th>
                                    <th>{cx.tr("Срок ответа", "Response due")}</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                        <div class="pager">
                            <button class="link" disabled=move || earlier.with(Vec::is_empty)
                                on:click=move |_| { let back = earlier.try_update(Vec::pop).flatten().flatten(); cursor.set(back); }>{cx.tr("← Назад", "← Back")}</button>
                            <span class="muted" data-testid="total">{format!("{first}–{shown_to} {} {of_total}", cx.tr("из", "of"))}</span>
                            <button class="link" disabled=!has_next
                                on:click=move |_| { earlier.update(|e| e.push(cursor.get_untracked())); cursor.set(next.clone()); }>{cx.tr("Далее →", "Next →")}</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The client's company: its teams and people.
#[component]
pub fn Company() -> impl IntoView {
    let cx = ctx();
    let users: RwSignal<Option<Result<Page<User>, ApiError>>> = RwSignal::new(None);
    let teams: RwSignal<Vec<Team>> = RwSignal::new(Vec::new());
    leptos::task::spawn_local(async move {
        if let Some(id) = cx.user.get_untracked().and_then(|u| u.customer_id) {
            if let Ok(t) = api::get::<Page<Team>>(&format!("/customers/{id}/teams")).await {
                teams.set(t.items);
            }
            users.set(Some(
                api::get::<Page<User>>(&format!("/users?customer_id={id}&limit=200")).await,
            ));
        }
    });
    view! {
        <section class="card" data-testid="company">
            <h1>{move || cx.tr("Моя компания", "My company")}</h1>
            {move || match users.get() {
                None => view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{cx.error(&e)}</p> }.into_any(),
                Some(Ok(u)) => {
                    let people = u.items;
                    let team_list = teams.get();
                    let name_of = move |id: api::TeamId| team_list.iter().find(|t| t.id == id).map(|t| t.name.clone());
                    view! {
                        <div class="table-wrap" tabindex="0"><table>
                            <thead><tr><th>{cx.tr("Имя", "Name")}</th><th>{cx.tr("Почта", "Email")}</th><th>{cx.tr("Команда", "Team")}</th></tr></thead>
                            <tbody>{people.into_iter().map(|p| view! {
                                <tr><td>{p.full_name}{p.is_key_contact.then(|| cx.tr(" (ККЛ)", " (key contact)"))}</td>
                                    <td>{p.email}</td>
                                    <td>{p.team_id.and_then(&name_of).unwrap_or_else(|| "—".to_owned())}</td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }
            }}
        </section>
    }
}
