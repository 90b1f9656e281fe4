//! Monthly bookings of specialists (R-BK-1…5) and the month-end charge of unused hours.

use reglament_api as api;
use reglament_api::{BookingId, CustomerId, ErrorCode, Month, Scope, UserId};
use reglament_domain::services::{
    WindowError, booking_deadline, capacity_minutes, check_booking_window, moscow_month, working_days,
};
use reglament_domain::{Actor, StaffRole};
use reglament_store::services::{self as store, BookingRow};
use reglament_store::{Page, PageRequest, Tx, customers as store_customers};
use uuid::Uuid;
use validator::Validate as _;

use super::Bookings;
use crate::accounts::principal::Principal;
use crate::{Result, ServiceError};

/// Staff who book for a customer, and set specialists' hours.
const BOOKING_MANAGERS: [StaffRole; 2] = [StaffRole::Admin, StaffRole::AccountManager];
/// The longest planner.
pub const MAX_PLANNER_MONTHS: u32 = 24;

fn window_refused(month: Month, e: WindowError) -> ServiceError {
    let detail = match e {
        WindowError::NotLater => format!("{month} is not a later calendar month: bookings are for months ahead"),
        WindowError::Closed => format!(
            "booking for {month} closed at {} (00:00 Moscow time, 5 days before the month); changes and \
             cancellations close then too",
            reglament_domain::moscow::format(booking_deadline(month))
        ),
    };
    ServiceError::refused(ErrorCode::BookingClosed, detail)
}

