//! Who receives which webhook events, cached per process for a few seconds.

use std::time::Instant;

use uuid::Uuid;

/// Who receives which events, read from the database at most every few seconds, so that
/// a change without subscribers costs no query.
#[derive(Default)]
pub(crate) struct Subscribers {
    cached: std::sync::Mutex<Option<(Instant, SubscriberList)>>,
}

/// (subscription, its comma-separated events) of every subscription not paused.
pub(crate) type SubscriberList = Vec<(Uuid, String)>;

impl Subscribers {
    const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    pub(crate) fn get(&self) -> Option<SubscriberList> {
        let cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, subs)| subs.clone())
    }

    pub(crate) fn put(&self, subs: SubscriberList) {
        *self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), subs));
    }

    pub(crate) fn forget(&self) {
        *self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}
