//! The ticket page: the facts and the live countdown, the panels of account and service
//! requests, attachments, the conversation, the reply, the staff's actions (in the staff
//! app only) and the history. The ticket and what hangs on it are one resource, read again
//! after each change and when the live stream says someone else changed the ticket.

use leptos::prelude::*;

use crate::api::{
    self, ApiError, Attachment, Category, CloseInput, EscalationInput, Message, MessageInput, MessageKind, Status,
    TicketEvent, TicketId, TicketView, User, paths,
};
use crate::{ErrorLine, Route, ctx, fmt};

/// A change to a ticket in flight; answers the ticket it landed on, when it says.
type Change = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<api::TicketId>, ApiError>>>>;

/// A ticket with its conversation, files and history, read together.
#[derive(Debug, Clone)]
struct Loaded {
    view: TicketView,
    messages: Vec<Message>,
    attachments: Vec<Attachment>,
    events: Vec<TicketEvent>,
}

async fn load(id: TicketId) -> Result<Loaded, ApiError> {
    let view = api::call(paths::get_ticket(id)).await?;
    let messages = api::call(paths::list_messages(id).query("limit", 200)).await?;
    let attachments = api::call(paths::list_attachments(id)).await?;
    let events = api::call(paths::ticket_events(id).query("limit", 200)).await?;
    Ok(Loaded {
        view,
        messages: messages.items,
        attachments,
        events: events.items,
    })
}

/// What every part of the page shares: the ticket's id, its resource, the last error and
/// the reply being written (kept here so that a reload of the ticket does not lose it).
#[derive(Clone, Copy)]
pub(crate) struct Here {
    id: TicketId,
    ticket: LocalResource<Result<Loaded, ApiError>>,
    error: RwSignal<Option<ApiError>>,
    reply: RwSignal<String>,
    kind: RwSignal<MessageKind>,
}

impl Here {
    #[cfg(feature = "more")]
    fn id(self) -> TicketId {
        self.id
    }

