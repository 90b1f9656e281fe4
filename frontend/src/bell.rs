//! The notification centre: a bell with the unread count in the header and the list of the
//! latest notifications (mark read, jump to the ticket, mark all read), live from the
//! stream. The choice of channel per kind is in the profile (`preferences.rs`).

use leptos::prelude::*;

use crate::api::{self, Notification, NotificationList, paths};
use crate::live::live;
use crate::{Route, ctx};

#[component]
pub fn Bell() -> impl IntoView {
    let cx = ctx();
    let live = live();
    let list: RwSignal<Option<NotificationList>> = RwSignal::new(None);
    let open = RwSignal::new(false);
    let load = move || {
        leptos::task::spawn_local(async move {
            if let Ok(l) = api::call(paths::list_notifications().query("limit", 20)).await {
                list.set(Some(l));
            }
        });
    };
    // On sign-in and on every notification pushed by the server.
    Effect::new(move |_| {
        live.notifications.track();
        load();
    });
    let read = move |n: Notification| {
        open.set(false);
        leptos::task::spawn_local(async move {
            let _ = api::done(paths::mark_read(n.id)).await;
            load();
        });
        if let Some(ticket) = n.ticket_id {
            cx.go(Route::Ticket(ticket));
        }
    };
    let read_all = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api::done(paths::mark_all_read()).await;
            load();
        });
    };
    let unread = move || list.get().map_or(0, |l| l.unread);
    view! {
        <div class="bell-box">
            <button class="bell" data-testid="bell" aria-haspopup="true" aria-expanded=move || open.get().to_string()
                data-live=move || if live.connected.get() { "on" } else { "off" }
                data-loaded=move || if list.with(Option::is_some) { "yes" } else { "no" }
                title=move || cx.tr("Уведомления", "Notifications")
                on:click=move |_| { open.update(|o| *o = !*o); if open.get_untracked() { load(); } }>
                <svg class="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                    <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z" fill="currentColor" />
                </svg>
                // Nothing until the first load: a "0" before it would be a guess.
                <span class="bell-count" class:zero=move || unread() == 0 data-testid="bell-count">
                    {move || list.with(|l| l.as_ref().map(|l| l.unread.to_string()).unwrap_or_default())}
                </span>
            </button>
            <Show when=move || open.get()>
                <div class="bell-list card" data-testid="bell-list" role="menu">
                    <div class="bell-head">
                        <strong>{move || cx.tr("Уведомления", "Notifications")}</strong>
                        <button class="link small" data-testid="bell-read-all" on:click=read_all>{move || cx.tr("Прочитать все", "Mark all read")}</button>
                    </div>
                    {move || {
                        let items = list.get().map(|l| l.items).unwrap_or_default();
                        if items.is_empty() {
                            return view! { <p class="muted">{cx.tr("Уведомлений нет", "No notifications")}</p> }.into_any();
                        }
                        items.into_iter().map(|n| {
                            let shown = n.clone();
                            view! {
                                <button class="bell-item" class:unread=n.read_at.is_none() data-testid="bell-item" role="menuitem"
                                    on:click=move |_| read(shown.clone())>
                                    <span class="bell-title">{n.title.clone()}</span>
                                    <span class="muted small">{cx.at(n.created_at)}</span>
                                    <span class="bell-body">{n.body.clone()}</span>
                                </button>
                            }
                        }).collect_view().into_any()
                    }}
                </div>
            </Show>
        </div>
    }
}
