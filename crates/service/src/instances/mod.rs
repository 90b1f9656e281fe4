//! This instance among others on one database (R-OPS-2, R-OPS-3): its name, the loops that
//! must have one reader across instances (IMAP, the Telegram poller) run under a lease the
//! holder renews, and a stop that hands them over at once.

pub mod state;

use std::future::Future;
use std::sync::atomic::Ordering;

use reglament_api::{Leader, Readiness};
use reglament_store::leases;

use crate::Result;

crate::capability!(
    /// Running as one of several instances: leases, readiness, the stop.
    Instances,
    instances
);

/// How long the stop waits for the background rounds in flight: a webhook attempt times
/// out after 10 s, a mail round sends one mail at a time.
pub const ROUNDS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

impl<'a> Instances<'a> {
    /// This instance's name.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.instance.id
    }

    /// Whether the instance was told to stop.
    #[must_use]
    pub fn stopping(&self) -> bool {
        self.instance.stopping.load(Ordering::SeqCst)
    }

    /// Takes or renews a lease; true when this instance holds it now.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn hold(&self, name: &'static str) -> Result<bool> {
        if self.stopping() {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        let ttl = chrono::TimeDelta::from_std(self.config.lease_ttl).unwrap_or(chrono::TimeDelta::seconds(20));
        let won = leases::acquire(&mut tx, name, &self.instance.id, self.now(), ttl).await?;
        tx.commit().await?;
        let mut held = self.instance.held();
        if won && held.insert(name) {
            tracing::info!(lease = name, instance = %self.instance.id, "this instance now runs the loop (R-OPS-2)");
        } else if !won && held.remove(name) {
            tracing::warn!(lease = name, instance = %self.instance.id, "the loop's lease was lost: stopped here");
        }
        Ok(won)
    }

    /// Gives up a lease held here.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn release(&self, name: &'static str) -> Result<()> {
        let mut tx = self.store.begin().await?;
        leases::release(&mut tx, name, &self.instance.id).await?;
        tx.commit().await?;
        if self.instance.held().remove(name) {
            tracing::info!(lease = name, instance = %self.instance.id, "lease released: another instance takes the loop");
        }
        Ok(())
    }

    /// Lets one background round run: `None` once the instance is stopping (the loop then
    /// ends). The stop waits for the rounds holding this, so that a round that has sent a
    /// webhook or a mail records it before the process exits and nothing is sent twice.
    pub async fn round(&self) -> Option<tokio::sync::RwLockReadGuard<'a, ()>> {
        let app: &'a crate::App = self.app;
        let guard = app.instance.rounds.read().await;
        (!self.stopping()).then_some(guard)
    }

    /// The stop (SIGTERM, after the HTTP server finished its requests): no background round
    /// starts any more and those in flight finish (within `ROUNDS_DEADLINE`); no lease is
    /// taken any more, and those held are released so that another instance takes them at once.
    pub async fn stop(&self) {
        self.instance.stopping.store(true, Ordering::SeqCst);
        let waited = std::time::Instant::now();
        match tokio::time::timeout(ROUNDS_DEADLINE, self.instance.rounds.write()).await {
            Ok(_) => tracing::info!(ms = waited.elapsed().as_millis(), "background rounds finished"),
            Err(_) => tracing::warn!(
                secs = ROUNDS_DEADLINE.as_secs(),
                "background rounds still running at the stop's deadline; their claims expire and are retried"
            ),
        }
        let held: Vec<&'static str> = self.instance.held().iter().copied().collect();
        for name in held {
            if let Err(err) = self.release(name).await {
                tracing::warn!(lease = name, error = %err, "releasing a lease at stop failed; it expires by itself");
            }
        }
    }

    /// Who runs each single-reader loop.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn leaders(&self) -> Result<Vec<Leader>> {
        let mut tx = self.store.read().await?;
        let all = leases::all(&mut tx).await?;
        tx.commit().await?;
        let now = self.now();
        Ok(all
            .into_iter()
            .filter(|l| l.expires_at >= now)
            .map(|l| Leader {
                here: l.holder == self.instance.id,
                name: l.name,
                holder: l.holder,
                since: l.acquired_at,
                expires_at: l.expires_at,
            })
            .collect())
    }

    /// Whether this instance should get traffic: the database answers, its schema is
    /// current, and it is not stopping.
    pub async fn readiness(&self) -> Readiness {
        let pending = self.store.migrations_pending().await;
        let database_ok = pending.is_ok();
        let migrations_pending = pending.unwrap_or(0);
        let stopping = self.stopping();
        let mut reasons = Vec::new();
        if !database_ok {
            reasons.push("the database does not answer".to_owned());
        }
        if migrations_pending > 0 {
            reasons.push(format!("{migrations_pending} migrations are not applied"));
        }
        if stopping {
            reasons.push("the instance is stopping".to_owned());
        }
        Readiness {
            status: if reasons.is_empty() { "ready" } else { "not_ready" }.to_owned(),
            database_ok,
            migrations_pending,
            stopping,
            reasons,
        }
    }
}

/// Runs `run` on this instance only while it holds the lease `name`: it tries every
/// renewal period, starts the loop when it wins, renews, and aborts the loop when the
/// lease is lost (another instance took it after this one could not renew) or the
/// instance stops. Loops run this way must be safe to abort (their work is idempotent).
pub async fn run_as_leader<F, Fut>(app: crate::App, name: &'static str, run: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut running: Option<AbortOnDrop> = None;
    let mut tick = tokio::time::interval(app.config.lease_renew);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let held = match app.instances().hold(name).await {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(lease = name, error = %err, "renewing the lease failed");
                false
            }
        };
        match (&running, held) {
            (None, true) => running = Some(AbortOnDrop(tokio::spawn(run()))),
            (Some(_), false) => running = None,
            (Some(task), true) if task.0.is_finished() => running = Some(AbortOnDrop(tokio::spawn(run()))),
            _ => {}
        }
        if app.instances().stopping() {
            return;
        }
    }
}

/// The loop's task, aborted when dropped: when the lease is lost, and when the task that
/// runs it is itself cancelled, the loop ends with it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
