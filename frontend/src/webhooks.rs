//! Webhooks (R-INT-2) for admins: subscriptions, their delivery log, the test event.

use leptos::prelude::*;

use crate::api::{
    self, ApiError, DeliveryStatus, NewWebhook, Webhook, WebhookDelivery, WebhookDeliveryId, WebhookEvent,
    WebhookPatch, paths,
};
use crate::task::change as run;
use crate::{ErrorLine, ctx};

fn event_label(e: WebhookEvent) -> (&'static str, &'static str) {
    match e {
        WebhookEvent::TicketCreated => ("обращение создано", "ticket created"),
        WebhookEvent::TicketStatusChanged => ("статус обращения изменен", "ticket status changed"),
        WebhookEvent::MessagePosted => ("новое сообщение", "message posted"),
        WebhookEvent::SlaWarning => ("срок SLA подходит к концу", "SLA warning"),
        WebhookEvent::SlaBreached => ("нарушен срок SLA", "SLA breached"),
        WebhookEvent::EscalationRaised => ("эскалация", "escalation raised"),
        WebhookEvent::BookingChanged => ("бронирование изменено", "booking changed"),
        WebhookEvent::Test => ("тестовое событие", "test event"),
    }
}

fn status_label(s: DeliveryStatus) -> (&'static str, &'static str) {
    match s {
        DeliveryStatus::Pending => ("ожидает", "pending"),
        DeliveryStatus::Delivered => ("доставлено", "delivered"),
        DeliveryStatus::Failed => ("не доставлено", "failed"),
    }
}

/// The "Вебхуки" page.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let cx = ctx();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let events: RwSignal<Vec<WebhookEvent>> = RwSignal::new(vec![WebhookEvent::TicketCreated]);
    let hooks = crate::task::reloading(reload, || api::call(paths::list_webhooks().query("limit", 200)));
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewWebhook {
            url: url.get_untracked(),
            description: description.get_untracked(),
            events: events.get_untracked(),
        };
        url.set(String::new());
        description.set(String::new());
        run(error, reload, async move {
            api::send(paths::create_webhook(), &input).await
        });
    };
    view! {
        <section class="card" data-testid="admin-webhooks">
            <h1>{move || cx.tr("Вебхуки", "Webhooks")}</h1>
            <p class="muted">{move || cx.tr(
                "События отправляются POST-запросом с подписью Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256). Неудачная доставка повторяется около суток, затем подписка приостанавливается и администраторы получают письмо.",
                "Events are POSTed with a Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256). A failed delivery is retried for about a day; then the subscription is paused and the admins told by mail.")}</p>
            <form on:submit=create>
                <label>{move || cx.tr("Адрес получателя", "Receiver URL")}
                    <input data-testid="webhook-url" type="url" required placeholder="https://crm.example.com/hooks/reglament"
                        prop:value=url on:input=move |ev| url.set(event_target_value(&ev)) />
                </label>
                <label>{move || cx.tr("Описание", "Description")}
                    <input data-testid="webhook-description" maxlength="500"
                        prop:value=description on:input=move |ev| description.set(event_target_value(&ev)) />
                </label>
                <fieldset class="scopes">
                    {WebhookEvent::ALL.iter().copied().filter(|e| *e != WebhookEvent::Test).map(|e| view! {
                        <label class="check">
                            <input type="checkbox" data-testid=format!("webhook-event-{}", e.as_str())
                                prop:checked=move || events.get().contains(&e)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    events.update(|list| { list.retain(|x| *x != e); if on { list.push(e); } });
                                } />
                            {move || { let (ru, en) = event_label(e); cx.tr(ru, en) }}
                        </label>
                    }).collect_view()}
                </fieldset>
                <button class="primary small" type="submit" data-testid="webhook-create">{move || cx.tr("Подписать", "Subscribe")}</button>
            </form>
            <ErrorLine error=error />
            {crate::task::shown(hooks, move |p| p.items.into_iter().map(|h| view! { <WebhookCard hook=h reload=reload /> }).collect_view())}
        </section>
    }
}

