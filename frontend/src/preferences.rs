//! Each person's choice of channel per notification kind, in the profile, with staff's
//! Telegram linked to the bot by a one-time code (R-NTF-4, R-NTF-5).

use leptos::prelude::*;

use crate::api::{
    self, ApiError, NotificationChannel, NotificationPreference, PreferenceChange, TelegramAccountCode,
    TelegramAccountStatus, paths,
};
use crate::{ErrorLine, ctx};

/// Each person chooses where each kind goes besides the app: staff their alerts (and link
/// Telegram), clients the optional notices about their tickets (R-NTF-4, R-NTF-5).
#[component]
pub fn Preferences(staff: bool) -> impl IntoView {
    let cx = ctx();
    let prefs: RwSignal<Vec<NotificationPreference>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    crate::task::run(error, api::call(paths::get_preferences()), move |p| prefs.set(p));
    let choose = move |kind: String, value: String| {
        let channel = value.parse::<NotificationChannel>().ok();
        let change = vec![PreferenceChange { kind, channel }];
        crate::task::run(
            error,
            async move { api::send(paths::put_preferences(), &change).await },
            move |p| {
                prefs.set(p);
            },
        );
    };
    let telegram: RwSignal<Option<TelegramAccountStatus>> = RwSignal::new(None);
    let channels = [
        (NotificationChannel::InApp, "Только в приложении", "In the app only"),
        (NotificationChannel::Mail, "Письмом", "By mail"),
        (NotificationChannel::Telegram, "В Telegram", "In Telegram"),
        (NotificationChannel::DigestHourly, "Сводка раз в час", "Hourly digest"),
        (NotificationChannel::DigestDaily, "Сводка раз в день", "Daily digest"),
    ];
    // Telegram is offered once linked (and stays shown where it is the choice).
    let offered = move |c: NotificationChannel, current: &str| {
        c != NotificationChannel::Telegram || current == c.as_str() || telegram.get().is_some_and(|t| t.linked)
    };
    view! {
        <section class="card" data-testid="prefs">
            <h2>{move || cx.tr("Уведомления", "Notifications")}</h2>
            <p class="muted">{move || if staff {
                cx.tr(
                    "Все уведомления видны в колокольчике; здесь — куда еще их присылать. Больше 5 писем за минуту собираются в одно.",
                    "Every notification is in the bell; choose where else it goes. More than 5 mails in a minute fold into one.")
            } else {
                cx.tr(
                    "Все уведомления видны в колокольчике; здесь — какие из них еще присылать письмом. Ссылка «Отписаться» в письме меняет только свой вид.",
                    "Every notification is in the bell; choose which also come by mail. The unsubscribe link in a mail changes only its own kind.")
            }}</p>
            {staff.then(|| view! { <TelegramLink status=telegram /> })}
            {(!staff).then(|| view! {
                <p class="muted">{move || cx.tr(
                    "Ответы поддержки по вашим обращениям приходят письмом всегда.",
                    "Support's answers on your tickets always come by mail.")}</p>
            })}
            <table class="list prefs-table">
                <tbody>
                    {move || prefs.get().into_iter().map(|p| {
                        let kind = p.kind.clone();
                        let current = p.channel.as_str();
                        view! {
                            <tr data-testid=format!("pref-{}", p.kind)>
                                <td>{kind_name(cx, &p.kind)}</td>
                                <td>
                                    <select aria-label=kind_name(cx, &p.kind) on:change=move |ev| choose(kind.clone(), event_target_value(&ev))>
                                        {channels.iter().filter(|(c, _, _)| offered(*c, current)).map(|(c, ru, en)| view! {
                                            <option value=c.as_str() selected=c.as_str() == current>{cx.tr(ru, en)}</option>
                                        }).collect_view()}
                                    </select>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <ErrorLine error=error />
        </section>
    }
}

/// The caller's Telegram: linked (with an unlink button) or a one-time code to send the bot.
#[component]
fn TelegramLink(status: RwSignal<Option<TelegramAccountStatus>>) -> impl IntoView {
    let cx = ctx();
    let code: RwSignal<Option<TelegramAccountCode>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = move || {
        crate::task::run(error, api::call(paths::get_telegram()), move |s| {
            if s.linked {
                code.set(None);
            }
            status.set(Some(s));
        });
    };
    reload();
    let ask_code = move |_| {
        crate::task::run(error, api::call(paths::create_telegram_code()), move |c| {
            code.set(Some(c));
        });
    };
    let unlink = move |_| {
        crate::task::run(error, api::done(paths::unlink_telegram()), move |()| reload());
    };
    view! {
        <div class="telegram-link" data-testid="telegram-link">
            {move || match status.get() {
                None => ().into_any(),
                Some(s) if !s.enabled => view! {
                    <p class="muted">{cx.tr("Telegram-бот на сервере не настроен.", "This server runs no Telegram bot.")}</p>
                }.into_any(),
                Some(s) if s.linked => view! {
                    <p data-testid="telegram-linked">
                        {cx.tr("Telegram привязан", "Telegram linked")}
                        {s.username.map(|u| format!(" (@{u})"))}". "
                        <button type="button" class="link small" on:click=unlink>{cx.tr("Отвязать", "Unlink")}</button>
                    </p>
                }.into_any(),
                Some(_) => view! {
                    <p>
                        <button type="button" class="small" data-testid="telegram-code" on:click=ask_code>
                            {cx.tr("Привязать Telegram", "Link Telegram")}
                        </button>
                    </p>
                    {move || code.get().map(|c| view! {
                        <p data-testid="telegram-command">
                            {cx.tr("Отправьте боту портала в личном чате:", "Send the portal's bot in a private chat:")}
                            " "<code>{c.command.clone()}</code>" "
                            {cx.tr("(код действует 15 минут). Затем", "(the code works for 15 minutes). Then")}" "
                            <button type="button" class="link small" on:click=move |_| reload()>
                                {cx.tr("проверьте привязку", "check the link")}
                            </button>"."
                        </p>
                    })}
                }.into_any(),
            }}
            <ErrorLine error=error />
        </div>
    }
}

fn kind_name(cx: crate::Ctx, kind: &str) -> &'static str {
    match kind {
        "ticket_created" => cx.tr("Новое обращение", "New ticket"),
        "client_message" => cx.tr("Сообщение клиента", "Client's message"),
        "assigned" => cx.tr("Назначено мне", "Assigned to me"),
        "escalation" => cx.tr("Эскалация", "Escalation"),
        "estimate_decided" => cx.tr("Решение по оценке", "Estimate decided"),
        "sla_warning" => cx.tr("Срок ответа подходит", "Response due soon"),
        "sla_breach" => cx.tr("Срок ответа нарушен", "Response overdue"),
        "duty_gap" => cx.tr("Пропуск в графике дежурств", "Duty roster gap"),
        "ticket_status" => cx.tr("Изменение статуса обращения", "A ticket's status changed"),
        "auto_close_reminder" => cx.tr("Напоминание перед автозакрытием", "Reminder before the auto-close"),
        "ticket_answer" => cx.tr("Ответ поддержки", "An answer from support"),
        _ => cx.tr("Другое", "Other"),
    }
}
