//! A new ticket: the category with a line about each, subject, description, the bug's
//! version and criticality, attachments, the promise before sending ("ответ не позднее …",
//! from `/sla/deadline`) and after it, or the queue position. Staff open one on a client's
//! behalf (the staff app only). A client whose company has no contract in force is shown
//! the community portal instead (R-ACL-6).

use leptos::prelude::*;

use crate::api::{
    self, AccountRequest, ApiError, Category, NewTicket as NewTicketInput, Status, TicketView, User, paths,
};
use crate::{ErrorLine, Route, ctx, fmt};

/// The form, typed: each field a signal, the request built from them in one place.
#[derive(Clone, Copy)]
pub(crate) struct Form {
    category: RwSignal<Category>,
    subject: RwSignal<String>,
    body: RwSignal<String>,
    version: RwSignal<String>,
    critical: RwSignal<bool>,
    justification: RwSignal<String>,
    /// The structured request of an account_management ticket (R-ACC-2).
    account_request: RwSignal<Option<AccountRequest>>,
    files: RwSignal<Option<web_sys::FileList>>,
    /// The customer's tier, for the promise: the client's own, or the one staff chose.
    pub(crate) tier: RwSignal<Option<String>>,
    /// Staff on a client's behalf: the client and the channel it came by.
    pub(crate) author: RwSignal<Option<api::UserId>>,
    pub(crate) channel: RwSignal<Option<api::Channel>>,
    /// The people a key contact may name in an account request (staff: the chosen customer's).
    pub(crate) clients: RwSignal<Vec<User>>,
}

impl Form {
    fn new() -> Self {
        Self {
            category: RwSignal::new(asked_category().unwrap_or(Category::Consultation)),
            subject: RwSignal::new(String::new()),
            body: RwSignal::new(String::new()),
            version: RwSignal::new(String::new()),
            critical: RwSignal::new(false),
            justification: RwSignal::new(String::new()),
            account_request: RwSignal::new(None),
            files: RwSignal::new(None),
            tier: RwSignal::new(None),
            author: RwSignal::new(None),
            channel: RwSignal::new(None),
            clients: RwSignal::new(Vec::new()),
        }
    }

    fn input(self) -> NewTicketInput {
        let category = self.category.get_untracked();
        let bug = category == Category::Bug;
        let is_critical = bug && self.critical.get_untracked();
        NewTicketInput {
            category,
            subject: self.subject.get_untracked(),
            body: self.body.get_untracked(),
            product_version: bug.then(|| self.version.get_untracked()),
            is_critical,
            critical_justification: is_critical.then(|| self.justification.get_untracked()),
            author_id: self.author.get_untracked(),
            channel: self.channel.get_untracked(),
            account_request: (category == Category::AccountManagement)
                .then(|| self.account_request.get_untracked())
                .flatten(),
        }
    }
}

/// The category the address names (`?category=bug`), as the client app passes an account
/// request on to the `more` app.
fn asked_category() -> Option<Category> {
    let search = window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("category="))
        .and_then(|c| c.parse().ok())
}

/// Sends the ticket, then its files; answers the ticket as created.
async fn send(
    input: NewTicketInput,
    files: Option<web_sys::FileList>,
    error: RwSignal<Option<ApiError>>,
) -> Option<TicketView> {
    match api::send(paths::create_ticket(), &input).await {
        Ok(t) => {
            let files = files.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect::<Vec<_>>());
            for file in files.unwrap_or_default() {
                if let Err(e) = api::upload(t.ticket.id, &file).await {
                    error.set(Some(e));
                }
            }
            Some(t)
        }
        Err(e) => {
            error.set(Some(e));
            None
        }
    }
}

#[component]
pub fn NewTicket() -> impl IntoView {
    let form = Form::new();
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let created: RwSignal<Option<TicketView>> = RwSignal::new(None);
    let access = LocalResource::new(|| api::call(paths::my_access()));
    let submit = Action::new_local(move |(): &()| {
        error.set(None);
        let (input, files) = (form.input(), form.files.get_untracked());
        async move {
            if let Some(t) = send(input, files, error).await {
                created.set(Some(t));
            }
        }
    });
    let closed_to_tickets = move || {
        access
            .get()
            .and_then(Result::ok)
            .filter(|a| !a.can_open_tickets)
            .map(|a| a.community_url)
    };
    view! {
        <section class="card" data-testid="new-ticket-form">
            {move || match (created.get(), closed_to_tickets()) {
                (Some(t), _) => view! { <Created ticket=t error=error /> }.into_any(),
                (None, Some(url)) => view! { <Community url=url /> }.into_any(),
                (None, None) => view! { <TicketForm form=form error=error submit=submit /> }.into_any(),
            }}
        </section>
    }
}