    /// Runs a change; on success reads the ticket again, or opens the ticket it landed on
    /// (a message on a long-closed ticket opens a new linked one, R-TKT-7).
    fn act(self, change: Change) {
        self.error.set(None);
        leptos::task::spawn_local(async move {
            match change.await {
                Ok(Some(landed)) if landed != self.id => ctx().go(Route::Ticket(landed)),
                Ok(_) => self.ticket.refetch(),
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    /// An action on the ticket (`paths::close_ticket(id)`…) that answers the ticket.
    pub(crate) fn action<B: serde::Serialize + 'static>(self, op: fn(TicketId) -> api::Op<B, TicketView>, body: B) {
        let op = op(self.id);
        self.act(Box::pin(async move {
            api::send(op, &body).await.map(|v| Some(v.ticket.id))
        }));
    }

    /// An action on the ticket that takes no input (`paths::confirm_bug(id)`).
    #[cfg(feature = "staff")]
    pub(crate) fn call(self, op: fn(TicketId) -> api::Op<api::NoBody, TicketView>) {
        let op = op(self.id);
        self.act(Box::pin(async move { api::call(op).await.map(|v| Some(v.ticket.id)) }));
    }
}

#[component]
pub fn TicketPage(id: TicketId) -> impl IntoView {
    let cx = ctx();
    let ticket = LocalResource::new(move || load(id));
    let here = Here {
        id,
        ticket,
        error: RwSignal::new(None),
        reply: RwSignal::new(String::new()),
        kind: RwSignal::new(MessageKind::Message),
    };
    // Another person's change to this ticket (the live stream) shows without a reload.
    let live = crate::live::live();
    Effect::new(move |first: Option<()>| {
        live.tickets.track();
        if first.is_some() && live.last_ticket.get_untracked() == Some(here.id) {
            ticket.refetch();
        }
    });
    view! {
        <Transition fallback=move || view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }>
            {move || ticket.get().map(|loaded| match loaded {
                Err(e) => view! { <section class="card"><p class="error" role="alert">{cx.error(&e)}</p></section> }.into_any(),
                Ok(loaded) => view! { <TicketCard here=here loaded=loaded /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn TicketCard(here: Here, loaded: Loaded) -> impl IntoView {
    let cx = ctx();
    let Loaded {
        view,
        messages,
        attachments,
        events,
    } = loaded;
    let t = view.ticket.clone();
    let closed = t.status == Status::Closed;
    view! {
        <section class="card ticket" data-testid="ticket-page">
            <p class="muted crumbs"><a href="/tickets" on:click=move |ev| { ev.prevent_default(); cx.go(Route::Tickets); }>
                {cx.tr("← Обращения", "← Tickets")}</a></p>
            <h1>{format!("№{} · {}", t.number, t.subject)}</h1>
            <Facts view=view.clone() />
            {panels(here, &t, closed)}
            <Escalate here=here overdue=view.overdue />
            <Attachments here=here attachments=attachments />
            <h2>{cx.tr("Переписка", "Conversation")}</h2>
            <div class="body-text">{t.body.clone()}</div>
            <Conversation here=here messages=messages />
            <Reply here=here closed=closed />
            <ErrorLine error=here.error />
            {staff_actions(here, &view)}
            <History events=events />
        </section>
    }
}

/// Status, category, the response promise with its live countdown, dates.
#[component]
fn Facts(view: TicketView) -> impl IntoView {
    let cx = ctx();
    let t = view.ticket;
    let now = RwSignal::new(fmt::now_millis());
    if let Ok(handle) = set_interval_with_handle(move || now.set(fmt::now_millis()), std::time::Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let zone = fmt::zone_label(&cx.zone(), cx.lang.get());
    let response = match (t.response_due_at, t.awaiting_response) {
        (Some(d), true) => view! {
            <span>{format!("{} {} ({zone}) · ", cx.tr("не позднее", "by"), cx.at(d))}</span>
            <span data-testid="countdown">{move || fmt::countdown(fmt::at_millis(d), now.get(), cx.lang.get())}</span>
        }
        .into_any(),
        (None, true) => view! { <span>{cx.tr("ожидается (срок регламентом не установлен)", "awaited (no SLA for this category)")}</span> }.into_any(),
        _ => view! { <span data-testid="cycle-closed">{cx.tr("дан — ожидание ответа завершено", "given — the response cycle is closed")}</span> }.into_any(),
    };
    view! {
        <dl class="facts">
            <dt>{cx.tr("Статус", "Status")}</dt>
            <dd data-testid="ticket-status">{cx.lang.get().status(t.status)}
                {view.queue_position.map(|p| format!(", {} {p}", cx.tr("позиция в очереди", "queue position")))}
                {t.close_reason.map(|r| format!(" — {}", cx.lang.get().close_reason(r)))}</dd>
            <dt>{cx.tr("Категория", "Category")}</dt>
            <dd>{cx.lang.get().category(t.category)}
                {t.is_critical.then(|| cx.tr(" · критическая", " · critical"))}
                {t.product_version.clone().map(|v| format!(" · {v}"))}</dd>
            <dt>{cx.tr("Ответ", "Response")}</dt>
            <dd data-testid="response-state" class:overdue=view.overdue>{response}</dd>
            {t.fix_due_at.map(|f| view! { <dt>{cx.tr("Исправить до", "Fix by")}</dt><dd>{cx.at(f)}</dd> })}
            <dt>{cx.tr("Создано", "Created")}</dt><dd>{cx.at(t.created_at)}</dd>
        </dl>
    }
}

/// A key contact's escalation of an overdue ticket (R-ESC).
#[component]
fn Escalate(here: Here, overdue: bool) -> impl IntoView {
    let cx = ctx();
    let user = cx.user.get_untracked();
    let allowed = overdue && user.is_some_and(|u| u.is_key_contact && !u.is_staff());
    allowed.then(|| {
        let escalate = move |_| {
            let body = EscalationInput {
                comment: "Срок ответа нарушен".to_owned(),
            };
            let op = paths::escalate(here.id);
            here.act(Box::pin(async move { api::send(op, &body).await.map(|_| None) }));
        };
        view! {
            <button class="danger" data-testid="escalate" on:click=escalate>
                {cx.tr("Эскалировать руководителю поддержки", "Escalate to the head of support")}
            </button>
        }
    })
}

#[component]
fn Attachments(here: Here, attachments: Vec<Attachment>) -> impl IntoView {
    let cx = ctx();
    (!attachments.is_empty()).then(|| {
        let items = attachments
            .into_iter()
            .map(|a| {
                let (id, name, kind) = (a.id, a.file_name.clone(), a.content_type.clone());
                let purged = a.purged_at.is_some();
                let download = move |_| {
                    let (name, kind) = (name.clone(), kind.clone());
                    leptos::task::spawn_local(async move {
                        if let Err(e) = api::download(paths::download_attachment(id), &name, &kind).await {
                            here.error.set(Some(e));
                        }
                    });
                };
                view! {
                    <li>
                        <button class="link" disabled=purged on:click=download>{a.file_name.clone()}</button>
                        <span class="muted">{format!(" {} KB", (a.size + 1023) / 1024)}</span>
                        {a.confidential.then(|| view! { <span class="muted">{cx.tr(" · конфиденциально, удаляется через 30 дней", " · confidential, purged after 30 days")}</span> })}
                        {purged.then(|| view! { <span class="muted">{cx.tr(" · удалено", " · purged")}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <h2>{cx.tr("Вложения", "Attachments")}</h2>
            <ul class="attachments" data-testid="attachments">{items}</ul>
        }
    })
}

#[component]
fn Conversation(here: Here, messages: Vec<Message>) -> impl IntoView {
    let cx = ctx();
    let me = cx.user.get_untracked().map(|u: User| u.id);
    let items = messages
        .into_iter()
        .map(|m| {
            let kind = match m.kind {
                MessageKind::Note => cx.tr(" · внутренняя заметка", " · internal note"),
                MessageKind::Solution => cx.tr(" · предложено решение", " · proposed solution"),
                MessageKind::InfoRequest => cx.tr(" · запрос информации", " · information request"),
                MessageKind::Message => "",
            };
            // R-CON-6: a confidential text is kept 30 days, then only the message remains.
            let secret = if m.confidential {
                cx.tr(" · конфиденциально", " · confidential")
            } else {
                ""
            };
            let mark = confidential_action(here, &m);
            let text = if m.purged_at.is_some() {
                cx.tr(
                    "Текст удален: конфиденциальные сообщения хранятся 30 дней.",
                    "The text was purged: confidential messages are kept for 30 days.",
                )
                .to_owned()
            } else {
                m.body
            };
            view! {
                <li class:internal=m.internal class:mine=me == Some(m.author_id) data-testid="message">
                    <div class="meta muted">{cx.at(m.created_at)}{kind}{secret}{mark}</div>
                    <div class="text">{text}</div>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="messages" data-testid="messages">{items}</ol> }
}

/// The reply form; staff choose what kind of message it is. A client's close button too.
#[component]
fn Reply(here: Here, closed: bool) -> impl IntoView {
    let cx = ctx();
    let staff = cx.user.get_untracked().is_some_and(|u| u.is_staff());
    let (reply, kind) = (here.reply, here.kind);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reply.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        let op = paths::post_message(here.id);
        let body = MessageInput {
            body: text,
            kind: kind.get_untracked(),
        };
        here.act(Box::pin(async move {
            api::send(op, &body).await.map(|o| Some(o.ticket.ticket.id))
        }));
        reply.set(String::new());
    };
    let kinds = staff.then(|| view! {
        <select data-testid="reply-kind" aria-label=move || cx.tr("Вид", "Kind") prop:value=move || kind.get().as_str() on:change=move |ev| if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }>
            <option value="message">{cx.tr("Публичный ответ", "Public reply")}</option>
            <option value="note">{cx.tr("Внутренняя заметка", "Internal note")}</option>
            <option value="solution">{cx.tr("Предложить решение", "Propose a solution")}</option>
            <option value="info_request">{cx.tr("Запросить информацию", "Request information")}</option>
        </select>
    });
    let close = (!closed && !staff).then(|| view! {
        <div class="actions">
            <button class="link" data-testid="close-ticket" on:click=move |_| here.action(paths::close_ticket, CloseInput::default())>
                {cx.tr("Закрыть обращение", "Close the ticket")}</button>
        </div>
    });
    view! {
        <form class="reply" on:submit=send>
            <label for="reply">{if closed { cx.tr("Написать (обращение откроется снова)", "Write (reopens the ticket)") } else { cx.tr("Ответ", "Reply") }}</label>
            <textarea id="reply" data-testid="reply" rows="4" prop:value=reply on:input=move |ev| reply.set(event_target_value(&ev))></textarea>
            <div class="actions">
                {kinds}
                <button class="primary small" type="submit" data-testid="send-reply">{cx.tr("Отправить", "Send")}</button>
            </div>
        </form>
        {close}
    }
}

/// The panel of an account request or of a service order: in the `more` app (and the
/// staff app), which the server serves at the ticket's address with `?full`.
#[cfg(feature = "more")]
fn panels(here: Here, t: &api::Ticket, closed: bool) -> impl IntoView + use<> {
    let cx = ctx();
    let account = (t.category == Category::AccountManagement).then(|| {
        let can_apply = cx
            .user
            .get_untracked()
            .is_some_and(|u| matches!(u.role, Some(api::StaffRole::Admin | api::StaffRole::AccountManager)));
        view! { <crate::account_request::AccountRequestPanel ticket=t.id can_apply=can_apply
        on_applied=Callback::new(move |_| here.ticket.refetch()) /> }
    });
    let order = (t.category == Category::ServiceRequest).then(|| view! {
        <crate::services::OrderPanel id=here.id() closed=closed on_change=Callback::new(move |()| here.ticket.refetch()) />
    });
    (account, order)
}

/// The client app has no such panels: a ticket that needs one is opened in the `more` app.
#[cfg(not(feature = "more"))]
fn panels(_: Here, t: &api::Ticket, _: bool) -> impl IntoView + use<> {
    if matches!(t.category, Category::AccountManagement | Category::ServiceRequest) {
        crate::switch::full("");
    }
}

/// Staff mark a message confidential (R-CON-6): in the staff app only.
#[cfg(feature = "staff")]
fn confidential_action(here: Here, m: &Message) -> impl IntoView + use<> {
    let staff = ctx().user.get_untracked().is_some_and(|u| u.is_staff());
    let (ticket, message) = (here.id, m.id);
    (staff && !m.confidential).then(|| {
        let mark = move |_| {
            let op = paths::mark_message_confidential(ticket, message);
            here.act(Box::pin(async move { api::call(op).await.map(|_| None) }));
        };
        view! {
            " · "
            <button class="link" data-testid="mark-confidential" on:click=mark>
                {ctx().tr("сделать конфиденциальным", "make confidential")}</button>
        }
    })
}

#[cfg(not(feature = "staff"))]
fn confidential_action(_: Here, _: &Message) -> impl IntoView + use<> {}

/// Staff's actions on an open ticket: in the staff app only.
#[cfg(feature = "staff")]
fn staff_actions(here: Here, view: &TicketView) -> impl IntoView + use<> {
    let staff = ctx().user.get_untracked().is_some_and(|u| u.is_staff());
    (staff && view.ticket.status != Status::Closed)
        .then(|| view! { <crate::ticket_staff::StaffActions here=here view=view.clone() /> })
}

#[cfg(not(feature = "staff"))]
fn staff_actions(_: Here, _: &TicketView) -> impl IntoView + use<> {}

#[component]
fn History(events: Vec<TicketEvent>) -> impl IntoView {
    let cx = ctx();
    let items = events
        .into_iter()
        .map(|e| {
            view! {
                <li><span class="muted">{cx.at(e.created_at)}</span>" "{e.kind}" "<code>{e.data.to_string()}</code></li>
            }
        })
        .collect_view();
    view! {
        <details class="history">
            <summary>{cx.tr("История", "History")}</summary>
            <ol data-testid="history">{items}</ol>
        </details>
    }
}
