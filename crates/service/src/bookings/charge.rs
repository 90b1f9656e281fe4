//! R-BK-4: the month-end charge of booked hours that work did not use.

use reglament_api::ids::*;
use reglament_api::{CustomerId, ErrorCode, LedgerKind};
use reglament_domain::services::moscow_month;
use reglament_store::services as store;
use reglament_store::{PageRequest, customers as store_customers};
use uuid::Uuid;

use super::Bookings;
use crate::pro_services::certificates::hours_text;
use crate::{Result, ServiceError};

const CHARGE_BATCH: i64 = 200;

impl Bookings<'_> {
    /// R-BK-4: after a month ends, each customer's booked hours that work logged in the
    /// month did not use are deducted in full. Once per customer and month: the charge's
    /// row is written first under the customer's lock, and a round that finds it written
    /// (an earlier round, another instance) charges nothing.
    ///
    /// # Errors
    /// On a database failure; the months charged before it stay charged.
    pub async fn charge_unused_bookings(&self) -> Result<usize> {
        let now = self.now();
        let current = moscow_month(now);
        let mut tx = self.store.read().await?;
        let due = store::uncharged_months(&mut tx, current, CHARGE_BATCH).await?;
        tx.commit().await?;
        let mut charged = 0;
        for (customer, month) in due {
            let mut tx = self.store.begin().await?;
            store_customers::lock_customer(&mut tx, CustomerId(customer)).await?;
            let booked = store::booked_hours(&mut tx, month, Some(CustomerId(customer))).await? * 60;
            let logged = store::customer_logged_minutes(&mut tx, CustomerId(customer), month).await?;
            let unused = (booked - logged).max(0);
            if !store::record_booking_charge(&mut tx, CustomerId(customer), month, booked, logged, unused, now).await? {
                continue;
            }
            let note = format!(
                "Неиспользованное бронирование за {month}: забронировано {}, учтено работ {}",
                hours_text(booked),
                hours_text(logged)
            );
            let entry = store::NewLedgerEntry {
                certificate_id: CertificateId(Uuid::nil()),
                customer_id: CustomerId(customer),
                kind: LedgerKind::UnusedBooking,
                minutes: 0,
                ticket_id: None,
                work_log_id: None,
                month: Some(month),
                note: &note,
                created_by: None,
                overridden: false,
                created_at: now,
            };
            let valid = (month.first_day(), month.last_day());
            match self
                .pro_services()
                .charge_certificates(&mut tx, CustomerId(customer), valid, unused, true, entry)
                .await
            {
                Ok(_) => {}
                Err(ServiceError::Refused {
                    code: ErrorCode::NoActiveCertificate,
                    ..
                }) => {
                    tracing::warn!(%customer, %month, unused, "unused booked hours with no certificate to charge");
                }
                Err(other) => return Err(other),
            }
            if unused > 0 {
                // The key contacts learn of the charge from the portal, not from the ledger
                // alone; once their access has ended (R-ACL-5) the mail sends them nowhere
                // they cannot sign in to (R-CON-3).
                let access_ended = self
                    .accounts()
                    .customer_access_ends_at(&mut tx, CustomerId(customer))
                    .await?
                    .is_none_or(|ends| now >= ends);
                let statement = if access_ended {
                    "Доступ к порталу закрыт после окончания договора поддержки: выписку по сертификату \
                     пришлет ваш менеджер по запросу.\n"
                        .to_owned()
                } else {
                    format!(
                        "Выписка по сертификату: {}/services\n",
                        self.config.public_url.trim_end_matches('/')
                    )
                };
                for (email, name) in store::key_contacts(&mut tx, CustomerId(customer)).await? {
                    let body = format!(
                        "Здравствуйте, {name}!\n\nНа {month} было забронировано {} работы специалистов, учтено работ {}. \
                         По регламенту (п. 2.4) неиспользованное забронированное время, {}, списано с сертификата.\n\n\
                         {statement}",
                        hours_text(booked),
                        hours_text(logged),
                        hours_text(unused),
                    );
                    let subject = format!("Списание неиспользованного бронирования за {month}");
                    reglament_store::mail::enqueue(&mut tx, &email, &subject, &body, now).await?;
                }
            }
            // Subscribers learn of the charge on each of the month's bookings (R-INT-2).
            let charge = serde_json::json!({"month": month.to_string(), "booked_minutes": booked,
                "logged_minutes": logged, "unused_minutes": unused});
            let all = PageRequest {
                limit: PageRequest::MAX_LIMIT,
                offset: 0,
            };
            for row in store::list_bookings(&mut tx, Some(month), Some(CustomerId(customer)), all)
                .await?
                .items
            {
                self.emit_booking_with(&mut tx, &row, "charged", Some(charge.clone()))
                    .await?;
            }
            tx.commit().await?;
            tracing::info!(%customer, %month, booked, logged, unused, "month-end charge of booked hours");
            charged += 1;
        }
        Ok(charged)
    }
}
