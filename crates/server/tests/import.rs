//! Registration of clients from a list (R-ACC-1): dry run, all or nothing, invitations,
//! the contact count under two imports at once.

mod common;

use common::{assert_problem, typed};
use reglament_api::{ImportOutcome, ImportProblem, ImportReport};
use serde_json::json;

async fn import(
    srv: &common::TestServer,
    customer: &str,
    kind: &str,
    body: &str,
    dry_run: bool,
) -> (u16, serde_json::Value) {
    let res = srv
        .http
        .post(srv.url(&format!(
            "/api/v1/customers/{customer}/clients/import?dry_run={dry_run}"
        )))
        .bearer_auth(&srv.admin)
        .header("content-type", kind)
        .body(body.to_owned())
        .send()
        .await
        .expect("request sent");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn clients(srv: &common::TestServer, customer: &str) -> i64 {
    let (_, users) = srv
        .get(&format!("/api/v1/users?customer_id={customer}&kind=client"), &srv.admin)
        .await;
    users["total"].as_i64().expect("total")
}

// R-ACC-1: every outcome a row can have, shown by the dry run before anything is written;
// the real run of a list with errors writes nothing.
both_backends!(r_acc_1_dry_run_shows_each_rows_outcome_and_writes_nothing, |srv| {
    let customer = srv.customer("Импорт", "premium").await;
    srv.team(&customer, "Основная").await;
    srv.client(&customer, "here@imp.test", json!({})).await;
    let other = srv.customer("Другой", "basic").await;
    srv.client(&other, "theirs@imp.test", json!({})).await;
    let list = "ККЛ;ФИО;Email;Telegram;Команда\n\
                да;Анна Новая;Anna@Imp.test;@anna;основная\n\
                нет;Уже Есть;here@imp.test;;\n\
                нет;Плохой Адрес;not-an-email;;\n\
                нет;Без Команды;team@imp.test;;Несуществующая\n\
                нет;Анна Снова;anna@imp.test;;\n\
                нет;Чужой;theirs@imp.test;;\n\
                нет;;noname@imp.test;;\n\
                может быть;Флаг;flag@imp.test;;\n\
                ;Борис Новый;boris@imp.test;;\n";
    let (status, report) = import(srv, &customer, "text/csv", list, true).await;
    assert_eq!(status, 200, "{report}");
    let report: ImportReport = typed(&report);
    assert!(report.dry_run && !report.applied);
    assert_eq!((report.total, report.new, report.existing, report.errors), (9, 2, 1, 6));
    let outcome = |line: i64| {
        let row = report.rows.iter().find(|r| r.line == line).expect("row");
        (row.outcome, row.problem)
    };
    assert_eq!(outcome(2), (ImportOutcome::New, None));
    assert_eq!(report.rows[0].email, "anna@imp.test");
    assert_eq!(outcome(3), (ImportOutcome::Exists, None));
    assert_eq!(outcome(4), (ImportOutcome::Refused, Some(ImportProblem::BadEmail)));
    assert_eq!(outcome(5), (ImportOutcome::Refused, Some(ImportProblem::UnknownTeam)));
    assert_eq!(
        outcome(6),
        (ImportOutcome::Refused, Some(ImportProblem::DuplicateInFile))
    );
    assert_eq!(outcome(7), (ImportOutcome::Refused, Some(ImportProblem::EmailTaken)));
    assert_eq!(outcome(8), (ImportOutcome::Refused, Some(ImportProblem::MissingName)));
    assert_eq!(outcome(9), (ImportOutcome::Refused, Some(ImportProblem::BadValue)));
    assert_eq!(outcome(10), (ImportOutcome::New, None));
    assert_eq!(clients(srv, &customer).await, 1, "a dry run writes nothing");

    // The real run of the same list: all or nothing.
    assert_problem(
        &import(srv, &customer, "text/csv", list, false).await,
        422,
        "import_has_errors",
    );
    assert_eq!(clients(srv, &customer).await, 1);

    // Unreadable lists, and who may import.
    assert_problem(
        &import(srv, &customer, "text/csv", "name\nx\n", true).await,
        400,
        "invalid_import",
    );
    assert_problem(
        &import(srv, &customer, "application/json", "{}", true).await,
        400,
        "invalid_import",
    );
    let (_, client) = srv.client(&customer, "nosy@imp.test", json!({})).await;
    let res = srv
        .http
        .post(srv.url(&format!("/api/v1/customers/{customer}/clients/import")))
        .bearer_auth(&client)
        .header("content-type", "text/csv")
        .body("full_name,email\nX,x@imp.test\n")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 403);
});

