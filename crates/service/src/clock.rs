use chrono::{DateTime, Utc};
use std::sync::RwLock;

/// Where "now" comes from. Logic never asks the system clock directly, so that
/// tests (and the `test-clock` sandbox) can set the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that runs from a point the caller sets: `set` moves it, and it advances
/// with real time from there.
#[derive(Debug)]
pub struct ManualClock {
    offset: RwLock<chrono::TimeDelta>,
}

impl ManualClock {
    #[must_use]
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self {
            offset: RwLock::new(at - Utc::now()),
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut offset) = self.offset.write() {
            *offset = at - Utc::now();
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = self.offset.read().map(|o| *o).unwrap_or_default();
        Utc::now() + offset
    }
}
