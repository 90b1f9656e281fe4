//! The process's side of the live stream: one reader of `live_events` per instance fans
//! each event out to the streams connected here (a broadcast channel). Kept apart from the
//! use cases so that `App` holds it without importing them.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reglament_store::live::LiveEvent;
use tokio::sync::broadcast;

/// Events a slow stream may fall behind before it re-reads from the database.
const CAPACITY: usize = 4_096;
/// A sequence number not seen this long after a later one is a rolled-back write.
const GAP_PATIENCE: Duration = Duration::from_secs(5);

/// The fan-out of events to this instance's streams, and the reader's place.
pub struct LiveHub {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    cursor: std::sync::Mutex<Cursor>,
    /// Caches said changed (`cache` events), for the reader to forget; never streamed.
    changed: std::sync::Mutex<Vec<String>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            cursor: std::sync::Mutex::new(Cursor::default()),
            changed: std::sync::Mutex::new(Vec::new()),
        }
    }
}

/// Where the reader stands: every event up to `floor` was pushed; `seen` holds those
/// pushed above it. On PostgreSQL a later sequence number can commit before an earlier
/// one, so the reader re-reads above `floor` and skips what it has seen, and gives up on
/// a number that stays missing (a rolled-back write) after a few seconds.
#[derive(Default)]
struct Cursor {
    started: bool,
    floor: i64,
    seen: BTreeSet<i64>,
    gap: Option<(i64, Instant)>,
}

impl LiveHub {
    /// A receiver of the events pushed from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// Streams connected to this instance.
    #[must_use]
    pub fn connected(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Where the reader reads from; `None` before it knows the last event.
    pub(crate) fn floor(&self) -> Option<i64> {
        let cursor = self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cursor.started.then_some(cursor.floor)
    }

    /// The caches said changed since the last call, each once.
    pub(crate) fn take_changed(&self) -> Vec<String> {
        let mut changed = std::mem::take(&mut *self.changed.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        changed.sort();
        changed.dedup();
        changed
    }

    pub(crate) fn start_at(&self, seq: i64) {
        let mut cursor = self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !cursor.started {
            *cursor = Cursor {
                started: true,
                floor: seq,
                ..Cursor::default()
            };
        }
    }

    /// Pushes the events read above the floor that were not pushed yet; answers how many.
    pub(crate) fn push(&self, events: Vec<LiveEvent>) -> usize {
        let mut cursor = self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut pushed = 0;
        for event in events {
            if event.seq > cursor.floor && cursor.seen.insert(event.seq) {
                if event.kind == "cache" {
                    self.changed
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(event.payload);
                    continue;
                }
                // No receivers is not an error: nobody is connected here.
                let _ = self.sender.send(Arc::new(event));
                pushed += 1;
            }
        }
        loop {
            let next = cursor.floor + 1;
            if cursor.seen.remove(&next) {
                cursor.floor = next;
                cursor.gap = None;
                continue;
            }
            if cursor.seen.is_empty() {
                break;
            }
            match cursor.gap {
                Some((missing, since)) if missing == next && since.elapsed() >= GAP_PATIENCE => {
                    cursor.floor = next;
                    cursor.gap = None;
                }
                Some((missing, _)) if missing == next => break,
                _ => {
                    cursor.gap = Some((next, Instant::now()));
                    break;
                }
            }
        }
        pushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64) -> LiveEvent {
        LiveEvent {
            seq,
            kind: "ticket".to_owned(),
            ticket_id: None,
            customer_id: None,
            recipient_id: None,
            staff_only: false,
            payload: "{}".to_owned(),
        }
    }

    #[test]
    fn a_later_number_committed_first_is_pushed_once_and_the_earlier_one_still_comes() {
        let hub = LiveHub::default();
        let mut rx = hub.subscribe();
        hub.start_at(10);
        // 12 commits before 11 (PostgreSQL): 12 goes out, the floor waits at 10.
        assert_eq!(hub.push(vec![event(12)]), 1);
        assert_eq!(hub.floor(), Some(10));
        // The next read sees 11 and 12 again: only 11 is new.
        assert_eq!(hub.push(vec![event(11), event(12)]), 1);
        assert_eq!(hub.floor(), Some(12));
        let got: Vec<i64> = std::iter::from_fn(|| rx.try_recv().ok().map(|e| e.seq)).collect();
        assert_eq!(got, [12, 11]);
        // Older than the floor: never again.
        assert_eq!(hub.push(vec![event(9), event(12)]), 0);
    }

    #[test]
    fn a_number_that_never_commits_is_given_up_after_a_while() {
        let hub = LiveHub::default();
        hub.start_at(0);
        hub.push(vec![event(2)]);
        assert_eq!(hub.floor(), Some(0));
        // Pretend the gap at 1 was first seen long ago: the next round steps over it.
        {
            let mut cursor = hub.cursor.lock().expect("lock");
            cursor.gap = Some((1, Instant::now().checked_sub(GAP_PATIENCE * 2).expect("instant")));
        }
        hub.push(Vec::new());
        assert_eq!(hub.floor(), Some(2));
    }
}
