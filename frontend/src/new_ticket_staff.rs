//! Staff open a ticket on a client's behalf (the staff app only): the customer, the client,
//! the channel it came by. Choosing the customer sets the tier the promise is computed for.

use leptos::prelude::*;

use crate::api::{self, paths};
use crate::ctx;
use crate::new_ticket::Form;

#[component]
pub fn OnBehalf(form: Form) -> impl IntoView {
    let cx = ctx();
    form.channel.set(Some(api::Channel::Portal));
    let customers = LocalResource::new(|| api::call(paths::list_customers().query("limit", 200)));
    let listed = move || {
        customers
            .get()
            .and_then(Result::ok)
            .map(|p| p.items)
            .unwrap_or_default()
    };
    let chosen: RwSignal<Option<String>> = RwSignal::new(None);
    // The chosen customer's tier and active clients.
    Effect::new(move |_| {
        let Some(id) = chosen.get() else { return };
        form.author.set(None);
        let tier = listed()
            .into_iter()
            .find(|c| c.customer.id.to_string() == id)
            .and_then(|c| c.contract.map(|k| k.tier_code));
        form.tier.set(tier);
        leptos::task::spawn_local(async move {
            let op = paths::list_users().query("kind", "client").query("active", true);
            if let Ok(p) = api::call(op.query("customer_id", id).query("limit", 200)).await {
                form.clients.set(p.items);
            }
        });
    });
    view! {
        <fieldset class="on-behalf" data-testid="on-behalf">
            <legend>{move || cx.tr("От имени клиента", "On behalf of a client")}</legend>
            <label for="behalf-customer">{move || cx.tr("Заказчик", "Customer")}</label>
            <select id="behalf-customer" data-testid="behalf-customer" required
                on:change=move |ev| chosen.set(Some(event_target_value(&ev)).filter(|v| !v.is_empty()))>
                <option value="">"—"</option>
                {move || listed().into_iter().map(|c| view! {
                    <option value=c.customer.id.to_string()>{c.customer.name.clone()}</option>
                }).collect_view()}
            </select>
            <label for="behalf-client">{move || cx.tr("Клиент", "Client")}</label>
            <select id="behalf-client" data-testid="behalf-client" required
                on:change=move |ev| form.author.set(event_target_value(&ev).parse().ok())>
                <option value="">"—"</option>
                {move || form.clients.get().into_iter().map(|u| view! {
                    <option value=u.id.to_string()>{format!("{} <{}>", u.full_name, u.email)}</option>
                }).collect_view()}
            </select>
            <label for="behalf-channel">{move || cx.tr("Как обратился", "Came by")}</label>
            <select id="behalf-channel" data-testid="behalf-channel"
                on:change=move |ev| if let Ok(c) = event_target_value(&ev).parse() { form.channel.set(Some(c)) }>
                <option value="portal">{move || cx.tr("Телефон / портал", "Phone / portal")}</option>
                <option value="email">{move || cx.tr("Электронная почта", "Email")}</option>
                <option value="telegram">"Telegram"</option>
            </select>
        </fieldset>
    }
}
