//! `/api/v1/products`: what cases are about. Configuration: admins change it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use switchboard_core::records::{parse_product, ProductInput};
use switchboard_store::products::Product;
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
}

/// All products, by name.
#[utoipa::path(get, path = "/api/v1/products", tag = "products", responses((status = 200, body = Vec<Product>)))]
async fn list(State(db): State<Db>) -> ApiResult<Json<Vec<Product>>> {
    Ok(Json(db.products().await?))
}

/// Create a product; names are unique.
#[utoipa::path(post, path = "/api/v1/products", tag = "products", request_body = ProductInput,
    responses((status = 201, body = Product), (status = 409, body = Problem)))]
async fn create(
    Audited(db): Audited,
    ApiJson(input): ApiJson<ProductInput>,
) -> ApiResult<impl IntoResponse> {
    let product = db.create_product(&parse_product(input)?).await?;
    Ok(created(format!("/api/v1/products/{}", product.id), product))
}

/// Read one product.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = Product)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Product>> {
    Ok(Json(db.product(&id).await?))
}

/// Rename a product, with a JSON Merge Patch (RFC 7396) like every record.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path)),
    request_body(content = ProductInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Product)))]
async fn update(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Product>> {
    let current = db.product(&id).await?;
    let input = super::merge(
        &ProductInput {
            name: Some(current.name),
        },
        &patch,
    )?;
    Ok(Json(db.rename_product(&id, &parse_product(input)?).await?))
}

/// Delete a product; refused (409) while cases are about it.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
async fn delete(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_product(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
