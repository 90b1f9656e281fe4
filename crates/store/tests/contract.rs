//! The store's contract: the same tests against SQLite and PostgreSQL, so that the
//! two backends behave alike (ARCHITECTURE.md, "Two databases, one store").

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reglament_api::ids::*;
use reglament_domain::{StaffRole, UserKind};
use reglament_store::testing::{TestDb, postgres_available};
use reglament_store::{
    ApiToken, Backend, Contract, Customer, PageRequest, RefreshToken, Scopes, StoreError, Team, User, auth, customers,
    mail, teams, tiers, users,
};
use uuid::Uuid;

macro_rules! contract {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            use super::*;
            async fn body($db: &TestDb) $body
            #[tokio::test]
            async fn sqlite() {
                let db = TestDb::new(Backend::Sqlite, now()).await;
                body(&db).await;
                db.drop_now().await;
            }
            #[tokio::test]
            async fn postgres() {
                if !postgres_available().await {
                    return;
                }
                let db = TestDb::new(Backend::Postgres, now()).await;
                // The database is dropped even when the body panics.
                let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(body(&db))).await;
                db.drop_now().await;
                if let Err(panic) = outcome {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    };
}

fn now() -> DateTime<Utc> {
    // Nanoseconds on purpose: both backends must give back the same microseconds.
    "2026-03-11T09:30:00.123456789Z".parse().expect("test fixture")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("test fixture")
}

