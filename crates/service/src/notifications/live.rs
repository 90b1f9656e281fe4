//! The live stream (Server-Sent Events): what changed, pushed to the connected browsers
//! and integrations within a second — a ticket changed (the queue and an open ticket
//! reload it), a notification written (the bell). Events come from `live_events`, written
//! in the transaction of the change; each instance reads them (`pump_once`, several times
//! a second) and fans them out, so a change on one instance reaches the streams on all.
//! A stream resumes after `Last-Event-ID` from the database; each person sees only what
//! they may (R-ACL): their own notifications, and for a client only the tickets they can
//! open, never an internal note's event.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use chrono::Duration;
use reglament_api::Scope;
use reglament_store::live::{self as store, LiveEvent};
use tokio::sync::broadcast;

use super::Notifications;
use crate::accounts::principal::Principal;
use crate::{App, Result};

/// Events re-read at most when a stream resumes or falls behind.
const REPLAY: i64 = 1_000;
/// How long events are kept to resume from.
const KEEP: Duration = Duration::days(1);

/// One event for a stream: its id (`seq`), its name and its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFrame {
    pub id: i64,
    pub event: String,
    pub data: String,
}

/// A connected stream: the caller, what waits to be replayed and what comes live.
pub struct LiveStream {
    app: App,
    principal: Principal,
    live: broadcast::Receiver<Arc<LiveEvent>>,
    backlog: VecDeque<LiveEvent>,
    replayed: HashSet<i64>,
    last: i64,
    /// A fresh stream starts after the last event written when it opened.
    after: i64,
}

impl Notifications<'_> {
    /// Opens the caller's stream; with `last_event_id`, first what they missed since.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn open_stream(&self, principal: Principal, last_event_id: Option<i64>) -> Result<LiveStream> {
        let live = self.live.subscribe();
        let mut tx = self.store.read().await?;
        let (backlog, last) = match last_event_id {
            Some(id) => (store::after(&mut tx, id, REPLAY).await?, id),
            None => (Vec::new(), store::last_seq(&mut tx).await?),
        };
        tx.commit().await?;
        Ok(LiveStream {
            app: (**self).clone(),
            principal,
            live,
            replayed: backlog.iter().map(|e| e.seq).collect(),
            backlog: backlog.into(),
            last,
            after: last,
        })
    }

    /// Reads the events written since the last read (by any instance) and pushes them to
    /// this instance's streams. Answers how many were pushed.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn pump_once(&self) -> Result<usize> {
        let mut tx = self.store.read().await?;
        let Some(floor) = self.live.floor() else {
            let last = store::last_seq(&mut tx).await?;
            tx.commit().await?;
            self.live.start_at(last);
            return Ok(0);
        };
        let events = store::after(&mut tx, floor, REPLAY).await?;
        tx.commit().await?;
        if events.is_empty() {
            return Ok(0);
        }
        let pushed = self.live.push(events);
        for what in self.live.take_changed() {
            self.forget_cached(&what).await;
        }
        Ok(pushed)
    }

    /// Streams connected to this instance.
    #[must_use]
    pub fn streams_connected(&self) -> usize {
        self.live.connected()
    }

    /// Forgets events older than a day.
    pub(crate) async fn prune_live_events(&self) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let pruned = store::prune(&mut tx, self.now() - KEEP).await?;
        tx.commit().await?;
        Ok(pruned)
    }
}

impl LiveStream {
    /// The next event the caller may see; `None` when the server shuts down.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn next(&mut self) -> Result<Option<LiveFrame>> {
        loop {
            let event = if let Some(event) = self.backlog.pop_front() {
                event
            } else {
                match self.live.recv().await {
                    Ok(event) if self.replayed.remove(&event.seq) || event.seq <= self.after => continue,
                    Ok(event) => (*event).clone(),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Fell behind: re-read what was missed from the database.
                        let mut tx = self.app.store.read().await?;
                        let missed = store::after(&mut tx, self.last, REPLAY).await?;
                        tx.commit().await?;
                        self.replayed = missed.iter().map(|e| e.seq).collect();
                        self.backlog = missed.into();
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return Ok(None),
                }
            };
            self.last = self.last.max(event.seq);
            if self.may_see(&event).await? {
                return Ok(Some(LiveFrame {
                    id: event.seq,
                    event: event.kind,
                    data: event.payload,
                }));
            }
        }
    }

    async fn may_see(&self, event: &LiveEvent) -> Result<bool> {
        let p = &self.principal;
        match event.kind.as_str() {
            "notification" => Ok(event.recipient_id == Some(p.user.id)),
            "ticket" => {
                if p.require_scope(Scope::TicketsRead).is_err() {
                    return Ok(false);
                }
                if p.actor.is_staff() {
                    return Ok(true);
                }
                let (Some(ticket), Some(customer)) = (event.ticket_id, event.customer_id) else {
                    return Ok(false);
                };
                if event.staff_only || p.user.customer_id != Some(customer) {
                    return Ok(false);
                }
                let mut tx = self.app.store.read().await?;
                let visible = self.app.tickets().visible_ticket(&mut tx, p, ticket).await.is_ok();
                tx.commit().await?;
                Ok(visible)
            }
            _ => Ok(false),
        }
    }
}

/// Reads the live events every `every` until the process ends.
pub async fn run_live_forever(app: App, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(err) = app.notifications().pump_once().await {
            tracing::warn!(error = %err, "live stream round failed");
        }
    }
}
