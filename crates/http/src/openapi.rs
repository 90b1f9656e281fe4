//! The OpenAPI 3.1 document (the contract for integrations) and its docs page.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::routes;

/// A file as the request body: `type: string, format: binary` with its media type, which
/// OpenAPI 3.1 generators turn into a file parameter (an array of integers, as utoipa
/// writes `Vec<u8>`, became a `list[int]`).
pub struct FileBody;

impl utoipa::PartialSchema for FileBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .content_media_type("application/octet-stream")
            .into()
    }
}

impl utoipa::ToSchema for FileBody {}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A JWT access token from `POST /api/v1/auth/login`, or an API token (`rgl_…`) from `POST /api/v1/api-tokens`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The answers every operation can give besides its own, documented on each so that the
/// document lists every status a client can see: 401 (`invalid_token`, `token_expired`) and
/// 403 (`insufficient_scope`, `forbidden`) where a token is required; 400 (`invalid_query`,
/// `invalid_path`, `invalid_json`, `validation_failed`) where there is input; 404
/// (`not_found`) where a path names an object; 413 and 415 where there is a body.
struct CommonResponses;

impl CommonResponses {
    fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
        utoipa::openapi::ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                utoipa::openapi::content::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
            .into()
    }

    fn complete(operation: &mut utoipa::openapi::path::Operation) {
        use utoipa::openapi::path::ParameterIn;
        let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
        let params = operation.parameters.as_deref().unwrap_or_default();
        let in_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
        let has_input = !params.is_empty() || operation.request_body.is_some();
        let mut add = |status: &str, description: &str, when: bool| {
            if when {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| Self::problem(description));
            }
        };
        add(
            "400",
            "`invalid_query`, `invalid_path`, `invalid_json` or `validation_failed`",
            has_input,
        );
        add("401", "`invalid_token` or `token_expired`: no valid token", secured);
        add("403", "`insufficient_scope` or `forbidden`", secured);
        add("404", "`not_found`", in_path);
        let body = operation.request_body.is_some();
        add("413", "`payload_too_large`", body);
        add("415", "`unsupported_media_type`", body);
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                Self::complete(operation);
            }
        }
    }
}

/// A file is sent and answered as its own type: every body and answer documented as a
/// binary `application/octet-stream` also lists the types a ticket accepts (one list,
/// `attachments::ALLOWED_TYPES`), so a client may send `application/pdf` and knows the
/// download answers it.
struct FileTypes;

const OCTET_STREAM: &str = "application/octet-stream";

impl FileTypes {
    /// The binary `application/octet-stream` content, when that is what `content` holds.
    fn binary(content: Option<&utoipa::openapi::content::Content>) -> Option<utoipa::openapi::content::Content> {
        let content = content?;
        serde_json::to_value(&content.schema)
            .is_ok_and(|schema| schema["format"] == "binary")
            .then(|| content.clone())
    }
}