fn customer(name: &str) -> Customer {
    Customer {
        id: CustomerId(Uuid::now_v7()),
        name: name.into(),
        account_manager_id: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn client(customer_id: Uuid, email: &str) -> User {
    User {
        id: UserId(Uuid::now_v7()),
        kind: UserKind::Client,
        email: email.into(),
        full_name: format!("Клиент {email}"),
        role: None,
        customer_id: Some(CustomerId(customer_id)),
        team_id: None,
        is_key_contact: false,
        telegram_username: None,
        active: true,
        locale: "ru".into(),
        time_zone: "Europe/Moscow".into(),
        has_password: false,
        created_at: now(),
        updated_at: now(),
    }
}

contract!(tiers_are_seeded_once_and_editable, |db| {
    let mut tx = db.store.begin().await.expect("test fixture");
    let list = tiers::list(&mut tx).await.expect("test fixture");
    assert_eq!(list, reglament_domain::appendix_1());
    let mut basic = tiers::get(&mut tx, "basic").await.expect("test fixture");
    basic.max_contacts = 4;
    tiers::upsert(&mut tx, &basic, 0, now()).await.expect("test fixture");
    tx.commit().await.expect("test fixture");
    // Migrating again keeps the admin's edit.
    db.store.migrate(now()).await.expect("test fixture");
    let mut tx = db.store.read().await.expect("test fixture");
    assert_eq!(
        tiers::get(&mut tx, "basic").await.expect("test fixture").max_contacts,
        4
    );
    assert!(matches!(tiers::get(&mut tx, "gold").await, Err(StoreError::NotFound)));
});

contract!(customers_round_trip_and_names_are_unique, |db| {
    let mut tx = db.store.begin().await.expect("test fixture");
    let a = customer("ООО  Ромашка");
    customers::insert_customer(&mut tx, &a).await.expect("test fixture");
    let got = customers::get_customer(&mut tx, a.id).await.expect("test fixture");
    assert_eq!(
        got.created_at,
        reglament_store::micros(now()),
        "microseconds on both backends"
    );
    assert_eq!(got.name, a.name);
    tx.commit().await.expect("test fixture");
    // A failed write ends its transaction on both backends (PostgreSQL aborts it): callers roll back.
    let mut tx = db.store.begin().await.expect("test fixture");
    let dup = customers::insert_customer(&mut tx, &customer("ооо ромашка")).await;
    // The conflict names the field, on both backends, not the constraint.
    assert!(
        matches!(&dup, Err(StoreError::Conflict(field)) if field == "name"),
        "{dup:?}"
    );
    drop(tx);
    let mut tx = db.store.begin().await.expect("test fixture");
    for name in ["Бета", "Альфа", "100% скидка"] {
        customers::insert_customer(&mut tx, &customer(name))
            .await
            .expect("test fixture");
    }
    customers::lock_customer(&mut tx, a.id).await.expect("test fixture");
    assert!(matches!(
        customers::lock_customer(&mut tx, CustomerId(Uuid::nil())).await,
        Err(StoreError::NotFound)
    ));
    let page = customers::list_customers(&mut tx, None, None, PageRequest { limit: 2, offset: 0 })
        .await
        .expect("test fixture");
    assert_eq!(page.total, 4);
    assert_eq!(
        page.items.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["100% скидка", "Альфа"]
    );
    // LIKE wildcards in the search are literal.
    let found = customers::list_customers(&mut tx, None, Some("%"), PageRequest::default())
        .await
        .expect("test fixture");
    assert_eq!(found.total, 1);
    let only = customers::list_customers(&mut tx, Some(a.id.0), None, PageRequest::default())
        .await
        .expect("test fixture");
    assert_eq!(only.items, vec![got]);
    tx.commit().await.expect("test fixture");
});

contract!(the_governing_contract_is_current_then_next_then_last, |db| {
    let mut tx = db.store.begin().await.expect("test fixture");
    let c = customer("Договоры");
    customers::insert_customer(&mut tx, &c).await.expect("test fixture");
    let contract = |tier: &str, from: &str, to: &str| Contract {
        id: ContractId(Uuid::now_v7()),
        customer_id: c.id,
        tier_code: tier.into(),
        number: "1".into(),
        starts_on: day(from),
        ends_on: day(to),
        created_at: now(),
        updated_at: now(),
    };
    assert_eq!(
        customers::governing_contract(&mut tx, c.id, day("2026-03-11"))
            .await
            .expect("test fixture"),
        None
    );
    let old = contract("basic", "2024-01-01", "2024-12-31");
    let current = contract("premium", "2026-01-01", "2026-12-31");
    let next = contract("premium_plus", "2027-01-01", "2027-12-31");
    for k in [&old, &current, &next] {
        customers::insert_contract(&mut tx, k).await.expect("test fixture");
    }
    let on = |d: &str| day(d);
    assert_eq!(
        customers::governing_contract(&mut tx, c.id, on("2026-12-31"))
            .await
            .expect("test fixture")
            .expect("test fixture")
            .id,
        current.id
    );
    assert_eq!(
        customers::governing_contract(&mut tx, c.id, on("2025-06-01"))
            .await
            .expect("test fixture")
            .expect("test fixture")
            .id,
        current.id
    );
    assert_eq!(
        customers::governing_contract(&mut tx, c.id, on("2027-01-01"))
            .await
            .expect("test fixture")
            .expect("test fixture")
            .id,
        next.id
    );
    assert_eq!(
        customers::governing_contract(&mut tx, c.id, on("2029-01-01"))
            .await
            .expect("test fixture")
            .expect("test fixture")
            .id,
        next.id
    );
    assert!(
        customers::contract_overlaps(&mut tx, c.id, on("2026-12-31"), on("2026-12-31"), None)
            .await
            .expect("test fixture")
    );
    assert!(
        !customers::contract_overlaps(&mut tx, c.id, on("2025-01-01"), on("2025-12-31"), None)
            .await
            .expect("test fixture")
    );
    assert!(
        !customers::contract_overlaps(&mut tx, c.id, on("2026-02-01"), on("2026-03-01"), Some(current.id.0))
            .await
            .expect("test fixture")
    );
    let list = customers::list_contracts(&mut tx, c.id, PageRequest::default())
        .await
        .expect("test fixture");
    assert_eq!(
        list.items.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![next.id, current.id, old.id]
    );
    tx.commit().await.expect("test fixture");
});

contract!(users_teams_and_counts, |db| {
    let mut tx = db.store.begin().await.expect("test fixture");
    let c = customer("Пользователи");
    customers::insert_customer(&mut tx, &c).await.expect("test fixture");
    let team = Team {
        id: TeamId(Uuid::now_v7()),
        customer_id: c.id,
        name: "Склад".into(),
        created_at: now(),
    };
    teams::insert_team(&mut tx, &team).await.expect("test fixture");
    let mut a = client(c.id.0, "A@Example.test");
    a.team_id = Some(team.id);
    users::insert(&mut tx, &a, Some("hash")).await.expect("test fixture");
    let b = client(c.id.0, "b@example.test");
    users::insert(&mut tx, &b, None).await.expect("test fixture");
    let staff = User {
        kind: UserKind::Staff,
        role: Some(StaffRole::Agent),
        customer_id: None,
        ..client(c.id.0, "agent@v.test")
    };
    users::insert(&mut tx, &staff, None).await.expect("test fixture");
    assert_eq!(
        users::count_active_clients(&mut tx, c.id).await.expect("test fixture"),
        2
    );
    assert_eq!(users::count_staff(&mut tx).await.expect("test fixture"), 1);
    let got = users::get(&mut tx, a.id).await.expect("test fixture");
    assert_eq!(
        (got.email.as_str(), got.has_password, got.team_id),
        ("a@example.test", true, Some(team.id))
    );
    assert_eq!(
        users::get(&mut tx, staff.id).await.expect("test fixture").role,
        Some(StaffRole::Agent)
    );
    let (found, hash) = users::find_for_login(&mut tx, " A@EXAMPLE.TEST ")
        .await
        .expect("test fixture")
        .expect("test fixture");
    assert_eq!((found.id, hash.as_deref()), (a.id, Some("hash")));
    let mut b2 = users::get(&mut tx, b.id).await.expect("test fixture");
    b2.active = false;
    users::update(&mut tx, &b2).await.expect("test fixture");
    assert_eq!(
        users::count_active_clients(&mut tx, c.id).await.expect("test fixture"),
        1
    );
    let filter = users::UserFilter {
        kind: Some(UserKind::Client),
        search: Some("A@EX".into()),
        ..Default::default()
    };
    assert_eq!(
        users::list(&mut tx, &filter, PageRequest::default())
            .await
            .expect("test fixture")
            .total,
        1
    );
    let filter = users::UserFilter {
        team_id: Some(team.id.0),
        ..Default::default()
    };
    assert_eq!(
        users::list(&mut tx, &filter, PageRequest::default())
            .await
            .expect("test fixture")
            .items[0]
            .id,
        a.id
    );
    teams::delete_team(&mut tx, team.id).await.expect("test fixture");
    assert_eq!(users::get(&mut tx, a.id).await.expect("test fixture").team_id, None);
    assert_eq!(teams::count_teams(&mut tx, c.id).await.expect("test fixture"), 0);
    tx.commit().await.expect("test fixture");
    let mut tx = db.store.begin().await.expect("test fixture");
    let dup = users::insert(&mut tx, &client(c.id.0, "a@example.test"), None).await;
    assert!(
        matches!(&dup, Err(StoreError::Conflict(field)) if field == "email"),
        "emails are unique case-insensitively: {dup:?}"
    );
});

contract!(tokens_are_revoked_once, |db| {
    let mut tx = db.store.begin().await.expect("test fixture");
    let c = customer("Токены");
    customers::insert_customer(&mut tx, &c).await.expect("test fixture");
    let u = client(c.id.0, "t@example.test");
    users::insert(&mut tx, &u, None).await.expect("test fixture");
    let family = Uuid::now_v7();
    let rt = RefreshToken {
        id: Uuid::now_v7(),
        user_id: u.id,
        family_id: family,
        expires_at: now(),
        revoked_at: None,
    };
    auth::insert_refresh_token(&mut tx, &rt, "h1", now())
        .await
        .expect("test fixture");
    assert!(
        auth::revoke_refresh_token(&mut tx, rt.id, now())
            .await
            .expect("test fixture")
    );
    assert!(
        !auth::revoke_refresh_token(&mut tx, rt.id, now())
            .await
            .expect("test fixture"),
        "a second revoke loses"
    );
    assert!(
        auth::find_refresh_token(&mut tx, "h1")
            .await
            .expect("test fixture")
            .expect("test fixture")
            .revoked_at
            .is_some()
    );
    let token = ApiToken {
        id: ApiTokenId(Uuid::now_v7()),
        user_id: u.id,
        name: "ci".into(),
        token_prefix: "rgl_abc".into(),
        scopes: Scopes(vec!["sla:read".into(), "tickets:read".into()]),
        created_at: now(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    };
    auth::insert_api_token(&mut tx, &token, "h2")
        .await
        .expect("test fixture");
    let found = auth::find_api_token(&mut tx, "h2")
        .await
        .expect("test fixture")
        .expect("test fixture");
    assert_eq!(found.scopes, token.scopes);
    auth::touch_api_token(&mut tx, token.id, now())
        .await
        .expect("test fixture");
    assert_eq!(
        auth::find_api_token(&mut tx, "h2")
            .await
            .expect("test fixture")
            .expect("test fixture")
            .last_used_at,
        Some(reglament_store::micros(now()))
    );
    assert_eq!(
        auth::list_api_tokens(&mut tx, u.id, PageRequest::default())
            .await
            .expect("test fixture")
            .total,
        1
    );
    // Invitations are taken once and not after expiry.
    auth::insert_invitation(&mut tx, u.id, "inv", now() + TimeDelta::days(7), now())
        .await
        .expect("test fixture");
    auth::insert_invitation(&mut tx, u.id, "old", now() - TimeDelta::seconds(1), now())
        .await
        .expect("test fixture");
    assert_eq!(
        auth::take_invitation(&mut tx, "inv", now())
            .await
            .expect("test fixture"),
        Some(u.id).map(|id| id.0)
    );
    assert_eq!(
        auth::take_invitation(&mut tx, "inv", now())
            .await
            .expect("test fixture"),
        None
    );
    assert_eq!(
        auth::take_invitation(&mut tx, "old", now())
            .await
            .expect("test fixture"),
        None
    );
    // Failed logins upsert.
    auth::record_login_failure(&mut tx, "x@y", 1, None, now())
        .await
        .expect("test fixture");
    auth::record_login_failure(&mut tx, "x@y", 6, Some(now()), now())
        .await
        .expect("test fixture");
    assert_eq!(
        auth::login_failures(&mut tx, "x@y")
            .await
            .expect("test fixture")
            .expect("test fixture")
            .failures,
        6
    );
    auth::clear_login_failures(&mut tx, "x@y").await.expect("test fixture");
    assert_eq!(auth::login_failures(&mut tx, "x@y").await.expect("test fixture"), None);
    tx.commit().await.expect("test fixture");
});

contract!(outbox_mail_is_claimed_with_a_lease, |db| {
    let mut tx = db.store.begin().await.expect("test fixture");
    let first = mail::enqueue(&mut tx, "a@x.test", "s", "b", now())
        .await
        .expect("test fixture");
    mail::enqueue(&mut tx, "b@x.test", "s", "b", now() + TimeDelta::hours(1))
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    let mut tx = db.store.begin().await.expect("test fixture");
    let claimed = mail::claim_due(&mut tx, now(), TimeDelta::minutes(5), 10)
        .await
        .expect("test fixture");
    tx.commit().await.expect("test fixture");
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![first]);
    assert_eq!(claimed[0].attempts, 1);
    // Leased: not claimed again until the lease runs out.
    let mut tx = db.store.begin().await.expect("test fixture");
    assert!(
        mail::claim_due(&mut tx, now() + TimeDelta::minutes(1), TimeDelta::minutes(5), 10)
            .await
            .expect("test fixture")
            .is_empty()
    );
    mail::mark_failed(&mut tx, first, "relay down", now() + TimeDelta::minutes(2))
        .await
        .expect("test fixture");
    let again = mail::claim_due(&mut tx, now() + TimeDelta::minutes(3), TimeDelta::minutes(5), 10)
        .await
        .expect("test fixture");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    mail::mark_sent(&mut tx, first, now()).await.expect("test fixture");
    let later = mail::claim_due(&mut tx, now() + TimeDelta::hours(2), TimeDelta::minutes(5), 10)
        .await
        .expect("test fixture");
    assert_eq!(
        later.iter().map(|m| m.recipient.as_str()).collect::<Vec<_>>(),
        ["b@x.test"]
    );
    tx.commit().await.expect("test fixture");
});

contract!(a_dropped_transaction_writes_nothing, |db| {
    let c = customer("Откат");
    {
        let mut tx = db.store.begin().await.expect("test fixture");
        customers::insert_customer(&mut tx, &c).await.expect("test fixture");
        // dropped without commit
    }
    let mut tx = db.store.read().await.expect("test fixture");
    assert!(matches!(
        customers::get_customer(&mut tx, c.id).await,
        Err(StoreError::NotFound)
    ));
    tx.commit().await.expect("test fixture");
});
