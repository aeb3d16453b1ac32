//! Operator endpoints (`/admin/v1`), behind `ADMIN_TOKEN`: accounts and credit grants.

use roughcut_shared::ErrorEnvelope;
use roughcut_shared::accounts::{AccountCreated, CreateAccount, GrantCredits};
use roughcut_shared::credits::LedgerEntry;

use crate::domain::{accounts, ledger};
use crate::http::{ApiError, ApiResponse, Call};

#[utoipa::path(post, path = "/admin/v1/accounts", tag = "admin", request_body = CreateAccount,
    security(("admin_token" = [])),
    responses((status = 201, description = "The account and its first API key (plaintext shown once).", body = AccountCreated)))]
pub async fn create_account(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateAccount = call.request.json()?;
    let created = accounts::create_account(&call.services, &body.name).await?;
    Ok(ApiResponse::json(201, &created))
}

#[utoipa::path(post, path = "/admin/v1/accounts/{id}/credits", tag = "admin", request_body = GrantCredits,
    params(("id" = String, Path, description = "Account id (`acc_…`).")),
    security(("admin_token" = [])),
    responses(
        (status = 201, description = "The new ledger entry. A top-up activates `pending_payment` assets, oldest first.", body = LedgerEntry),
        (status = 402, description = "The adjustment would take the available balance below zero.", body = ErrorEnvelope)))]
pub async fn grant_credits(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: GrantCredits = call.request.json()?;
    let entry = ledger::grant(&call.services, call.param("id")?, &body).await?;
    Ok(ApiResponse::json(201, &entry))
}
