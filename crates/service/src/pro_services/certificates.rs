//! Prepaid certificates and their append-only ledger (R-PS-1, R-PS-4): records, balances, the CSV export, corrections, and charging work against them.

use reglament_api as api;
use reglament_api::ids::*;
use reglament_api::{CertificateId, CustomerId, ErrorCode, LedgerKind, Scope};
use reglament_domain::StaffRole;
use reglament_domain::services::{Balance, ChargeError, allocate};
use reglament_store::services::{self as store, CertificateBalance};
use reglament_store::{Page, PageRequest, Tx, customers as store_customers};
use uuid::Uuid;
use validator::Validate as _;

use super::ProServices;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// Who records certificates and corrects ledgers.
const CERTIFICATE_MANAGERS: [StaffRole; 2] = [StaffRole::Admin, StaffRole::AccountManager];

/// `1 ч 30 мин`, the way hours are written in messages.
#[must_use]
pub fn hours_text(minutes: i64) -> String {
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    let sign = if minutes < 0 { "−" } else { "" };
    match (h, m) {
        (0, m) => format!("{sign}{m} мин"),
        (h, 0) => format!("{sign}{h} ч"),
        (h, m) => format!("{sign}{h} ч {m} мин"),
    }
}

/// The refusal of a charge the certificates do not cover.
fn charge_refused(e: ChargeError) -> ServiceError {
    match e {
        ChargeError::NoCertificate => ServiceError::refused(
            ErrorCode::NoActiveCertificate,
            "the customer has no certificate of professional services valid on that date",
        ),
        ChargeError::Insufficient { available, needed } => ServiceError::refused(
            ErrorCode::InsufficientBalance,
            format!(
                "the certificates' balance is {} and this needs {}; an admin may override",
                hours_text(available),
                hours_text(needed)
            ),
        ),
    }
}

