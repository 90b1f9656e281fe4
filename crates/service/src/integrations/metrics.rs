//! The figures `/metrics` shows that live in the database, set as gauges just before a
//! scrape (R-INT-3). Counters and histograms of what happens (HTTP requests, intake
//! batches, job rounds, mail) are recorded where it happens.

use reglament_domain::Status;
use reglament_store::{channels, metrics as store, tiers};

use super::Integrations;
use crate::Result;

const OPEN_STATUSES: [Status; 3] = [Status::Queued, Status::Open, Status::WaitingForCustomer];

impl Integrations<'_> {
    /// Sets the database-derived gauges: tickets by tier and status, overdue tickets by
    /// tier, the outbox backlog, rejected mail, the bot's ignored messages, pool use, and
    /// which single-reader loops this instance runs.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn refresh_gauges(&self) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.read().await?;
        let counts = store::tickets_by_tier(&mut tx, reglament_domain::moscow::date(now), now).await?;
        let known: Vec<String> = tiers::list(&mut tx).await?.into_iter().map(|t| t.code).collect();
        let outbox = store::outbox_backlog(&mut tx).await?;
        let webhooks = reglament_store::webhooks::backlog(&mut tx).await?;
        let rejected = store::rejected_mail(&mut tx).await?;
        let telegram = channels::telegram_state(&mut tx).await?;
        let leases = reglament_store::leases::all(&mut tx).await?;
        tx.commit().await?;
        // R-OPS-2: 1 where this instance runs the loop, 0 elsewhere or when the lease ran out.
        for lease in leases {
            let here = lease.holder == self.instance.id && lease.expires_at >= now;
            metrics::gauge!("reglament_lease_held", "name" => lease.name).set(if here { 1.0 } else { 0.0 });
        }
        // Every known series first at zero, so that one that emptied does not keep its last value.
        for tier in known.iter().map(String::as_str).chain(["none"]) {
            for status in OPEN_STATUSES {
                metrics::gauge!("reglament_tickets", "tier" => tier.to_owned(), "status" => status.as_str()).set(0.0);
            }
            metrics::gauge!("reglament_tickets_overdue", "tier" => tier.to_owned()).set(0.0);
        }
        let mut overdue = std::collections::HashMap::<String, i64>::new();
        for c in &counts {
            metrics::gauge!("reglament_tickets", "tier" => c.tier.clone(), "status" => c.status.clone())
                .set(c.count as f64);
            *overdue.entry(c.tier.clone()).or_default() += c.overdue;
        }
        for (tier, n) in overdue {
            metrics::gauge!("reglament_tickets_overdue", "tier" => tier).set(n as f64);
        }
        metrics::gauge!("reglament_outbox_mail_backlog").set(outbox as f64);
        metrics::gauge!("reglament_webhook_backlog").set(webhooks as f64);
        metrics::gauge!("reglament_rejected_mail").set(rejected as f64);
        for (reason, n) in [
            ("unlinked_chat", telegram.ignored_unlinked_chat),
            ("unknown_user", telegram.ignored_unknown_user),
            ("tier", telegram.ignored_tier),
        ] {
            metrics::counter!("reglament_telegram_ignored_total", "reason" => reason)
                .absolute(u64::try_from(n).unwrap_or_default());
        }
        let (open, idle) = self.store.pool_use();
        metrics::gauge!("reglament_db_pool_connections", "state" => "open").set(f64::from(open));
        metrics::gauge!("reglament_db_pool_connections", "state" => "idle").set(idle as f64);
        Ok(())
    }
}
