//! The work queue's staff filters (the staff app only): tier, customer, "mine". The tier
//! narrows the customer choice (tickets are filtered by customer).

use leptos::prelude::*;

use crate::api::{self, paths};
use crate::ctx;
use crate::ticket_list::Filters;

#[component]
pub fn StaffFilters(filters: Filters) -> impl IntoView {
    let cx = ctx();
    let (tier, customer, mine) = (filters.tier, filters.customer, filters.mine);
    let customers = LocalResource::new(|| api::call(paths::list_customers().query("limit", 200)));
    let shown_customers = move || {
        let t = tier.get();
        customers
            .get()
            .and_then(Result::ok)
            .map(|p| p.items)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| t.is_empty() || c.contract.as_ref().is_some_and(|k| k.tier_code == t))
            .collect::<Vec<_>>()
    };
    view! {
        <select data-testid="filter-tier" aria-label=move || cx.tr("Пакет", "Tier")
            on:change=move |ev| { tier.set(event_target_value(&ev)); customer.set(String::new()); filters.reset(); }>
            <option value="">{move || cx.tr("Все пакеты", "All tiers")}</option>
            {api::TierCode::ALL.iter().map(|t| view! { <option value=t.as_str()>{move || cx.lang.get().tier(t.as_str())}</option> }).collect_view()}
        </select>
        <select data-testid="filter-customer" aria-label=move || cx.tr("Заказчик", "Customer")
            prop:value=customer on:change=move |ev| { customer.set(event_target_value(&ev)); filters.reset(); }>
            <option value="">{move || cx.tr("Все заказчики", "All customers")}</option>
            {move || shown_customers().into_iter().map(|c| view! { <option value=c.customer.id.to_string()>{c.customer.name}</option> }).collect_view()}
        </select>
        <label class="check"><input type="checkbox" data-testid="filter-mine"
            on:change=move |ev| { mine.set(event_target_checked(&ev)); filters.reset(); } />
            {move || cx.tr("Мои", "Mine")}</label>
    }
}
