//! R-CON-5: bookings within the certificates' balance less what bookings already commit;
//! R-CON-3: and within the contract.

use reglament_api::{CustomerId, ErrorCode, Month};
use reglament_store::Tx;
use reglament_store::services as store;
use uuid::Uuid;

use super::Bookings;
use crate::pro_services::certificates::hours_text;
use crate::{Result, ServiceError};

impl Bookings<'_> {
    /// R-CON-3: no month after the end of the customer's last contract is booked (a renewal
    /// extends it).
    pub(super) async fn check_within_contract(&self, tx: &mut Tx, customer: CustomerId, month: Month) -> Result<()> {
        let end = reglament_store::customers::last_contract_end(tx, customer).await?;
        if end.is_none_or(|end| month.first_day() > end) {
            return Err(ServiceError::refused(
                ErrorCode::AfterContractEnd,
                match end {
                    Some(end) => format!(
                        "{month} is after the end of the support contract ({}): renew it first",
                        end.format("%d.%m.%Y")
                    ),
                    None => "the customer has no support contract".to_owned(),
                },
            ));
        }
        Ok(())
    }

    /// R-CON-5: the minutes the customer's certificates valid in `month` hold, less what
    /// its bookings already commit (`except`: the booking being changed).
    pub(super) async fn bookable_minutes(
        &self,
        tx: &mut Tx,
        customer: CustomerId,
        month: Month,
        except: Option<Uuid>,
    ) -> Result<i64> {
        let balance: i64 = store::balances_valid_between(tx, customer, month.first_day(), month.last_day())
            .await?
            .iter()
            .map(|c| c.balance_minutes.max(0))
            .sum();
        let committed = store::uncharged_booked_minutes(tx, customer, except).await?;
        Ok((balance - committed).max(0))
    }

    /// R-CON-5: `hours` booked in `month` stay within the balance the bookings do not
    /// already commit; called under the customer's lock.
    pub(super) async fn check_balance(
        &self,
        tx: &mut Tx,
        customer: CustomerId,
        month: Month,
        hours: i64,
        except: Option<Uuid>,
    ) -> Result<()> {
        let bookable = self.bookable_minutes(tx, customer, month, except).await?;
        if hours * 60 > bookable {
            return Err(ServiceError::refused(
                ErrorCode::InsufficientBalance,
                format!(
                    "the certificates valid in {month} hold {} that bookings do not already commit; \
                     {hours} h were asked",
                    hours_text(bookable)
                ),
            ));
        }
        Ok(())
    }
}
