//! The live stream: Server-Sent Events of ticket changes and notifications.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt as _;
use futures_util::stream;
use reglament_api::{StreamQuery, StreamTicket};
use reglament_service::notifications::live::LiveStream;
use reglament_service::{App, ServiceError};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Auth;
use crate::problem::{ApiError, Problem};

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(stream_ticket).service(open_stream);
}

/// A ticket that opens the caller's live stream for 60 seconds (`GET /stream?ticket=…`):
/// a browser's EventSource cannot send an Authorization header. Signed-in sessions only;
/// an API token reads the stream with its bearer header.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 201, body = StreamTicket),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/stream/tickets")]
pub async fn stream_ticket(app: web::Data<App>, Auth(p): Auth) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(app.accounts().stream_ticket(&p)?))
}

/// The live stream (`text/event-stream`): `event: ticket` with `{"ticket_id", "change"}`
/// when a ticket the caller may see changes (read it again through the API), `event:
/// notification` with `{"notification": {…}}` when the caller is told something. Each
/// event's `id` resumes the stream: a reconnecting EventSource sends it as
/// `Last-Event-ID` and gets what it missed (up to a day). Open it with `?ticket=` from
/// `POST /stream/tickets`, or with `Authorization: Bearer` (API tokens; ticket events need
/// the `tickets:read` scope). A comment line every 15 seconds keeps it open.
#[utoipa::path(
    tag = "notifications",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "The last event's id, to resume after it"),
    ),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
         description = "Server-Sent Events: `id`, `event` (`ticket` or `notification`) and `data` (JSON)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stream")]
pub async fn open_stream(
    app: web::Data<App>,
    req: HttpRequest,
    query: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = match &query.ticket {
        Some(ticket) => app.accounts().authenticate_stream(ticket).await?,
        None => {
            use actix_web::FromRequest as _;
            Auth::extract(&req).await?.0
        }
    };
    let last_event_id = match req.headers().get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| ServiceError::invalid("Last-Event-ID", "must be an event id (an integer)"))?,
        ),
        None => query.last_event_id,
    };
    let live = app.notifications().open_stream(principal, last_event_id).await?;
    // `retry`: reconnect after a second; the first comment lets the browser see it open.
    let hello = web::Bytes::from_static(b"retry: 1000\n: connected\n\n");
    let events = stream::unfold(Some(live), |state: Option<LiveStream>| async move {
        let mut live = state?;
        match tokio::time::timeout(KEEP_ALIVE, live.next()).await {
            Err(_) => Some((Ok(web::Bytes::from_static(b": keep-alive\n\n")), Some(live))),
            Ok(Ok(Some(frame))) => {
                let text = format!("id: {}\nevent: {}\ndata: {}\n\n", frame.id, frame.event, frame.data);
                Some((Ok(web::Bytes::from(text)), Some(live)))
            }
            Ok(Ok(None)) => None,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "live stream ended by a failure");
                Some((Err(actix_web::error::ErrorInternalServerError("stream failed")), None))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, actix_web::Error>(hello) }).chain(events);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Left alone by the compression middleware, which would hold events back.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(body))
}
