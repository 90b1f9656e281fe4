//! The client's company page: its teams and people. The ticket screens are
//! `ticket_list`, `new_ticket` and `ticket_page`.

use leptos::prelude::*;

use crate::api::{self, Team, User, paths};
use crate::ctx;

/// The client's company: its teams and people.
#[component]
pub fn Company() -> impl IntoView {
    let cx = ctx();
    let customer = cx.user.get_untracked().and_then(|u| u.customer_id);
    let company = LocalResource::new(move || async move {
        let Some(id) = customer else {
            return Ok((Vec::new(), Vec::new()));
        };
        let teams = api::call(paths::list_teams(id))
            .await
            .map(|t| t.items)
            .unwrap_or_default();
        let people = api::call(paths::list_users().query("customer_id", id).query("limit", 200)).await?;
        Ok((teams, people.items))
    });
    view! {
        <section class="card" data-testid="company">
            <h1>{move || cx.tr("Моя компания", "My company")}</h1>
            {crate::task::shown(company, move |(teams, people): (Vec<Team>, Vec<User>)| {
                let name_of = move |id: api::TeamId| teams.iter().find(|t| t.id == id).map(|t| t.name.clone());
                view! {
                    <div class="table-wrap" tabindex="0"><table>
                        <thead><tr><th>{cx.tr("Имя", "Name")}</th><th>{cx.tr("Почта", "Email")}</th><th>{cx.tr("Команда", "Team")}</th></tr></thead>
                        <tbody>{people.into_iter().map(|p| view! {
                            <tr><td>{p.full_name}{p.is_key_contact.then(|| cx.tr(" (ККЛ)", " (key contact)"))}</td>
                                <td>{p.email}</td>
                                <td>{p.team_id.and_then(&name_of).unwrap_or_else(|| "—".to_owned())}</td></tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }
            })}
        </section>
    }
}
