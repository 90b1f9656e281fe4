//! The calendar and deadline endpoints through the HTTP API (R-CAL, R-SLA-1).

mod common;

use common::assert_problem;
use serde_json::json;

/// `+` written into a query string by hand.
fn q(s: &str) -> String {
    s.replace('+', "%2B")
}

// R-SLA-1, R-CAL-1..3: the promise shown when a ticket is created, for each table case.
both_backends!(r_sla_1_deadline_endpoint_answers_the_table_cases, |srv| {
    let cases = [
        // (tier, start, due)
        ("basic", "2026-03-10T10:00:00+03:00", "2026-03-11T07:00:00Z"), // Tuesday 10:00 → Wednesday 10:00
        ("basic", "2026-03-14T12:00:00+03:00", "2026-03-16T15:00:00Z"), // Saturday → Monday 18:00
        ("basic_plus", "2026-03-13T17:30:00+03:00", "2026-03-16T09:30:00Z"), // Friday 17:30 + 4 h
        ("basic", "2025-12-31T10:00:00+03:00", "2026-01-12T15:00:00Z"), // 31 December → after the holidays
        ("basic_plus", "2025-10-31T17:00:00+03:00", "2025-11-01T09:00:00Z"), // working Saturday 1 Nov 2025
        ("basic_plus", "2026-02-23T11:00:00+03:00", "2026-02-24T10:00:00Z"), // on a holiday
        ("premium", "2025-12-31T23:30:00+03:00", "2025-12-31T22:30:00Z"), // 24x7 across New Year (01:30 MSK)
        ("premium_plus", "2026-03-14T23:30:00+03:00", "2026-03-14T21:30:00Z"), // 24x7 across midnight (00:30 MSK)
    ];
    for (tier, start, due) in cases {
        let (status, body) = srv
            .get(
                &format!("/api/v1/sla/deadline?tier={tier}&start={}", q(start)),
                &srv.admin,
            )
            .await;
        assert_eq!(status, 200, "{tier} {start}: {body}");
        assert_eq!(body["due_at"], due, "{tier} from {start}");
        assert_eq!(body["tier"], tier);
    }
    let (_, body) = srv
        .get(
            &format!(
                "/api/v1/sla/deadline?tier=premium&start={}",
                q("2026-03-10T10:00:00+03:00")
            ),
            &srv.admin,
        )
        .await;
    assert_eq!(
        (body["schedule"].clone(), body["start"].clone()),
        (json!("24x7"), json!("2026-03-10T07:00:00Z"))
    );
    // A `+` that the query string turned into a space is understood.
    let (status, _) = srv
        .get(
            "/api/v1/sla/deadline?tier=basic&start=2026-03-10T10:00:00+03:00",
            &srv.admin,
        )
        .await;
    assert_eq!(status, 200);
    // Bad input.
    assert_problem(
        &srv.get("/api/v1/sla/deadline?tier=gold&start=2026-03-10T10:00:00Z", &srv.admin)
            .await,
        400,
        "unknown_tier",
    );
    assert_problem(
        &srv.get("/api/v1/sla/deadline?tier=basic&start=yesterday", &srv.admin)
            .await,
        400,
        "invalid_time",
    );
    assert_problem(
        &srv.get("/api/v1/sla/deadline?tier=basic&start=2101-01-01T10:00:00Z", &srv.admin)
            .await,
        400,
        "year_out_of_range",
    );
    assert_problem(
        &srv.get("/api/v1/sla/deadline?tier=basic", &srv.admin).await,
        400,
        "invalid_query",
    );
    // An edit of a tier moves the promise.
    let edit = json!({"name_ru": "Базовая", "name_en": "Basic", "schedule": "8x5", "response_target_minutes": 60,
        "max_open_tickets": 5, "several_teams": false, "max_contacts": 3, "telegram": false,
        "dedicated_manager": false, "monthly_video_meeting": false});
    srv.call("PUT", "/api/v1/tiers/basic", Some(&srv.admin), Some(edit))
        .await;
    let (_, body) = srv
        .get(
            &format!(
                "/api/v1/sla/deadline?tier=basic&start={}",
                q("2026-03-13T17:30:00+03:00")
            ),
            &srv.admin,
        )
        .await;
    assert_eq!(body["due_at"], "2026-03-16T06:30:00Z");
});

