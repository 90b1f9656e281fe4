//! Staff's actions on an open ticket (the staff app only): close with a reason, reclassify,
//! confirm a bug, revoke criticality.

use leptos::prelude::*;

use crate::api::{Category, CloseInput, CloseReason, ReasonInput, ReclassifyInput, TicketView, paths};
use crate::ctx;
use crate::ticket_page::Here;

/// What staff may close with (a client's close is always `closed_by_customer`).
const CLOSE_REASONS: [CloseReason; 7] = [
    CloseReason::Resolved,
    CloseReason::NoCustomerResponse,
    CloseReason::ThirdParty,
    CloseReason::UnsupportedVersion,
    CloseReason::NotKeyContact,
    CloseReason::Declined,
    CloseReason::Duplicate,
];

#[component]
pub fn StaffActions(here: Here, view: TicketView) -> impl IntoView {
    let cx = ctx();
    let t = view.ticket;
    let reason = RwSignal::new(CloseReason::Resolved);
    let new_category: RwSignal<Option<Category>> = RwSignal::new(None);
    let close = move |_| {
        here.action(
            paths::close_ticket,
            CloseInput {
                reason: Some(reason.get_untracked()),
                comment: None,
            },
        );
    };
    let reclassify = move |_| {
        if let Some(category) = new_category.get_untracked() {
            here.action(paths::reclassify, ReclassifyInput { category });
        }
    };
    let confirm = (t.category == Category::Bug && !t.bug_confirmed).then(|| view! {
        <button class="link" data-testid="confirm-bug" on:click=move |_| here.call(paths::confirm_bug)>{cx.tr("Подтвердить ошибку", "Confirm the bug")}</button>
    });
    let revoke = t.is_critical.then(|| view! {
        <button class="link" data-testid="revoke-critical"
            on:click=move |_| here.action(paths::revoke_criticality, ReasonInput { reason: "Не соответствует критериям критической ошибки".to_owned() })>
            {cx.tr("Снять критичность", "Revoke criticality")}</button>
    });
    view! {
        <div class="staff-actions" data-testid="staff-actions">
            <h2>{cx.tr("Действия", "Actions")}</h2>
            <div class="actions">
                <select data-testid="close-reason" aria-label=cx.tr("Причина закрытия", "Close reason") on:change=move |ev| if let Ok(r) = event_target_value(&ev).parse() { reason.set(r) }>
                    {CLOSE_REASONS.iter().map(|r| view! { <option value=r.as_str()>{cx.lang.get().close_reason(*r)}</option> }).collect_view()}
                </select>
                <button class="link" data-testid="staff-close" on:click=close>{cx.tr("Закрыть", "Close")}</button>
            </div>
            <div class="actions">
                <select data-testid="reclassify-category" aria-label=cx.tr("Новая категория", "New category") on:change=move |ev| new_category.set(event_target_value(&ev).parse().ok())>
                    <option value="">{cx.tr("Новая категория…", "New category…")}</option>
                    {Category::ALL.iter().map(|c| view! { <option value=c.as_str()>{cx.lang.get().category(*c)}</option> }).collect_view()}
                </select>
                <button class="link" data-testid="reclassify" on:click=reclassify>{cx.tr("Переклассифицировать", "Reclassify")}</button>
            </div>
            <div class="actions">{confirm}{revoke}</div>
        </div>
    }
}
