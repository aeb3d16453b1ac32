//! The list envelope every collection endpoint returns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"items":[…],"total":N,"limit":L,"offset":O}`; `total` counts every match, not just this page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}