// R-CAL-6: N working days = N × 9 business hours on 8x5.
both_backends!(r_cal_6_add_working_days_endpoint, |srv| {
    let cases = [
        ("2026-03-06T15:00:00+03:00", 3, "2026-03-12T12:00:00Z"),
        ("2025-12-30T12:00:00+03:00", 10, "2026-01-23T09:00:00Z"),
        ("2026-03-14T12:00:00+03:00", 1, "2026-03-16T15:00:00Z"),
        ("2026-03-11T10:00:00+03:00", 0, "2026-03-11T07:00:00Z"),
    ];
    for (start, days, due) in cases {
        let (status, body) = srv
            .get(
                &format!("/api/v1/calendar/add-working-days?start={}&days={days}", q(start)),
                &srv.admin,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (body["due_at"].clone(), body["days"].clone()),
            (json!(due), json!(days)),
            "{start} + {days}"
        );
    }
    assert_problem(
        &srv.get(
            "/api/v1/calendar/add-working-days?start=2026-03-11T10:00:00Z&days=-1",
            &srv.admin,
        )
        .await,
        400,
        "invalid_days",
    );
    assert_problem(
        &srv.get("/api/v1/calendar/add-working-days?start=noon&days=1", &srv.admin)
            .await,
        400,
        "invalid_time",
    );
});