// R-ACC-1: a valid list is imported at once; each new client gets an invitation with a
// one-time link that sets the password; importing it again finds everyone there.
both_backends!(r_acc_1_import_registers_and_invites_each_new_client, |srv| {
    let customer = srv.customer("Приглашения", "premium").await;
    let team = srv.team(&customer, "Эксплуатация").await;
    let list = json!([
        {"key_contact": true, "full_name": "Вера Ключевая", "email": "vera@inv.test", "telegram": "vera_tg", "team": "Эксплуатация"},
        {"full_name": "Глеб Обычный", "email": "gleb@inv.test"}
    ])
    .to_string();
    let (status, report) = import(srv, &customer, "application/json", &list, false).await;
    assert_eq!(status, 200, "{report}");
    let report: ImportReport = typed(&report);
    assert!(report.applied);
    assert_eq!((report.new, report.errors), (2, 0));
    let vera = report.rows[0].user_id.expect("registered").to_string();
    let (_, user) = srv.get(&format!("/api/v1/users/{vera}"), &srv.admin).await;
    assert_eq!(user["is_key_contact"], true);
    assert_eq!(user["team_id"], team["id"]);
    assert_eq!(user["telegram_username"], "vera_tg");
    assert_eq!(user["has_password"], false);

    // The invitation's link sets the password once.
    let mut tx = srv.app.store.begin().await.expect("tx");
    let mail = reglament_store::mail::list_for(&mut tx, "vera@inv.test")
        .await
        .expect("mail");
    tx.commit().await.expect("commit");
    assert_eq!(mail.len(), 1);
    let link = mail[0]
        .body
        .lines()
        .find(|l| l.contains("/invite/"))
        .expect("the link")
        .trim();
    let token = link.rsplit('/').next().expect("token");
    let accept = json!({"token": token, "password": "vera-password-1"});
    let (status, body) = srv
        .call("POST", "/api/v1/auth/accept-invitation", None, Some(accept.clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!srv.login("vera@inv.test", "vera-password-1").await.is_empty());
    assert_problem(
        &srv.call("POST", "/api/v1/auth/accept-invitation", None, Some(accept))
            .await,
        400,
        "invalid_invitation",
    );

    // The documented form `{"rows": [...]}` reads the same list (the bare array above too).
    let rows: serde_json::Value = serde_json::from_str(&list).expect("test fixture");
    let wrapped = json!({ "rows": rows }).to_string();
    let (status, again) = import(srv, &customer, "application/json", &wrapped, false).await;
    assert_eq!(status, 200, "{again}");
    let again: ImportReport = typed(&again);
    assert_eq!((again.new, again.existing), (0, 2));
});

// R-ACC-1, R-ACL-4: the tier's contact count holds across rows and across two imports
// at once: basic allows 3 active contacts.
both_backends!(r_acc_1_contact_count_holds_for_two_imports_at_once, |srv| {
    let customer = srv.customer("Лимит", "basic").await;
    let (status, report) = import(
        srv,
        &customer,
        "text/csv",
        "full_name,email\nA,a@lim.test\nB,b@lim.test\nC,c@lim.test\nD,d@lim.test\n",
        true,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let report: ImportReport = typed(&report);
    assert_eq!((report.new, report.errors), (3, 1));
    assert_eq!(report.rows[3].problem, Some(ImportProblem::ContactLimit));

    let first = import(
        srv,
        &customer,
        "text/csv",
        "full_name,email\nE,e@lim.test\nF,f@lim.test\n",
        false,
    );
    let second = import(
        srv,
        &customer,
        "text/csv",
        "full_name,email\nG,g@lim.test\nH,h@lim.test\n",
        false,
    );
    let (a, b) = tokio::join!(first, second);
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&200) && statuses.contains(&422), "{a:?} {b:?}");
    assert_eq!(clients(srv, &customer).await, 2);
});

