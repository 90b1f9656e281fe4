//! R-NTF-3: the duty roster of the 24x7 tiers through the API on both backends — who is on
//! duty, the night alerts of 24x7 tickets going to that person while the day alerts of
//! 8x5 tickets go to the assignee, the gaps of the next 7 days shown and told to the
//! support leads, and who may edit the roster.

mod common;

use common::{TestServer, assert_problem, typed};
use reglament_api::{DutyRoster, NotificationList};
use serde_json::json;

const PASSWORD: &str = "staff-password-123";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("test fixture")
}

async fn staff(srv: &TestServer, email: &str, role: &str) -> String {
    let (status, user) = srv
        .post(
            "/api/v1/staff",
            &srv.admin,
            json!({"email": email, "full_name": format!("Сотрудник {email}"), "role": role, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    user["id"].as_str().expect("id").to_owned()
}

/// The kinds of notification the person has about `ticket`.
async fn told(srv: &TestServer, email: &str, ticket: &str) -> Vec<String> {
    let token = srv.login(email, PASSWORD).await;
    let (status, body) = srv.get("/api/v1/notifications?limit=100", &token).await;
    assert_eq!(status, 200, "{body}");
    let list: NotificationList = typed(&body);
    let mut kinds: Vec<String> = list
        .items
        .iter()
        .filter(|n| n.ticket_id.is_some_and(|t| t.to_string() == ticket))
        .map(|n| n.kind.clone())
        .collect();
    kinds.sort();
    kinds
}

async fn roster(srv: &TestServer, token: &str) -> DutyRoster {
    let (status, body) = srv.get("/api/v1/duty", token).await;
    assert_eq!(status, 200, "{body}");
    typed(&body)
}

both_backends!(
    r_ntf_3_a_24x7_night_alert_goes_to_the_person_on_duty_and_an_8x5_day_alert_to_the_assignee,
    |srv| {
        let duty = staff(srv, "duty@duty.test", "agent").await;
        let day = staff(srv, "day@duty.test", "agent").await;
        staff(srv, "lead@duty.test", "support_lead").await;
        let lead = srv.login("lead@duty.test", PASSWORD).await;
        let (status, body) = srv
            .call(
                "PUT",
                "/api/v1/duty/rotation",
                Some(&lead),
                Some(json!({"starts_on": "2026-03-02", "handover_time": "09:00", "member_ids": [duty]})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let night_customer = srv.customer("Ночной", "premium_plus").await;
        let day_customer = srv.customer("Дневной", "basic").await;
        srv.client(&night_customer, "night@client.test", json!({})).await;
        srv.client(&day_customer, "daytime@client.test", json!({})).await;

        // Thursday 12 March 2026, 03:00 Moscow time: a Premium+ ticket (24x7, one hour).
        srv.clock.set(at("2026-03-12T00:00:00Z"));
        let lead = srv.login("lead@duty.test", PASSWORD).await;
        let now = roster(srv, &lead).await;
        assert_eq!(now.on_duty_now.map(|p| p.id.to_string()), Some(duty.clone()));
        assert!(now.gaps.is_empty(), "{:?}", now.gaps);
        let night = srv.login("night@client.test", common::CLIENT_PASSWORD).await;
        let ticket = srv.consultation(&night, "Ночью упал сервер").await;
        assert_eq!(told(srv, "duty@duty.test", &ticket).await, ["ticket_created"]);
        assert!(told(srv, "day@duty.test", &ticket).await.is_empty());
        assert!(told(srv, "lead@duty.test", &ticket).await.is_empty());

        // Assigned to the day agent; at night the client's message and the warning (45 of
        // 60 minutes, 03:45) still go to the person on duty.
        let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        let (status, body) = srv
            .post(
                &format!("/api/v1/tickets/{ticket}/assign"),
                &admin,
                json!({"assignee_id": day}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = srv
            .post(
                &format!("/api/v1/tickets/{ticket}/messages"),
                &night,
                json!({"body": "Срочно"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        srv.clock.set(at("2026-03-12T00:44:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        srv.clock.set(at("2026-03-12T00:45:30Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 1);
        assert_eq!(
            told(srv, "duty@duty.test", &ticket).await,
            ["client_message", "sla_warning", "ticket_created"]
        );
        assert_eq!(told(srv, "day@duty.test", &ticket).await, ["assigned"]);
        // The breach at 04:00: the person on duty and the support leads.
        srv.clock.set(at("2026-03-12T01:00:30Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").breaches_marked, 1);
        assert!(
            told(srv, "duty@duty.test", &ticket)
                .await
                .contains(&"sla_breach".to_owned())
        );
        assert_eq!(told(srv, "lead@duty.test", &ticket).await, ["sla_breach"]);

        // Thursday 12:00 Moscow time: a basic ticket (8x5, 9 hours) goes to every agent and
        // lead; assigned to the day agent, its warning (6 h 45 min: Friday 09:45) is theirs.
        srv.clock.set(at("2026-03-12T09:00:00Z"));
        let daytime = srv.login("daytime@client.test", common::CLIENT_PASSWORD).await;
        let ticket = srv.consultation(&daytime, "Днем вопрос").await;
        for who in ["duty@duty.test", "day@duty.test", "lead@duty.test"] {
            assert_eq!(told(srv, who, &ticket).await, ["ticket_created"], "{who}");
        }
        let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        let (status, body) = srv
            .post(
                &format!("/api/v1/tickets/{ticket}/assign"),
                &admin,
                json!({"assignee_id": day}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        srv.clock.set(at("2026-03-13T06:44:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 0);
        srv.clock.set(at("2026-03-13T06:45:30Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").sla_warnings, 1);
        assert_eq!(
            told(srv, "day@duty.test", &ticket).await,
            ["assigned", "sla_warning", "ticket_created"]
        );
        assert_eq!(told(srv, "duty@duty.test", &ticket).await, ["ticket_created"]);
    }
);

both_backends!(
    r_ntf_3_a_gap_in_the_next_7_days_is_shown_and_told_to_the_leads_once_a_day,
    |srv| {
        let duty = staff(srv, "duty@gap.test", "agent").await;
        let other = staff(srv, "other@gap.test", "agent").await;
        staff(srv, "lead@gap.test", "support_lead").await;
        let lead = srv.login("lead@gap.test", PASSWORD).await;
        // Nobody set a roster: the whole week is a gap, but nobody is mailed about it yet.
        let empty = roster(srv, &lead).await;
        assert_eq!(empty.gaps.len(), 1);
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").duty_gaps_told, 0);

        // Wednesday 11 March, 12:30: the rotation starts next Monday at 10:00 Moscow time.
        let (status, body) = srv
            .call(
                "PUT",
                "/api/v1/duty/rotation",
                Some(&lead),
                Some(json!({"starts_on": "2026-03-16", "handover_time": "10:00", "member_ids": [duty, other]})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let r: DutyRoster = typed(&body);
        assert_eq!(r.gaps.len(), 1, "{:?}", r.gaps);
        // From now (the test clock moves on with real time).
        assert!(
            (srv.app.now() - r.gaps[0].from).num_seconds().abs() < 5,
            "{:?}",
            r.gaps[0]
        );
        assert_eq!(r.gaps[0].to, at("2026-03-16T07:00:00Z"));
        assert_eq!(r.on_duty_now, None);
        // The next weeks: a gap, then the first member's week, then the second's.
        let who: Vec<Option<String>> = r
            .slots
            .iter()
            .map(|s| s.person.as_ref().map(|p| p.full_name.clone()))
            .collect();
        assert_eq!(who[0], None);
        assert_eq!(who[1].as_deref(), Some("Сотрудник duty@gap.test"));
        assert_eq!(who[2].as_deref(), Some("Сотрудник other@gap.test"));
        assert_eq!(r.slots[2].from, at("2026-03-23T07:00:00Z"));

        // The leads are told once a day.
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").duty_gaps_told, 1);
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").duty_gaps_told, 0);
        let (_, body) = srv.get("/api/v1/notifications", &lead).await;
        let list: NotificationList = typed(&body);
        assert_eq!(list.items.iter().filter(|n| n.kind == "duty_gap").count(), 1);

        // An override covers the gap: the other agent until the rotation starts.
        let (status, body) = srv
        .post(
            "/api/v1/duty/overrides",
            &lead,
            json!({"user_id": other, "starts_at": "2026-03-11T00:00:00Z", "ends_at": "2026-03-16T07:00:00Z", "note": "До начала графика"}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let override_id = body["id"].as_str().expect("id").to_owned();
        let covered = roster(srv, &lead).await;
        assert!(covered.gaps.is_empty(), "{:?}", covered.gaps);
        assert_eq!(covered.on_duty_now.map(|p| p.id.to_string()), Some(other.clone()));
        assert_eq!(covered.slots[0].source.as_deref(), Some("override"));
        srv.clock.set(at("2026-03-12T06:00:00Z"));
        assert_eq!(srv.app.jobs().run_once().await.expect("jobs").duty_gaps_told, 0);

        // Disabling the person on duty opens the gap again.
        let admin = srv.login(common::ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        let (status, body) = srv
            .patch(&format!("/api/v1/users/{other}"), &admin, json!({"active": false}))
            .await;
        assert_eq!(status, 200, "{body}");
        let lead = srv.login("lead@gap.test", PASSWORD).await;
        let reopened = roster(srv, &lead).await;
        assert_eq!(reopened.on_duty_now, None);
        assert!(!reopened.gaps.is_empty());

        // Removing the override; removing it again is not found.
        let path = format!("/api/v1/duty/overrides/{override_id}");
        assert_eq!(srv.call("DELETE", &path, Some(&lead), None).await.0, 204);
        assert_problem(&srv.call("DELETE", &path, Some(&lead), None).await, 404, "not_found");
    }
);

both_backends!(
    r_ntf_3_admins_and_leads_edit_the_roster_and_bad_input_is_refused,
    |srv| {
        let agent = staff(srv, "agent@edit.test", "agent").await;
        let customer = srv.customer("Клиент графика", "premium").await;
        let (client_id, client) = srv.client(&customer, "c@edit.test", json!({})).await;
        let agent_token = srv.login("agent@edit.test", PASSWORD).await;
        let rotation = json!({"starts_on": "2026-03-16", "member_ids": [agent]});
        // Agents read the roster but do not edit it; clients do neither.
        assert_eq!(srv.get("/api/v1/duty", &agent_token).await.0, 200);
        assert_problem(&srv.get("/api/v1/duty", &client).await, 403, "forbidden");
        assert_problem(
            &srv.call(
                "PUT",
                "/api/v1/duty/rotation",
                Some(&agent_token),
                Some(rotation.clone()),
            )
            .await,
            403,
            "forbidden",
        );
        // A client is not staff; a time is HH:MM; an override ends after it starts.
        assert_problem(
            &srv.call(
                "PUT",
                "/api/v1/duty/rotation",
                Some(&srv.admin),
                Some(json!({"starts_on": "2026-03-16", "member_ids": [client_id]})),
            )
            .await,
            400,
            "validation_failed",
        );
        assert_problem(
            &srv.call(
                "PUT",
                "/api/v1/duty/rotation",
                Some(&srv.admin),
                Some(json!({"starts_on": "2026-03-16", "handover_time": "25:00", "member_ids": [agent]})),
            )
            .await,
            400,
            "validation_failed",
        );
        assert_problem(
            &srv.post(
                "/api/v1/duty/overrides",
                &srv.admin,
                json!({"user_id": agent, "starts_at": "2026-03-12T00:00:00Z", "ends_at": "2026-03-12T00:00:00Z"}),
            )
            .await,
            400,
            "validation_failed",
        );
        assert_problem(
            &srv.get("/api/v1/duty?weeks=13", &srv.admin).await,
            400,
            "validation_failed",
        );
        let (status, body) = srv
            .call("PUT", "/api/v1/duty/rotation", Some(&srv.admin), Some(rotation))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(typed::<DutyRoster>(&body).handover_time, "09:00");
    }
);