// R-CAL-5: the shipped years (2024–2027), a missing year with a warning (in health from
// 1 October of the year before), and admins' edits.
both_backends!(r_cal_5_calendar_years_are_data_admins_edit, |srv| {
    let customer = srv.customer("Календарь", "basic").await;
    let (_, client) = srv.client(&customer, "cal@x.test", json!({})).await;
    for (year, days) in [(2024, 248), (2025, 247), (2026, 247), (2027, 247)] {
        let (status, y) = srv.get(&format!("/api/v1/calendar/{year}"), &srv.admin).await;
        assert_eq!(status, 200);
        assert_eq!(
            (y["working_days"].clone(), y["fallback"].clone()),
            (json!(days), json!(false)),
            "{year}"
        );
    }
    let (_, y2027) = srv.get("/api/v1/calendar/2027", &srv.admin).await;
    assert!(
        y2027["days_off"]
            .as_array()
            .expect("test fixture")
            .contains(&json!("2027-12-31"))
    );
    assert!(
        y2027["working_weekends"]
            .as_array()
            .expect("test fixture")
            .contains(&json!("2027-02-20"))
    );
    let (_, y2028) = srv.get("/api/v1/calendar/2028", &srv.admin).await;
    assert_eq!(y2028["fallback"], true);
    assert!(y2028["warning"].as_str().expect("test fixture").contains("2028"));
    // In March 2026 both this year and the next have data: health is quiet.
    let health = || async { srv.call("GET", "/api/v1/health", None, None).await.1["warnings"].clone() };
    assert_eq!(health().await, json!([]));
    // 30 September 2027 23:59 Moscow time: 2028 is not due yet.
    srv.clock.set("2027-09-30T20:59:00Z".parse().expect("test fixture"));
    assert_eq!(health().await, json!([]));
    // 1 October 2027 00:00 Moscow time: the missing next year is a warning.
    srv.clock.set("2027-09-30T21:00:00Z".parse().expect("test fixture"));
    let warnings = health().await;
    assert_eq!(warnings.as_array().expect("test fixture").len(), 1, "{warnings}");
    assert!(
        warnings[0].as_str().expect("test fixture").contains("2028"),
        "{warnings}"
    );
    // In 2028 itself the missing current year is a warning all year.
    srv.clock.set("2028-03-01T09:00:00Z".parse().expect("test fixture"));
    assert!(health().await[0].as_str().expect("test fixture").contains("2028"));
    // Back to March 2026, where the tokens of this test were signed.
    srv.clock.set(common::test_now());
    assert_problem(
        &srv.get("/api/v1/calendar/1999", &srv.admin).await,
        400,
        "year_out_of_range",
    );

    // An admin adds 2028: 3–8 January 2028 become holidays, and deadlines follow.
    let y = json!({"year": 2028, "source": "test", "holidays": ["2028-01-01", "2028-01-02", "2028-01-03", "2028-01-04",
        "2028-01-05", "2028-01-06", "2028-01-07", "2028-01-08"], "days_off": [], "working_weekends": [], "shortened": []});
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/2028", Some(&client), Some(y.clone()))
            .await,
        403,
        "forbidden",
    );
    let start = q("2027-12-30T17:00:00+03:00");
    let (_, before) = srv
        .get(
            &format!("/api/v1/sla/deadline?tier=basic_plus&start={start}"),
            &srv.admin,
        )
        .await;
    assert_eq!(
        before["due_at"], "2028-01-03T09:00:00Z",
        "31 December 2027 is off, 3 January 2028 assumed working"
    );
    let (status, saved) = srv
        .call("PUT", "/api/v1/calendar/2028", Some(&srv.admin), Some(y.clone()))
        .await;
    assert_eq!((status, saved["fallback"].clone()), (200, json!(false)), "{saved}");
    let (_, after) = srv
        .get(
            &format!("/api/v1/sla/deadline?tier=basic_plus&start={start}"),
            &srv.admin,
        )
        .await;
    assert_eq!(after["due_at"], "2028-01-10T09:00:00Z");
    srv.clock.set("2027-10-01T09:00:00Z".parse().expect("test fixture"));
    assert_eq!(health().await, json!([]));
    srv.clock.set(common::test_now());
    // Incoherent data and a year that is not the path's are refused, and nothing is written.
    let bad =
        json!({"year": 2029, "holidays": [], "days_off": [], "working_weekends": ["2029-01-03"], "shortened": []});
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/2029", Some(&srv.admin), Some(bad))
            .await,
        400,
        "invalid_calendar",
    );
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/2030", Some(&srv.admin), Some(y.clone()))
            .await,
        400,
        "validation_failed",
    );
    // Import: many years at once, all or nothing.
    let good =
        json!({"year": 2029, "holidays": ["2029-01-03"], "days_off": [], "working_weekends": [], "shortened": []});
    let broken =
        json!({"year": 2030, "holidays": ["2031-01-01"], "days_off": [], "working_weekends": [], "shortened": []});
    assert_problem(
        &srv.post("/api/v1/calendar/import", &srv.admin, json!([good.clone(), broken]))
            .await,
        400,
        "invalid_calendar",
    );
    let (_, y2029) = srv.get("/api/v1/calendar/2029", &srv.admin).await;
    assert_eq!(y2029["fallback"], true);
    assert_problem(
        &srv.post(
            "/api/v1/calendar/import",
            &srv.admin,
            json!([good.clone(), good.clone()]),
        )
        .await,
        400,
        "validation_failed",
    );
    let (status, imported) = srv.post("/api/v1/calendar/import", &srv.admin, json!([good])).await;
    assert_eq!((status, imported[0]["year"].clone()), (200, json!(2029)));
});

