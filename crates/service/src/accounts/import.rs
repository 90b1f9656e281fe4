//! Registration of clients from a list (R-ACC-1): CSV with a header, or JSON. A dry run
//! answers each row's outcome and writes nothing; the real run is all or nothing, in one
//! transaction under the customer's lock, and each new client is invited by mail with a
//! one-time link to set a password.

use reglament_api::ids::*;
use std::collections::{HashMap, HashSet};

use reglament_api::{
    CustomerId, ErrorCode, ImportClientRow, ImportOutcome, ImportProblem, ImportReport, ImportRow, Scope, UserPatch,
};
use reglament_domain::UserKind;
use reglament_store::{
    PageRequest, Tx, User, customers as store_customers, teams as store_teams, users as store_users,
};
use uuid::Uuid;
use validator::ValidateEmail as _;

use super::Accounts;
use crate::accounts::principal::Principal;
use crate::accounts::users::{new_user, reenable_client};
use crate::directory::customers::{governing_tier, require_directory_manager};
use crate::{Result, ServiceError};

/// The longest list accepted at once.
pub const MAX_ROWS: usize = 20_000;

/// A row as read from the file, before it is checked.
#[derive(Debug, Clone, Default)]
struct Parsed {
    line: i64,
    key_contact: Option<bool>,
    full_name: String,
    email: String,
    telegram: Option<String>,
    team: Option<String>,
}

fn unreadable(detail: impl Into<String>) -> ServiceError {
    ServiceError::Refused {
        code: ErrorCode::InvalidImport,
        detail: detail.into(),
    }
}

/// "1", "да", "yes", "true", "+", "x" are yes; "", "0", "нет", "no", "false", "-" are no.
fn flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "1" | "да" | "yes" | "y" | "true" | "+" | "x" | "ккл" => Some(true),
        "" | "0" | "нет" | "no" | "n" | "false" | "-" => Some(false),
        _ => None,
    }
}

fn column(header: &str) -> Option<&'static str> {
    match header.trim().trim_start_matches('\u{feff}').to_lowercase().as_str() {
        "key_contact" | "is_key_contact" | "ккл" | "ключевое контактное лицо" => {
            Some("key_contact")
        }
        "full_name" | "name" | "фио" | "имя" => Some("full_name"),
        "email" | "e-mail" | "почта" | "адрес" => Some("email"),
        "telegram" | "telegram_username" | "телеграм" => Some("telegram"),
        "team" | "команда" => Some("team"),
        _ => None,
    }
}

fn parse_csv(body: &[u8]) -> Result<Vec<Parsed>> {
    let text = std::str::from_utf8(body).map_err(|_| unreadable("the CSV is not UTF-8"))?;
    let first = text.lines().next().unwrap_or_default();
    // Spreadsheets in Russian locales write `;`.
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<Option<&'static str>> = reader
        .headers()
        .map_err(|e| unreadable(format!("the CSV header cannot be read: {e}")))?
        .iter()
        .map(column)
        .collect();
    if !headers.contains(&Some("email")) || !headers.contains(&Some("full_name")) {
        return Err(unreadable(
            "the CSV header names no `email` or no `full_name` column \
             (columns: key_contact, full_name, email, telegram, team)",
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(format!("line {}: {e}", i + 2)))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut row = Parsed {
            line: i64::try_from(i + 2).unwrap_or(i64::MAX),
            key_contact: Some(false),
            ..Parsed::default()
        };
        for (value, name) in record.iter().zip(&headers) {
            match name {
                Some("key_contact") => row.key_contact = flag(value),
                Some("full_name") => value.clone_into(&mut row.full_name),
                Some("email") => value.clone_into(&mut row.email),
                Some("telegram") => row.telegram = Some(value.to_owned()).filter(|v| !v.is_empty()),
                Some("team") => row.team = Some(value.to_owned()).filter(|v| !v.is_empty()),
                _ => {}
            }
        }
        rows.push(row);
        if rows.len() > MAX_ROWS {
            return Err(unreadable(format!("more than {MAX_ROWS} rows; split the list")));
        }
    }
    Ok(rows)
}

fn parse_json(body: &[u8]) -> Result<Vec<Parsed>> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum List {
        Wrapped(reglament_api::ImportClientList),
        Bare(Vec<ImportClientRow>),
    }
    let rows = match serde_json::from_slice::<List>(body) {
        Ok(List::Wrapped(list)) => list.rows,
        Ok(List::Bare(rows)) => rows,
        Err(_) => {
            // Name the row and field that is wrong, as the documented form reads them.
            let err = serde_json::from_slice::<reglament_api::ImportClientList>(body)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            return Err(unreadable(format!("the JSON is not {{\"rows\": [...]}}: {err}")));
        }
    };
    if rows.len() > MAX_ROWS {
        return Err(unreadable(format!("more than {MAX_ROWS} rows; split the list")));
    }
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| Parsed {
            line: i64::try_from(i + 1).unwrap_or(i64::MAX),
            key_contact: Some(r.key_contact),
            full_name: r.full_name,
            email: r.email,
            telegram: r.telegram_username.filter(|t| !t.trim().is_empty()),
            team: r.team.filter(|t| !t.trim().is_empty()),
        })
        .collect())
}

