//! Projects: containers for assets.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    Active,
    Archived,
}

impl ProjectState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Active, Self::Archived].into_iter().find(|s| s.as_str() == value)
    }
}

/// `POST /v1/projects`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// 1–200 characters.
    pub name: String,
}

/// `PATCH /v1/projects/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    #[serde(default, deserialize_with = "crate::strict::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::strict::present")]
    #[schema(nullable = false)]
    pub state: Option<ProjectState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    #[schema(example = "prj_01jd3m5x8k9q2w7e4r6t8y0u1i")]
    pub id: String,
    pub name: String,
    pub state: ProjectState,
    pub created_at: String,
    /// Assets in the project, deleted ones excluded.
    pub asset_count: u64,
}