// R-CAL-5, R-SLA-1: the example — a basic ticket opened on Wednesday 30 December 2026
// at 17:00 Moscow time is promised an answer on Monday 11 January 2027 at 17:00 (one hour on
// 30 December, 31 December off, the New Year holidays, eight hours on 11 January), not on the
// holiday of 1 January.
both_backends!(r_cal_5_a_promise_across_new_year_2027, |srv| {
    let customer = srv.customer("Новый год", "basic").await;
    srv.client(&customer, "ny@x.test", json!({})).await;
    srv.clock.set("2026-12-30T14:00:00Z".parse().expect("test fixture"));
    let client = srv.login("ny@x.test", common::CLIENT_PASSWORD).await;
    let (_, promise) = srv
        .get(
            &format!(
                "/api/v1/sla/deadline?tier=basic&start={}",
                q("2026-12-30T17:00:00+03:00")
            ),
            &client,
        )
        .await;
    assert_eq!(promise["due_at"], "2027-01-11T14:00:00Z", "{promise}");
    let id = srv.consultation(&client, "Перед Новым годом").await;
    let (_, ticket) = srv.get(&format!("/api/v1/tickets/{id}"), &client).await;
    // Created a few milliseconds after 17:00 on the running test clock.
    assert!(
        ticket["response_due_at"]
            .as_str()
            .expect("test fixture")
            .starts_with("2027-01-11T14:00:00"),
        "{ticket}"
    );
    // Basic+ (4 hours) from the same minute: 12:00 on 11 January.
    let (_, plus) = srv
        .get(
            &format!(
                "/api/v1/sla/deadline?tier=basic_plus&start={}",
                q("2026-12-30T17:00:00+03:00")
            ),
            &client,
        )
        .await;
    assert_eq!(plus["due_at"], "2027-01-11T09:00:00Z");
    // Not overdue on the holidays, overdue a minute after the promise.
    srv.clock.set("2027-01-08T12:00:00Z".parse().expect("test fixture"));
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (_, overdue) = srv.get("/api/v1/sla/overdue", &admin).await;
    assert_eq!(overdue["total"], 0, "{overdue}");
    srv.clock.set("2027-01-11T14:01:00Z".parse().expect("test fixture"));
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let (_, overdue) = srv.get("/api/v1/sla/overdue", &admin).await;
    assert_eq!(overdue["total"], 1, "{overdue}");
});

// R-SLA-6: a deadline promised before the calendar changes keeps its due time; tickets that
// start after the change get the new calendar.
both_backends!(r_sla_6_a_calendar_edit_keeps_promised_deadlines, |srv| {
    let customer = srv.customer("Обещание", "basic").await;
    srv.client(&customer, "promise@x.test", json!({})).await;
    srv.clock.set("2026-12-30T14:00:00Z".parse().expect("test fixture"));
    let client = srv.login("promise@x.test", common::CLIENT_PASSWORD).await;
    let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
    let first = srv.consultation(&client, "Обещано до изменения").await;
    // The admin decides 11 January 2027 is a day off too.
    let (_, mut y2027) = srv.get("/api/v1/calendar/2027", &admin).await;
    let obj = y2027.as_object_mut().expect("test fixture");
    for extra in ["working_days", "fallback", "warning"] {
        obj.remove(extra);
    }
    obj["days_off"]
        .as_array_mut()
        .expect("test fixture")
        .push(json!("2027-01-11"));
    let (status, saved) = srv
        .call("PUT", "/api/v1/calendar/2027", Some(&admin), Some(y2027))
        .await;
    assert_eq!((status, saved["working_days"].clone()), (200, json!(246)), "{saved}");
    let second = srv.consultation(&client, "После изменения").await;
    // A round of the jobs recomputes nothing that was promised.
    let (status, _) = srv.post("/api/v1/test/jobs", &admin, json!({})).await;
    assert_eq!(status, 200);
    let (_, t1) = srv.get(&format!("/api/v1/tickets/{first}"), &client).await;
    let (_, t2) = srv.get(&format!("/api/v1/tickets/{second}"), &client).await;
    assert!(
        t1["response_due_at"]
            .as_str()
            .expect("test fixture")
            .starts_with("2027-01-11T14:00:00"),
        "kept: {t1}"
    );
    assert!(
        t2["response_due_at"]
            .as_str()
            .expect("test fixture")
            .starts_with("2027-01-12T14:00:00"),
        "new calendar: {t2}"
    );
});

