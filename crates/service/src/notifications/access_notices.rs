//! R-NTF-4 with R-ACL-5: a customer's key contacts are told 30 days and again 5 working days
//! before the clients' access ends (10 working days after the last contract), in the app and
//! by mail, in their language and time zone — once each, and not at all after a renewal
//! (a renewal moves the last contract's end, and with it the notices' occasion).

use chrono::{DateTime, TimeDelta, Utc};
use reglament_api::CustomerId;
use reglament_store::customers as store_customers;
use reglament_store::notifications::{self as store, NewNotification};

use super::Notifications;
use crate::{Result, ServiceError};

/// Working days before the end for the second notice.
const LAST_NOTICE_WORKING_DAYS: u32 = 5;

impl Notifications<'_> {
    /// The job's round: answers how many key contacts were told.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn tell_access_ending(&self) -> Result<usize> {
        let now = self.now();
        let today = reglament_domain::moscow::date(now);
        let mut tx = self.store.read().await?;
        // The access ends 10 working days (at most about a month with the New Year
        // holidays) after the last day; the first notice comes 30 days before that.
        let ending = store_customers::last_contract_ending_between(
            &mut tx,
            today - TimeDelta::days(40),
            today + TimeDelta::days(31),
        )
        .await?;
        tx.commit().await?;
        let calendar = self.calendar().business_calendar();
        let mut told = 0;
        for (customer_id, last_day) in ending {
            let ends = reglament_domain::access_ends_at(&calendar, last_day);
            if now >= ends {
                continue;
            }
            let next = reglament_domain::moscow::midnight(last_day.succ_opt().unwrap_or(last_day));
            let last_notice = calendar
                .add_working_days(
                    next,
                    reglament_domain::ACCESS_GRACE_WORKING_DAYS - LAST_NOTICE_WORKING_DAYS,
                )
                .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            let stage = if now >= last_notice {
                "5_working_days"
            } else if now >= ends - TimeDelta::days(30) {
                "30_days"
            } else {
                continue;
            };
            told += self.tell_key_contacts(customer_id, last_day, ends, stage).await?;
        }
        Ok(told)
    }

    async fn tell_key_contacts(
        &self,
        customer_id: CustomerId,
        last_day: chrono::NaiveDate,
        ends: DateTime<Utc>,
        stage: &str,
    ) -> Result<usize> {
        let mut tx = self.store.begin().await?;
        let customer = store_customers::get_customer(&mut tx, customer_id).await?;
        let once = format!("access_ending:{customer_id}:{last_day}:{stage}");
        let day = last_day.format("%d.%m.%Y");
        let told = self
            .tell_customer(&mut tx, customer_id, "access_ending", Some(&once), |user, en, lang| {
                let when = reglament_domain::moscow::format_for(ends, &user.time_zone, lang);
                if en {
                    (
                        format!("Access to the support portal ends {when}"),
                        format!(
                            "Hello, {}!\n\nThe support contract of {} ended (or ends) on {day}. Its people keep \
                             access to the support portal for 10 working days after it: until {when}. To keep \
                             access, renew the contract with your account manager.\n",
                            user.full_name, customer.name
                        ),
                    )
                } else {
                    (
                        format!("Доступ к порталу поддержки закроется {when}"),
                        format!(
                            "Здравствуйте, {}!\n\nДоговор поддержки «{}» закончился (или заканчивается) {day}. \
                             Доступ к порталу поддержки сохраняется 10 рабочих дней после окончания договора: \
                             до {when}. Чтобы сохранить доступ, продлите договор — обратитесь к вашему менеджеру.\n",
                            user.full_name, customer.name
                        ),
                    )
                }
            })
            .await?;
        tx.commit().await?;
        if told > 0 {
            tracing::info!(customer = %customer_id, %stage, told, "key contacts told that access ends (R-ACL-5)");
        }
        Ok(told)
    }

    /// Tells a customer's active key contacts, in the caller's transaction: in the app and by
    /// mail, each in their language (`render(user, english, lang)` gives the subject and the
    /// body); once per person and `once` key when given. Answers how many were told.
    pub(crate) async fn tell_customer(
        &self,
        tx: &mut reglament_store::Tx,
        customer_id: CustomerId,
        kind: &str,
        once: Option<&str>,
        render: impl Fn(&reglament_store::User, bool, &str) -> (String, String),
    ) -> Result<usize> {
        let now = self.now();
        let mut told = 0;
        for id in store_customers::key_contact_ids(tx, customer_id).await? {
            let user = reglament_store::users::get(tx, id).await?;
            let en = user.locale.starts_with("en");
            let (subject, body) = render(&user, en, if en { "en" } else { "ru" });
            // The bell shows the news itself: the paragraph after the greeting.
            let short = body.split("\n\n").nth(1).unwrap_or(&body).trim();
            let n = NewNotification {
                recipient_id: id,
                kind,
                ticket_id: None,
                title: &subject,
                body: short,
                dedup_key: once,
                channel: "in_app",
            };
            if store::insert(tx, &n, now).await? {
                reglament_store::mail::enqueue(tx, &user.email, &subject, &body, now).await?;
                told += 1;
            }
        }
        Ok(told)
    }
}
