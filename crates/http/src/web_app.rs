//! The built web app at `/`, with `index.html` for every client route.

use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::{HttpResponse, web};

const NOT_BUILT: &str = "<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><title>Reglament</title>\
<body><h1>Reglament</h1><p>Веб-приложение не собрано. Запустите <code>cargo xtask run</code>.</p>\
<p>The web app is not built: start the server with <code>cargo xtask run</code>. \
The API is at <a href=\"/api/docs/\">/api/docs/</a>.</p></body></html>";

pub fn configure(web_root: Option<PathBuf>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let root = web_root.clone().filter(|root| root.join("index.html").is_file());
        match root {
            Some(root) => {
                let index = root.join("index.html");
                cfg.service(
                    Files::new("/", &root)
                        .index_file("index.html")
                        .default_handler(fn_service(move |req: ServiceRequest| {
                            let index = index.clone();
                            async move {
                                let (req, _) = req.into_parts();
                                let file = NamedFile::open_async(&index).await?;
                                let res = file.into_response(&req);
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
}
