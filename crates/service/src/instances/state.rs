//! The process's side of running among instances: its name, whether it is stopping, the
//! leases it holds. Kept apart from the use cases so that `App` holds it without importing them.

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;

/// What this process is among the instances.
#[derive(Debug)]
pub struct Instance {
    /// Host, process and a random tag: unique even for two processes on one host.
    pub id: String,
    pub(crate) stopping: AtomicBool,
    held: std::sync::Mutex<HashSet<&'static str>>,
    /// Held shared by each background round while it runs (a webhook round between its
    /// sends and their records, a mail round…); the stop takes it whole, so it waits
    /// for the rounds in flight and no round starts after it.
    pub(crate) rounds: tokio::sync::RwLock<()>,
}

impl Default for Instance {
    fn default() -> Self {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".to_owned());
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..6];
        Self {
            id: format!("{host}:{}:{tag}", std::process::id()),
            stopping: AtomicBool::new(false),
            held: std::sync::Mutex::new(HashSet::new()),
            rounds: tokio::sync::RwLock::new(()),
        }
    }
}

impl Instance {
    pub(crate) fn held(&self) -> std::sync::MutexGuard<'_, HashSet<&'static str>> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
