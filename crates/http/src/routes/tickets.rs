use actix_web::{HttpResponse, get, post, web};
use reglament_api::TicketId;
use reglament_api::TicketsQuery;
use reglament_api::{
    AssignInput, BugResolutionInput, CloseInput, Message, MessageInput, MessageOutcome, NewTicket, Page, ReasonInput,
    ReclassifyInput, TicketEvent, TicketList, TicketView,
};
use reglament_domain::Channel;
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tickets)
        .service(create_ticket)
        .service(get_ticket)
        .service(close_ticket)
        .service(ticket_events)
        .service(post_message)
        .service(list_messages)
        .service(mark_message_confidential)
        .service(confirm_bug)
        .service(reclassify)
        .service(revoke_criticality)
        .service(resolve_bug)
        .service(assign)
        .service(get_account_request)
        .service(apply_account_request);
}

/// The structured request of an `account_management` ticket (R-ACC-2) and whether it was
/// carried out.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = reglament_api::AccountRequestView),
        (status = 404, description = "no such ticket, or it carries no request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/account-request")]
pub async fn get_account_request(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
) -> Result<web::Json<reglament_api::AccountRequestView>, ApiError> {
    Ok(web::Json(app.accounts().account_request(&p, id.into_inner()).await?))
}

/// Carry out the account request (admins, account managers; R-ACC-3): the change is
/// applied under the same rules as any other (contact count, teams, tier), recorded in
/// the ticket's history, and the ticket closed `resolved`, in one transaction.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TicketView),
        (status = 400, description = "`validation_failed`: the request no longer fits (the client left the customer)", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_applied`, `ticket_closed`, `email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`contact_limit_reached`, `telegram_not_in_tier`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/account-request/apply")]
pub async fn apply_account_request(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(
        app.accounts().apply_account_request(&p, id.into_inner()).await?,
    ))
}

/// Tickets the caller may see: a client their own and their team's, a key contact
/// all of the customer's, staff all (R-ACL-1). Newest first, or by response due with
/// `sort=due` (tickets without a due time last). `total` is exact up to 10,000 matches
/// (`total_exact`); page on with `cursor=<next_cursor>` or with `offset`.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(TicketsQuery, Paging),
    responses(
        (status = 200, body = TicketList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets")]
pub async fn list_tickets(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<TicketsQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<TicketList>, ApiError> {
    Ok(web::Json(
        app.tickets()
            .list_tickets(&p, query.into_inner(), paging.page()?)
            .await?,
    ))
}

/// Open a ticket: a client for themselves, or staff on a client's behalf (`author_id`,
/// and the `channel` it came by, e.g. a phone call logged as `portal`). Over the tier's
/// open-ticket limit it is accepted as `queued` with its `queue_position` and enters
/// work first in first out (R-LIM-3).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    request_body = NewTicket,
    responses(
        (status = 201, body = TicketView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: the `author_id`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`no_active_contract`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets")]
pub async fn create_ticket(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    let channel = if p.token_scopes.is_some() {
        Channel::Api
    } else {
        Channel::Portal
    };
    Ok(created(
        &app.tickets().create_ticket(&p, body.into_inner(), channel).await?,
    ))
}

/// One ticket. One the caller may not see is 404 (R-ACL-2).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TicketView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}")]
pub async fn get_ticket(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(app.tickets().get_ticket(&p, id.into_inner()).await?))
}

/// Close a ticket (R-TKT-2): a client's close is `closed_by_customer`, staff give a
/// reason. The freed slot lets the oldest queued ticket enter work.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = CloseInput,
    responses(
        (status = 200, body = TicketView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/close")]
pub async fn close_ticket(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<CloseInput>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(
        app.tickets()
            .close_ticket(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// A ticket's history (R-TKT-10): who, when, what, before and after.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), Paging),
    responses(
        (status = 200, body = Page<TicketEvent>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/events")]
pub async fn ticket_events(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<TicketEvent>>, ApiError> {
    Ok(web::Json(
        app.tickets().ticket_events(&p, id.into_inner(), paging.page()?).await?,
    ))
}

/// Write to a ticket. Staff: `message` answers (ending the response cycle), `note` is
/// internal (R-TKT-5), `solution` and `info_request` make the ticket wait for the
/// client (R-TKT-6). Clients: `message`; it starts a new response cycle when the
/// ticket waited for them, reopens a ticket closed at most 30 days ago, and opens a
/// new linked ticket after that (R-TKT-7).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = MessageInput,
    responses(
        (status = 201, body = MessageOutcome),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`ticket_closed`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/messages")]
pub async fn post_message(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<MessageInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.tickets()
            .post_message(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// The conversation, oldest first; clients never see internal notes.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), Paging),
    responses(
        (status = 200, body = Page<Message>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/{id}/messages")]
pub async fn list_messages(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Message>>, ApiError> {
    Ok(web::Json(
        app.tickets().list_messages(&p, id.into_inner(), paging.page()?).await?,
    ))
}

/// Mark a message confidential (staff, R-CON-6): its text is purged 30 days after it was
/// received (R-CONF-1); the message and the purge event remain. Marking it again changes
/// nothing.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("message" = Uuid, Path)),
    responses(
        (status = 200, body = Message),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/messages/{message}/confidential")]
pub async fn mark_message_confidential(
    app: web::Data<App>,
    Auth(p): Auth,
    path: web::Path<(TicketId, reglament_api::MessageId)>,
) -> Result<web::Json<Message>, ApiError> {
    let (id, message) = path.into_inner();
    Ok(web::Json(
        app.tickets().mark_message_confidential(&p, id, message).await?,
    ))
}

/// Confirm a bug (staff): it stops counting against the limit (R-LIM-2); a critical
/// bug's fix is due 10 working days later (R-SLA-5).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TicketView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_confirmed`, `ticket_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_bug`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/confirm-bug")]
pub async fn confirm_bug(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(app.tickets().confirm_bug(&p, id.into_inner()).await?))
}

/// Change the category (staff, R-TKT-1): recorded, limit and SLA re-evaluated.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ReclassifyInput,
    responses(
        (status = 200, body = TicketView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/reclassify")]
pub async fn reclassify(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<ReclassifyInput>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(
        app.tickets().reclassify(&p, id.into_inner(), body.into_inner()).await?,
    ))
}

/// Revoke criticality with a reason (staff, R-TKT-3).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ReasonInput,
    responses(
        (status = 200, body = TicketView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_critical`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/revoke-criticality")]
pub async fn revoke_criticality(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<ReasonInput>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(
        app.tickets()
            .revoke_criticality(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Deliver a bug's resolution (staff, R-TKT-9): a workaround, a release with the fix,
/// or the end of support. The critical-fix clock stops (R-SLA-5) and the ticket waits
/// for the client.
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = BugResolutionInput,
    responses(
        (status = 200, body = TicketView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_bug`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/resolve-bug")]
pub async fn resolve_bug(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<BugResolutionInput>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(
        app.tickets()
            .resolve_bug(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Assign a ticket to a staff member, or unassign it with `null` (staff).
#[utoipa::path(
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = AssignInput,
    responses(
        (status = 200, body = TicketView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/assign")]
pub async fn assign(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<TicketId>,
    body: web::Json<AssignInput>,
) -> Result<web::Json<TicketView>, ApiError> {
    Ok(web::Json(
        app.tickets().assign(&p, id.into_inner(), body.into_inner()).await?,
    ))
}
