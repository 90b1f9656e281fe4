//! Live updates: one EventSource per signed-in tab on `/api/v1/stream`, opened with a
//! short-lived stream ticket (an EventSource cannot send the Authorization header). A
//! ticket's event bumps `tickets` (the queue and an open ticket reload themselves), a
//! notification bumps `notifications` (the bell). On an error the stream is reopened with
//! a fresh ticket after the last event seen, so nothing is missed.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::Closure;
use web_sys::{EventSource, MessageEvent};

use crate::api::{self};

/// What changed, as counters the screens watch.
#[derive(Clone, Copy)]
pub struct Live {
    /// Bumped on every ticket event; `last_ticket` says which ticket.
    pub tickets: RwSignal<u64>,
    pub last_ticket: RwSignal<Option<api::TicketId>>,
    /// Bumped on every notification of the user.
    pub notifications: RwSignal<u64>,
    /// The stream is open.
    pub connected: RwSignal<bool>,
}

impl Live {
    pub fn new() -> Self {
        Self {
            tickets: RwSignal::new(0),
            last_ticket: RwSignal::new(None),
            notifications: RwSignal::new(0),
            connected: RwSignal::new(false),
        }
    }
}

/// What a `ticket` event of the stream says (the rest of it is not read here).
#[derive(serde::Deserialize)]
struct Changed {
    ticket_id: api::TicketId,
}

thread_local! {
    static SOURCE: RefCell<Option<EventSource>> = const { RefCell::new(None) };
    static LAST_ID: RefCell<Option<String>> = const { RefCell::new(None) };
    static GENERATION: RefCell<u64> = const { RefCell::new(0) };
}

pub fn live() -> Live {
    expect_context::<Live>()
}

/// Opens the stream (again); stops a previous one.
pub fn start(live: Live) {
    stop();
    let generation = GENERATION.with(|g| *g.borrow());
    leptos::task::spawn_local(connect(live, generation));
}

/// Closes the stream (signing out).
pub fn stop() {
    GENERATION.with(|g| *g.borrow_mut() += 1);
    SOURCE.with(|s| {
        if let Some(source) = s.borrow_mut().take() {
            source.close();
        }
    });
}

async fn connect(live: Live, generation: u64) {
    if GENERATION.with(|g| *g.borrow()) != generation {
        return;
    }
    let Ok(ticket) = api::call(api::paths::stream_ticket()).await else {
        retry(live, generation);
        return;
    };
    let last = LAST_ID.with(|l| l.borrow().clone());
    let stream = api::paths::open_stream()
        .query("ticket", &ticket.ticket)
        .query_opt("last_event_id", last);
    let Ok(source) = EventSource::new(&stream.url()) else {
        retry(live, generation);
        return;
    };
    let remember = |e: &MessageEvent| {
        let id = e.last_event_id();
        if !id.is_empty() {
            LAST_ID.with(|l| *l.borrow_mut() = Some(id));
        }
    };
    let on_ticket = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        remember(&e);
        let data = e.data().as_string().unwrap_or_default();
        let ticket = api::decode::<Changed>(&data).ok().map(|c| c.ticket_id);
        live.last_ticket.set(ticket);
        live.tickets.update(|n| *n += 1);
    });
    let on_notification = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        remember(&e);
        live.notifications.update(|n| *n += 1);
    });
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| live.connected.set(true));
    let failed = Rc::new(RefCell::new(false));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        live.connected.set(false);
        // The ticket in the address has expired by the browser's own reconnect: open a
        // new stream with a fresh one instead, once.
        if !failed.replace(true) {
            SOURCE.with(|s| {
                if let Some(source) = s.borrow_mut().take() {
                    source.close();
                }
            });
            retry(live, generation);
        }
    });
    let _ = source.add_event_listener_with_callback("ticket", on_ticket.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("notification", on_notification.as_ref().unchecked_ref());
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the page (a reconnect adds a few bytes).
    on_ticket.forget();
    on_notification.forget();
    on_open.forget();
    on_error.forget();
    if GENERATION.with(|g| *g.borrow()) == generation {
        SOURCE.with(|s| *s.borrow_mut() = Some(source));
    } else {
        source.close();
    }
}

fn retry(live: Live, generation: u64) {
    set_timeout(
        move || leptos::task::spawn_local(connect(live, generation)),
        std::time::Duration::from_secs(2),
    );
}

/// Runs `reload` after each change of `tick` that `wanted` accepts, one at a time: the
/// changes that come during a reload make one more reload, not one each (a burst of new
/// tickets reloads the queue a few times, not a thousand).
pub fn on_change<F, Fut>(tick: RwSignal<u64>, wanted: impl Fn() -> bool + 'static, reload: F)
where
    F: Fn() -> Fut + Copy + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let busy = StoredValue::new(false);
    let again = StoredValue::new(false);
    Effect::new(move |first: Option<()>| {
        tick.track();
        if first.is_none() || !wanted() {
            return;
        }
        if busy.get_value() {
            again.set_value(true);
            return;
        }
        busy.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                reload().await;
                if !again.get_value() {
                    break;
                }
                again.set_value(false);
            }
            busy.set_value(false);
        });
    });
}
