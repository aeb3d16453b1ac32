//! Projects: create, read, list (filter by state), rename or archive, delete.

use roughcut_shared::projects::{Project, ProjectState, UpdateProject};

use super::api_keys::Principal;
use super::ids::{IdKind, new_id};
use super::page::{Listed, Page};
use super::ports::{Ports, ProjectChanges, ProjectFilter, ProjectRecord};
use super::{DomainError, validate};

pub const MAX_PROJECT_NAME_CHARS: usize = 200;
const NOT_FOUND: DomainError = DomainError::NotFound("project");

pub async fn create(ports: &Ports<'_>, principal: &Principal, name: &str) -> Result<Project, DomainError> {
    let name = validate::name("body.name", name, MAX_PROJECT_NAME_CHARS)?;
    let now = ports.clock.now();
    let record = ProjectRecord {
        id: new_id(IdKind::Project, now),
        account_id: principal.account_id.clone(),
        name,
        state: ProjectState::Active,
        created_at: now,
        asset_count: 0,
    };
    ports.projects.insert_project(&record).await?;
    Ok(to_dto(&record))
}

pub async fn get(ports: &Ports<'_>, principal: &Principal, project_id: &str) -> Result<Project, DomainError> {
    match ports.projects.project(&principal.account_id, project_id).await? {
        Some(record) => Ok(to_dto(&record)),
        None => Err(NOT_FOUND),
    }
}

pub async fn list(
    ports: &Ports<'_>,
    principal: &Principal,
    filter: ProjectFilter,
    page: Page,
) -> Result<Listed<Project>, DomainError> {
    let listed = ports.projects.list_projects(&principal.account_id, filter, page).await?;
    Ok(listed.map(|project| to_dto(&project)))
}

pub async fn update(
    ports: &Ports<'_>,
    principal: &Principal,
    project_id: &str,
    update: &UpdateProject,
) -> Result<Project, DomainError> {
    let changes = ProjectChanges {
        name: update
            .name
            .as_deref()
            .map(|name| validate::name("body.name", name, MAX_PROJECT_NAME_CHARS))
            .transpose()?,
        state: update.state,
    };
    let now = ports.clock.now();
    match ports.projects.update_project(&principal.account_id, project_id, &changes, now).await? {
        Some(record) => Ok(to_dto(&record)),
        None => Err(NOT_FOUND),
    }
}

/// Removes the project and everything under it for good (API.md): its renders (encodes stopped,
/// as `DELETE /v1/renders` does), its assets' jobs and bytes, then every row in one batch. Bytes
/// go before rows: a failure halfway leaves rows that a repeated delete finds again, never
/// bytes nothing points at.
pub async fn delete(ports: &Ports<'_>, principal: &Principal, project_id: &str) -> Result<(), DomainError> {
    let account_id = &principal.account_id;
    ports.projects.project(account_id, project_id).await?.ok_or(NOT_FOUND)?;
    for render in ports.renders.project_renders(account_id, project_id).await? {
        super::renders::remove(ports, &render).await?;
    }
    let now = ports.clock.now();
    // the planning of its cuts and the processing of its assets stop (a job that ended stays)
    let cut_ids = ports.cuts.project_cut_ids(account_id, project_id).await?;
    for cut_id in cut_ids {
        for job in ports.jobs.jobs_of(&cut_id).await? {
            ports.jobs.cancel_job(&job.id, now).await?;
        }
    }
    for asset_id in ports.assets.project_assets(account_id, project_id).await? {
        for job in ports.jobs.jobs_of(&asset_id).await? {
            ports.jobs.cancel_job(&job.id, now).await?;
        }
        for prefix in super::object_keys::asset_prefixes(&asset_id) {
            ports.objects.delete_prefix(&prefix).await?;
        }
    }
    if ports.projects.delete_project(account_id, project_id).await? { Ok(()) } else { Err(NOT_FOUND) }
}

fn to_dto(record: &ProjectRecord) -> Project {
    Project {
        id: record.id.clone(),
        name: record.name.clone(),
        state: record.state,
        created_at: record.created_at.to_rfc3339(),
        asset_count: record.asset_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::TestPlatform;
    use crate::domain::time::Timestamp;
    use futures_executor::block_on;

    fn alice() -> Principal {
        Principal { account_id: "acc_alice".to_owned(), key_id: "key_a".to_owned() }
    }

    fn first_page() -> Page {
        Page::parse(None, None).expect("page")
    }

    #[test]
    fn lifecycle_create_rename_archive_delete() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_alice", "acc_bob"]);
        let ports = platform.ports();
        let project = block_on(create(&ports, &alice(), "Launch video")).expect("create");
        assert_eq!(project.state, ProjectState::Active);

        let renamed = block_on(update(
            &ports,
            &alice(),
            &project.id,
            &UpdateProject { name: Some("Launch".into()), state: None },
        ))
        .expect("rename");
        assert_eq!((renamed.name.as_str(), renamed.state), ("Launch", ProjectState::Active));
        let archived = block_on(update(
            &ports,
            &alice(),
            &project.id,
            &UpdateProject { name: None, state: Some(ProjectState::Archived) },
        ))
        .expect("archive");
        assert_eq!((archived.name.as_str(), archived.state), ("Launch", ProjectState::Archived));

        block_on(delete(&ports, &alice(), &project.id)).expect("delete");
        assert_eq!(block_on(get(&ports, &alice(), &project.id)), Err(NOT_FOUND));
        assert_eq!(block_on(delete(&ports, &alice(), &project.id)), Err(NOT_FOUND));
    }

    #[test]
    fn lists_are_newest_first_filtered_and_paged() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_alice", "acc_bob"]);
        let ports = platform.ports();
        let mut ids = Vec::new();
        for (index, name) in ["a", "b", "c"].into_iter().enumerate() {
            platform.clock.set(Timestamp(1_000 + index as i64));
            ids.push(block_on(create(&ports, &alice(), name)).expect("create").id);
        }
        block_on(update(&ports, &alice(), &ids[1], &UpdateProject { name: None, state: Some(ProjectState::Archived) }))
            .expect("archive");

        let all = block_on(list(&ports, &alice(), ProjectFilter::default(), first_page())).expect("list");
        assert_eq!(all.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["c", "b", "a"]);
        let active =
            block_on(list(&ports, &alice(), ProjectFilter { state: Some(ProjectState::Active) }, first_page()))
                .expect("list");
        assert_eq!((active.total, active.items.len()), (2, 2));
        let second =
            block_on(list(&ports, &alice(), ProjectFilter::default(), Page::parse(Some(1), Some(1)).expect("page")))
                .expect("list");
        assert_eq!((second.total, second.items[0].name.as_str()), (3, "b"));
    }

    #[test]
    fn another_account_sees_nothing() {
        let platform = TestPlatform::default();
        platform.store.add_accounts(&["acc_alice", "acc_bob"]);
        let ports = platform.ports();
        let project = block_on(create(&ports, &alice(), "mine")).expect("create");
        let bob = Principal { account_id: "acc_bob".to_owned(), key_id: "key_b".to_owned() };
        assert_eq!(block_on(get(&ports, &bob, &project.id)), Err(NOT_FOUND));
        assert_eq!(block_on(update(&ports, &bob, &project.id, &UpdateProject::default())), Err(NOT_FOUND));
        assert_eq!(block_on(delete(&ports, &bob, &project.id)), Err(NOT_FOUND));
        assert_eq!(block_on(list(&ports, &bob, ProjectFilter::default(), first_page())).expect("list").total, 0);
    }
}
