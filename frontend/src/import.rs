//! Registration of clients from a list (R-ACC-1) on the customer's page: upload, preview
//! each row's outcome, confirm; and the page an invitation's link opens.

use leptos::prelude::*;

use crate::api::{self, ApiError};
#[cfg(feature = "staff")]
use crate::api::{ImportOutcome, ImportProblem, ImportReport, paths};
use crate::{ErrorLine, ctx};

#[cfg(feature = "staff")]
fn problem(p: ImportProblem) -> (&'static str, &'static str) {
    match p {
        ImportProblem::BadEmail => ("неверный email", "bad email"),
        ImportProblem::MissingName => ("нет ФИО", "no full name"),
        ImportProblem::BadValue => ("неверное значение", "bad value"),
        ImportProblem::UnknownTeam => ("нет такой команды", "unknown team"),
        ImportProblem::ContactLimit => ("превышено число контактов уровня", "tier contact limit"),
        ImportProblem::DuplicateInFile => ("повтор в файле", "duplicate in the file"),
        ImportProblem::EmailTaken => ("email занят другой учетной записью", "email belongs to another account"),
    }
}

#[cfg(feature = "staff")]
fn content_type(file: &web_sys::File) -> &'static str {
    if file.name().to_lowercase().ends_with(".json") {
        "application/json"
    } else {
        "text/csv"
    }
}

