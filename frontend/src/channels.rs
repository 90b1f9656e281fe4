//! Channels (R-CH-2, R-CH-3): the rejected-mail list and the bot's state for admins, and
//! a customer's Telegram chats on the customer's page.

use leptos::prelude::*;

use crate::api::{self, ApiError, Page, RejectedMail, TelegramChat, TelegramLinkCode, TelegramStatus, paths};
use crate::i18n::Lang;
use crate::task::change as run;
use crate::{ErrorLine, ctx};

fn reason(lang: Lang, r: api::RejectReason) -> &'static str {
    match (r, lang) {
        (api::RejectReason::UnknownSender, Lang::Ru) => "адрес не зарегистрирован",
        (api::RejectReason::UnknownSender, Lang::En) => "unregistered address",
        (api::RejectReason::InactiveSender, Lang::Ru) => "учетная запись отключена",
        (api::RejectReason::InactiveSender, Lang::En) => "account disabled",
        (api::RejectReason::NotAClient, Lang::Ru) => "письмо сотрудника",
        (api::RejectReason::NotAClient, Lang::En) => "sent by staff",
        (api::RejectReason::Refused, Lang::Ru) => "обращение не создано",
        (api::RejectReason::Refused, Lang::En) => "ticket refused",
        (api::RejectReason::UnknownTicket, Lang::Ru) => "письмо сотрудника без обращения",
        (api::RejectReason::UnknownTicket, Lang::En) => "staff mail naming no ticket",
    }
}

/// The "Каналы" page: mail the intake did not process, and the Telegram bot.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let cx = ctx();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let note: RwSignal<Option<String>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let list = crate::task::reloading(reload, || api::call(paths::list_rejected_mail().query("limit", 200)));
    let status = LocalResource::new(|| api::call(paths::telegram_status()));
    view! {
        <section class="card" data-testid="rejected-mail">
            <h1>{move || cx.tr("Необработанные письма", "Rejected mail")}</h1>
            <p class="muted">{move || cx.tr(
                "Письма с незарегистрированных адресов не обрабатываются, и на них никто не отвечает (регламент). После регистрации отправителя письмо можно обработать.",
                "Mail from unregistered addresses is not processed and nobody is answered (the regulation). Register the sender, then process the mail.")}</p>
            {move || note.get().map(|n| view! { <p class="promise" data-testid="process-note">{n}</p> })}
            <ErrorLine error=error />
            {crate::task::shown(list, move |p: Page<RejectedMail>| if p.items.is_empty() {
                view! { <p class="muted" data-testid="no-rejected">{cx.tr("Таких писем нет.", "None.")}</p> }.into_any()
            } else {
                view! { <RejectedTable items=p.items error=error note=note reload=reload /> }.into_any()
            })}
        </section>
        {move || status.get().and_then(Result::ok).map(|s| view! { <BotStatus status=s /> })}
    }
}

