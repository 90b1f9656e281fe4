//! The SLA dashboards' figures: compliance per tier and per customer by month
//! (answers on time / all answers, R-SLA-1, R-SLA-4), current overdue by tier
//! (R-INT-1) and the distribution of response times in business minutes.

use reglament_api::{Bucket, CustomerMonth, ReportQuery, SlaReport, TierMonth};
use std::collections::BTreeMap;

use chrono::{Datelike as _, NaiveDate};
use reglament_domain::Actor;
use reglament_store::reports as store;
use uuid::Uuid;

use super::Tickets;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};
use reglament_api::Scope;

fn month_start(text: &str, field: &'static str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 7)
        .ok_or_else(|| ServiceError::invalid(field, "a month as YYYY-MM"))
}

fn next_month(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
}

impl Tickets<'_> {
    /// The SLA dashboards' figures: staff see every customer, a client their company.
    ///
    /// # Errors
    /// `validation_failed` on a bad month or a range over 36 months, `insufficient_scope`.
    pub async fn sla_report(&self, p: &Principal, query: ReportQuery) -> Result<SlaReport> {
        p.require_scope(Scope::SlaRead)?;
        let customer = match p.actor {
            Actor::Client { customer_id, .. } => Some(customer_id),
            Actor::Staff { .. } => None,
        };
        let moscow_today = reglament_domain::moscow::date(self.now());
        let to = match query.to.as_deref() {
            Some(text) => month_start(text, "to")?,
            None => moscow_today.with_day(1).unwrap_or(moscow_today),
        };
        let from = match query.from.as_deref() {
            Some(text) => month_start(text, "from")?,
            None => to.checked_sub_months(chrono::Months::new(5)).unwrap_or(to),
        };
        if from > to {
            return Err(ServiceError::invalid("from", "must not be after `to`"));
        }
        let mut months = Vec::new();
        let mut m = from;
        while m <= to {
            months.push(m.format("%Y-%m").to_string());
            if months.len() > 36 {
                return Err(ServiceError::invalid("from", "at most 36 months at once"));
            }
            m = next_month(m);
        }
        let (from_key, to_key) = (months[0].clone(), months[months.len() - 1].clone());
        let mut tx = self.store.read().await?;
        let rows = store::compliance(&mut tx, &from_key, &to_key, customer).await?;
        let counts = store::distribution(&mut tx, &from_key, &to_key, customer).await?;
        tx.commit().await?;

        let mut by_tier: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        let mut by_customer: BTreeMap<(String, Uuid, String), (i64, i64)> = BTreeMap::new();
        for r in rows {
            let t = by_tier.entry((r.tier_code.clone(), r.month.clone())).or_default();
            t.0 += r.on_time;
            t.1 += r.total;
            let c = by_customer
                .entry((r.customer_name, r.customer_id, r.month))
                .or_default();
            c.0 += r.on_time;
            c.1 += r.total;
        }
        let distribution = counts
            .iter()
            .enumerate()
            .map(|(i, &count)| Bucket {
                up_to_minutes: store::BUCKETS.get(i).copied(),
                count,
            })
            .collect();
        Ok(SlaReport {
            from: from_key,
            to: to_key,
            months,
            by_tier: by_tier
                .into_iter()
                .map(|((tier, month), (on_time, total))| TierMonth {
                    tier,
                    month,
                    on_time,
                    total,
                })
                .collect(),
            by_customer: by_customer
                .into_iter()
                .map(|((name, customer_id, month), (on_time, total))| CustomerMonth {
                    customer_id: customer_id.into(),
                    name,
                    month,
                    on_time,
                    total,
                })
                .collect(),
            overdue_by_tier: self.overdue_counts(p).await?.by_tier,
            distribution,
        })
    }
}
