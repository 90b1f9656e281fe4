//! R-NTF-4: a booking of specialists' hours that staff made, changed or cancelled is told to
//! the customer's key contacts, in the app and by mail, in their language.

use reglament_api::{CustomerId, Month};
use reglament_store::Tx;

use super::Notifications;
use crate::Result;
use crate::accounts::principal::Principal;

impl Notifications<'_> {
    /// A booking staff made, changed or cancelled is told to the customer's key contacts
    /// (R-NTF-4); their own changes are not told back.
    pub(crate) async fn tell_booking(
        &self,
        tx: &mut Tx,
        p: &Principal,
        customer_id: CustomerId,
        month: Month,
        hours: i64,
        change: &str,
    ) -> Result<()> {
        if !p.actor.is_staff() {
            return Ok(());
        }
        let month = month.first_day().format("%m.%Y").to_string();
        let (ru, en) = match change {
            "created" => ("забронировано", "booked"),
            "cancelled" => ("бронь отменена", "the booking is cancelled"),
            _ => ("бронь изменена", "the booking is changed"),
        };
        self.tell_customer(tx, customer_id, "booking_changed", None, |user, english, _| {
            if english {
                (
                    format!("Specialists' hours for {month}: {en}"),
                    format!(
                        "Hello, {}!\n\nSupport staff changed your booking of specialists' hours for {month}: \
                             {en}, {hours} h.\n\nBookings: {}/services\n",
                        user.full_name,
                        self.config.public_url.trim_end_matches('/')
                    ),
                )
            } else {
                (
                    format!("Часы специалистов на {month}: {ru}"),
                    format!(
                        "Здравствуйте, {}!\n\nСотрудник поддержки изменил бронь часов специалистов на {month}: \
                             {ru}, {hours} ч.\n\nБронирования: {}/services\n",
                        user.full_name,
                        self.config.public_url.trim_end_matches('/')
                    ),
                )
            }
        })
        .await?;
        Ok(())
    }
}