#[component]
fn RejectedTable(
    items: Vec<RejectedMail>,
    error: RwSignal<Option<ApiError>>,
    note: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let cx = ctx();
    let process = move |id: api::RejectedMailId| {
        crate::task::run(error, api::call(paths::process_rejected_mail(id)), move |done| {
            note.set(Some(match (done.outcome, done.ticket_number) {
                (api::MailOutcome::TicketCreated | api::MailOutcome::ReplyAdded, Some(n)) => {
                    format!("{} №{n}", cx.tr("Письмо обработано: обращение", "Processed: ticket"))
                }
                _ => cx
                    .tr(
                        "Письмо снова не обработано: причина обновлена.",
                        "Still not processed: the reason is updated.",
                    )
                    .to_owned(),
            }));
            reload.update(|n| *n += 1);
        });
    };
    view! {
        <div class="table-wrap" tabindex="0"><table class="list">
            <thead><tr>
                <th>{cx.tr("Получено", "Received")}</th><th>{cx.tr("Отправитель", "Sender")}</th>
                <th>{cx.tr("Тема", "Subject")}</th><th>{cx.tr("Причина", "Reason")}</th><th></th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|m| {
                    let id = m.id;
                    view! {
                        <tr data-testid="rejected-row">
                            <td>{cx.at(m.received_at)}</td>
                            <td>{m.sender.clone()}</td>
                            <td>{m.subject.clone()}{m.confidential.then(|| view! { <span class="badge">{cx.tr(" конфиденциально", " confidential")}</span> })}</td>
                            <td title=m.detail.clone()>{reason(cx.lang.get(), m.reason)}</td>
                            <td class="actions">
                                <button class="link" data-testid="process-mail" disabled=!m.processable on:click=move |_| process(id)>
                                    {cx.tr("Обработать", "Process")}</button>
                                <button class="link danger" data-testid="delete-mail"
                                    on:click=move |_| run(error, reload, async move { api::done(paths::delete_rejected_mail(id)).await })>
                                    {cx.tr("Удалить", "Delete")}</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// The Telegram bot's counters: linked chats, what it ignored, the outbox.
#[component]
fn BotStatus(status: TelegramStatus) -> impl IntoView {
    let cx = ctx();
    let s = status;
    view! {
        <section class="card" data-testid="telegram-status">
            <h2>{cx.tr("Telegram-бот", "Telegram bot")}</h2>
            <p>{if s.enabled { cx.tr("Бот работает на этом сервере.", "The bot runs on this server.") }
                else { cx.tr("Бот выключен: задайте REGLAMENT_TELEGRAM_TOKEN.", "The bot is off: set REGLAMENT_TELEGRAM_TOKEN.") }}</p>
            <p class="muted">{format!("{}: {} · {}: {} · {}: {} · {}: {}",
                cx.tr("привязано чатов", "linked chats"), s.linked_chats,
                cx.tr("пропущено из непривязанных чатов", "ignored from unlinked chats"), s.ignored_unlinked_chat,
                cx.tr("от незарегистрированных пользователей", "from unknown users"), s.ignored_unknown_user,
                cx.tr("из чатов без Telegram в уровне", "from chats whose tier lacks Telegram"), s.ignored_tier)}</p>
            <p data-testid="telegram-outbox" class={if s.outbox_failing + s.outbox_abandoned > 0 { "overdue" } else { "muted" }}>
                {format!("{}: {} · {}: {} · {}: {}",
                    cx.tr("ждут отправки", "waiting to be sent"), s.outbox_waiting,
                    cx.tr("из них с ошибкой, повторяются", "of those failing, retried"), s.outbox_failing,
                    cx.tr("не доставлены (бот заблокирован, чата нет)", "undeliverable (bot blocked, chat gone)"), s.outbox_abandoned)}
            </p>
        </section>
    }
}

/// A customer's Telegram chats: the one-time link code, the linked chats, unlinking.
#[component]
pub fn CustomerTelegram(customer: api::CustomerId) -> impl IntoView {
    let cx = ctx();
    let code: RwSignal<Option<TelegramLinkCode>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let reload = RwSignal::new(0_u32);
    let chats = crate::task::reloading(reload, move || {
        api::call(paths::list_telegram_chats().query("customer_id", customer))
    });
    let get_code = move |_| {
        crate::task::run(error, api::call(paths::create_telegram_link_code(customer)), move |k| {
            code.set(Some(k));
        });
    };
    view! {
        <section class="card" data-testid="customer-telegram">
            <h2>{move || cx.tr("Telegram-чаты", "Telegram chats")}</h2>
            {crate::task::shown(chats, move |chats: Vec<TelegramChat>| view! { <ul>
                {chats.into_iter().map(|c| {
                    let id = c.chat_id;
                    view! {
                        <li data-testid="telegram-chat">
                            {c.title.clone()}
                            {c.suspended_at.map(|_| view! { <span class="badge">{cx.tr(" отключен: уровень без Telegram", " suspended: tier without Telegram")}</span> })}
                            " "
                            <button class="link danger" data-testid="unlink-chat"
                                on:click=move |_| run(error, reload, async move { api::done(paths::unlink_telegram_chat(id)).await })>
                                {cx.tr("Отвязать", "Unlink")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul> })}
            {move || code.get().map(|k| view! {
                <p data-testid="link-code">{cx.tr("Отправьте в группе, где есть бот:", "Send in the group where the bot is:")}
                    " " <code>{k.command.clone()}</code>
                    <span class="muted">{format!(" ({} {})", cx.tr("действует до", "valid until"), cx.at(k.expires_at))}</span></p>
            })}
            <ErrorLine error=error />
            <button class="link" data-testid="telegram-link-code" on:click=get_code>
                {move || cx.tr("Получить код привязки чата", "Get a chat link code")}</button>
        </section>
    }
}
