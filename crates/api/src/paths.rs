//! Every operation of `/api/v1` in one place, one typed function each: its method, its
//! path with the values filled in, the body it takes and the answer it gives. The web app
//! calls the API only through these; the server's tests and benches use them too, and a
//! test of the server checks them against its OpenAPI document both ways (an operation
//! added to the server without a function here fails it, and so does a path mistyped here).
//!
//! ```
//! use reglament_api::{TicketId, paths};
//! let id: TicketId = "0190f0e4-7a6b-7c3d-9e1f-2a3b4c5d6e7f".parse().unwrap();
//! let op = paths::list_messages(id).query("limit", 200);
//! assert_eq!(op.path, "/tickets/0190f0e4-7a6b-7c3d-9e1f-2a3b4c5d6e7f/messages?limit=200");
//! assert_eq!(op.method, paths::Method::Get);
//! ```

use std::fmt::Display;
use std::marker::PhantomData;

#[allow(clippy::wildcard_imports)]
use crate::*;

/// Where the operations below live.
pub const API: &str = "/api/v1";

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// `GET`, `POST`…
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// The operation takes no request body.
#[derive(Debug, Clone, Copy)]
pub struct NoBody;

/// The operation answers `204 No Content`.
#[derive(Debug, Clone, Copy)]
pub struct NoContent;

/// A body or an answer that is a file's bytes (its type in `Content-Type`).
#[derive(Debug, Clone, Copy)]
pub struct Bytes;

/// A body or an answer that is text other than JSON (CSV, HTML, an event stream).
#[derive(Debug, Clone, Copy)]
pub struct Text;

/// One call of an operation: the method and the path (relative to [`API`], with its query),
/// typed by the body `B` it sends and the answer `T` it reads.
#[derive(Debug)]
pub struct Op<B, T> {
    pub method: Method,
    pub path: String,
    types: PhantomData<fn(B) -> T>,
}

impl<B, T> Clone for Op<B, T> {
    fn clone(&self) -> Self {
        Self {
            method: self.method,
            path: self.path.clone(),
            types: PhantomData,
        }
    }
}

impl<B, T> Op<B, T> {
    fn new(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            types: PhantomData,
        }
    }

    /// Adds `key=value` to the query, the value URL-encoded.
    #[must_use]
    pub fn query(self, key: &str, value: impl Display) -> Self {
        let value = value.to_string();
        self.raw_query(&format!("{key}={}", crate::paging::url_encode(&value)))
    }

    /// Adds `key=value` when there is a value.
    #[must_use]
    pub fn query_opt(self, key: &str, value: Option<impl Display>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds an encoded query (`a=1&b=2`, as [`TicketsQuery::to_query_string`] makes);
    /// nothing when it is empty.
    #[must_use]
    pub fn raw_query(mut self, encoded: &str) -> Self {
        if !encoded.is_empty() {
            self.path.push(if self.path.contains('?') { '&' } else { '?' });
            self.path.push_str(encoded);
        }
        self
    }

    /// The path from the server's root: `/api/v1/…`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("{API}{}", self.path)
    }
}

/// An operation as listed in [`OPERATIONS`].
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    pub method: Method,
    pub template: &'static str,
    pub body: &'static str,
    pub answer: &'static str,
}

/// A value put into a path: URL-encoded (a tier code or a version may hold any character;
/// a UUID or a number is left as it is).
fn segment(value: impl Display) -> String {
    crate::paging::url_encode(&value.to_string())
}

macro_rules! operations {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* ) : $method:ident $template:literal, $body:ty => $answer:ty; )*) => {
        $(
            $(#[doc = $doc])*
            #[must_use]
            pub fn $name($($arg: $ty),*) -> Op<$body, $answer> {
                $(let $arg = segment($arg);)*
                Op::new(Method::$method, format!($template))
            }
        )*

        /// Every operation: its method, its path template as the OpenAPI document names it,
        /// and the names of its body and answer types (checked against the document).
        pub const OPERATIONS: &[Operation] = &[$(Operation {
            method: Method::$method,
            template: $template,
            body: stringify!($body),
            answer: stringify!($answer),
        }),*];
    };
}