/// The ticket as registered: its number and the promise, or its place in the queue.
#[component]
fn Created(ticket: TicketView, error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let cx = ctx();
    let to = Route::Ticket(ticket.ticket.id);
    let zone = fmt::zone_label(&cx.zone(), cx.lang.get());
    let promise = match (ticket.ticket.status, ticket.ticket.response_due_at, ticket.queue_position) {
        (Status::Queued, _, Some(p)) => view! {
            <p class="promise queued" data-testid="queue-position">
                {format!("{} {p}. {}", cx.tr("Лимит одновременно открытых обращений исчерпан: обращение в очереди, позиция", "The open-ticket limit is reached: the ticket is queued at position"),
                    cx.tr("Срок ответа начнёт отсчитываться, когда освободится место.", "Its response clock starts when a slot frees."))}
            </p>
        }.into_any(),
        (Status::Closed, _, _) => view! {
            <p class="promise queued" data-testid="ticket-refused">
                {cx.tr("Обращение закрыто: запросы по учётным записям принимаются только от ключевого контактного лица.",
                    "Closed: account requests are accepted from key contacts only.")}
            </p>
        }.into_any(),
        (_, Some(due), _) => view! {
            <p class="promise" data-testid="promised-time">{format!("{} {} ({zone})", cx.tr("Ответ не позднее", "Answer by"), cx.at(due))}</p>
        }.into_any(),
        _ => view! {
            <p class="promise" data-testid="promised-time">
                {cx.tr("Для этой категории срок ответа не установлен регламентом.", "The regulation sets no response time for this category.")}
            </p>
        }.into_any(),
    };
    view! {
        <div class="done" data-testid="ticket-created">
            <h1>{format!("{} №{}", cx.tr("Обращение", "Ticket"), ticket.ticket.number)}</h1>
            {promise}
            <ErrorLine error=error />
            <button class="primary" data-testid="open-created" on:click=move |_| cx.go(to.clone())>
                {cx.tr("Открыть обращение", "Open the ticket")}
            </button>
        </div>
    }
}

/// No contract in force: the community portal instead of the form (R-ACL-6).
#[component]
fn Community(url: String) -> impl IntoView {
    let cx = ctx();
    view! {
        <div data-testid="community-portal">
            <h1>{cx.tr("Новое обращение", "New ticket")}</h1>
            <p>
                {cx.tr("У вашей компании нет действующего договора поддержки, поэтому обращения не принимаются. Вопросы можно задать на портале сообщества:",
                    "Your company has no active support contract, so tickets are not accepted. Ask your questions on the community portal:")}
                " "
                <a href=url.clone() rel="noopener noreferrer" target="_blank" data-testid="community-link">{url.clone()}</a>
            </p>
        </div>
    }
}

#[component]
fn TicketForm(form: Form, error: RwSignal<Option<ApiError>>, submit: Action<(), ()>) -> impl IntoView {
    let cx = ctx();
    let staff = cx.user.get_untracked().is_some_and(|u| u.is_staff());
    if !staff {
        own_company(form);
    }
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(());
    };
    let busy = submit.pending();
    let (subject, body) = (form.subject, form.body);
    view! {
        <form on:submit=on_submit>
            <h1>{move || cx.tr("Новое обращение", "New ticket")}</h1>
            {on_behalf(form, staff)}
            <Categories form=form />
            {account_fields(form)}
            <label for="subject">{move || cx.tr("Тема", "Subject")}</label>
            <input id="subject" data-testid="subject" required maxlength="300"
                prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev)) />
            <label for="body">{move || cx.tr("Описание (Markdown)", "Description (Markdown)")}</label>
            <textarea id="body" data-testid="body" required rows="6"
                prop:value=body on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            <Show when=move || form.category.get() == Category::Bug>
                <BugFields form=form />
            </Show>
            <label for="files">{move || cx.tr("Вложения", "Attachments")}</label>
            <input id="files" type="file" multiple data-testid="files"
                on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    form.files.set(input.files());
                } />
            <Promise form=form />
            <ErrorLine error=error />
            <button class="primary" type="submit" data-testid="submit-ticket" disabled=move || busy.get()>
                {move || if busy.get() { cx.tr("Отправляем…", "Sending…") } else { cx.tr("Отправить", "Send") }}
            </button>
        </form>
    }
}