impl Bookings<'_> {
    fn booking_view(&self, row: BookingRow) -> api::Booking {
        let deadline = booking_deadline(row.month);
        api::Booking {
            id: row.id.into(),
            customer_id: row.customer_id.into(),
            customer_name: row.customer_name,
            month: row.month,
            hours: row.hours,
            created_by: row.created_by.into(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            deadline,
            changeable: check_booking_window(self.now(), row.month).is_ok(),
        }
    }

    /// Whose bookings the caller makes: a key contact their customer's; admins and
    /// account managers a customer they name.
    fn booking_customer(p: &Principal, asked: Option<CustomerId>) -> Result<Uuid> {
        match p.actor {
            Actor::Client {
                customer_id,
                is_key_contact,
                ..
            } => {
                if !is_key_contact {
                    return Err(ServiceError::refused(
                        ErrorCode::NotKeyContact,
                        "only the customer's key contact books specialists' hours",
                    ));
                }
                match asked {
                    Some(other) if other != customer_id => Err(ServiceError::not_found("customer")),
                    _ => Ok(customer_id.0),
                }
            }
            Actor::Staff { .. } => {
                p.require_role(&BOOKING_MANAGERS)?;
                asked
                    .map(CustomerId::uuid)
                    .ok_or_else(|| ServiceError::invalid("customer_id", "staff name the customer they book for"))
            }
        }
    }

    /// The specialists' hours in `month` (R-BK-2), whole hours rounded down.
    async fn capacity_hours(&self, tx: &mut Tx, month: Month) -> Result<i64> {
        let weekly = store::active_weekly_hours(tx).await?;
        Ok(capacity_minutes(&self.calendar().business_calendar(), month, &weekly) / 60)
    }

    /// Checks that the month can take `extra` more hours, under the month's lock (R-BK-5).
    async fn check_capacity(&self, tx: &mut Tx, month: Month, extra: i64) -> Result<()> {
        let capacity = self.capacity_hours(tx, month).await?;
        let booked = store::booked_hours(tx, month, None).await?;
        let free = (capacity - booked).max(0);
        if extra > free {
            return Err(ServiceError::refused(
                ErrorCode::CapacityExceeded,
                if free == 0 {
                    format!("{month} is fully booked ({capacity} h of specialists' time)")
                } else {
                    format!("{month} has {free} h free of {capacity} h; {extra} h were asked")
                },
            ));
        }
        Ok(())
    }

    /// R-BK-1: the customer holds a certificate valid today, and one valid in `month`.
    async fn check_certificate_for(
        &self,
        tx: &mut Tx,
        customer: CustomerId,
        month: Month,
        today: chrono::NaiveDate,
    ) -> Result<()> {
        let active = store::balances_valid_between(tx, customer, today, today).await?;
        let in_month = store::balances_valid_between(tx, customer, month.first_day(), month.last_day()).await?;
        if active.is_empty() {
            return Err(ServiceError::refused(
                ErrorCode::NoActiveCertificate,
                "booking is for customers with a certificate of professional services valid today",
            ));
        }
        if in_month.is_empty() {
            let until = active.iter().map(|c| c.valid_until).max().unwrap_or(today);
            return Err(ServiceError::refused(
                ErrorCode::CertificateExpired,
                format!(
                    "{month} is past the certificate's expiry ({})",
                    until.format("%d.%m.%Y")
                ),
            ));
        }
        Ok(())
    }

    /// Books specialists' hours for a later month (R-BK-1), before its deadline (R-BK-2),
    /// within the capacity, however many book at once (R-BK-5).
    ///
    /// # Errors
    /// `not_key_contact`, `forbidden`, `booking_closed`, `no_active_certificate`,
    /// `certificate_expired`, `capacity_exceeded`, `insufficient_balance` (R-CON-5).
    pub async fn create_booking(&self, p: &Principal, input: api::NewBooking) -> Result<api::Booking> {
        p.require_scope(Scope::ServicesWrite)?;
        input.validate()?;
        let customer = Self::booking_customer(p, input.customer_id)?;
        let month = input.month;
        check_booking_window(self.now(), month).map_err(|e| window_refused(month, e))?;
        let mut tx = self.store.begin().await?;
        store_customers::get_customer(&mut tx, CustomerId(customer))
            .await
            .map_err(ServiceError::from_store("customer"))?;
        store::lock_month(&mut tx, month).await?;
        // The balance is the customer's across months (R-CON-5): its bookings take turns.
        store_customers::lock_customer(&mut tx, CustomerId(customer)).await?;
        // The clock may have crossed the deadline while the lock was awaited.
        let now = self.now();
        check_booking_window(now, month).map_err(|e| window_refused(month, e))?;
        self.check_certificate_for(
            &mut tx,
            CustomerId(customer),
            month,
            reglament_domain::moscow::date(now),
        )
        .await?;
        self.check_within_contract(&mut tx, CustomerId(customer), month).await?;
        self.check_capacity(&mut tx, month, input.hours).await?;
        self.check_balance(&mut tx, CustomerId(customer), month, input.hours, None)
            .await?;
        let row = store::insert_booking(&mut tx, CustomerId(customer), month, input.hours, p.user.id, now).await?;
        self.emit_booking(&mut tx, &row, "created").await?;
        self.notifications()
            .tell_booking(&mut tx, p, CustomerId(row.customer_id), row.month, row.hours, "created")
            .await?;
        tx.commit().await?;
        tracing::info!(customer = %customer, %month, hours = input.hours, "hours booked");
        Ok(self.booking_view(row))
    }

    /// Tells webhook subscribers of a booking change (R-INT-2), in its transaction.
    async fn emit_booking(&self, tx: &mut Tx, row: &BookingRow, change: &str) -> Result<()> {
        self.emit_booking_with(tx, row, change, None).await
    }

    /// The same, with the month-end charge (`change` "charged") when there is one.
    pub(super) async fn emit_booking_with(
        &self,
        tx: &mut Tx,
        row: &BookingRow,
        change: &str,
        charge: Option<serde_json::Value>,
    ) -> Result<()> {
        let mut data = serde_json::json!({
            "booking": {"id": row.id, "customer_id": row.customer_id, "customer_name": row.customer_name,
                "month": row.month.to_string(), "hours": row.hours},
            "change": change,
        });
        if let Some(charge) = charge {
            data["charge"] = charge;
        }
        self.integrations()
            .emit(tx, reglament_api::WebhookEvent::BookingChanged, data)
            .await
    }

    async fn changeable_booking(&self, tx: &mut Tx, p: &Principal, id: BookingId) -> Result<BookingRow> {
        let row = store::get_booking(tx, id)
            .await
            .map_err(ServiceError::from_store("booking"))?;
        if !p.actor.can_see_customer(CustomerId(row.customer_id)) {
            return Err(ServiceError::not_found("booking"));
        }
        Self::booking_customer(p, Some(row.customer_id.into()))?;
        check_booking_window(self.now(), row.month).map_err(|e| window_refused(row.month, e))?;
        Ok(row)
    }

    /// Changes the hours of a booking until the month's deadline (R-BK-3).
    ///
    /// # Errors
    /// `not_found`, `not_key_contact`, `booking_closed`, `capacity_exceeded`,
    /// `insufficient_balance` (R-CON-5) for more hours than the balance leaves.
    pub async fn change_booking(&self, p: &Principal, id: BookingId, input: api::BookingPatch) -> Result<api::Booking> {
        p.require_scope(Scope::ServicesWrite)?;
        input.validate()?;
        let mut tx = self.store.begin().await?;
        let row = self.changeable_booking(&mut tx, p, id).await?;
        store::lock_month(&mut tx, row.month).await?;
        store_customers::lock_customer(&mut tx, CustomerId(row.customer_id)).await?;
        let row = self.changeable_booking(&mut tx, p, id).await?;
        if input.hours > row.hours {
            self.check_capacity(&mut tx, row.month, input.hours - row.hours).await?;
            self.check_balance(
                &mut tx,
                CustomerId(row.customer_id),
                row.month,
                input.hours,
                Some(row.id),
            )
            .await?;
        }
        store::set_booking_hours(&mut tx, BookingId(row.id), input.hours, self.now()).await?;
        let row = store::get_booking(&mut tx, BookingId(row.id)).await?;
        self.emit_booking(&mut tx, &row, "changed").await?;
        self.notifications()
            .tell_booking(&mut tx, p, CustomerId(row.customer_id), row.month, row.hours, "changed")
            .await?;
        tx.commit().await?;
        tracing::info!(booking = %row.id, month = %row.month, hours = row.hours, "booking changed");
        Ok(self.booking_view(row))
    }

    /// Cancels a booking until the month's deadline (R-BK-3).
    ///
    /// # Errors
    /// `not_found`, `not_key_contact`, `booking_closed`.
    pub async fn cancel_booking(&self, p: &Principal, id: BookingId) -> Result<()> {
        p.require_scope(Scope::ServicesWrite)?;
        let mut tx = self.store.begin().await?;
        let row = self.changeable_booking(&mut tx, p, id).await?;
        store::lock_month(&mut tx, row.month).await?;
        let row = self.changeable_booking(&mut tx, p, id).await?;
        store::delete_booking(&mut tx, BookingId(row.id)).await?;
        self.emit_booking(&mut tx, &row, "cancelled").await?;
        self.notifications()
            .tell_booking(
                &mut tx,
                p,
                CustomerId(row.customer_id),
                row.month,
                row.hours,
                "cancelled",
            )
            .await?;
        tx.commit().await?;
        tracing::info!(booking = %row.id, month = %row.month, "booking cancelled");
        Ok(())
    }

    /// Bookings: staff all (or one customer's), a client their company's.
    ///
    /// # Errors
    /// `not_found` for another customer (a client).
    pub async fn list_bookings(
        &self,
        p: &Principal,
        query: api::BookingsQuery,
        page: PageRequest,
    ) -> Result<Page<api::Booking>> {
        p.require_scope(Scope::ServicesRead)?;
        let customer = self.pro_services().customer_filter(p, query.customer_id)?;
        let mut tx = self.store.read().await?;
        let list = store::list_bookings(&mut tx, query.month, customer, page).await?;
        tx.commit().await?;
        Ok(list.map(|row| self.booking_view(row)))
    }

    /// # Errors
    /// `not_found`.
    pub async fn get_booking(&self, p: &Principal, id: BookingId) -> Result<api::Booking> {
        p.require_scope(Scope::ServicesRead)?;
        let mut tx = self.store.read().await?;
        let row = store::get_booking(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("booking"))?;
        tx.commit().await?;
        if !p.actor.can_see_customer(CustomerId(row.customer_id)) {
            return Err(ServiceError::not_found("booking"));
        }
        Ok(self.booking_view(row))
    }

    /// The booking calendar (R-BK-2): for each month, capacity, booked and free hours, the
    /// deadline and whether it is open; staff see the hours by customer, a client their own.
    ///
    /// # Errors
    /// `validation_failed` for `months` outside 1–24.
    pub async fn capacity(&self, p: &Principal, query: api::CapacityQuery) -> Result<Vec<api::MonthCapacity>> {
        p.require_scope(Scope::ServicesRead)?;
        let count = query.months.unwrap_or(6);
        if !(1..=MAX_PLANNER_MONTHS).contains(&count) {
            return Err(ServiceError::invalid("months", "from 1 to 24"));
        }
        let now = self.now();
        let first = query.from.unwrap_or_else(|| moscow_month(now).next());
        if first.year() > reglament_domain::calendar::LAST_YEAR {
            return Err(ServiceError::invalid("from", "the calendar ends in 2100"));
        }
        let months: Vec<Month> = std::iter::successors(Some(first), |m| Some(m.next()))
            .take(count as usize)
            .collect();
        let last = months.last().copied().unwrap_or(first);
        let own = match p.actor {
            Actor::Client { customer_id, .. } => Some(customer_id),
            Actor::Staff { .. } => None,
        };
        let mut tx = self.store.read().await?;
        let weekly = store::active_weekly_hours(&mut tx).await?;
        let totals = store::booked_by_month(&mut tx, first, last).await?;
        // A client sees their own customer's hours; staff see every customer's.
        let booked = store::booked_by_customer(&mut tx, first, last, own.map(|id| id.0)).await?;
        // A client's bookable minutes by month (R-CON-5).
        let mut bookable = Vec::new();
        if let Some(customer) = own {
            for month in &months {
                bookable.push(self.bookable_minutes(&mut tx, customer, *month, None).await?);
            }
        }
        tx.commit().await?;
        let calendar = self.calendar().business_calendar();
        Ok(months
            .into_iter()
            .enumerate()
            .map(|(i, month)| {
                let (working, shortened) = working_days(&calendar, month);
                let capacity = capacity_minutes(&calendar, month, &weekly) / 60;
                let rows: Vec<&store::BookedByCustomer> = booked.iter().filter(|b| b.month == month).collect();
                let total: i64 = totals.iter().filter(|(m, _)| *m == month).map(|(_, h)| h).sum();
                let free = (capacity - total).max(0);
                let open = free > 0 && check_booking_window(now, month).is_ok();
                api::MonthCapacity {
                    month,
                    working_days: working,
                    shortened_days: shortened,
                    specialists: i64::try_from(weekly.len()).unwrap_or(i64::MAX),
                    capacity_hours: capacity,
                    booked_hours: total,
                    free_hours: free,
                    deadline: booking_deadline(month),
                    open,
                    bookable_hours: bookable
                        .get(i)
                        .map(|minutes| if open { free.min(minutes / 60) } else { 0 }),
                    own_hours: if own.is_some() {
                        rows.iter().map(|b| b.hours).sum()
                    } else {
                        0
                    },
                    by_customer: if own.is_some() {
                        Vec::new()
                    } else {
                        rows.iter()
                            .map(|b| api::CustomerHours {
                                customer_id: b.customer_id.into(),
                                customer_name: b.customer_name.clone(),
                                hours: b.hours,
                            })
                            .collect()
                    },
                }
            })
            .collect())
    }

    /// Staff with the `specialist` role and their weekly hours.
    ///
    /// # Errors
    /// `forbidden` for clients.
    pub async fn list_specialists(&self, p: &Principal, page: PageRequest) -> Result<Page<api::Specialist>> {
        p.require_scope(Scope::ServicesRead)?;
        p.require_staff()?;
        let mut tx = self.store.read().await?;
        let list = store::specialists(&mut tx, page).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Sets a specialist's weekly hours (the capacity scales by hours / 40).
    ///
    /// # Errors
    /// `forbidden`, `not_found` (no such specialist).
    pub async fn set_specialist_hours(
        &self,
        p: &Principal,
        id: UserId,
        input: api::SpecialistPatch,
    ) -> Result<api::Specialist> {
        p.require_scope(Scope::ServicesWrite)?;
        p.require_role(&BOOKING_MANAGERS)?;
        input.validate()?;
        let mut tx = self.store.begin().await?;
        let user = reglament_store::users::get(&mut tx, id)
            .await
            .map_err(ServiceError::from_store("specialist"))?;
        if user.role != Some(StaffRole::Specialist) {
            return Err(ServiceError::not_found("specialist"));
        }
        store::set_weekly_hours(&mut tx, user.id, input.weekly_hours).await?;
        tx.commit().await?;
        tracing::info!(specialist = %user.email, weekly_hours = input.weekly_hours, "weekly hours set");
        Ok(api::Specialist {
            user_id: user.id,
            full_name: user.full_name,
            email: user.email,
            active: user.active,
            weekly_hours: input.weekly_hours,
        })
    }
}
