//! `/v1/projects`: create, list (by state), get, rename/archive, delete.

use roughcut_shared::List;
use roughcut_shared::projects::{CreateProject, Project, ProjectState, UpdateProject};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{list_body, page};
use crate::domain::ports::ProjectFilter;
use crate::domain::projects;
use crate::http::{ApiError, ApiResponse, Call};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProjectsQuery {
    /// Only projects in this state; all when omitted.
    pub state: Option<ProjectState>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// ≥ 0, default 0.
    pub offset: Option<u64>,
}

#[utoipa::path(post, path = "/v1/projects", tag = "projects", request_body = CreateProject,
    security(("api_key" = [])),
    responses((status = 201, description = "Created; `Location` names it.", body = Project)))]
pub async fn create(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: CreateProject = call.request.json()?;
    let project = projects::create(&call.ports, call.account()?, &body.name).await?;
    let location = format!("/v1/projects/{}", project.id);
    Ok(ApiResponse::json(201, &project).with_header("location", location))
}

#[utoipa::path(get, path = "/v1/projects", tag = "projects", params(ListProjectsQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "Projects, newest first.", body = List<Project>)))]
pub async fn list(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let query: ListProjectsQuery = call.request.query()?;
    let page = page(query.limit, query.offset)?;
    let listed = projects::list(&call.ports, call.account()?, ProjectFilter { state: query.state }, page).await?;
    Ok(ApiResponse::json(200, &list_body(listed, page)))
}

#[utoipa::path(get, path = "/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id (`prj_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The project.", body = Project)))]
pub async fn get(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let project = projects::get(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::json(200, &project))
}

#[utoipa::path(patch, path = "/v1/projects/{id}", tag = "projects", request_body = UpdateProject,
    params(("id" = String, Path, description = "Project id (`prj_…`).")),
    security(("api_key" = [])),
    responses((status = 200, description = "The updated project; `state` archives or reactivates it.", body = Project)))]
pub async fn update(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let body: UpdateProject = call.request.json()?;
    let project = projects::update(&call.ports, call.account()?, call.param("id")?, &body).await?;
    Ok(ApiResponse::json(200, &project))
}

#[utoipa::path(delete, path = "/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id (`prj_…`).")),
    security(("api_key" = [])),
    responses((status = 204, description = "Deleted, with everything under it.")))]
pub async fn delete(call: &Call<'_>) -> Result<ApiResponse, ApiError> {
    projects::delete(&call.ports, call.account()?, call.param("id")?).await?;
    Ok(ApiResponse::no_content())
}