#[component]
fn WebhookCard(hook: Webhook, reload: RwSignal<u32>) -> impl IntoView {
    let cx = ctx();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let log: RwSignal<Option<Vec<WebhookDelivery>>> = RwSignal::new(None);
    let show_secret = RwSignal::new(false);
    let id = hook.id;
    let paused = hook.paused_at.is_some();
    let load_log = move || {
        crate::task::run(
            error,
            api::call(paths::list_deliveries(id).query("limit", 50)),
            move |p| log.set(Some(p.items)),
        );
    };
    // Queues a delivery (the test event, or a failed one again), then shows the log.
    let send = move |op: api::Op<api::NoBody, WebhookDelivery>| {
        crate::task::run(error, api::call(op), move |_| load_log());
    };
    let test = move |_| send(paths::send_test_event(id));
    // A failed delivery is sent again once the receiver is fixed and the subscription resumed.
    let retry = Callback::new(move |delivery: WebhookDeliveryId| send(paths::retry_delivery(id, delivery)));
    let toggle = move |_| {
        let patch = WebhookPatch {
            paused: Some(!paused),
            ..WebhookPatch::default()
        };
        run(error, reload, async move {
            api::send(paths::update_webhook(id), &patch).await
        });
    };
    let remove = move |_| {
        run(error, reload, async move { api::done(paths::delete_webhook(id)).await });
    };
    let secret = hook.secret.clone();
    let events = hook
        .events
        .iter()
        .map(|e| {
            let (ru, en) = event_label(*e);
            cx.tr(ru, en)
        })
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <article class="card inner" data-testid="webhook">
            <h3><code>{hook.url.clone()}</code></h3>
            <p>{hook.description.clone()}</p>
            <p class="muted">{events}</p>
            <p data-testid="webhook-state">
                {match &hook.paused_at {
                    Some(at) => format!("{} {} — {}", cx.tr("Приостановлена", "Paused"), cx.at(*at), hook.pause_reason.clone().unwrap_or_default()),
                    None => cx.tr("Активна", "Active").to_owned(),
                }}
                {format!(" · {}: {}", cx.tr("в очереди", "backlog"), hook.backlog)}
            </p>
            <p>
                <button class="link small" data-testid="webhook-secret-toggle" on:click=move |_| show_secret.update(|s| *s = !*s)>
                    {move || cx.tr("Секрет подписи", "Signing secret")}</button>
                {move || show_secret.get().then(|| view! { " "<code data-testid="webhook-secret">{secret.clone()}</code> })}
            </p>
            <div class="actions">
                <button class="small" data-testid="webhook-test" disabled=paused on:click=test>{move || cx.tr("Отправить тестовое событие", "Send test event")}</button>
                <button class="small" data-testid="webhook-log" on:click=move |_| load_log()>{move || cx.tr("Журнал доставки", "Delivery log")}</button>
                <button class="small" data-testid="webhook-toggle" on:click=toggle>{move || if paused { cx.tr("Возобновить", "Resume") } else { cx.tr("Приостановить", "Pause") }}</button>
                <button class="link small" data-testid="webhook-delete" on:click=remove>{move || cx.tr("Удалить", "Delete")}</button>
            </div>
            <ErrorLine error=error />
            {move || log.get().map(|items| view! { <Deliveries items=items paused=paused retry=retry /> })}
        </article>
    }
}

/// The delivery log of a subscription; a failed delivery can be sent again.
#[component]
fn Deliveries(items: Vec<WebhookDelivery>, paused: bool, retry: Callback<WebhookDeliveryId>) -> impl IntoView {
    let cx = ctx();
    view! {
        <div class="table-wrap" tabindex="0"><table class="list" data-testid="webhook-deliveries">
            <thead><tr>
                <th>{cx.tr("Создано", "Created")}</th><th>{cx.tr("Событие", "Event")}</th>
                <th>{cx.tr("Состояние", "Status")}</th><th>{cx.tr("Попыток", "Attempts")}</th>
                <th>{cx.tr("Ответ", "Answer")}</th><th>{cx.tr("Время, мс", "Time, ms")}</th>
                <th>{cx.tr("Последняя ошибка", "Last error")}</th><th></th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|d| {
                    let (eru, een) = event_label(d.event);
                    let (sru, sen) = status_label(d.status);
                    view! {
                        <tr data-testid="delivery-row">
                            <td>{cx.at(d.created_at)}</td>
                            <td>{cx.tr(eru, een)}</td>
                            <td data-testid="delivery-status">{cx.tr(sru, sen)}</td>
                            <td>{d.attempts}</td>
                            <td>{d.last_status.map(|s| s.to_string()).unwrap_or_default()}</td>
                            <td>{d.last_response_ms.map(|s| s.to_string()).unwrap_or_default()}</td>
                            <td>{d.last_error.unwrap_or_default()}</td>
                            <td>{(d.status == DeliveryStatus::Failed).then(|| {
                                let delivery = d.id;
                                view! {
                                    <button class="small" data-testid="delivery-retry" disabled=paused
                                        title=move || if paused { cx.tr("Сначала возобновите подписку", "Resume the subscription first") } else { "" }
                                        on:click=move |_| retry.run(delivery)>
                                        {move || cx.tr("Отправить снова", "Send again")}</button>
                                }
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}
