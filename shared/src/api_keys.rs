//! API keys as the API shows them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/api-keys`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// A label for humans, 1–100 characters.
    pub name: String,
}

/// An API key. Only its hash is stored; `plaintext` is present once, in the response that
/// created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    #[schema(example = "key_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub name: String,
    /// The visible start of the key, to recognise it in a list.
    #[schema(example = "sk_3f9a01c2")]
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<String>,
}
