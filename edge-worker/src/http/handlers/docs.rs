//! `GET /v1/openapi.json`.

use std::sync::OnceLock;

use crate::http::{ApiError, ApiResponse, openapi};

#[utoipa::path(get, path = "/v1/openapi.json", tag = "docs",
    responses((status = 200, description = "This document (OpenAPI 3.1).", content_type = "application/json")))]
pub fn openapi_json() -> Result<ApiResponse, ApiError> {
    static DOCUMENT: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let document = DOCUMENT.get_or_init(|| serde_json::to_vec(&openapi::document()).map_err(|err| err.to_string()));
    match document {
        Ok(body) => Ok(ApiResponse {
            status: 200,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.clone(),
        }),
        Err(err) => Err(ApiError::internal(format!("openapi document: {err}"))),
    }
}
