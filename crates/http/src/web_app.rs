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
use actix_web::{HttpRequest, HttpResponse, web};
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

/// The cookie the web app sets to say which app this browser's session uses (a hint for
/// the page served; the API decides what anyone may do).
pub const APP_COOKIE: &str = "reglament_app";

/// The built web app: the client app's page and, when built, the page of the client's
/// other screens (`more/`) and the staff app's (`staff/`).
#[derive(Debug)]
struct Built {
    root: PathBuf,
    client: Page,
    /// The client app's page without its sign-in shell, for a browser that had a session.
    client_returning: Page,
    more: Option<Page>,
    staff: Option<Page>,
    assets: Vec<Asset>,
}

/// The addresses of the client's screens that the client app leaves out (the dashboard,
/// the company, services, the profile, an invitation) and any address asked with `?full`
/// (the client app sends a ticket with an account request or an order there): served the
/// `more` app, which has them. Keep in step with `Route::here` in `frontend/src/main.rs`.
fn wants_more(req: &HttpRequest) -> bool {
    let path = req.path().trim_end_matches('/');
    matches!(path, "/dashboard" | "/company" | "/services" | "/profile")
        || path.starts_with("/invite/")
        || req
            .query_string()
            .split('&')
            .any(|pair| pair == "full" || pair.starts_with("full="))
}

fn read_page(path: &std::path::Path) -> Option<Page> {
    let html = std::fs::read_to_string(path)
        .map_err(|e| tracing::error!(error = %e, path = %path.display(), "the web app's page cannot be read"))
        .ok()?;
    Some(externalize_scripts(&html))
}

impl Built {
    fn load(root: PathBuf) -> Option<Self> {
        let client = read_page(&root.join("index.html"))?;
        let client_returning = Page {
            html: without_shell(&client.html),
            scripts: Vec::new(),
        };
        let page = |dir: &str| {
            let index = root.join(dir).join("index.html");
            index.is_file().then(|| read_page(&index)).flatten()
        };
        let (more, staff) = (page("more"), page("staff"));
        let mut assets = Vec::new();
        Asset::collect(&root, "", &mut assets);
        Asset::collect(&root.join("more"), "more/", &mut assets);
        Asset::collect(&root.join("staff"), "staff/", &mut assets);
        tracing::info!(
            more_app = more.is_some(),
            staff_app = staff.is_some(),
            assets = assets.len(),
            precompressed = assets.iter().filter(|a| a.gzip.is_some()).count(),
            "web app loaded"
        );
        Some(Self {
            root,
            client,
            client_returning,
            more,
            staff,
            assets,
        })
    }

    /// The page for this request: the staff app's when the cookie asks for it and it
    /// exists; else the `more` app's for the client's other screens; else the client app's.
    fn page(&self, req: &HttpRequest) -> &Page {
        let app = req.cookie(APP_COOKIE).map(|c| c.value().to_owned());
        match (&self.staff, &self.more, app.as_deref()) {
            (Some(page), _, Some("staff")) => page,
            (_, Some(page), _) if wants_more(req) => page,
            (_, _, Some(_)) => &self.client_returning,
            (_, _, None) => &self.client,
        }
    }

    fn html(&self, req: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-cache"))
            .insert_header(("Vary", "Cookie"))
            .body(self.page(req).html.clone())
    }
}

/// The page without the sign-in form written into it for a first visit (between the
/// `<!-- shell -->` and `<!-- /shell -->` comments): a browser that had a session restores
/// it instead of flashing the form.
fn without_shell(html: &str) -> String {
    const OPEN: &str = "<!-- shell -->";
    const CLOSE: &str = "<!-- /shell -->";
    match (html.find(OPEN), html.find(CLOSE)) {
        (Some(start), Some(end)) if end > start => format!("{}{}", &html[..start], &html[end + CLOSE.len()..]),
        _ => html.to_owned(),
    }
}

/// A file whose name carries its content's hash (trunk's `name-<hash>.js`, `…_bg.wasm`,
/// `style-<hash>.css`): kept in memory with its gzip from the build (`.gz` beside it),
/// served with a year's cache.
#[derive(Debug)]
struct Asset {
    path: String,
    content_type: &'static str,
    raw: web::Bytes,
    gzip: Option<web::Bytes>,
}

impl Asset {
    fn collect(dir: &std::path::Path, prefix: &str, into: &mut Vec<Self>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(content_type) = hashed_content_type(&name) else {
                continue;
            };
            let Ok(raw) = std::fs::read(entry.path()) else { continue };
            let gzip = std::fs::read(dir.join(format!("{name}.gz"))).ok().map(web::Bytes::from);
            into.push(Self {
                path: format!("/{prefix}{name}"),
                content_type,
                raw: raw.into(),
                gzip,
            });
        }
    }

    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let gzip_ok = req
            .headers()
            .get(actix_web::http::header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        let mut res = HttpResponse::Ok();
        res.content_type(self.content_type)
            .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
            .insert_header(("Vary", "Accept-Encoding"));
        match (&self.gzip, gzip_ok) {
            (Some(gzip), true) => res.insert_header(("Content-Encoding", "gzip")).body(gzip.clone()),
            _ => res.body(self.raw.clone()),
        }
    }
}

/// The content type of a file named with its content's hash; `None` for any other file.
fn hashed_content_type(name: &str) -> Option<&'static str> {
    let (stem, content_type) = if let Some(stem) = name.strip_suffix("_bg.wasm") {
        (stem, "application/wasm")
    } else if let Some(stem) = name.strip_suffix(".js") {
        (stem, "text/javascript; charset=utf-8")
    } else if let Some(stem) = name.strip_suffix(".css") {
        (stem, "text/css; charset=utf-8")
    } else {
        return None;
    };
    // trunk writes a 64-bit hash in hex without leading zeros: 16 digits, sometimes fewer.
    let hash = stem.rsplit_once('-')?.1;
    (hash.len() >= 12 && hash.chars().all(|c| c.is_ascii_hexdigit())).then_some(content_type)
}

pub fn configure(web_root: Option<PathBuf>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    let built = web_root
        .filter(|root| root.join("index.html").is_file())
        .and_then(Built::load)
        .map(Arc::new);
    move |cfg: &mut web::ServiceConfig| match built.clone() {
        Some(built) => {
            let scripts = built
                .client
                .scripts
                .iter()
                .chain(built.more.iter().flat_map(|p| &p.scripts))
                .chain(built.staff.iter().flat_map(|p| &p.scripts));
            for (path, body) in scripts {
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
            for (i, asset) in built.assets.iter().enumerate() {
                let built = built.clone();
                cfg.route(
                    &asset.path,
                    web::get().to(move |req: HttpRequest| {
                        let built = built.clone();
                        async move { built.assets[i].respond(&req) }
                    }),
                );
            }
            let index = built.clone();
            let serve_index = move |req: HttpRequest| {
                let index = index.clone();
                async move { index.html(&req) }
            };
            cfg.route("/", web::get().to(serve_index.clone()))
                .route("/index.html", web::get().to(serve_index));
            let root = built.root.clone();
            cfg.service(
                Files::new("/", &root).default_handler(fn_service(move |req: ServiceRequest| {
                    let built = built.clone();
                    async move {
                        let (req, _) = req.into_parts();
                        let res = built.html(&req);
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
