//! The calendar and deadline endpoints through the HTTP API (R-CAL, R-SLA-1).
#![allow(clippy::unwrap_used)]

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

// R-CAL-5: the shipped years, a missing year with a warning (also in health), and admins' edits.
both_backends!(r_cal_5_calendar_years_are_data_admins_edit, |srv| {
    let (status, y2026) = srv.get("/api/v1/calendar/2026", &srv.admin).await;
    assert_eq!(status, 200);
    assert_eq!(
        (y2026["working_days"].clone(), y2026["fallback"].clone()),
        (json!(247), json!(false))
    );
    assert!(y2026["days_off"].as_array().unwrap().contains(&json!("2026-01-09")));
    for (year, days) in [(2024, 248), (2025, 247)] {
        let (_, y) = srv.get(&format!("/api/v1/calendar/{year}"), &srv.admin).await;
        assert_eq!(y["working_days"], days);
    }
    let (_, y2027) = srv.get("/api/v1/calendar/2027", &srv.admin).await;
    assert_eq!(y2027["fallback"], true);
    assert!(y2027["warning"].as_str().unwrap().contains("2027"));
    // Health reports the missing year of the test clock's next year (2027) as a warning.
    let (status, health) = srv.call("GET", "/api/v1/health", None, None).await;
    assert_eq!(status, 200);
    assert!(
        health["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("2027")),
        "{health}"
    );
    assert_problem(
        &srv.get("/api/v1/calendar/1999", &srv.admin).await,
        400,
        "year_out_of_range",
    );

    // An admin adds 2027: 1 January 2027 (Friday) becomes a holiday, and deadlines follow.
    let y = json!({"year": 2027, "source": "test", "holidays": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04",
        "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"], "days_off": [], "working_weekends": [], "shortened": []});
    let customer = srv.customer("Календарь", "basic").await;
    let (_, client) = srv.client(&customer, "cal@x.test", json!({})).await;
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/2027", Some(&client), Some(y.clone()))
            .await,
        403,
        "forbidden",
    );
    let start = q("2026-12-30T17:00:00+03:00");
    let (_, before) = srv
        .get(
            &format!("/api/v1/sla/deadline?tier=basic_plus&start={start}"),
            &srv.admin,
        )
        .await;
    assert_eq!(
        before["due_at"], "2027-01-01T09:00:00Z",
        "31 December 2026 is off, 1 January 2027 assumed working"
    );
    let (status, saved) = srv
        .call("PUT", "/api/v1/calendar/2027", Some(&srv.admin), Some(y.clone()))
        .await;
    assert_eq!((status, saved["fallback"].clone()), (200, json!(false)), "{saved}");
    let (_, after) = srv
        .get(
            &format!("/api/v1/sla/deadline?tier=basic_plus&start={start}"),
            &srv.admin,
        )
        .await;
    assert_eq!(after["due_at"], "2027-01-11T09:00:00Z");
    let (_, health) = srv.call("GET", "/api/v1/health", None, None).await;
    assert_eq!(health["warnings"], json!([]));
    // Incoherent data and a year that is not the path's are refused, and nothing is written.
    let bad =
        json!({"year": 2028, "holidays": [], "days_off": [], "working_weekends": ["2028-01-03"], "shortened": []});
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/2028", Some(&srv.admin), Some(bad))
            .await,
        400,
        "invalid_calendar",
    );
    assert_problem(
        &srv.call("PUT", "/api/v1/calendar/2029", Some(&srv.admin), Some(y.clone()))
            .await,
        400,
        "validation_failed",
    );
    // Import: many years at once, all or nothing.
    let good =
        json!({"year": 2028, "holidays": ["2028-01-03"], "days_off": [], "working_weekends": [], "shortened": []});
    let broken =
        json!({"year": 2029, "holidays": ["2030-01-01"], "days_off": [], "working_weekends": [], "shortened": []});
    assert_problem(
        &srv.post("/api/v1/calendar/import", &srv.admin, json!([good.clone(), broken]))
            .await,
        400,
        "invalid_calendar",
    );
    let (_, y2028) = srv.get("/api/v1/calendar/2028", &srv.admin).await;
    assert_eq!(y2028["fallback"], true);
    let (status, imported) = srv.post("/api/v1/calendar/import", &srv.admin, json!([good])).await;
    assert_eq!((status, imported[0]["year"].clone()), (200, json!(2028)));
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