// R-ACC-1, R-ACC-2, R-ACL-4: a client removed earlier and listed again is enabled again
// (with the row's name, team and flags, and their password), within the contact count.
both_backends!(r_acc_1_a_removed_client_listed_again_is_enabled_again, |srv| {
    let customer = srv.customer("Возврат", "basic").await;
    let team = srv.team(&customer, "Основная").await;
    let (gone, _) = srv.client(&customer, "back@ret.test", json!({})).await;
    let (status, _) = srv
        .patch(&format!("/api/v1/users/{gone}"), &srv.admin, json!({"active": false}))
        .await;
    assert_eq!(status, 200);
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "back@ret.test", "password": common::CLIENT_PASSWORD})),
        )
        .await,
        401,
        "account_disabled",
    );
    let list = "ККЛ;ФИО;Email;Telegram;Команда\nда;Вернувшийся Клиент;Back@Ret.test;@back;Основная\n";
    let (status, report) = import(srv, &customer, "text/csv", list, true).await;
    assert_eq!(status, 200, "{report}");
    let report: ImportReport = typed(&report);
    assert_eq!(
        (report.new, report.reactivated, report.existing, report.errors),
        (0, 1, 0, 0)
    );
    assert_eq!(report.rows[0].outcome, ImportOutcome::Reactivated);
    let (_, user) = srv.get(&format!("/api/v1/users/{gone}"), &srv.admin).await;
    assert_eq!(user["active"], false, "a dry run writes nothing");

    let (status, report) = import(srv, &customer, "text/csv", list, false).await;
    assert_eq!(status, 200, "{report}");
    let report: ImportReport = typed(&report);
    assert!(report.applied);
    assert_eq!(report.rows[0].user_id.map(|u| u.to_string()), Some(gone.clone()));
    let (_, user) = srv.get(&format!("/api/v1/users/{gone}"), &srv.admin).await;
    assert_eq!(
        (
            &user["active"],
            &user["full_name"],
            &user["team_id"],
            &user["is_key_contact"],
            &user["telegram_username"]
        ),
        (
            &json!(true),
            &json!("Вернувшийся Клиент"),
            &team["id"],
            &json!(true),
            &json!("back")
        )
    );
    // The old password works again; a second run finds the client there.
    srv.login("back@ret.test", common::CLIENT_PASSWORD).await;
    let (_, again) = import(srv, &customer, "text/csv", list, true).await;
    let again: ImportReport = typed(&again);
    assert_eq!((again.reactivated, again.existing), (0, 1));

    // Basic allows 3 active contacts: with 3 active, a removed one is not enabled.
    let (other, _) = srv.client(&customer, "second@ret.test", json!({})).await;
    srv.client(&customer, "third@ret.test", json!({})).await;
    let (status, _) = srv
        .patch(&format!("/api/v1/users/{other}"), &srv.admin, json!({"active": false}))
        .await;
    assert_eq!(status, 200);
    srv.client(&customer, "fourth@ret.test", json!({})).await;
    let (_, full) = import(
        srv,
        &customer,
        "text/csv",
        "full_name,email\nВторой,second@ret.test\n",
        true,
    )
    .await;
    let full: ImportReport = typed(&full);
    assert_eq!(full.rows[0].problem, Some(ImportProblem::ContactLimit), "{full:?}");
});