/// What the list would do: each row's outcome, and the users to write for the new ones.
struct Plan {
    rows: Vec<ImportRow>,
    users: Vec<(usize, User)>,
    /// Disabled clients of the customer to enable again, with the row's values.
    reactivate: Vec<(usize, Uuid, UserPatch)>,
}

impl Accounts<'_> {
    /// Imports (or with `dry_run` checks) a registration list for a customer.
    ///
    /// # Errors
    /// `forbidden`, `not_found` (customer), `no_contract`, `invalid_import` (400: the
    /// file cannot be read), `import_has_errors` (422: a real run with rows in error;
    /// nothing was written).
    pub async fn import_clients(
        &self,
        p: &Principal,
        customer_id: CustomerId,
        content_type: &str,
        body: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport> {
        p.require_scope(Scope::DirectoryWrite)?;
        require_directory_manager(p)?;
        let parsed = if content_type.contains("json") {
            parse_json(body)?
        } else {
            parse_csv(body)?
        };
        let started = std::time::Instant::now();
        let mut tx = if dry_run {
            self.store.read().await?
        } else {
            self.store.begin().await?
        };
        if !dry_run {
            // Serialises with registrations and other imports of the customer (R-ACL-4).
            store_customers::lock_customer(&mut tx, customer_id)
                .await
                .map_err(ServiceError::from_store("customer"))?;
        }
        let plan = self.plan(&mut tx, customer_id, parsed).await?;
        let mut report = report(plan.rows, dry_run);
        if dry_run {
            tx.commit().await?;
            return Ok(report);
        }
        if report.errors > 0 {
            return Err(ServiceError::Refused {
                code: ErrorCode::ImportHasErrors,
                detail: format!(
                    "{} of {} rows have errors; nothing was imported (check the list with dry_run=true)",
                    report.errors, report.total
                ),
            });
        }
        for (i, user) in &plan.users {
            self.finish_new_user(&mut tx, user, None).await?;
            report.rows[*i].user_id = Some(user.id);
        }
        for (i, id, patch) in plan.reactivate {
            self.patch_user_in(&mut tx, p, UserId(id), patch).await?;
            report.rows[i].user_id = Some(id.into());
        }
        self.changed_everywhere(&mut tx, crate::Cached::Users).await?;
        tx.commit().await?;
        if report.reactivated > 0 {
            self.users.clear();
        }
        report.applied = true;
        tracing::info!(
            customer_id = %customer_id,
            new = report.new,
            existing = report.existing,
            reactivated = report.reactivated,
            ms = started.elapsed().as_millis(),
            by = %p.user.id,
            "registration list imported"
        );
        Ok(report)
    }

    async fn plan(&self, tx: &mut Tx, customer_id: CustomerId, parsed: Vec<Parsed>) -> Result<Plan> {
        store_customers::get_customer(tx, customer_id)
            .await
            .map_err(ServiceError::from_store("customer"))?;
        let (tier, _) = governing_tier(tx, customer_id, self.today()).await?;
        let teams: HashMap<String, TeamId> = store_teams::list_teams(
            tx,
            customer_id,
            PageRequest {
                limit: 10_000,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|t| (t.name.trim().to_lowercase(), t.id))
        .collect();
        let emails: Vec<String> = parsed.iter().map(|r| store_users::normalize_email(&r.email)).collect();
        let holders: HashMap<String, store_users::Holder> = store_users::holders_of(tx, &emails)
            .await?
            .into_iter()
            .map(|h| (h.email.clone(), h))
            .collect();
        let mut active = store_users::count_active_clients(tx, customer_id).await?;
        let now = self.now();
        let mut seen = HashSet::with_capacity(parsed.len());
        let mut rows = Vec::with_capacity(parsed.len());
        let mut users = Vec::new();
        let mut reactivate = Vec::new();
        for (row, email) in parsed.into_iter().zip(emails) {
            let full_name = row.full_name.trim().to_owned();
            let refuse =
                |problem: ImportProblem, detail: &str| (ImportOutcome::Refused, Some(problem), Some(detail.to_owned()));
            let team = row
                .team
                .as_deref()
                .map(|t| teams.get(&t.trim().to_lowercase()).copied());
            let (outcome, problem, detail) = if !email.validate_email() || email.len() > 320 {
                refuse(ImportProblem::BadEmail, "not an email address")
            } else if full_name.is_empty() {
                refuse(ImportProblem::MissingName, "the full name is empty")
            } else if full_name.chars().count() > 200 || row.telegram.as_deref().is_some_and(|t| t.chars().count() > 64)
            {
                refuse(ImportProblem::BadValue, "a value is too long")
            } else if row.key_contact.is_none() {
                refuse(ImportProblem::BadValue, "the key contact flag is not yes or no")
            } else if !seen.insert(email.clone()) {
                refuse(ImportProblem::DuplicateInFile, "the email appears earlier in the list")
            } else if holders
                .get(&email)
                .is_some_and(|h| h.kind != UserKind::Client || h.customer_id != Some(customer_id.0))
            {
                refuse(ImportProblem::EmailTaken, "the email belongs to another account")
            } else if holders.get(&email).is_some_and(|h| h.active) {
                (ImportOutcome::Exists, None, None)
            } else if team == Some(None) {
                refuse(ImportProblem::UnknownTeam, "the customer has no team of this name")
            } else if active >= tier.max_contacts {
                refuse(
                    ImportProblem::ContactLimit,
                    &format!("the tier allows {} active contacts", tier.max_contacts),
                )
            } else if let Some(holder) = holders.get(&email) {
                // Removed earlier (R-ACC-2), listed again: enabled with the row's values.
                active += 1;
                let patch = reenable_client(
                    &full_name,
                    team.flatten(),
                    row.key_contact.unwrap_or(false),
                    row.telegram.clone(),
                );
                reactivate.push((rows.len(), holder.id, patch));
                (ImportOutcome::Reactivated, None, None)
            } else {
                active += 1;
                let user = User {
                    customer_id: Some(customer_id),
                    team_id: team.flatten(),
                    is_key_contact: row.key_contact.unwrap_or(false),
                    ..new_user(UserKind::Client, &email, &full_name, row.telegram.clone(), false, now)
                };
                users.push((rows.len(), user));
                (ImportOutcome::New, None, None)
            };
            rows.push(ImportRow {
                line: row.line,
                email,
                full_name,
                outcome,
                problem,
                detail,
                user_id: None,
            });
        }
        Ok(Plan {
            rows,
            users,
            reactivate,
        })
    }
}

fn report(rows: Vec<ImportRow>, dry_run: bool) -> ImportReport {
    let count = |o: ImportOutcome| i64::try_from(rows.iter().filter(|r| r.outcome == o).count()).unwrap_or(i64::MAX);
    ImportReport {
        dry_run,
        applied: false,
        total: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        new: count(ImportOutcome::New),
        existing: count(ImportOutcome::Exists),
        reactivated: count(ImportOutcome::Reactivated),
        errors: count(ImportOutcome::Refused),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_russian_headers_and_quotes() {
        let text = "\u{feff}ККЛ;ФИО;Email;Telegram;Команда\nда;\"Иванов; Иван\";IVAN@x.test;@ivan;Основная\n;;;;\nнет;Петр;p@x.test;;\n";
        let rows = parse_csv(text.as_bytes()).expect("parsed");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].full_name, "Иванов; Иван");
        assert_eq!(rows[0].key_contact, Some(true));
        assert_eq!(rows[0].team.as_deref(), Some("Основная"));
        assert_eq!((rows[1].line, rows[1].key_contact), (4, Some(false)));
    }

    #[test]
    fn a_csv_without_the_needed_columns_is_refused() {
        assert!(parse_csv(b"name_only\nx\n").is_err());
        assert!(parse_json(b"{\"not\": \"a list\"}").is_err());
    }
}
