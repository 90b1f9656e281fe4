use actix_web::{HttpResponse, delete, get, patch, post, web};
use reglament_api::CustomerQuery;
use reglament_api::{Contract, ContractPatch, CustomerPatch, CustomerView, NewContract, NewCustomer, Page};
use reglament_api::{ContractId, CustomerId};
use reglament_service::App;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Auth, PagingExt as _};
use crate::problem::{ApiError, Problem};
use crate::routes::created;
use reglament_api::Paging;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_customers)
        .service(create_customer)
        .service(get_customer)
        .service(update_customer)
        .service(list_contracts)
        .service(create_contract)
        .service(get_contract)
        .service(update_contract)
        .service(delete_contract);
}

/// Customers, by name. A client sees only their own customer.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(CustomerQuery, Paging),
    responses(
        (status = 200, body = Page<CustomerView>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers")]
pub async fn list_customers(
    app: web::Data<App>,
    Auth(p): Auth,
    query: web::Query<CustomerQuery>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<CustomerView>>, ApiError> {
    Ok(web::Json(
        app.directory()
            .list_customers(&p, query.q.as_deref(), paging.page()?)
            .await?,
    ))
}

/// Add a customer (admins, account managers).
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    request_body = NewCustomer,
    responses(
        (status = 201, body = CustomerView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_exists`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers")]
pub async fn create_customer(
    app: web::Data<App>,
    Auth(p): Auth,
    body: web::Json<NewCustomer>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(&app.directory().create_customer(&p, body.into_inner()).await?))
}

/// One customer with its governing contract. Another customer is 404 for a client (R-ACL-2).
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CustomerView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}")]
pub async fn get_customer(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
) -> Result<web::Json<CustomerView>, ApiError> {
    Ok(web::Json(app.directory().get_customer(&p, id.into_inner()).await?))
}

/// Rename a customer or change its dedicated manager.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = CustomerPatch,
    responses(
        (status = 200, body = CustomerView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/customers/{id}")]
pub async fn update_customer(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
    body: web::Json<CustomerPatch>,
) -> Result<web::Json<CustomerView>, ApiError> {
    Ok(web::Json(
        app.directory()
            .update_customer(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// A customer's contracts, newest first.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), Paging),
    responses(
        (status = 200, body = Page<Contract>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}/contracts")]
pub async fn list_contracts(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<Contract>>, ApiError> {
    Ok(web::Json(
        app.directory()
            .list_contracts(&p, id.into_inner(), paging.page()?)
            .await?,
    ))
}

/// Add a contract (tier, start and end dates, both inclusive). Contracts of one customer never overlap.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = NewContract,
    responses(
        (status = 201, body = Contract),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`contract_overlap`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unknown_tier`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers/{id}/contracts")]
pub async fn create_contract(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<CustomerId>,
    body: web::Json<NewContract>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(
        &app.directory()
            .create_contract(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// One contract.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Contract),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts/{id}")]
pub async fn get_contract(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<ContractId>,
) -> Result<web::Json<Contract>, ApiError> {
    Ok(web::Json(app.directory().get_contract(&p, id.into_inner()).await?))
}

/// Change a contract: a renewal moves `ends_on`, an upgrade changes `tier_code`.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ContractPatch,
    responses(
        (status = 200, body = Contract),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/contracts/{id}")]
pub async fn update_contract(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<ContractId>,
    body: web::Json<ContractPatch>,
) -> Result<web::Json<Contract>, ApiError> {
    Ok(web::Json(
        app.directory()
            .update_contract(&p, id.into_inner(), body.into_inner())
            .await?,
    ))
}

/// Delete a contract entered by mistake.
#[utoipa::path(
    tag = "customers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/contracts/{id}")]
pub async fn delete_contract(
    app: web::Data<App>,
    Auth(p): Auth,
    id: web::Path<ContractId>,
) -> Result<HttpResponse, ApiError> {
    app.directory().delete_contract(&p, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
