//! Operator endpoints (`/admin/v1`), behind `ADMIN_TOKEN`: accounts, credit grants, and a look at
//! (and a nudge to) the job system.

use roughcut_shared::ErrorEnvelope;
use roughcut_shared::accounts::{AccountCreated, CreateAccount, GrantCredits};
use roughcut_shared::credits::LedgerEntry;
use roughcut_shared::jobs::JobInfo;

use crate::domain::processing::settle;
use crate::domain::{accounts, ledger};
use crate::http::{ApiError, ApiResponse, Call};

#[utoipa::path(post, path = "/admin/v1/accounts", tag = "admin", request_body = CreateAccount,
    security(("admin_token" = [])),
    responses((status = 201, description = "The account and its first API key (plaintext shown once).", body = AccountCreated)))]
pub async fn create_account(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateAccount = call.request.json()?;
    let created = accounts::create_account(&call.ports, &body.name).await?;
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
    let account_id = call.param("id")?;
    let entry = ledger::grant(&call.ports, account_id, &body).await?;
    if entry.delta > 0 {
        settle::activate_unpaid(&call.ports, call.config.rate_card, account_id)
            .await
            .map_err(crate::domain::DomainError::from)?;
    }
    Ok(ApiResponse::json(201, &entry))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobsQuery {
    /// The asset (or render) whose jobs to list.
    pub subject_id: String,
}

#[utoipa::path(get, path = "/admin/v1/jobs", tag = "admin", params(JobsQuery),
    security(("admin_token" = [])),
    responses((status = 200, description = "The subject's jobs, oldest first.", body = Vec<JobInfo>)))]
pub async fn list_jobs(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: JobsQuery = call.request.query()?;
    let jobs = call.ports.jobs.jobs_of(&query.subject_id).await.map_err(crate::domain::DomainError::from)?;
    Ok(ApiResponse::json(200, &jobs.iter().map(|job| job.to_info()).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/admin/v1/jobs/{id}/redeliver", tag = "admin",
    params(("id" = String, Path, description = "Job id (`job_…`).")),
    security(("admin_token" = [])),
    responses((status = 202, description = "The job's queue message is sent again. Harmless by design: a job that is not `queued` ignores it, so a stuck job can be nudged and a duplicate delivery changes nothing.", body = JobInfo)))]
pub async fn redeliver_job(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let store_error = crate::domain::DomainError::from;
    let job =
        call.ports.jobs.job(call.param("id")?).await.map_err(store_error)?.ok_or_else(|| ApiError::not_found("job"))?;
    call.ports.queue.resend(&job.id, 0).await.map_err(store_error)?;
    Ok(ApiResponse::json(202, &job.to_info()))
}