/// A client's own company: its tier (for the promise) and its people (for an account request).
/// The structured request of an account management ticket: in the `more` app (and the
/// staff app).
#[cfg(feature = "more")]
fn account_fields(form: Form) -> impl IntoView {
    view! {
        <Show when=move || form.category.get() == Category::AccountManagement>
            <crate::account_request::AccountRequestFields request=form.account_request clients=Signal::from(form.clients) />
        </Show>
    }
}

/// The client app has no such fields: choosing the category opens the form in the `more`
/// app with it chosen.
#[cfg(not(feature = "more"))]
fn account_fields(form: Form) {
    Effect::new(move |_| {
        if form.category.get() == Category::AccountManagement {
            crate::switch::full(&format!("category={}", Category::AccountManagement));
        }
    });
}

fn own_company(form: Form) {
    let cx = ctx();
    leptos::task::spawn_local(async move {
        if cfg!(feature = "more")
            && let Ok(p) = api::call(paths::list_users().query("kind", "client").query("limit", 200)).await
        {
            form.clients.set(p.items);
        }
        if let Some(id) = cx.user.get_untracked().and_then(|u| u.customer_id)
            && let Ok(c) = api::call(paths::get_customer(id)).await
        {
            form.tier.set(c.contract.map(|k| k.tier_code));
        }
    });
}

#[cfg(feature = "staff")]
fn on_behalf(form: Form, staff: bool) -> impl IntoView {
    staff.then(|| view! { <crate::new_ticket_staff::OnBehalf form=form /> })
}

#[cfg(not(feature = "staff"))]
fn on_behalf(_: Form, _: bool) -> impl IntoView {}

#[component]
fn Categories(form: Form) -> impl IntoView {
    let cx = ctx();
    let category = form.category;
    view! {
        <fieldset class="categories">
            <legend>{move || cx.tr("Категория", "Category")}</legend>
            {Category::ALL.iter().map(|c| view! {
                <label class="category">
                    <input type="radio" name="category" value=c.as_str() data-testid=format!("category-{c}")
                        prop:checked=move || category.get() == *c
                        on:change=move |_| category.set(*c) />
                    <span><strong>{move || cx.lang.get().category(*c)}</strong>
                    <small class="muted">{move || cx.lang.get().category_hint(*c)}</small></span>
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// A bug's product version (from the admins' list when there is one) and criticality.
#[component]
fn BugFields(form: Form) -> impl IntoView {
    let cx = ctx();
    let versions = LocalResource::new(|| api::call(paths::list_versions()));
    let (version, critical, justification) = (form.version, form.critical, form.justification);
    let choice = move || {
        let listed = versions.get().and_then(Result::ok).unwrap_or_default();
        if listed.is_empty() {
            view! { <input id="version" data-testid="version" required
            prop:value=version on:input=move |ev| version.set(event_target_value(&ev)) /> }
            .into_any()
        } else {
            view! {
                <select id="version" data-testid="version" required on:change=move |ev| version.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {listed.into_iter().map(|v| { let label = v.version.clone(); view! { <option value=v.version>{label}</option> } }).collect_view()}
                </select>
            }
            .into_any()
        }
    };
    view! {
        <label for="version">{move || cx.tr("Версия продукта", "Product version")}</label>
        {choice}
        <label class="check"><input type="checkbox" data-testid="critical"
            on:change=move |ev| critical.set(event_target_checked(&ev)) />
            {move || cx.tr("Критическая ошибка", "Critical bug")}</label>
        <Show when=move || critical.get()>
            <label for="justification">{move || cx.tr("Обоснование критичности (обязательно)", "Why it is critical (required)")}</label>
            <textarea id="justification" data-testid="justification" required rows="3"
                prop:value=justification on:input=move |ev| justification.set(event_target_value(&ev))></textarea>
        </Show>
    }
}

/// The promise as it stands now, from `/sla/deadline`: "ответ не позднее …".
#[component]
fn Promise(form: Form) -> impl IntoView {
    let cx = ctx();
    let due = LocalResource::new(move || {
        let (tier, category) = (form.tier.get(), form.category.get());
        async move {
            let code = tier?;
            if matches!(category, Category::LicensingBilling | Category::Improvement) {
                return None;
            }
            let start = String::from(js_sys::Date::new_0().to_iso_string());
            let op = paths::deadline().query("tier", code).query("start", start);
            api::call(op).await.ok().map(|d| d.due_at)
        }
    });
    move || {
        due.get().flatten().map(|due| view! {
            <p class="promise preview" data-testid="promise-preview">
                {format!("{} {} ({})", cx.tr("Если отправить сейчас — ответ не позднее", "Sent now, the answer is due by"),
                    cx.at(due), fmt::zone_label(&cx.zone(), cx.lang.get()))}
            </p>
        })
    }
}
