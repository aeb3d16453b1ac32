//! `/v1/credits`: the balance and the ledger history.

use roughcut_shared::List;
use roughcut_shared::credits::{Balance, LedgerEntry};

use super::{PageQuery, list_body, page};
use crate::domain::ledger;
use crate::http::{ApiError, ApiResponse, Call};

#[utoipa::path(get, path = "/v1/credits/balance", tag = "credits",
    security(("api_key" = [])),
    responses((status = 200, description = "`available = balance − reserved`.", body = Balance)))]
pub async fn balance(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let balance = ledger::balance(&call.ports, call.account()?).await?;
    Ok(ApiResponse::json(200, &balance))
}

#[utoipa::path(get, path = "/v1/credits/history", tag = "credits", params(PageQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Ledger entries, newest first.", body = List<LedgerEntry>)))]
pub async fn history(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: PageQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let listed = ledger::history(&call.ports, call.account()?, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}
