//! Browser sessions (OWASP ASVS level 2, issue 13): the refresh token in an HttpOnly
//! cookie scoped to the session path, the access token in the body only, sign-out
//! everywhere, and the security headers the web app runs under.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, assert_problem};
use reglament_http::security::{APP_CSP, HSTS};
use serde_json::{Value, json};

/// Signs in for the web app; answers the `Set-Cookie` header and the body.
async fn open_session(srv: &common::TestServer) -> (String, Value) {
    let res = srv
        .http
        .post(srv.url("/api/v1/auth/session"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status(), 200);
    let cookie = set_cookie(&res);
    (cookie, res.json().await.expect("json"))
}

fn set_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_owned()
}

/// `name=value` of a `Set-Cookie` header, to send back as `Cookie`.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

async fn refresh_with(srv: &common::TestServer, cookie: &str) -> reqwest::Response {
    srv.http
        .post(srv.url("/api/v1/auth/session/refresh"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request sent")
}

// The refresh token is an HttpOnly, Secure, SameSite=Strict cookie scoped to the
// session path; the body carries the access token only; the cookie rotates, a reused
// one revokes its family, and signing out clears it.
both_backends!(browser_session_keeps_the_refresh_token_in_an_http_only_cookie, |srv| {
    let (cookie, body) = open_session(srv).await;
    let attributes: Vec<String> = cookie.split(';').map(|a| a.trim().to_lowercase()).collect();
    for wanted in ["httponly", "secure", "samesite=strict", "path=/api/v1/auth/session"] {
        assert!(attributes.iter().any(|a| a == wanted), "{wanted} missing in {cookie}");
    }
    assert!(cookie.starts_with("reglament_refresh="), "{cookie}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = body["access_token"].as_str().expect("access token");
    assert_eq!(srv.get("/api/v1/me", access).await.0, 200);

    let first = pair(&cookie);
    let res = refresh_with(srv, &first).await;
    assert_eq!(res.status(), 200);
    let second = pair(&set_cookie(&res));
    assert_ne!(first, second);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["access_token"].is_string() && body.get("refresh_token").is_none(),
        "{body}"
    );

    // The used cookie again: theft suspected, the family (the new cookie too) is revoked.
    let reused = refresh_with(srv, &first).await;
    assert_eq!(reused.status(), 401);
    assert!(set_cookie(&reused).contains("Max-Age=0"), "the cookie is cleared");
    assert_eq!(refresh_with(srv, &second).await.status(), 401);

    // No cookie at all.
    assert_problem(
        &srv.call("POST", "/api/v1/auth/session/refresh", None, None).await,
        401,
        "invalid_refresh_token",
    );

    // Sign out: the session is revoked and the cookie cleared.
    let (cookie, _) = open_session(srv).await;
    let res = srv
        .http
        .delete(srv.url("/api/v1/auth/session"))
        .header("cookie", pair(&cookie))
        .send()
        .await
        .expect("request sent");
    assert_eq!(res.status(), 204);
    assert!(set_cookie(&res).contains("Max-Age=0"));
    assert_eq!(refresh_with(srv, &pair(&cookie)).await.status(), 401);
});

// Sign out everywhere ends every session of the user: refresh tokens (the browser's cookie
// and the integrations' pairs alike) and the access tokens already issued; API tokens
// keep working unchanged, and an API token cannot end sessions.
both_backends!(sign_out_everywhere_revokes_every_refresh_token, |srv| {
    let (cookie, body) = open_session(srv).await;
    let access = body["access_token"].as_str().expect("access").to_owned();
    let (status, other) = srv
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "{other}");
    let (status, api_token) = srv
        .post(
            "/api/v1/api-tokens",
            &access,
            json!({"name": "ci", "scopes": ["sla:read"]}),
        )
        .await;
    assert_eq!(status, 201, "{api_token}");
    let api_token = api_token["token"].as_str().expect("token").to_owned();
    assert_problem(
        &srv.call("POST", "/api/v1/auth/sign-out-everywhere", Some(&api_token), None)
            .await,
        403,
        "session_required",
    );

    // A second later (tokens carry whole seconds), everything issued before ends.
    srv.clock.set(srv.app.now() + chrono::TimeDelta::seconds(2));
    let (status, _) = srv
        .call("POST", "/api/v1/auth/sign-out-everywhere", Some(&access), None)
        .await;
    assert_eq!(status, 204);
    assert_problem(&srv.get("/api/v1/me", &access).await, 401, "invalid_token");
    let other_access = other["access_token"].as_str().expect("access");
    assert_problem(&srv.get("/api/v1/me", other_access).await, 401, "invalid_token");
    assert_eq!(refresh_with(srv, &pair(&cookie)).await.status(), 401);
    assert_problem(
        &srv.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": other["refresh_token"]})),
        )
        .await,
        401,
        "invalid_refresh_token",
    );
    assert_eq!(srv.get("/api/v1/sla/overdue", &api_token).await.0, 200);
    // Signing in again works at once.
    let fresh = srv.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(srv.get("/api/v1/me", &fresh).await.0, 200);
});

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