impl Modify for FileTypes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let uploads_and_downloads = ["/tickets/{id}/attachments", "/attachments/{id}"];
        for (path, item) in &mut openapi.paths.paths {
            if !uploads_and_downloads.contains(&path.as_str()) {
                continue;
            }
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                let types = reglament_service::tickets::attachments::ALLOWED_TYPES.map(str::to_owned);
                if let Some(body) = operation.request_body.as_mut()
                    && let Some(file) = Self::binary(body.content.get(OCTET_STREAM))
                {
                    body.content.extend(types.clone().map(|media| (media, file.clone())));
                }
                if let Some(utoipa::openapi::RefOr::T(ok)) = operation.responses.responses.get_mut("200")
                    && let Some(file) = Self::binary(ok.content.get(OCTET_STREAM))
                {
                    ok.content.extend(types.map(|media| (media, file.clone())));
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Reglament API",
        description = "Customer-support portal that enforces the vendor's support regulation: tickets, SLA clocks on the Moscow business calendar, open-ticket limits, professional services and bookings.\n\nErrors are RFC 9457 `application/problem+json` with a stable `code`. Lists take `limit` and `offset` and answer `total`. Times are RFC 3339 in UTC.",
        license(name = "Proprietary"),
    ),
    // The paths below are relative to this: a client generated from the document, or the
    // docs page's "try it out", calls `/api/v1/tickets`, not the web app's `/tickets`.
    servers((url = "/api/v1", description = "This server's API")),
    // Referred to by a query parameter, which utoipa does not collect by itself.
    components(schemas(reglament_api::TicketSort, reglament_api::ErrorCode, reglament_api::ImportClientList)),
    tags(
        (name = "health", description = "Liveness and configuration warnings"),
        (name = "auth", description = "Sign-in, tokens, the current user"),
        (name = "calendar", description = "The business calendar and SLA deadlines"),
        (name = "sla", description = "Overdue counts and escalations"),
        (name = "tickets", description = "Tickets, the open-ticket limit and its queue"),
        (name = "tiers", description = "Support tiers (Appendix 1 of the regulation)"),
        (name = "customers", description = "Customers and their contracts"),
        (name = "teams", description = "Teams of a customer's clients"),
        (name = "users", description = "Clients and staff"),
        (name = "services", description = "Professional services and bookings: certificates, estimates, work logs, monthly bookings of specialists"),
        (name = "channels", description = "Email and Telegram intake: rejected mail, linked group chats, the bot"),
        (name = "notifications", description = "What a person is told (R-NTF): staff alerts, SLA warnings before a response deadline and breaches; the unread count, the channels chosen per kind, the live stream (Server-Sent Events)"),
        (name = "duty", description = "The duty roster of the 24x7 tiers (R-NTF-3): a weekly rotation and dated overrides"),
        (name = "webhooks", description = "Outgoing webhooks (R-INT-2): Standard Webhooks signatures, retries for a day, delivery log"),
    )
)]
pub struct ApiDoc;

/// The document as served and as committed in `openapi/openapi.json`: the operations are
/// collected from the routes as they are registered ([`routes::api`]), so an endpoint is
/// written once, with its documentation beside it; then the answers every operation
/// shares, the security scheme and the file types are added. Built once per process.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::LazyLock<utoipa::openapi::OpenApi> = std::sync::LazyLock::new(|| {
        use utoipa_actix_web::AppExt as _;
        let (_, mut doc) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(routes::api)
            .split_for_parts();
        for modifier in [&BearerAuth as &dyn Modify, &CommonResponses, &FileTypes] {
            modifier.modify(&mut doc);
        }
        doc
    });
    DOCUMENT.clone()
}

/// A documented path of `/api/v1`: its segments (`["tickets", "{id}"]`) and its methods.
pub(crate) struct DocumentedPath {
    pub segments: Vec<String>,
    pub methods: Vec<&'static str>,
}

/// The documented path a request path under `/api/v1` falls under (`{id}` takes any
/// non-empty segment; a path with more literal segments wins, so `/calendar/import` is
/// not read as a year). Used to answer 405 with `Allow` and to name a path parameter.
pub(crate) fn documented_path(path: &str) -> Option<&'static DocumentedPath> {
    static PATHS: std::sync::LazyLock<Vec<DocumentedPath>> = std::sync::LazyLock::new(|| {
        let mut paths: Vec<DocumentedPath> = document()
            .paths
            .paths
            .iter()
            .map(|(template, item)| DocumentedPath {
                segments: template.trim_matches('/').split('/').map(str::to_owned).collect(),
                methods: [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, has)| has.then_some(m))
                .collect(),
            })
            .collect();
        paths.sort_by_key(|p| p.segments.iter().filter(|s| s.starts_with('{')).count());
        paths
    });
    let segments: Vec<&str> = path.strip_prefix("/api/v1")?.trim_matches('/').split('/').collect();
    PATHS.iter().find(|p| {
        p.segments.len() == segments.len()
            && p.segments
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
    })
}