impl ProServices<'_> {
    /// Deducts `minutes` from the customer's certificates valid in `[from, to]` (R-PS-4),
    /// one ledger row per certificate touched, under the customer's lock held by the caller.
    pub(crate) async fn charge_certificates(
        &self,
        tx: &mut Tx,
        customer: CustomerId,
        valid: (chrono::NaiveDate, chrono::NaiveDate),
        minutes: i64,
        overdraw: bool,
        entry: store::NewLedgerEntry<'_>,
    ) -> Result<(Vec<(Uuid, i64)>, bool)> {
        if minutes == 0 {
            return Ok((Vec::new(), false));
        }
        let balances: Vec<Balance<Uuid>> = store::balances_valid_between(tx, customer, valid.0, valid.1)
            .await?
            .into_iter()
            .map(|c: CertificateBalance| Balance {
                id: c.id,
                minutes: c.balance_minutes,
            })
            .collect();
        let available: i64 = balances.iter().map(|b| b.minutes.max(0)).sum();
        let parts = allocate(&balances, minutes, overdraw).map_err(charge_refused)?;
        let overridden = overdraw && available < minutes && entry.kind != LedgerKind::UnusedBooking;
        for (certificate_id, m) in &parts {
            store::append_ledger(
                tx,
                &store::NewLedgerEntry {
                    certificate_id: CertificateId(*certificate_id),
                    minutes: *m,
                    overridden,
                    ..entry
                },
            )
            .await?;
        }
        Ok((parts, overridden))
    }

    /// Records a customer's certificate.
    ///
    /// # Errors
    /// `forbidden` (not an admin or account manager), `validation_failed` (dates reversed),
    /// `not_found` (customer), `already_exists` (number taken).
    pub async fn create_certificate(&self, p: &Principal, input: api::NewCertificate) -> Result<api::Certificate> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_role(&CERTIFICATE_MANAGERS)?;
        input.validate()?;
        if input.valid_until < input.valid_from {
            return Err(ServiceError::invalid("valid_until", "must not be before valid_from"));
        }
        let number = input.number.trim();
        if number.is_empty() {
            return Err(ServiceError::invalid("number", "must not be blank"));
        }
        let mut tx = self.store.begin().await?;
        let customer_id = input.customer_id;
        store_customers::get_customer(&mut tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let id = Uuid::now_v7();
        store::insert_certificate(
            &mut tx,
            &store::NewCertificate {
                id,
                customer_id: customer_id.0,
                number,
                hours: input.hours,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                created_by: p.user.id.0,
                created_at: self.now(),
            },
        )
        .await
        .map_err(|e| match e {
            reglament_store::StoreError::Conflict(_) => {
                ServiceError::refused(ErrorCode::AlreadyExists, "a certificate with this number exists")
            }
            other => other.into(),
        })?;
        let certificate = store::get_certificate(&mut tx, CertificateId(id), self.today()).await?;
        tx.commit().await?;
        tracing::info!(certificate = %number, hours = input.hours, "certificate recorded");
        Ok(certificate)
    }

    /// Certificates: staff all (or one customer's), a client their company's.
    ///
    /// # Errors
    /// `not_found` for another customer (a client).
    pub async fn list_certificates(
        &self,
        p: &Principal,
        customer: Option<CustomerId>,
        page: PageRequest,
    ) -> Result<Page<api::Certificate>> {
        p.require_scope(Scope::ServicesRead)?;
        let customer = self.customer_filter(p, customer)?;
        let mut tx = self.store.read().await?;
        let list = store::list_certificates(&mut tx, customer, self.today(), page).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// A client sees their own customer only; asking for another is `not_found` (R-ACL-2).
    pub(crate) fn customer_filter(&self, p: &Principal, asked: Option<CustomerId>) -> Result<Option<CustomerId>> {
        match p.actor {
            reglament_domain::Actor::Staff { .. } => Ok(asked),
            reglament_domain::Actor::Client { customer_id, .. } => match asked {
                Some(other) if other != customer_id => Err(ServiceError::not_found("customer")),
                _ => Ok(Some(customer_id)),
            },
        }
    }

    async fn visible_certificate(&self, tx: &mut Tx, p: &Principal, id: CertificateId) -> Result<api::Certificate> {
        let certificate = store::get_certificate(tx, id, self.today())
            .await
            .map_err(ServiceError::from_store("certificate"))?;
        if p.actor.can_see_customer(certificate.customer_id) {
            Ok(certificate)
        } else {
            Err(ServiceError::not_found("certificate"))
        }
    }

    /// # Errors
    /// `not_found` for an unknown certificate or another customer's.
    pub async fn get_certificate(&self, p: &Principal, id: CertificateId) -> Result<api::Certificate> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let certificate = self.visible_certificate(&mut tx, p, id).await?;
        tx.commit().await?;
        Ok(certificate)
    }

    /// A certificate's ledger, oldest first, with the balance after each row.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn certificate_ledger(
        &self,
        p: &Principal,
        id: CertificateId,
        page: PageRequest,
    ) -> Result<Page<api::LedgerEntry>> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        self.visible_certificate(&mut tx, p, id).await?;
        let ledger = store::ledger(&mut tx, id, page).await?;
        tx.commit().await?;
        Ok(ledger)
    }

    /// The whole ledger as CSV (UTF-8, comma-separated, Moscow times), for accounting.
    ///
    /// # Errors
    /// `not_found`.
    pub async fn certificate_ledger_csv(&self, p: &Principal, id: CertificateId) -> Result<(String, String)> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let certificate = self.visible_certificate(&mut tx, p, id).await?;
        let mut out = String::from(
            "created_at_msk,kind,minutes,hours,balance_after_minutes,ticket_number,month,note,created_by,overridden\n",
        );
        let mut offset = 0;
        loop {
            let page = store::ledger(&mut tx, id, PageRequest { limit: 1000, offset }).await?;
            for e in &page.items {
                let row = [
                    reglament_domain::moscow::format(e.created_at),
                    e.kind.as_str().to_owned(),
                    e.minutes.to_string(),
                    format!("{:.2}", minutes_as_hours(e.minutes)),
                    e.balance_after_minutes.to_string(),
                    e.ticket_number.map(|n| n.to_string()).unwrap_or_default(),
                    e.month.map(|m| m.to_string()).unwrap_or_default(),
                    e.note.clone(),
                    e.created_by_name.clone().unwrap_or_default(),
                    e.overridden.to_string(),
                ];
                out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            offset += 1000;
            if page.items.len() < 1000 {
                break;
            }
        }
        tx.commit().await?;
        let name = format!(
            "ledger-{}.csv",
            certificate.number.replace(|c: char| !c.is_alphanumeric(), "_")
        );
        Ok((name, out))
    }

    /// A correction: a new ledger row, never an edit (R-PS-4).
    ///
    /// # Errors
    /// `forbidden`, `not_found`, `validation_failed` (zero minutes), `insufficient_balance`.
    pub async fn correct_ledger(
        &self,
        p: &Principal,
        id: CertificateId,
        input: api::LedgerCorrection,
    ) -> Result<api::LedgerEntry> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_role(&CERTIFICATE_MANAGERS)?;
        input.validate()?;
        if input.minutes == 0 {
            return Err(ServiceError::invalid("minutes", "must not be zero"));
        }
        if input.override_balance {
            p.require_role(&[StaffRole::Admin])?;
        }
        let mut tx = self.store.begin().await?;
        let certificate = self.visible_certificate(&mut tx, p, id).await?;
        store_customers::lock_customer(&mut tx, certificate.customer_id).await?;
        let certificate = store::get_certificate(&mut tx, id, self.today()).await?;
        let short = input.minutes > 0 && certificate.balance_minutes < input.minutes;
        if short && !input.override_balance {
            return Err(charge_refused(ChargeError::Insufficient {
                available: certificate.balance_minutes.max(0),
                needed: input.minutes,
            }));
        }
        let entry_id = store::append_ledger(
            &mut tx,
            &store::NewLedgerEntry {
                certificate_id: id,
                customer_id: certificate.customer_id,
                kind: LedgerKind::Correction,
                minutes: input.minutes,
                ticket_id: None,
                work_log_id: None,
                month: None,
                note: input.note.trim(),
                created_by: Some(p.user.id),
                overridden: short,
                created_at: self.now(),
            },
        )
        .await?;
        let entry = store::ledger_entry(&mut tx, id, LedgerEntryId(entry_id)).await?;
        tx.commit().await?;
        tracing::info!(certificate = %certificate.number, minutes = input.minutes, "ledger corrected");
        Ok(entry)
    }
}

fn minutes_as_hours(minutes: i64) -> f64 {
    // Exact for any ledger value (|minutes| < 2^52).
    #[allow(clippy::cast_precision_loss)]
    let m = minutes as f64;
    m / 60.0
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_read_in_russian() {
        assert_eq!(hours_text(90), "1 ч 30 мин");
        assert_eq!(hours_text(120), "2 ч");
        assert_eq!(hours_text(45), "45 мин");
        assert_eq!(hours_text(-60), "−1 ч");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