#[cfg(feature = "staff")]
#[component]
pub fn ClientImport(customer: api::CustomerId, on_imported: Callback<()>) -> impl IntoView {
    let cx = ctx();
    let file: RwSignal<Option<web_sys::File>, LocalStorage> = RwSignal::new_local(None);
    let report: RwSignal<Option<ImportReport>> = RwSignal::new(None);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let started = RwSignal::new(0.0_f64);
    let now = RwSignal::new(0.0_f64);
    let op = move |dry: bool| paths::import_clients(customer).query("dry_run", dry);
    let send = move |dry_run: bool| {
        let Some(f) = file.get_untracked() else { return };
        let op = op(dry_run);
        error.set(None);
        busy.set(true);
        started.set(js_sys::Date::now());
        leptos::task::spawn_local(async move {
            match api::post_file(op, &f, content_type(&f)).await {
                Ok(r) => {
                    if r.applied {
                        on_imported.run(());
                    }
                    report.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let send_check = send;
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_millis(250),
    ) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <section class="card" data-testid="client-import">
            <h2>{move || cx.tr("Регистрация клиентов списком", "Register clients from a list")}</h2>
            <p class="muted">{move || cx.tr(
                "CSV с заголовком (key_contact; full_name; email; telegram; team — или ККЛ; ФИО; Email; Telegram; Команда) или JSON. Сначала проверка: ничего не записывается. Импорт — всё или ничего; каждый новый клиент получает приглашение задать пароль.",
                "CSV with a header (key_contact, full_name, email, telegram, team) or JSON. First a check that writes nothing; the import is all or nothing, and each new client is invited to set a password.")}</p>
            <input type="file" accept=".csv,.json,text/csv,application/json" data-testid="import-file"
                aria-label=move || cx.tr("Файл со списком клиентов", "The file with the clients")
                on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    file.set(input.files().and_then(|l| l.get(0)));
                    report.set(None);
                } />
            <div class="actions">
                <button class="small" data-testid="import-check" disabled=move || busy.get() || file.get().is_none()
                    on:click=move |_| send_check(true)>{move || cx.tr("Проверить", "Check")}</button>
                <button class="primary small" data-testid="import-run"
                    disabled=move || busy.get() || !report.get().is_some_and(|r| r.dry_run && r.errors == 0 && r.new + r.reactivated > 0)
                    on:click=move |_| send(false)>{move || cx.tr("Импортировать", "Import")}</button>
            </div>
            {move || busy.get().then(|| view! {
                <p data-testid="import-progress"><progress></progress>" "
                    {format!("{} {:.0} {}", cx.tr("Обработка списка…", "Processing the list…"), ((now.get() - started.get()) / 1000.0).max(0.0), cx.tr("с", "s"))}</p>
            })}
            <ErrorLine error=error />
            {move || report.get().map(|r| view! { <ImportReportView report=r /> })}
        </section>
    }
}

/// What a check or an import found: the totals and each row's outcome (the first 500).
#[cfg(feature = "staff")]
#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let cx = ctx();
    let r = report;
    let summary = if r.applied {
        format!(
            "{} {}, {} {}, {} {}",
            cx.tr("Импортировано:", "Imported:"),
            r.new,
            cx.tr("включены снова:", "enabled again:"),
            r.reactivated,
            cx.tr("уже были:", "already there:"),
            r.existing
        )
    } else {
        format!(
            "{} {} · {} {} · {} {} · {} {} · {} {}",
            cx.tr("строк", "rows"),
            r.total,
            cx.tr("новых", "new"),
            r.new,
            cx.tr("включить снова", "to enable again"),
            r.reactivated,
            cx.tr("уже есть", "existing"),
            r.existing,
            cx.tr("с ошибками", "errors"),
            r.errors
        )
    };
    view! {
        <p class={if r.errors > 0 { "promise queued" } else { "promise" }} data-testid="import-summary">{summary}</p>
        <div class="table-wrap" tabindex="0"><table class="list" data-testid="import-rows">
            <thead><tr><th>{cx.tr("Строка", "Line")}</th><th>"Email"</th><th>{cx.tr("ФИО", "Name")}</th><th>{cx.tr("Итог", "Outcome")}</th></tr></thead>
            <tbody>
                {r.rows.into_iter().take(500).map(|row| {
                    let outcome = match (row.outcome, row.problem) {
                        (ImportOutcome::New, _) => cx.tr("новый", "new").to_owned(),
                        (ImportOutcome::Exists, _) => cx.tr("уже есть", "already there").to_owned(),
                        (ImportOutcome::Reactivated, _) => cx.tr("был отключен: включить снова", "disabled: enable again").to_owned(),
                        (ImportOutcome::Refused, Some(p)) => { let (ru, en) = problem(p); format!("{}: {}", cx.tr("ошибка", "error"), cx.tr(ru, en)) }
                        (ImportOutcome::Refused, None) => cx.tr("ошибка", "error").to_owned(),
                    };
                    view! {
                        <tr data-testid="import-row" class:error=row.outcome == ImportOutcome::Refused>
                            <td>{row.line}</td><td>{row.email}</td><td>{row.full_name}</td><td>{outcome}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// The page an invitation's one-time link opens: set a password, then sign in.
#[component]
pub fn AcceptInvitation(token: String) -> impl IntoView {
    let cx = ctx();
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let mismatch = RwSignal::new(false);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked() != repeat.get_untracked() {
            mismatch.set(true);
            return;
        }
        mismatch.set(false);
        let (token, password) = (token.clone(), password.get_untracked());
        crate::task::run(
            error,
            async move { api::accept_invitation(&token, &password).await },
            move |_| done.set(true),
        );
    };
    view! {
        <form class="card" on:submit=submit data-testid="accept-invitation">
            <h1>{move || cx.tr("Задайте пароль", "Set your password")}</h1>
            <Show when=move || !done.get() fallback=move || view! {
                <p class="promise" data-testid="invitation-done">{cx.tr("Пароль задан. Теперь войдите с ним.", "Your password is set. Sign in with it now.")}</p>
                <a href="/" data-testid="invitation-sign-in">{cx.tr("Войти", "Sign in")}</a>
            }>
                <label for="new-password">{move || cx.tr("Пароль (от 10 символов)", "Password (10 characters or more)")}</label>
                <input id="new-password" type="password" autocomplete="new-password" required minlength="10" data-testid="invitation-password"
                    prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                <label for="repeat-password">{move || cx.tr("Повторите пароль", "Repeat it")}</label>
                <input id="repeat-password" type="password" autocomplete="new-password" required minlength="10" data-testid="invitation-repeat"
                    prop:value=repeat on:input=move |ev| repeat.set(event_target_value(&ev)) />
                {move || mismatch.get().then(|| view! { <p class="error" role="alert">{cx.tr("Пароли не совпадают.", "The passwords differ.")}</p> })}
                <ErrorLine error=error />
                <button class="primary" type="submit" data-testid="invitation-submit">{move || cx.tr("Задать пароль", "Set password")}</button>
            </Show>
        </form>
    }
}