// Every answer carries the strict CSP, no framing, no referrer and nosniff; HSTS only
// when the request came over TLS (here: through a proxy that says so).
both_backends!(security_headers_on_every_answer, |srv| {
    for path in ["/", "/tickets/1", "/api/v1/health", "/api/v1/no-such-thing"] {
        let res = srv.http.get(srv.url(path)).send().await.expect("request sent");
        assert_eq!(
            header(&res, "content-security-policy").as_deref(),
            Some(APP_CSP),
            "{path}"
        );
        assert_eq!(header(&res, "x-frame-options").as_deref(), Some("DENY"), "{path}");
        assert_eq!(
            header(&res, "referrer-policy").as_deref(),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(
            header(&res, "x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(header(&res, "strict-transport-security"), None, "{path}");
    }
    let csp = APP_CSP.to_owned();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self' 'wasm-unsafe-eval';"));
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    let res = srv
        .http
        .get(srv.url("/api/v1/health"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("request sent");
    assert_eq!(header(&res, "strict-transport-security").as_deref(), Some(HSTS));
});

// trunk writes the app's start-up script inline; the server serves it as a file so that
// the page runs under `script-src 'self'` with no inline script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_index_has_no_inline_script() {
    let dist = reglament_store::testing::TempDir::new();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><html><head><script type=\"module\" nonce=\"static\">import init from '/app.js';init();</script>\
         </head><body></body></html>",
    )
    .expect("index written");
    std::fs::write(dist.path().join("app.js"), "export default function init() {}").expect("app written");
    let root = dist.path().to_owned();
    let Some(srv) = common::TestServer::spawn_with(reglament_store::Backend::Sqlite, move |c| c.web_root = root).await
    else {
        return;
    };
    srv.run(|srv| async move {
        for path in ["/", "/tickets/7"] {
            let html = srv
                .http
                .get(srv.url(path))
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .expect("text");
            assert!(!html.contains("import init"), "{html}");
            assert!(!html.contains("nonce"), "{html}");
            let start = html.find("src=\"/boot-").expect("boot script") + "src=\"".len();
            let boot = &html[start..start + html[start..].find('"').expect("quote")];
            let res = srv.http.get(srv.url(boot)).send().await.expect("sent");
            assert_eq!(res.status(), 200);
            assert!(
                header(&res, "content-type")
                    .unwrap_or_default()
                    .starts_with("text/javascript")
            );
            assert!(res.text().await.expect("text").contains("import init from '/app.js'"));
        }
        let res = srv.http.get(srv.url("/app.js")).send().await.expect("sent");
        assert_eq!(res.status(), 200);
    })
    .await;
}

// The three apps (issue 24): the client app's page unless the browser's `reglament_app`
// cookie says staff and the staff app is built; the `more` app's at the client's other
// screens and at any address asked with `?full`; files named by their hash are served
// from the build's gzip when the browser takes gzip, and cached for a year.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_serves_the_staff_app_by_cookie_and_hashed_files_precompressed() {
    let dist = reglament_store::testing::TempDir::new();
    let page = |app: &str| {
        format!(
            "<!doctype html><html><head><script type=\"module\">import init from '/{app}-0123456789abcdef.js';init();</script>\
             </head><body>{app}<!-- shell --><form>sign in</form><!-- /shell --></body></html>"
        )
    };
    std::fs::create_dir_all(dist.path().join("staff")).expect("staff dir");
    std::fs::create_dir_all(dist.path().join("more")).expect("more dir");
    std::fs::write(dist.path().join("more/index.html"), page("more")).expect("more index");
    std::fs::write(dist.path().join("index.html"), page("client")).expect("index");
    std::fs::write(dist.path().join("staff/index.html"), page("staff")).expect("staff index");
    let wasm = dist.path().join("reglament-web-0123456789abcdef_bg.wasm");
    std::fs::write(&wasm, b"\0asm raw bytes").expect("wasm");
    std::fs::write(
        dist.path().join("reglament-web-0123456789abcdef_bg.wasm.gz"),
        b"gzip bytes",
    )
    .expect("gz");
    // trunk's hash has no leading zeros: 15 digits here.
    std::fs::write(dist.path().join("staff/style-edcba9876543210.css"), "body{}").expect("css");
    std::fs::write(dist.path().join("robots.txt"), "User-agent: *").expect("robots");
    let root = dist.path().to_owned();
    let Some(srv) = common::TestServer::spawn_with(reglament_store::Backend::Sqlite, move |c| c.web_root = root).await
    else {
        return;
    };
    srv.run(|srv| async move {
        let html = |path: &'static str, cookie: Option<&'static str>| async move {
            let mut req = srv.http.get(srv.url(path));
            if let Some(cookie) = cookie {
                req = req.header("cookie", cookie);
            }
            let res = req.send().await.expect("sent");
            assert_eq!(res.status(), 200);
            assert_eq!(header(&res, "vary").as_deref(), Some("Cookie"), "{path}");
            assert_eq!(header(&res, "cache-control").as_deref(), Some("no-cache"), "{path}");
            res.text().await.expect("text")
        };
        for path in ["/", "/tickets/7", "/admin/customers"] {
            // A first visit: the client app with the sign-in form written into the page.
            let first = html(path, None).await;
            assert!(
                first.contains("<body>client<!-- shell --><form>sign in</form>"),
                "{path}: {first}"
            );
            // A browser that had a session restores it: no form to flash.
            assert!(
                html(path, Some("reglament_app=client"))
                    .await
                    .contains("<body>client</body>")
            );
            assert!(
                html(path, Some("x=1; reglament_app=staff"))
                    .await
                    .contains("<body>staff<!-- shell -->"),
                "{path}"
            );
        }
        for path in [
            "/dashboard",
            "/company",
            "/services",
            "/profile/",
            "/invite/abc",
            "/tickets/7?full",
            "/tickets/new?category=account_management&full",
        ] {
            for cookie in [None, Some("reglament_app=client")] {
                let body = html(path, cookie).await;
                assert!(body.contains("<body>more"), "{path} {cookie:?}: {body}");
            }
            assert!(
                html(path, Some("reglament_app=staff")).await.contains("<body>staff"),
                "{path}"
            );
        }
        // Only those: a name that merely starts like one, or `full` as another word, is
        // the client app's.
        for path in ["/servicesx", "/tickets/7?fullness=1", "/tickets?q=full"] {
            assert!(html(path, None).await.contains("<body>client"), "{path}");
        }
        let wasm = "/reglament-web-0123456789abcdef_bg.wasm";
        let res = srv
            .http
            .get(srv.url(wasm))
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type").as_deref(), Some("application/wasm"));
        assert_eq!(header(&res, "content-encoding").as_deref(), Some("gzip"));
        assert_eq!(
            header(&res, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(res.bytes().await.expect("body").as_ref(), b"gzip bytes");
        let res = srv.http.get(srv.url(wasm)).send().await.expect("sent");
        assert_eq!(header(&res, "content-encoding"), None);
        assert_eq!(res.bytes().await.expect("body").as_ref(), b"\0asm raw bytes");
        let res = srv
            .http
            .get(srv.url("/staff/style-edcba9876543210.css"))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 200);
        assert!(header(&res, "cache-control").is_some_and(|c| c.contains("immutable")));
        // A file without a hash in its name is served as it is, not cached for a year.
        let res = srv.http.get(srv.url("/robots.txt")).send().await.expect("sent");
        assert_eq!(res.status(), 200);
        assert!(header(&res, "cache-control").is_none_or(|c| !c.contains("immutable")));
    })
    .await;
}
