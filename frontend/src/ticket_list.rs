//! The ticket list: a client's own and team's tickets, the staff's work queue. Filters are
//! typed state that makes the query (`reglament_api::TicketsQuery`, what the server reads);
//! the page is a resource of that query, read again when a ticket changes (the live
//! stream) without a flash. Keyset paging with Back and Next.

use leptos::prelude::*;

use crate::api::{self, Category, Status, TicketList as TicketPage, TicketView, TicketsQuery};
use crate::{Route, ctx, fmt};

thread_local! {
    static OVERDUE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Opens the list filtered to overdue tickets (the header's counter).
pub fn show_overdue() {
    OVERDUE_ONLY.with(|c| c.set(true));
}

const STATUSES: [Status; 4] = [Status::Open, Status::WaitingForCustomer, Status::Queued, Status::Closed];
const LIMIT: i64 = 25;

/// The filters and the page's place, typed; `query` is the request they make.
#[derive(Clone, Copy)]
pub(crate) struct Filters {
    status: RwSignal<String>,
    category: RwSignal<String>,
    search: RwSignal<String>,
    overdue: RwSignal<bool>,
    pub(crate) mine: RwSignal<bool>,
    pub(crate) customer: RwSignal<String>,
    pub(crate) tier: RwSignal<String>,
    sort: RwSignal<String>,
    /// Keyset paging: the cursor of this page and those of the pages before it (for Back).
    cursor: RwSignal<Option<String>>,
    earlier: RwSignal<Vec<Option<String>>>,
}

impl Filters {
    fn new(staff: bool) -> Self {
        Self {
            status: RwSignal::new(String::new()),
            category: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
            overdue: RwSignal::new(OVERDUE_ONLY.with(|c| c.replace(false))),
            mine: RwSignal::new(false),
            customer: RwSignal::new(String::new()),
            tier: RwSignal::new(String::new()),
            sort: RwSignal::new(if staff { "due" } else { "created" }.to_owned()),
            cursor: RwSignal::new(None),
            earlier: RwSignal::new(Vec::new()),
        }
    }

    /// `/tickets?…` for the filters as they stand (read tracked).
    fn query(self) -> api::Op<api::NoBody, TicketPage> {
        let text = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let query = TicketsQuery {
            status: self.status.get().parse().ok(),
            category: self.category.get().parse().ok(),
            customer_id: self.customer.get().parse().ok(),
            team_id: None,
            assignee_id: if self.mine.get() {
                ctx().user.get_untracked().map(|u| u.id)
            } else {
                None
            },
            tier: text(self.tier.get()),
            overdue: self.overdue.get().then_some(true),
            q: text(self.search.get()).map(|q| q.trim().to_owned()),
            sort: self.sort.get().parse().ok(),
            cursor: self.cursor.get(),
        };
        api::paths::list_tickets()
            .query("limit", LIMIT)
            .raw_query(&query.to_query_string())
    }

    /// A filter changed: back to the first page.
    pub(crate) fn reset(self) {
        self.cursor.set(None);
        self.earlier.set(Vec::new());
    }
}

#[component]
pub fn TicketList() -> impl IntoView {
    let cx = ctx();
    let staff = cx.user.get_untracked().is_some_and(|u| u.is_staff());
    let filters = Filters::new(staff);
    let page = LocalResource::new(move || {
        let q = filters.query();
        async move { api::call(q).await }
    });
    // Another person's change to a ticket (the live stream) reads the page again, once per
    // burst of changes (the page shown stays until the new one is in).
    crate::live::on_change(
        crate::live::live().tickets,
        || true,
        move || async move {
            page.refetch();
            let _ = page.await;
        },
    );
    let loading = move || view! { <p class="muted" data-testid="loading">{cx.tr("Загрузка…", "Loading…")}</p> };
    view! {
        <section class="card" data-testid="ticket-list">
            <div class="title-row">
                <h1>{move || if staff { cx.tr("Очередь обращений", "Work queue") } else { cx.tr("Мои обращения", "My tickets") }}</h1>
                {(!staff).then(|| view! {
                    <button class="primary small" data-testid="new-ticket" on:click=move |_| cx.go(Route::NewTicket)>
                        {move || cx.tr("Новое обращение", "New ticket")}
                    </button>
                })}
            </div>
            <FilterBar filters=filters staff=staff />
            <Transition fallback=loading>
                {move || page.get().map(|found| match found {
                    Err(e) => view! { <p class="error" role="alert">{cx.error(&e)}</p> }.into_any(),
                    Ok(p) if p.items.is_empty() => view! { <Empty staff=staff /> }.into_any(),
                    Ok(p) => view! { <Results page=p filters=filters staff=staff /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FilterBar(filters: Filters, staff: bool) -> impl IntoView {
    let cx = ctx();
    let Filters {
        status,
        category,
        search,
        overdue,
        sort,
        ..
    } = filters;
    view! {
        <div class="filters">
            <input type="search" data-testid="filter-search" aria-label=move || cx.tr("Поиск по теме", "Search the subject")
                placeholder=move || cx.tr("Поиск по теме", "Search the subject")
                prop:value=search on:input=move |ev| { search.set(event_target_value(&ev)); filters.reset(); } />
            <select data-testid="filter-status" aria-label=move || cx.tr("Статус", "Status")
                on:change=move |ev| { status.set(event_target_value(&ev)); filters.reset(); }>
                <option value="">{move || cx.tr("Все статусы", "All statuses")}</option>
                {STATUSES.iter().map(|st| view! { <option value=st.as_str()>{move || cx.lang.get().status(*st)}</option> }).collect_view()}
            </select>
            <select data-testid="filter-category" aria-label=move || cx.tr("Категория", "Category")
                on:change=move |ev| { category.set(event_target_value(&ev)); filters.reset(); }>
                <option value="">{move || cx.tr("Все категории", "All categories")}</option>
                {Category::ALL.iter().map(|c| view! { <option value=c.as_str()>{move || cx.lang.get().category(*c)}</option> }).collect_view()}
            </select>
            {staff_filters(filters, staff)}
            <label class="check"><input type="checkbox" data-testid="filter-overdue" prop:checked=overdue
                on:change=move |ev| { overdue.set(event_target_checked(&ev)); filters.reset(); } />
                {move || cx.tr("Просроченные", "Overdue")}</label>
            <select data-testid="sort" aria-label=move || cx.tr("Порядок", "Order") prop:value=sort
                on:change=move |ev| { sort.set(event_target_value(&ev)); filters.reset(); }>
                <option value="due">{move || cx.tr("По сроку ответа", "By response due")}</option>
                <option value="created">{move || cx.tr("Сначала новые", "Newest first")}</option>
            </select>
        </div>
    }
}

#[cfg(feature = "staff")]
fn staff_filters(filters: Filters, staff: bool) -> impl IntoView {
    staff.then(|| view! { <crate::ticket_list_staff::StaffFilters filters=filters /> })
}

#[cfg(not(feature = "staff"))]
fn staff_filters(_: Filters, _: bool) -> impl IntoView {}

#[component]
fn Empty(staff: bool) -> impl IntoView {
    let cx = ctx();
    view! {
        <p class="empty" data-testid="empty">
            {if staff {
                cx.tr("Обращений по этим условиям нет. Измените фильтры.", "No tickets match. Change the filters.")
            } else {
                cx.tr("Здесь пока пусто. Создайте обращение кнопкой «Новое обращение» — мы ответим в срок вашего пакета поддержки.",
                    "Nothing here yet. Open a ticket with “New ticket”; we answer within your tier's time.")
            }}
        </p>
    }
}

/// One page of tickets and the pager.
#[component]
fn Results(page: TicketPage, filters: Filters, staff: bool) -> impl IntoView {
    let cx = ctx();
    let now = fmt::now_millis();
    let Filters { cursor, earlier, .. } = filters;
    let first = i64::try_from(earlier.get_untracked().len()).unwrap_or(0) * LIMIT + 1;
    let shown_to = first - 1 + i64::try_from(page.items.len()).unwrap_or(0);
    // Past 1,000 matches the server stops counting (`total_exact` false).
    let of_total = if page.total_exact {
        page.total.to_string()
    } else {
        format!("{}+", page.total)
    };
    let next = page.next_cursor.clone();
    let has_next = next.is_some();
    let rows = page
        .items
        .into_iter()
        .map(|t| view! { <Row ticket=t staff=staff now=now /> })
        .collect_view();
    let staff_heads = staff.then(|| {
        view! {
            <th class="hide-phone">{cx.tr("Заказчик", "Customer")}</th>
            <th class="hide-phone">{cx.tr("Пакет", "Tier")}</th>
            <th class="hide-phone">{cx.tr("Исполнитель", "Assignee")}</th>
        }
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
    }
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
fn Row(ticket: TicketView, staff: bool, now: f64) -> impl IntoView {
    let cx = ctx();
    let t = &ticket.ticket;
    let id = t.id.to_string();
    let to = Route::Ticket(t.id);
    let due = t.response_due_at.map_or_else(|| "—".to_owned(), |d| cx.at(d));
    let customer = ticket.customer_name.clone();
    let tier = cx.lang.get().tier(t.response_tier.as_deref().unwrap_or_default());
    let assignee = ticket.assignee_name.clone().unwrap_or_else(|| "—".to_owned());
    // Staff see whose ticket it is: columns on desktop, a line under the subject on phones.
    let whose = staff.then(|| {
        view! {
            <div class="row-meta show-phone" data-testid="row-meta">{format!("{customer} · {tier}")}</div>
        }
    });
    let columns = staff.then(|| {
        view! {
            <td class="hide-phone" data-testid="row-customer">{customer.clone()}</td>
            <td class="hide-phone" data-testid="row-tier">{tier}</td>
            <td class="hide-phone" data-testid="row-assignee">{assignee}</td>
        }
    });
    view! {
        <tr class=urgency(&ticket, now) data-testid="ticket-row">
            <td class="num">{format!("№{}", t.number)}</td>
            <td class="subject"><a href=format!("/tickets/{id}") on:click=move |ev| { ev.prevent_default(); cx.go(to.clone()); }>{t.subject.clone()}</a>
                {whose}</td>
            {columns}
            <td>{cx.lang.get().status(t.status)}{ticket.queue_position.map(|p| format!(" ({p})"))}</td>
            <td class="hide-phone">{cx.lang.get().category(t.category)}</td>
            <td class="due">{due}</td>
        </tr>
    }
}