// R-CAL-5: `reglament calendar import FILE` — the same all-or-nothing validation as the API,
// and a running server takes the new year in its next round of jobs.
both_backends!(r_cal_5_calendar_import_command, |srv| {
    let dir = reglament_store::testing::TempDir::new();
    let import = |file: &str, body: String| {
        let path = dir.path().join(file);
        std::fs::write(&path, body).expect("test fixture");
        std::process::Command::new(env!("CARGO_BIN_EXE_reglament"))
            .args(["calendar", "import"])
            .arg(&path)
            .env("REGLAMENT_DATABASE_URL", srv.db_url())
            .env("REGLAMENT_DATA_DIR", dir.path())
            .env("REGLAMENT_LOG", "warn")
            .output()
            .expect("test fixture")
    };
    let y2028 = json!({"year": 2028, "source": "Постановление (тест)", "holidays": ["2028-01-03", "2028-01-04"],
        "days_off": [], "working_weekends": [], "shortened": ["2028-02-22"]});
    let broken =
        json!({"year": 2029, "holidays": ["2030-01-01"], "days_off": [], "working_weekends": [], "shortened": []});
    // One incoherent year: nothing is written, the command fails and says why.
    let out = import("broken.json", json!([y2028, broken]).to_string());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing was imported") && stderr.contains("2030-01-01"),
        "{stderr}"
    );
    let out = import("garbage.json", "{\"year\": \"soon\"}".to_owned());
    assert!(!out.status.success());
    srv.post("/api/v1/test/jobs", &srv.admin, json!({})).await;
    let (_, year) = srv.get("/api/v1/calendar/2028", &srv.admin).await;
    assert_eq!(year["fallback"], true);
    // A good file (a single year, as GET answers it) is saved and reported.
    let mut as_served = y2028.clone();
    as_served["working_days"] = json!(0);
    as_served["fallback"] = json!(false);
    let out = import("2028.json", as_served.to_string());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("2028: saved — 258 working days, 1 shortened, 2063 hours"),
        "{stdout}"
    );
    // The running server reads it in its next round.
    srv.post("/api/v1/test/jobs", &srv.admin, json!({})).await;
    let (_, year) = srv.get("/api/v1/calendar/2028", &srv.admin).await;
    assert_eq!(
        (year["fallback"].clone(), year["working_days"].clone()),
        (json!(false), json!(258))
    );
    let (_, day) = srv
        .get(
            &format!(
                "/api/v1/calendar/add-working-days?start={}&days=1",
                q("2028-01-03T10:00:00+03:00")
            ),
            &srv.admin,
        )
        .await;
    assert_eq!(
        day["due_at"], "2028-01-05T15:00:00Z",
        "3 and 4 January 2028 are holidays: {day}"
    );
});

// R-CAL-4: shortened days end at 17:00 only with the setting.
both_backends!(r_cal_4_shortened_day_setting, |srv| {
    let start = q("2026-04-30T16:30:00+03:00");
    let (_, body) = srv
        .get(
            &format!("/api/v1/sla/deadline?tier=basic_plus&start={start}"),
            &srv.admin,
        )
        .await;
    assert_eq!(body["due_at"], "2026-05-04T08:30:00Z");
    let (status, settings) = srv
        .call(
            "PUT",
            "/api/v1/calendar/settings",
            Some(&srv.admin),
            Some(json!({"shortened_days_end_at_17": true})),
        )
        .await;
    assert_eq!(
        (status, settings["shortened_days_end_at_17"].clone()),
        (200, json!(true))
    );
    let (_, body) = srv
        .get(
            &format!("/api/v1/sla/deadline?tier=basic_plus&start={start}"),
            &srv.admin,
        )
        .await;
    assert_eq!(body["due_at"], "2026-05-04T09:30:00Z");
});