operations! {
    /// The caller's API tokens (never the tokens themselves).
    list_api_tokens(): Get "/api-tokens", NoBody => Page<ApiToken>;
    /// Create an API token for an integration or a script.
    create_api_token(): Post "/api-tokens", NewApiToken => CreatedApiToken;
    /// Revoke one of the caller's API tokens; it is refused from then on.
    revoke_api_token(id: ApiTokenId): Delete "/api-tokens/{id}", NoBody => NoContent;
    /// Download an attachment; only those who see its ticket may.
    download_attachment(id: AttachmentId): Get "/attachments/{id}", NoBody => Bytes;
    /// Set the password from an invitation's one-time link.
    accept_invitation(): Post "/auth/accept-invitation", AcceptInvitationInput => User;
    /// Sign in with email and password.
    login(): Post "/auth/login", LoginInput => TokenPair;
    /// Sign out: revokes the refresh token (and the tokens rotated from it).
    logout(): Post "/auth/logout", RefreshInput => NoContent;
    /// Exchange a refresh token for a new pair; the old refresh token stops working.
    refresh(): Post "/auth/refresh", RefreshInput => TokenPair;
    /// Sign in from the web app.
    open_session(): Post "/auth/session", LoginInput => BrowserSession;
    /// Sign the web app out: the refresh cookie's session is revoked and the cookie cleared.
    close_session(): Delete "/auth/session", NoBody => NoContent;
    /// Renew the web app's access token from the refresh cookie; the cookie rotates.
    refresh_session(): Post "/auth/session/refresh", NoBody => BrowserSession;
    /// Sign out everywhere: every refresh token of the caller is revoked, so no browser or
    /// device renews its session; access tokens run out within 15 minutes.
    sign_out_everywhere(): Post "/auth/sign-out-everywhere", NoBody => NoContent;
    /// Bookings: staff all (or `customer_id`'s), a client their company's.
    list_bookings(): Get "/bookings", NoBody => Page<Booking>;
    /// Book specialists' hours for a later month (R-BK-1…5): a key contact for their company,
    /// admins and account managers for a customer they name.
    create_booking(): Post "/bookings", NewBooking => Booking;
    /// The booking calendar: capacity, booked and free hours and the deadline of each month
    /// (R-BK-2).
    booking_capacity(): Get "/bookings/capacity", NoBody => Vec<MonthCapacity>;
    /// One booking.
    get_booking(id: BookingId): Get "/bookings/{id}", NoBody => Booking;
    /// Cancel a booking until the month's deadline (R-BK-3).
    cancel_booking(id: BookingId): Delete "/bookings/{id}", NoBody => NoContent;
    /// Change a booking's hours until the month's deadline (R-BK-3).
    change_booking(id: BookingId): Patch "/bookings/{id}", BookingPatch => Booking;
    /// `start` plus N working days: N × 9 business hours on the 8x5 schedule (R-CAL-6), as used
    /// for auto-close, access blocks and critical fixes.
    add_working_days(): Get "/calendar/add-working-days", NoBody => WorkingDaysDue;
    /// Import years of the production calendar (admins): a JSON array of the same shape as `GET
    /// /api/v1/calendar/{year}` takes, all or nothing.
    import_calendar(): Post "/calendar/import", Vec<CalendarYear> => Vec<CalendarYearView>;
    /// Calendar settings: whether pre-holiday shortened days end at 17:00 (R-CAL-4).
    get_calendar_settings(): Get "/calendar/settings", NoBody => CalendarSettings;
    /// Change the calendar settings (admins).
    put_calendar_settings(): Put "/calendar/settings", CalendarSettingsInput => CalendarSettings;
    /// A year of the production calendar.
    get_calendar_year(year: i32): Get "/calendar/{year}", NoBody => CalendarYearView;
    /// Replace a year of the production calendar (admins).
    put_calendar_year(year: i32): Put "/calendar/{year}", CalendarYear => CalendarYearView;
    /// Certificates of prepaid hours: staff all (or `customer_id`'s), a client their company's.
    list_certificates(): Get "/certificates", NoBody => Page<Certificate>;
    /// Record a customer's certificate (admins, account managers).
    create_certificate(): Post "/certificates", NewCertificate => Certificate;
    /// One certificate with its balance.
    get_certificate(id: CertificateId): Get "/certificates/{id}", NoBody => Certificate;
    /// Correct a ledger: a new row, never an edit (admins, account managers; an override of the
    /// balance is an admin's).
    correct_ledger(id: CertificateId): Post "/certificates/{id}/corrections", LedgerCorrection => LedgerEntry;
    /// A certificate's ledger, oldest first, with the balance after each row (R-PS-4).
    certificate_ledger(id: CertificateId): Get "/certificates/{id}/ledger", NoBody => Page<LedgerEntry>;
    /// The whole ledger as CSV (UTF-8, times in Moscow).
    certificate_ledger_csv(id: CertificateId): Get "/certificates/{id}/ledger.csv", NoBody => Text;
    /// One contract.
    get_contract(id: ContractId): Get "/contracts/{id}", NoBody => Contract;
    /// Delete a contract entered by mistake.
    delete_contract(id: ContractId): Delete "/contracts/{id}", NoBody => NoContent;
    /// Change a contract: a renewal moves `ends_on`, an upgrade changes `tier_code`.
    update_contract(id: ContractId): Patch "/contracts/{id}", ContractPatch => Contract;
    /// Customers, by name.
    list_customers(): Get "/customers", NoBody => Page<CustomerView>;
    /// Add a customer (admins, account managers).
    create_customer(): Post "/customers", NewCustomer => CustomerView;
    /// One customer with its governing contract.
    get_customer(id: CustomerId): Get "/customers/{id}", NoBody => CustomerView;
    /// Rename a customer or change its dedicated manager.
    update_customer(id: CustomerId): Patch "/customers/{id}", CustomerPatch => CustomerView;
    /// Register a client of a customer (R-ACC-1), within the tier's contact count (R-ACL-4).
    create_client(id: CustomerId): Post "/customers/{id}/clients", NewClient => CreatedUser;
    /// Register clients from a list (R-ACC-1): CSV with a header (`key_contact`, `full_name`,
    /// `email`, `telegram`, `team`; `,` or `;`; Russian headers too) as `text/csv` (or a file
    /// sent as `application/octet-stream`), or `{"rows": [...]}` as `application/json`.
    import_clients(id: CustomerId): Post "/customers/{id}/clients/import", ImportClientList => ImportReport;
    /// A customer's contracts, newest first.
    list_contracts(id: CustomerId): Get "/customers/{id}/contracts", NoBody => Page<Contract>;
    /// Add a contract (tier, start and end dates, both inclusive).
    create_contract(id: CustomerId): Post "/customers/{id}/contracts", NewContract => Contract;
    /// A customer's teams.
    list_teams(id: CustomerId): Get "/customers/{id}/teams", NoBody => Page<Team>;
    /// Add a team.
    create_team(id: CustomerId): Post "/customers/{id}/teams", TeamInput => Team;
    /// A one-time code (valid 24 hours) that links a Telegram group chat to the customer: send
    /// its `command` in the chat where the bot is a member (R-CH-3).
    create_telegram_link_code(id: CustomerId): Post "/customers/{id}/telegram/link-code", NoBody => TelegramLinkCode;
    /// The duty roster of the 24x7 tiers (R-NTF-3): the weekly rotation, the overrides to come,
    /// who is on duty now, the next weeks and the gaps of the next 7 days.
    get_roster(): Get "/duty", NoBody => DutyRoster;
    /// Put someone else on duty for a while (a holiday, a sick day); where overrides overlap,
    /// the latest made wins.
    add_override(): Post "/duty/overrides", DutyOverrideInput => DutyOverride;
    /// Remove an override.
    remove_override(id: DutyOverrideId): Delete "/duty/overrides/{id}", NoBody => NoContent;
    /// Set the weekly rotation: active staff in order of their weeks, handed over each Monday
    /// at `handover_time` Moscow time.
    put_rotation(): Put "/duty/rotation", DutyRotationInput => DutyRoster;
    /// Escalations, newest first: all for staff, the customer's for a client.
    list_escalations(): Get "/escalations", NoBody => Page<Escalation>;
    /// Acknowledge an escalation (support leads, admins).
    acknowledge_escalation(id: EscalationId): Post "/escalations/{id}/acknowledge", NoBody => Escalation;
    /// Health of the service, without authentication (for load balancers and monitoring).
    health(): Get "/health", NoBody => Health;
    /// Readiness, without authentication (R-OPS-3): 200 when this instance should get traffic —
    /// the database answers, its schema is current, and the instance is not stopping — else 503
    /// with the reasons.
    ready(): Get "/health/ready", NoBody => Readiness;
    /// Mail the intake did not process, newest first: unknown or disabled senders, staff
    /// senders, and clients' mail that could not become a ticket (admins, support leads).
    list_rejected_mail(): Get "/mail/rejected", NoBody => Page<RejectedMail>;
    /// Delete a rejected mail.
    delete_rejected_mail(id: RejectedMailId): Delete "/mail/rejected/{id}", NoBody => NoContent;
    /// Process a rejected mail again, say after registering its sender: it becomes a ticket or
    /// a reply and leaves the list, or stays with the new reason.
    process_rejected_mail(id: RejectedMailId): Post "/mail/rejected/{id}/process", NoBody => MailProcessed;
    /// The signed-in user.
    me(): Get "/me", NoBody => User;
    /// Change one's own name, language (`ru`, `en`) or time zone.
    update_me(): Patch "/me", ProfilePatch => User;
    /// What the caller may do under the customer's contract: whether tickets may be opened
    /// today (R-ACL-6), when access ends after the last contract (R-ACL-5), and the community
    /// portal address for those without an active contract.
    my_access(): Get "/me/access", NoBody => PortalAccess;
    /// The caller's notifications, newest first, with the unread count (R-NTF): new tickets,
    /// client messages, assignments, escalations, estimates decided (R-NTF-1), SLA warnings and
    /// breaches (R-NTF-2), duty-roster gaps (R-NTF-3).
    list_notifications(): Get "/notifications", NoBody => NotificationList;
    /// Where each kind of the caller's notifications goes besides the app (R-NTF-5): `in_app`,
    /// `mail` (bursts of more than 5 in a minute fold into one mail), `telegram` (staff, once
    /// linked; bursts fold the same way), `digest_hourly`, `digest_daily`.
    get_preferences(): Get "/notifications/preferences", NoBody => Vec<NotificationPreference>;
    /// Change where kinds of the caller's notifications go; a kind left out keeps its choice,
    /// `channel: null` returns it to the default (R-NTF-5).
    put_preferences(): Put "/notifications/preferences", Vec<PreferenceChange> => Vec<NotificationPreference>;
    /// Mark every notification of the caller read.
    mark_all_read(): Post "/notifications/read-all", NoBody => NoContent;
    /// Whether the caller's Telegram is linked to the bot for notifications (R-NTF-5).
    get_telegram(): Get "/notifications/telegram", NoBody => TelegramAccountStatus;
    /// Unlink the caller's Telegram; notifications routed there go by mail from now on.
    unlink_telegram(): Delete "/notifications/telegram", NoBody => NoContent;
    /// A one-time code (15 minutes) that links the caller's Telegram: send `/start CODE` to the
    /// bot in a private chat; Telegram can then be chosen in the preferences (R-NTF-5).
    create_telegram_code(): Post "/notifications/telegram/code", NoBody => TelegramAccountCode;
    /// Mark one of the caller's notifications read.
    mark_read(id: NotificationId): Post "/notifications/{id}/read", NoBody => NoContent;
    /// The product versions: which are supported and which is the latest (R-TKT-4).
    list_versions(): Get "/product-versions", NoBody => Vec<ProductVersion>;
    /// Add or change a product version (admins).
    put_version(version: &str): Put "/product-versions/{version}", VersionInput => ProductVersion;
    /// Portal settings: the community portal address shown to customers without an active
    /// contract (R-ACL-6).
    get_portal_settings(): Get "/settings/portal", NoBody => PortalSettings;
    /// Change the portal settings (admins).
    put_portal_settings(): Put "/settings/portal", PortalSettings => PortalSettings;
    /// The response due time of a tier for a ticket entering work at `start` (R-SLA-1): the
    /// promise the web app shows when a ticket is created ("ответ не позднее …").
    deadline(): Get "/sla/deadline", NoBody => Deadline;
    /// Tickets whose running response cycle is past due: total, by customer, team and tier
    /// (R-INT-1).
    overdue(): Get "/sla/overdue", NoBody => OverdueCounts;
    /// The SLA dashboards' figures for months `from`..`to`: compliance (answers on time / all
    /// answers) per tier and per customer by month, tickets overdue now by tier, and the
    /// distribution of response times in business minutes.
    sla_report(): Get "/sla/report", NoBody => SlaReport;
    /// Specialists and their weekly hours (staff).
    list_specialists(): Get "/specialists", NoBody => Page<Specialist>;
    /// Set a specialist's weekly hours (admins, account managers).
    set_specialist_hours(id: UserId): Put "/specialists/{id}", SpecialistPatch => Specialist;
    /// Create a staff account (admins).
    create_staff(): Post "/staff", NewStaff => CreatedUser;
    /// The live stream (`text/event-stream`): `event: ticket` with `{"ticket_id", "change"}`
    /// when a ticket the caller may see changes (read it again through the API), `event:
    /// notification` with `{"notification": {…}}` when the caller is told something.
    open_stream(): Get "/stream", NoBody => Text;
    /// A ticket that opens the caller's live stream for 60 seconds (`GET /stream?ticket=…`): a
    /// browser's EventSource cannot send an Authorization header.
    stream_ticket(): Post "/stream/tickets", NoBody => StreamTicket;
    /// One team.
    get_team(id: TeamId): Get "/teams/{id}", NoBody => Team;
    /// Delete a team; its members stay with the customer, without a team.
    delete_team(id: TeamId): Delete "/teams/{id}", NoBody => NoContent;
    /// Rename a team.
    rename_team(id: TeamId): Patch "/teams/{id}", TeamInput => Team;
    /// Linked Telegram chats (staff), of one customer with `customer_id`.
    list_telegram_chats(): Get "/telegram/chats", NoBody => Vec<TelegramChat>;
    /// Unlink a chat: the bot ignores it from now on.
    unlink_telegram_chat(chat_id: i64): Delete "/telegram/chats/{chat_id}", NoBody => NoContent;
    /// The bot: whether it runs here, its offset, linked chats and the messages it ignored.
    telegram_status(): Get "/telegram/status", NoBody => TelegramStatus;
    /// Tickets the caller may see: a client their own and their team's, a key contact all of
    /// the customer's, staff all (R-ACL-1).
    list_tickets(): Get "/tickets", NoBody => TicketList;
    /// Open a ticket: a client for themselves, or staff on a client's behalf (`author_id`, and
    /// the `channel` it came by, e.g.
    create_ticket(): Post "/tickets", NewTicket => TicketView;
    /// One ticket.
    get_ticket(id: TicketId): Get "/tickets/{id}", NoBody => TicketView;
    /// The structured request of an `account_management` ticket (R-ACC-2) and whether it was
    /// carried out.
    get_account_request(id: TicketId): Get "/tickets/{id}/account-request", NoBody => AccountRequestView;
    /// Carry out the account request (admins, account managers; R-ACC-3): the change is applied
    /// under the same rules as any other (contact count, teams, tier), recorded in the ticket's
    /// history, and the ticket closed `resolved`, in one transaction.
    apply_account_request(id: TicketId): Post "/tickets/{id}/account-request/apply", NoBody => TicketView;
    /// Assign a ticket to a staff member, or unassign it with `null` (staff).
    assign(id: TicketId): Post "/tickets/{id}/assign", AssignInput => TicketView;
    /// A ticket's attachments (purged ones keep their metadata, R-CONF-1).
    list_attachments(id: TicketId): Get "/tickets/{id}/attachments", NoBody => Vec<Attachment>;
    /// Attach a file to a ticket: the body is the file, `Content-Type` its type.
    upload_attachment(id: TicketId): Post "/tickets/{id}/attachments", Bytes => Attachment;
    /// Close a ticket (R-TKT-2): a client's close is `closed_by_customer`, staff give a reason.
    close_ticket(id: TicketId): Post "/tickets/{id}/close", CloseInput => TicketView;
    /// Confirm a bug (staff): it stops counting against the limit (R-LIM-2); a critical bug's
    /// fix is due 10 working days later (R-SLA-5).
    confirm_bug(id: TicketId): Post "/tickets/{id}/confirm-bug", NoBody => TicketView;
    /// Escalate an overdue ticket to the head of support (key contacts, R-ESC-2).
    escalate(id: TicketId): Post "/tickets/{id}/escalate", EscalationInput => Escalation;
    /// Answer an order with an estimate, or revise it (R-PS-2); staff only.
    propose_estimate(id: TicketId): Post "/tickets/{id}/estimates", NewEstimate => Order;
    /// The key contact approves the estimate in force (R-PS-2); then work may be logged.
    approve_estimate(id: TicketId, estimate: EstimateId): Post "/tickets/{id}/estimates/{estimate}/approve", NoBody => Order;
    /// The key contact declines the estimate in force (R-PS-2).
    decline_estimate(id: TicketId, estimate: EstimateId): Post "/tickets/{id}/estimates/{estimate}/decline", NoBody => Order;
    /// A ticket's history (R-TKT-10): who, when, what, before and after.
    ticket_events(id: TicketId): Get "/tickets/{id}/events", NoBody => Page<TicketEvent>;
    /// The conversation, oldest first; clients never see internal notes.
    list_messages(id: TicketId): Get "/tickets/{id}/messages", NoBody => Page<Message>;
    /// Write to a ticket.
    post_message(id: TicketId): Post "/tickets/{id}/messages", MessageInput => MessageOutcome;
    /// Mark a message confidential (staff, R-CON-6): its text is purged 30 days after it was
    /// received (R-CONF-1); the message and the purge event remain.
    mark_message_confidential(id: TicketId, message: MessageId): Post "/tickets/{id}/messages/{message}/confidential", NoBody => Message;
    /// An order (a `service_request` ticket): its estimates and logged work.
    get_order(id: TicketId): Get "/tickets/{id}/order", NoBody => Order;
    /// Change the category (staff, R-TKT-1): recorded, limit and SLA re-evaluated.
    reclassify(id: TicketId): Post "/tickets/{id}/reclassify", ReclassifyInput => TicketView;
    /// Deliver a bug's resolution (staff, R-TKT-9): a workaround, a release with the fix, or
    /// the end of support.
    resolve_bug(id: TicketId): Post "/tickets/{id}/resolve-bug", BugResolutionInput => TicketView;
    /// Revoke criticality with a reason (staff, R-TKT-3).
    revoke_criticality(id: TicketId): Post "/tickets/{id}/revoke-criticality", ReasonInput => TicketView;
    /// Log an interval of work on an approved order (R-PS-3, R-PS-4): specialists and admins.
    log_work(id: TicketId): Post "/tickets/{id}/work-logs", NewWorkLog => Order;
    /// The support tiers of Appendix 1 of the regulation, with every column.
    list_tiers(): Get "/tiers", NoBody => Vec<Tier>;
    /// One tier.
    get_tier(code: &str): Get "/tiers/{code}", NoBody => Tier;
    /// Create or replace a tier (admins).
    put_tier(code: &str): Put "/tiers/{code}", TierInput => Tier;
    /// The page an unsubscribe link opens in a browser: a button that confirms (a link
    /// prefetched by a mail scanner changes nothing, RFC 8058).
    unsubscribe_page(): Get "/unsubscribe", NoBody => Text;
    /// One-click unsubscribe (RFC 8058, `List-Unsubscribe=One-Click`): the link's kind of
    /// notice goes to the app only for the link's person, without signing in.
    unsubscribe(): Post "/unsubscribe", NoBody => Text;
    /// Users.
    list_users(): Get "/users", NoBody => Page<User>;
    /// One user.
    get_user(id: UserId): Get "/users/{id}", NoBody => User;
    /// Change a user: name, email, team, key-contact flag, role, active.
    update_user(id: UserId): Patch "/users/{id}", UserPatch => User;
    /// Webhook subscriptions, oldest first (admins).
    list_webhooks(): Get "/webhooks", NoBody => Page<Webhook>;
    /// Subscribe a URL to events.
    create_webhook(): Post "/webhooks", NewWebhook => Webhook;
    /// One subscription with its secret and backlog.
    get_webhook(id: WebhookId): Get "/webhooks/{id}", NoBody => Webhook;
    /// Delete a subscription and its delivery log.
    delete_webhook(id: WebhookId): Delete "/webhooks/{id}", NoBody => NoContent;
    /// Change a subscription; `"paused": false` resumes a paused one and its waiting
    /// deliveries.
    update_webhook(id: WebhookId): Patch "/webhooks/{id}", WebhookPatch => Webhook;
    /// The delivery log, newest first: status, attempts, last error and response time.
    list_deliveries(id: WebhookId): Get "/webhooks/{id}/deliveries", NoBody => Page<WebhookDelivery>;
    /// Send a failed delivery again, once the receiver is fixed and the subscription resumed:
    /// it becomes pending with a fresh count of attempts and keeps its id (the `webhook-id`
    /// header), so a receiver that did get it drops the repeat.
    retry_delivery(id: WebhookId, delivery_id: WebhookDeliveryId): Post "/webhooks/{id}/deliveries/{delivery_id}/retry", NoBody => WebhookDelivery;
    /// Send a `webhook.test` event to this subscription now (it goes through the outbox like
    /// any other delivery).
    send_test_event(id: WebhookId): Post "/webhooks/{id}/test", NoBody => WebhookDelivery;
}
