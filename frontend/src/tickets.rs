//! The client's company page: its teams and people. The ticket screens are
//! `ticket_list`, `new_ticket` and `ticket_page`.

use leptos::prelude::*;

use crate::api::{self, ApiError, Page, Team, User, paths};
use crate::ctx;

/// The client's company: its teams and people.
#[component]
pub fn Company() -> impl IntoView {
    let cx = ctx();
    let users: RwSignal<Option<Result<Page<User>, ApiError>>> = RwSignal::new(None);
    let teams: RwSignal<Vec<Team>> = RwSignal::new(Vec::new());
    leptos::task::spawn_local(async move {
        if let Some(id) = cx.user.get_untracked().and_then(|u| u.customer_id) {
            if let Ok(t) = api::call(paths::list_teams(id)).await {
                teams.set(t.items);
            }
            users.set(Some(
                api::call(paths::list_users().query("customer_id", id).query("limit", 200)).await,
            ));
        }
    });
    view! {
        <section class="card" data-testid="company">
            <h1>{move || cx.tr("Моя компания", "My company")}</h1>
            {move || match users.get() {
                None => view! { <p class="muted">{cx.tr("Загрузка…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{cx.error(&e)}</p> }.into_any(),
                Some(Ok(u)) => {
                    let people = u.items;
                    let team_list = teams.get();
                    let name_of = move |id: api::TeamId| team_list.iter().find(|t| t.id == id).map(|t| t.name.clone());
                    view! {
                        <div class="table-wrap" tabindex="0"><table>
                            <thead><tr><th>{cx.tr("Имя", "Name")}</th><th>{cx.tr("Почта", "Email")}</th><th>{cx.tr("Команда", "Team")}</th></tr></thead>
                            <tbody>{people.into_iter().map(|p| view! {
                                <tr><td>{p.full_name}{p.is_key_contact.then(|| cx.tr(" (ККЛ)", " (key contact)"))}</td>
                                    <td>{p.email}</td>
                                    <td>{p.team_id.and_then(&name_of).unwrap_or_else(|| "—".to_owned())}</td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }
            }}
        </section>
    }
}
