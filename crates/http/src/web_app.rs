//! The built web app at `/`, with `index.html` for every client route.
//!
//! trunk writes the script that starts the app inline into `index.html`. The strict
//! Content-Security-Policy ([`crate::security::APP_CSP`]) allows no inline script, so the
//! page is rewritten once at start: each inline script is served as its own file
//! (`/boot-<hash>.js`) and `index.html` loads it from there.

use std::path::PathBuf;
use std::sync::Arc;

use actix_files::Files;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::{HttpResponse, web};
use sha2::{Digest as _, Sha256};

const NOT_BUILT: &str = "<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><title>Reglament</title>\
<body><h1>Reglament</h1><p>Веб-приложение не собрано. Запустите <code>cargo xtask run</code>.</p>\
<p>The web app is not built: start the server with <code>cargo xtask run</code>. \
The API is at <a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

/// `index.html` without inline scripts, and those scripts as (path, body).
#[derive(Debug, Default)]
pub struct Page {
    pub html: String,
    pub scripts: Vec<(String, String)>,
}

/// Moves every inline `<script>` of `html` into a file of its own and drops the static
/// `nonce` attributes trunk writes (a nonce that never changes protects nothing).
#[must_use]
pub fn externalize_scripts(html: &str) -> Page {
    let mut page = Page::default();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</script>").map(|i| open_end + i) else {
            break;
        };
        let open = &rest[start..open_end];
        page.html.push_str(&rest[..start]);
        let body = &rest[open_end..close];
        if open.contains(" src=") || body.trim().is_empty() {
            page.html.push_str(&strip_nonce(open));
            page.html.push_str(body);
        } else {
            let hash = hex::encode(&Sha256::digest(body.as_bytes())[..8]);
            let path = format!("/boot-{hash}.js");
            let kind = if open.contains("type=\"module\"") {
                " type=\"module\""
            } else {
                ""
            };
            page.html.push_str(&format!("<script{kind} src=\"{path}\">"));
            page.scripts.push((path, body.to_owned()));
        }
        page.html.push_str("</script>");
        rest = &rest[close + "</script>".len()..];
    }
    page.html.push_str(rest);
    page.html = strip_nonce(&page.html);
    page
}

fn strip_nonce(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" nonce=\"") {
        out.push_str(&rest[..at]);
        let value = at + " nonce=\"".len();
        match rest[value..].find('"') {
            Some(end) => rest = &rest[value + end + 1..],
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn configure(web_root: Option<PathBuf>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    let built = web_root
        .filter(|root| root.join("index.html").is_file())
        .and_then(|root| {
            let html = std::fs::read_to_string(root.join("index.html"))
                .map_err(|e| tracing::error!(error = %e, "the web app's index.html cannot be read"))
                .ok()?;
            Some((root, Arc::new(externalize_scripts(&html))))
        });
    move |cfg: &mut web::ServiceConfig| match built.clone() {
        Some((root, page)) => {
            for (path, body) in &page.scripts {
                let body = body.clone();
                cfg.route(
                    path,
                    web::get().to(move || {
                        let body = body.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("text/javascript; charset=utf-8")
                                .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
                                .body(body)
                        }
                    }),
                );
            }
            let index = page.clone();
            let serve_index = move || {
                let index = index.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .insert_header(("Cache-Control", "no-cache"))
                        .body(index.html.clone())
                }
            };
            cfg.route("/", web::get().to(serve_index.clone()))
                .route("/index.html", web::get().to(serve_index));
            cfg.service(
                Files::new("/", &root).default_handler(fn_service(move |req: ServiceRequest| {
                    let page = page.clone();
                    async move {
                        let (req, _) = req.into_parts();
                        let res = HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .insert_header(("Cache-Control", "no-cache"))
                            .body(page.html.clone());
                        Ok(ServiceResponse::new(req, res))
                    }
                })),
            );
        }
        None => {
            cfg.default_service(web::to(|| async {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(NOT_BUILT)
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What trunk 0.21 writes: the start-up script inline, with a static nonce.
    #[test]
    fn inline_scripts_move_to_files() {
        let html = r#"<html><head><link rel="modulepreload" href="/frontend-1.js" crossorigin="anonymous" nonce="abc"><script type="module" nonce="abc">
import init, * as bindings from '/frontend-1.js';
init({ module_or_path: '/frontend-1_bg.wasm' });
</script><script src="/other.js"></script></head><body></body></html>"#;
        let page = externalize_scripts(html);
        assert_eq!(page.scripts.len(), 1);
        let (path, body) = &page.scripts[0];
        assert!(path.starts_with("/boot-") && path.ends_with(".js"), "{path}");
        assert!(body.contains("import init"), "{body}");
        assert!(!page.html.contains("import init"), "{}", page.html);
        assert!(!page.html.contains("nonce"), "{}", page.html);
        assert!(
            page.html
                .contains(&format!("<script type=\"module\" src=\"{path}\"></script>")),
            "{}",
            page.html
        );
        assert!(
            page.html.contains("<script src=\"/other.js\"></script>"),
            "{}",
            page.html
        );
    }
}