/// The document as pretty JSON with a final newline, exactly as committed.
///
/// # Panics
/// Never in practice: the document is plain data.
#[must_use]
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", document()))
        .route(
            "/api/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/api/docs/"))
                    .finish()
            }),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enum_of(doc: &serde_json::Value, schema: &str) -> Vec<String> {
        doc["components"]["schemas"][schema]["enum"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    // R-INT-4: the document names the values exactly as the wire carries them, and lists
    // every error code (a derive that dropped the serde renames would say `ValidationFailed`).
    #[test]
    fn r_int_4_enums_in_the_document_are_the_wire_values() -> Result<(), serde_json::Error> {
        let doc: serde_json::Value = serde_json::from_str(&document_json())?;
        let codes: Vec<String> = reglament_api::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        assert_eq!(enum_of(&doc, "ErrorCode"), codes);
        let statuses: Vec<String> = reglament_api::Status::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        assert_eq!(enum_of(&doc, "Status"), statuses);
        let scopes: Vec<String> = reglament_api::Scope::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        assert_eq!(enum_of(&doc, "Scope"), scopes);
        assert_eq!(enum_of(&doc, "Schedule"), ["8x5", "24x7"]);
        Ok(())
    }

    /// The name `reglament_api::paths` gives a schema of the document: `Page<Ticket>` for
    /// `Page_Ticket`, `Vec<T>` for an array, `Bytes`/`Text` for what is not JSON.
    fn rust_name(content: &serde_json::Value) -> String {
        let Some((kind, media)) = content.as_object().and_then(|c| {
            c.get("application/json")
                .map(|m| ("application/json", m))
                .or_else(|| c.iter().next().map(|(k, m)| (k.as_str(), m)))
        }) else {
            return "NoContent".to_owned();
        };
        let schema = &media["schema"];
        let named = |s: &serde_json::Value| {
            let name = s["$ref"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("#/components/schemas/");
            match name.strip_prefix("Page_") {
                Some(item) => format!("Page<{item}>"),
                None => name.to_owned(),
            }
        };
        if schema["type"] == "string" {
            if kind == "application/json" || schema["format"] == "binary" || !schema["contentMediaType"].is_null() {
                "Bytes".to_owned()
            } else {
                "Text".to_owned()
            }
        } else if schema["type"] == "array" {
            format!("Vec<{}>", named(&schema["items"]))
        } else {
            named(schema)
        }
    }

    // The web app, the tests and the benches call the API through `reglament_api::paths`:
    // every operation there is one of the document's, with the same body and answer types,
    // and every operation of the document is there (an endpoint added without its typed
    // function fails here, as does a path or a type mistyped there).
    #[test]
    fn every_operation_of_the_document_has_its_typed_function_in_paths() -> Result<(), serde_json::Error> {
        use reglament_api::paths::{Method, OPERATIONS};
        let doc: serde_json::Value = serde_json::from_str(&document_json())?;
        let shape = |template: &str| -> String {
            let mut out = String::new();
            let mut inside = false;
            for c in template.chars() {
                match c {
                    '{' => {
                        inside = true;
                        out.push_str("{}");
                    }
                    '}' => inside = false,
                    c if !inside => out.push(c),
                    _ => {}
                }
            }
            out
        };
        let mut in_document = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let method = match method.as_str() {
                    "get" => Method::Get,
                    "post" => Method::Post,
                    "put" => Method::Put,
                    "patch" => Method::Patch,
                    "delete" => Method::Delete,
                    _ => continue,
                };
                let body = match op.get("requestBody") {
                    Some(b) => rust_name(&b["content"]),
                    None => "NoBody".to_owned(),
                };
                let answer = op["responses"]
                    .as_object()
                    .and_then(|r| r.iter().find(|(status, _)| status.starts_with('2')))
                    .map(|(_, r)| rust_name(&r["content"]))
                    .unwrap_or_default();
                in_document.push((method, shape(path), body, answer));
            }
        }
        let in_paths: Vec<_> = OPERATIONS
            .iter()
            .map(|o| {
                (
                    o.method,
                    shape(o.template),
                    o.body.replace(' ', ""),
                    o.answer.replace(' ', ""),
                )
            })
            .collect();
        for op in &in_paths {
            assert!(in_document.contains(op), "paths has {op:?}, the document does not");
        }
        for op in &in_document {
            assert!(in_paths.contains(op), "the document has {op:?}, paths does not");
        }
        assert_eq!(in_paths.len(), in_document.len());
        Ok(())
    }
}
