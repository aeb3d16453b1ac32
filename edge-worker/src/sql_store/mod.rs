//! The store ports over a SQL database: D1 in the Worker (`adapters::d1`), SQLite in the native
//! tests, both with the schema of `migrations/`. All SQL of the worker lives here; every statement
//! is scoped by `account_id`, and every guarded write is a single statement (SQLite runs it
//! atomically) or one batch (a transaction), since D1 has no interactive transactions.

mod cuts;
mod idempotency;
mod pipelines;
mod processing;
mod renders;
pub mod retry;
pub mod sql;
#[cfg(test)]
pub mod sqlite;
mod webhooks;

use async_trait::async_trait;
use roughcut_shared::assets::{AssetState, AssetType};
use roughcut_shared::credits::{Balance, LedgerEntryType};
use roughcut_shared::projects::ProjectState;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::StoreError;
use crate::domain::object_keys::Owner;
use crate::domain::page::{Listed, Page};
use crate::domain::ports::UploadEnding;
use crate::domain::ports::{
    AccountRecord, AccountStore, ApiKeyRecord, ApiKeyStore, AppendOutcome, AssetFilter, AssetRecord, AssetStore,
    LedgerRecord, LedgerStore, ProjectChanges, ProjectFilter, ProjectRecord, ProjectStore, UPLOAD_ENDED_CODES,
    UploadEnd, UploadPurpose, UploadRecord,
};
use crate::domain::time::Timestamp;
use sql::{Sql, SqlValue, Statement, number, one_of, optional_text, size, text, time};

/// The stores over a SQL database: D1 in the Worker, SQLite in the native tests.
#[derive(Debug)]
pub struct SqlStore<S> {
    sql: S,
}

impl<S: Sql> SqlStore<S> {
    pub const fn new(sql: S) -> Self {
        Self { sql }
    }

    fn statement(&self, sql: &str, binds: &[SqlValue]) -> Statement {
        Statement::new(sql, binds)
    }

    async fn execute(&self, sql: &str, binds: &[SqlValue]) -> Result<usize, StoreError> {
        Ok(self.sql.run(Statement::new(sql, binds)).await?.changes)
    }

    async fn first<T: DeserializeOwned>(&self, sql: &str, binds: &[SqlValue]) -> Result<Option<T>, StoreError> {
        self.sql.run(Statement::new(sql, binds)).await?.first()
    }

    /// The `id` column of every row `sql` selects.
    async fn ids(&self, sql: &str, binds: &[SqlValue]) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows = self.sql.run(Statement::new(sql, binds)).await?.rows::<Id>()?;
        Ok(rows.into_iter().map(|row| row.id).collect())
    }

    /// A page of rows and the count of all matches, read in one batch (one snapshot).
    async fn page<T: DeserializeOwned>(
        &self,
        rows_sql: &str,
        count_sql: &str,
        binds: &[SqlValue],
        page: Page,
    ) -> Result<Listed<T>, StoreError> {
        let mut row_binds = binds.to_vec();
        row_binds.push(number(i64::from(page.limit)));
        row_binds.push(number(i64::try_from(page.offset).unwrap_or(i64::MAX)));
        let statements = vec![Statement::new(rows_sql, &row_binds), Statement::new(count_sql, binds)];
        let answers = self.sql.batch(statements).await?;
        let [rows, count] = answers.as_slice() else {
            return Err(StoreError(format!("batch returned {} results for 2 statements", answers.len())));
        };
        let items = rows.rows::<T>()?;
        let total = count.first::<CountRow>()?.map_or(0, |row| row.total);
        Ok(Listed { items, total })
    }
}

/// The insert of an asset made from another (a cut's captions, a pipeline's render): `source` is
/// the SQL of the source asset's id, and `made_by` the `FROM … WHERE …` (or `WHERE …`) that
/// makes it exist only with what made it, its binds numbered from `?12`.
fn derived_asset(asset: &AssetRecord, source: &str, made_by: &str, made_by_binds: &[SqlValue]) -> Statement {
    let mut binds = vec![
        text(&asset.id),
        text(&asset.account_id),
        optional_text(asset.project_id.as_deref()),
        optional_text(asset.asset_type.map(AssetType::as_str)),
        optional_text(asset.filename.as_deref()),
        optional_text(asset.extension.as_deref()),
        optional_text(asset.content_type.as_deref()),
        optional_text(asset.language.as_deref()),
        number(asset.size_bytes.map_or(0, |size| i64::try_from(size).unwrap_or(i64::MAX))),
        optional_text(asset.object_key.as_deref()),
        time(asset.created_at),
    ];
    binds.extend_from_slice(made_by_binds);
    Statement::new(
        &format!(
            "INSERT INTO assets (id, account_id, project_id, type, state, cuttable, filename, extension, \
             content_type, language, size_bytes, object_key, source_asset_id, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, 'ready', 0, ?5, ?6, ?7, ?8, ?9, ?10, {source}, ?11, ?11 {made_by}"
        ),
        &binds,
    )
}

#[derive(Deserialize)]
struct CountRow {
    total: u64,
}

#[derive(Deserialize)]
struct ApiKeyRow {
    id: String,
    account_id: String,
    name: String,
    prefix: String,
    key_hash: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl From<ApiKeyRow> for ApiKeyRecord {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            prefix: row.prefix,
            key_hash: row.key_hash,
            created_at: Timestamp(row.created_at),
            last_used_at: row.last_used_at.map(Timestamp),
            revoked_at: row.revoked_at.map(Timestamp),
        }
    }
}

const API_KEY_COLUMNS: &str = "id, account_id, name, prefix, key_hash, created_at, last_used_at, revoked_at";

fn insert_key_statement<S: Sql>(store: &SqlStore<S>, key: &ApiKeyRecord) -> Statement {
    store.statement(
        "INSERT INTO api_keys (id, account_id, name, prefix, key_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            text(&key.id),
            text(&key.account_id),
            text(&key.name),
            text(&key.prefix),
            text(&key.key_hash),
            time(key.created_at),
        ],
    )
}

#[async_trait(?Send)]
impl<S: Sql> AccountStore for SqlStore<S> {
    async fn create_account(&self, account: &AccountRecord, first_key: &ApiKeyRecord) -> Result<(), StoreError> {
        let statements = vec![
            self.statement(
                "INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)",
                &[text(&account.id), text(&account.name), time(account.created_at)],
            ),
            insert_key_statement(self, first_key),
        ];
        self.sql.batch(statements).await?;
        Ok(())
    }
}

#[async_trait(?Send)]
impl<S: Sql> ApiKeyStore for SqlStore<S> {
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.sql.run(insert_key_statement(self, key)).await?;
        Ok(())
    }

    async fn key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?1");
        Ok(self.first::<ApiKeyRow>(&sql, &[text(key_hash)]).await?.map(Into::into))
    }

    async fn list_keys(&self, account_id: &str, page: Page) -> Result<Listed<ApiKeyRecord>, StoreError> {
        let rows_sql = format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE account_id = ?1 ORDER BY created_at, id LIMIT ?2 OFFSET ?3"
        );
        let listed = self
            .page::<ApiKeyRow>(
                &rows_sql,
                "SELECT COUNT(*) AS total FROM api_keys WHERE account_id = ?1",
                &[text(account_id)],
                page,
            )
            .await?;
        Ok(listed.map(Into::into))
    }

    async fn revoke_key(&self, account_id: &str, key_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        // SQLite counts a matched row as changed even when COALESCE keeps the old value, so the
        // count says "exists", and a second revoke keeps the first time.
        let changed = self
            .execute(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3) WHERE id = ?1 AND account_id = ?2",
                &[text(key_id), text(account_id), time(at)],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn mark_key_used(&self, key_id: &str, at: Timestamp, unless_after: Timestamp) -> Result<(), StoreError> {
        self.execute(
            "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
            &[text(key_id), time(at), time(unless_after)],
        )
        .await?;
        Ok(())
    }
}

#[derive(Deserialize)]
struct ProjectRow {
    id: String,
    account_id: String,
    name: String,
    state: String,
    created_at: i64,
    asset_count: u64,
}

impl TryFrom<ProjectRow> for ProjectRecord {
    type Error = StoreError;

    fn try_from(row: ProjectRow) -> Result<Self, StoreError> {
        let state = ProjectState::parse(&row.state)
            .ok_or_else(|| StoreError(format!("project {} has state {}", row.id, row.state)))?;
        Ok(Self {
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            state,
            created_at: Timestamp(row.created_at),
            asset_count: row.asset_count,
        })
    }
}

/// Whether asset `a` is an uploaded recording, not the output of a cut or a pipeline (a macro,
/// so that constant SQL can include it).
macro_rules! recording_sql {
    () => {
        "(a.type IS NULL OR a.type IN ('video', 'audio'))"
    };
}
const RECORDING: &str = recording_sql!();

/// Projects with their count of live recordings.
const PROJECT_SELECT: &str = concat!(
    "SELECT p.id, p.account_id, p.name, p.state, p.created_at, \
     (SELECT COUNT(*) FROM assets a WHERE a.project_id = p.id AND a.state <> 'deleted' AND ",
    recording_sql!(),
    ") AS asset_count FROM projects p"
);

#[async_trait(?Send)]
impl<S: Sql> ProjectStore for SqlStore<S> {
    async fn insert_project(&self, project: &ProjectRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO projects (id, account_id, name, state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            &[text(&project.id), text(&project.account_id), text(&project.name), text(project.state.as_str()), time(project.created_at)],
        )
        .await?;
        Ok(())
    }

    async fn project(&self, account_id: &str, project_id: &str) -> Result<Option<ProjectRecord>, StoreError> {
        let sql = format!("{PROJECT_SELECT} WHERE p.id = ?1 AND p.account_id = ?2");
        self.first::<ProjectRow>(&sql, &[text(project_id), text(account_id)]).await?.map(TryInto::try_into).transpose()
    }

    async fn list_projects(
        &self,
        account_id: &str,
        filter: ProjectFilter,
        page: Page,
    ) -> Result<Listed<ProjectRecord>, StoreError> {
        let matches = "p.account_id = ?1 AND (?2 IS NULL OR p.state = ?2)";
        let rows_sql =
            format!("{PROJECT_SELECT} WHERE {matches} ORDER BY p.created_at DESC, p.id DESC LIMIT ?3 OFFSET ?4");
        let count_sql = format!("SELECT COUNT(*) AS total FROM projects p WHERE {matches}");
        let binds = [text(account_id), optional_text(filter.state.map(ProjectState::as_str))];
        let listed = self.page::<ProjectRow>(&rows_sql, &count_sql, &binds, page).await?;
        listed.try_map(TryInto::try_into)
    }

    async fn update_project(
        &self,
        account_id: &str,
        project_id: &str,
        changes: &ProjectChanges,
        at: Timestamp,
    ) -> Result<Option<ProjectRecord>, StoreError> {
        self.execute(
            "UPDATE projects SET name = COALESCE(?3, name), state = COALESCE(?4, state), updated_at = ?5 WHERE id = ?1 AND account_id = ?2",
            &[text(project_id), text(account_id), optional_text(changes.name.as_deref()), optional_text(changes.state.map(ProjectState::as_str)), time(at)],
        )
        .await?;
        self.project(account_id, project_id).await
    }

    /// The project and everything under it, in one transaction (the bytes are purged later).
    async fn delete_project(&self, account_id: &str, project_id: &str) -> Result<bool, StoreError> {
        let binds = [text(project_id), text(account_id)];
        // children before parents, as the foreign keys want; one batch, so all or nothing
        let of_assets = "asset_id IN (SELECT id FROM assets WHERE project_id = ?1 AND account_id = ?2)";
        let of_inputs = of_assets.replacen("asset_id", "input_asset_id", 1);
        let statements = vec![
            // their steps and events go with them (ON DELETE CASCADE)
            self.statement(&format!("DELETE FROM pipelines WHERE {of_inputs}"), &binds),
            self.statement(&format!("DELETE FROM renders WHERE {of_assets}"), &binds),
            self.statement(&format!("DELETE FROM cuts WHERE {of_assets}"), &binds),
            self.statement(&format!("DELETE FROM uploads WHERE {of_assets}"), &binds),
            self.statement("DELETE FROM assets WHERE project_id = ?1 AND account_id = ?2", &binds),
            self.statement("DELETE FROM projects WHERE id = ?1 AND account_id = ?2", &binds),
        ];
        let results = self.sql.batch(statements).await?;
        Ok(results.last().map(|answer| answer.changes).unwrap_or(0) > 0)
    }
}

#[derive(Deserialize)]
struct AssetRow {
    id: String,
    account_id: String,
    project_id: Option<String>,
    #[serde(rename = "type")]
    asset_type: Option<String>,
    state: String,
    state_before_delete: Option<String>,
    cuttable: i64,
    filename: Option<String>,
    extension: Option<String>,
    content_type: Option<String>,
    language: Option<String>,
    size_bytes: Option<u64>,
    duration_ms: Option<u64>,
    media_json: Option<String>,
    object_key: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: i64,
    deleted_at: Option<i64>,
    transcript_key: Option<String>,
    open_upload_id: Option<String>,
}

impl TryFrom<AssetRow> for AssetRecord {
    type Error = StoreError;

    fn try_from(row: AssetRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError(format!("asset {} has {what}", row.id));
        let state = AssetState::parse(&row.state).ok_or_else(|| corrupt("an unknown state"))?;
        let state_before_delete = row
            .state_before_delete
            .as_deref()
            .map(|s| AssetState::parse(s).ok_or_else(|| corrupt("an unknown previous state")))
            .transpose()?;
        let asset_type = row
            .asset_type
            .as_deref()
            .map(|t| AssetType::parse(t).ok_or_else(|| corrupt("an unknown type")))
            .transpose()?;
        let media = row
            .media_json
            .as_deref()
            .map(|json| serde_json::from_str(json).map_err(|e| corrupt(&format!("unreadable media: {e}"))))
            .transpose()?;
        Ok(Self {
            id: row.id,
            account_id: row.account_id,
            project_id: row.project_id,
            asset_type,
            state,
            state_before_delete,
            cuttable: row.cuttable != 0,
            filename: row.filename,
            extension: row.extension,
            content_type: row.content_type,
            language: row.language,
            size_bytes: row.size_bytes,
            duration_ms: row.duration_ms,
            media,
            object_key: row.object_key,
            error_code: row.error_code,
            error_message: row.error_message,
            created_at: Timestamp(row.created_at),
            deleted_at: row.deleted_at.map(Timestamp),
            transcript_key: row.transcript_key,
            open_upload_id: row.open_upload_id,
        })
    }
}

const ASSET_SELECT: &str = "SELECT a.id, a.account_id, a.project_id, a.type, a.state, a.state_before_delete, \
     a.cuttable, a.filename, a.extension, a.content_type, a.language, a.size_bytes, a.duration_ms, a.media_json, \
     a.object_key, a.error_code, a.error_message, a.created_at, a.deleted_at, a.transcript_key, \
     (SELECT u.id FROM uploads u WHERE u.asset_id = a.id AND u.state = 'open' AND u.purpose = 'source' \
      ORDER BY u.created_at DESC LIMIT 1) AS open_upload_id \
     FROM assets a";

#[derive(Deserialize)]
struct UploadRow {
    id: String,
    account_id: String,
    asset_id: String,
    purpose: String,
    upload_length: u64,
    object_key: String,
    created_at: i64,
    expires_at: i64,
    /// `Upload-Metadata` as sent (a TUS header, despite the column's name).
    metadata_json: Option<String>,
}

impl TryFrom<UploadRow> for UploadRecord {
    type Error = StoreError;

    fn try_from(row: UploadRow) -> Result<Self, StoreError> {
        let purpose = match row.purpose.as_str() {
            "source" => UploadPurpose::Source,
            "audio_proxy" => UploadPurpose::AudioProxy,
            other => return Err(StoreError(format!("upload {} has purpose {other}", row.id))),
        };
        Ok(Self {
            id: row.id,
            account_id: row.account_id,
            asset_id: row.asset_id,
            purpose,
            length: row.upload_length,
            object_key: row.object_key,
            created_at: Timestamp(row.created_at),
            expires_at: Timestamp(row.expires_at),
            metadata: row.metadata_json,
        })
    }
}

#[async_trait(?Send)]
impl<S: Sql> AssetStore for SqlStore<S> {
    async fn insert_asset(&self, asset: &AssetRecord, upload: &UploadRecord) -> Result<(), StoreError> {
        let size_bytes = asset.size_bytes.map_or(SqlValue::Null, size);
        let statements = vec![
            self.statement(
                "INSERT INTO assets (id, account_id, project_id, type, state, cuttable, filename, extension, content_type, \
                 language, size_bytes, object_key, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                &[
                    text(&asset.id),
                    text(&asset.account_id),
                    optional_text(asset.project_id.as_deref()),
                    optional_text(asset.asset_type.map(AssetType::as_str)),
                    text(asset.state.as_str()),
                    optional_text(asset.filename.as_deref()),
                    optional_text(asset.extension.as_deref()),
                    optional_text(asset.content_type.as_deref()),
                    optional_text(asset.language.as_deref()),
                    size_bytes,
                    optional_text(asset.object_key.as_deref()),
                    time(asset.created_at),
                ],
            ),
            self.statement(
                "INSERT INTO uploads (id, account_id, asset_id, purpose, state, upload_length, object_key, created_at, \
                 expires_at, metadata_json) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8, ?9)",
                &[
                    text(&upload.id),
                    text(&upload.account_id),
                    text(&upload.asset_id),
                    text(upload.purpose.as_str()),
                    size(upload.length),
                    text(&upload.object_key),
                    time(upload.created_at),
                    time(upload.expires_at),
                    optional_text(upload.metadata.as_deref()),
                ],
            ),
        ];
        self.sql.batch(statements).await?;
        Ok(())
    }

    async fn asset(&self, account_id: &str, asset_id: &str) -> Result<Option<AssetRecord>, StoreError> {
        let sql = format!("{ASSET_SELECT} WHERE a.id = ?1 AND a.account_id = ?2");
        self.first::<AssetRow>(&sql, &[text(asset_id), text(account_id)]).await?.map(TryInto::try_into).transpose()
    }

    async fn list_assets(
        &self,
        account_id: &str,
        filter: &AssetFilter,
        page: Page,
    ) -> Result<Listed<AssetRecord>, StoreError> {
        let upload_ended = one_of(UPLOAD_ENDED_CODES);
        let matches = format!(
            "a.account_id = ?1 AND (?2 IS NULL OR a.project_id = ?2) \
             AND ((?3 IS NULL AND a.state <> 'deleted') OR a.state IN (SELECT value FROM json_each(?3))) \
             AND (?4 IS NULL OR a.type = ?4) \
             AND (?5 IS NULL OR a.state <> 'failed' OR (COALESCE(a.error_code, '') IN {upload_ended}) = ?5) \
             AND (?6 = 0 OR {RECORDING})"
        );
        let rows_sql =
            format!("{ASSET_SELECT} WHERE {matches} ORDER BY a.created_at DESC, a.id DESC LIMIT ?7 OFFSET ?8");
        let count_sql = format!("SELECT COUNT(*) AS total FROM assets a WHERE {matches}");
        let binds = [
            text(account_id),
            optional_text(filter.project_id.as_deref()),
            if filter.states.is_empty() {
                SqlValue::Null
            } else {
                text(&serde_json::to_string(&filter.states).map_err(|e| StoreError(format!("states: {e}")))?)
            },
            optional_text(filter.asset_type.map(AssetType::as_str)),
            filter.failed_upload_ended.map_or(SqlValue::Null, |ended| number(i64::from(ended))),
            number(i64::from(filter.recordings_only)),
        ];
        self.page::<AssetRow>(&rows_sql, &count_sql, &binds, page).await?.try_map(TryInto::try_into)
    }

    async fn project_assets(&self, account_id: &str, project_id: &str) -> Result<Vec<String>, StoreError> {
        self.ids(
            "SELECT id FROM assets WHERE project_id = ?1 AND account_id = ?2",
            &[text(project_id), text(account_id)],
        )
        .await
    }

    async fn delete_asset(&self, account_id: &str, asset_id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                "UPDATE assets SET state_before_delete = state, state = 'deleted', deleted_at = ?3, updated_at = ?3 \
                 WHERE id = ?1 AND account_id = ?2 AND state <> 'deleted'",
                &[text(asset_id), text(account_id), time(at)],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn restore_asset(
        &self,
        account_id: &str,
        asset_id: &str,
        deleted_since: Timestamp,
    ) -> Result<bool, StoreError> {
        // An asset deleted while its upload was open comes back where that upload is: still
        // open (untouched meanwhile), completed by a chunk under way at the delete (processed
        // now), or ended (failed, as it would have without the delete). SET reads the old row.
        let upload_in = |state: &str| {
            format!(
                "EXISTS (SELECT 1 FROM uploads u WHERE u.asset_id = assets.id AND u.purpose = 'source' \
                 AND u.state = '{state}')"
            )
        };
        let before = "COALESCE(state_before_delete, 'pending_upload')";
        let (open, completed, expired) = (upload_in("open"), upload_in("completed"), upload_in("expired"));
        let as_it_was = format!("{before} <> 'pending_upload' OR {open}");
        let sql = format!(
            "UPDATE assets SET \
             state = CASE WHEN {as_it_was} THEN {before} WHEN {completed} THEN 'processing' ELSE 'failed' END, \
             error_code = CASE WHEN {as_it_was} OR {completed} THEN error_code \
             WHEN {expired} THEN 'upload_expired' ELSE 'upload_cancelled' END, \
             error_message = CASE WHEN {as_it_was} OR {completed} THEN error_message \
             ELSE 'The upload ended before its last byte arrived.' END, \
             state_before_delete = NULL, deleted_at = NULL \
             WHERE id = ?1 AND account_id = ?2 AND state = 'deleted' AND deleted_at > ?3"
        );
        let changed = self.execute(&sql, &[text(asset_id), text(account_id), time(deleted_since)]).await?;
        Ok(changed > 0)
    }

    async fn upload(&self, upload_id: &str) -> Result<Option<UploadRecord>, StoreError> {
        self.first::<UploadRow>(
            "SELECT id, account_id, asset_id, purpose, upload_length, object_key, created_at, expires_at, metadata_json \
             FROM uploads WHERE id = ?1",
            &[text(upload_id)],
        )
        .await?
        .map(TryInto::try_into)
        .transpose()
    }

    /// One transaction; each statement is guarded by the state it changes, so a repeat is a no-op.
    async fn end_upload(&self, ending: &UploadEnding<'_>) -> Result<(), StoreError> {
        let UploadEnding { upload_id, asset_id, purpose, end, size_bytes, at, event_id } = *ending;
        let (upload_state, asset_sql, asset_binds): (&str, &str, Vec<SqlValue>) = match end {
            UploadEnd::Completed { asset_type, .. } => (
                "completed",
                "UPDATE assets SET state = 'processing', type = ?2, size_bytes = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND state = 'pending_upload'",
                vec![text(asset_id), text(asset_type.as_str()), size(size_bytes), time(at)],
            ),
            UploadEnd::Rejected { error_code, error_message } => (
                "terminated",
                "UPDATE assets SET state = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4 \
                 WHERE id = ?1 AND state = 'pending_upload'",
                vec![text(asset_id), text(error_code), text(error_message), time(at)],
            ),
            UploadEnd::Expired => (
                "expired",
                "UPDATE assets SET state = 'failed', error_code = 'upload_expired', \
                 error_message = 'The upload expired before its last byte arrived.', updated_at = ?2 \
                 WHERE id = ?1 AND state = 'pending_upload'",
                vec![text(asset_id), time(at)],
            ),
            UploadEnd::Terminated => (
                "terminated",
                "UPDATE assets SET state_before_delete = state, state = 'deleted', deleted_at = ?2, updated_at = ?2 \
                 WHERE id = ?1 AND state = 'pending_upload'",
                vec![text(asset_id), time(at)],
            ),
        };
        let mut statements = vec![self.statement(
            "UPDATE uploads SET state = ?2, upload_offset = ?3, completed_at = ?4 WHERE id = ?1 AND state = 'open'",
            &[text(upload_id), text(upload_state), size(size_bytes), time(at)],
        )];
        // an audio proxy's end leaves its asset alone: the video upload goes on
        if purpose == UploadPurpose::Source {
            statements.push(self.statement(asset_sql, &asset_binds));
            // a rejected or expired upload fails its asset: a terminal event, as processing's
            statements.push(self.statement(processing::ASSET_EVENT_SQL, &[text(event_id), time(at), text(asset_id)]));
        }
        self.sql.batch(statements).await?;
        Ok(())
    }

    /// One guarded statement: the insert happens only while the asset has no proxy upload open or
    /// completed (a completed proxy was charged for its duration; a second one would replace it free).
    async fn insert_proxy_upload(&self, upload: &UploadRecord) -> Result<bool, StoreError> {
        let statements = vec![
            self.statement(
                "INSERT INTO uploads (id, account_id, asset_id, purpose, state, upload_length, object_key, created_at, \
                 expires_at) SELECT ?1, ?2, ?3, 'audio_proxy', 'open', ?4, ?5, ?6, ?7 WHERE NOT EXISTS \
                 (SELECT 1 FROM uploads WHERE asset_id = ?3 AND purpose = 'audio_proxy' AND state IN ('open', 'completed'))",
                &[
                    text(&upload.id),
                    text(&upload.account_id),
                    text(&upload.asset_id),
                    size(upload.length),
                    text(&upload.object_key),
                    time(upload.created_at),
                    time(upload.expires_at),
                ],
            ),
            self.statement(
                "UPDATE assets SET proxy_upload_id = ?1 WHERE id = ?2 AND EXISTS (SELECT 1 FROM uploads WHERE id = ?1)",
                &[text(&upload.id), text(&upload.asset_id)],
            ),
        ];
        let results = self.sql.batch(statements).await?;
        Ok(results.first().map(|answer| answer.changes).unwrap_or(0) > 0)
    }

    async fn record_asset_type(&self, asset_id: &str, asset_type: AssetType) -> Result<(), StoreError> {
        self.execute(
            "UPDATE assets SET type = ?2 WHERE id = ?1 AND state = 'pending_upload'",
            &[text(asset_id), text(asset_type.as_str())],
        )
        .await?;
        Ok(())
    }

    async fn touch_upload(&self, upload_id: &str, offset: u64, expires_at: Timestamp) -> Result<(), StoreError> {
        self.execute(
            "UPDATE uploads SET upload_offset = ?2, expires_at = ?3 WHERE id = ?1 AND state = 'open'",
            &[text(upload_id), size(offset), time(expires_at)],
        )
        .await?;
        Ok(())
    }

    async fn purgeable_assets(
        &self,
        deleted_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        #[derive(Deserialize)]
        struct Purgeable {
            id: String,
            object_key: String,
        }
        let statement = Statement::new(
            "SELECT id, object_key FROM assets WHERE state = 'deleted' AND deleted_at < ?1 \
             AND object_key IS NOT NULL ORDER BY deleted_at LIMIT ?2",
            &[time(deleted_before), number(i64::from(limit))],
        );
        let rows = self.sql.run(statement).await?.rows::<Purgeable>()?;
        Ok(rows.into_iter().map(|row| (row.id, row.object_key)).collect())
    }

    async fn presents_a_file_under(&self, prefix: &str) -> Result<bool, StoreError> {
        // an exact prefix: LIKE would read the ids' underscores as wildcards
        let found = self
            .ids(
                "SELECT id FROM assets WHERE object_key IS NOT NULL \
                 AND substr(object_key, 1, length(?1)) = ?1 LIMIT 1",
                &[text(prefix)],
            )
            .await?;
        Ok(!found.is_empty())
    }

    async fn is_live(&self, owner: Owner<'_>) -> Result<bool, StoreError> {
        let found = match owner {
            Owner::Asset(id) => {
                self.ids("SELECT id FROM assets WHERE id = ?1 AND state <> 'deleted'", &[text(id)]).await?
            }
            Owner::Render(id) => {
                self.ids(
                    "SELECT r.id FROM renders r JOIN assets a ON a.id = r.asset_id \
                     WHERE r.id = ?1 AND a.state <> 'deleted'",
                    &[text(id)],
                )
                .await?
            }
        };
        Ok(!found.is_empty())
    }

    async fn mark_purged(&self, asset_id: &str) -> Result<(), StoreError> {
        self.execute("UPDATE assets SET object_key = NULL WHERE id = ?1 AND state = 'deleted'", &[text(asset_id)])
            .await?;
        Ok(())
    }

    async fn expiring_uploads(&self, now: Timestamp, limit: u32) -> Result<Vec<String>, StoreError> {
        self.ids(
            "SELECT id FROM uploads WHERE state = 'open' AND expires_at < ?1 ORDER BY expires_at LIMIT ?2",
            &[time(now), number(i64::from(limit))],
        )
        .await
    }
}

#[derive(Deserialize)]
struct LedgerRow {
    id: String,
    account_id: String,
    #[serde(rename = "type")]
    entry_type: String,
    delta: i64,
    asset_id: Option<String>,
    pipeline_id: Option<String>,
    hold_id: Option<String>,
    memo: Option<String>,
    created_at: i64,
}

impl TryFrom<LedgerRow> for LedgerRecord {
    type Error = StoreError;

    fn try_from(row: LedgerRow) -> Result<Self, StoreError> {
        let entry_type = LedgerEntryType::parse(&row.entry_type)
            .ok_or_else(|| StoreError(format!("ledger entry {} has type {}", row.id, row.entry_type)))?;
        Ok(Self {
            id: row.id,
            account_id: row.account_id,
            entry_type,
            delta: row.delta,
            asset_id: row.asset_id,
            pipeline_id: row.pipeline_id,
            hold_id: row.hold_id,
            memo: row.memo,
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(Deserialize)]
struct BalanceRow {
    balance: i64,
    reserved: i64,
}

#[async_trait(?Send)]
impl<S: Sql> LedgerStore for SqlStore<S> {
    async fn append_entry(&self, entry: &LedgerRecord) -> Result<AppendOutcome, StoreError> {
        // One INSERT … SELECT … WHERE: the guard and the write are one SQLite statement, so no
        // concurrent append can slip between the check and the insert.
        let inserted = self
            .execute(
                "INSERT INTO ledger_entries (id, account_id, type, delta, asset_id, pipeline_id, hold_id, memo, created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 \
                 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?2) \
                   AND (?4 >= 0 OR (SELECT COALESCE(SUM(delta), 0) FROM ledger_entries WHERE account_id = ?2) + ?4 >= 0)",
                &[
                    text(&entry.id),
                    text(&entry.account_id),
                    text(entry.entry_type.as_str()),
                    number(entry.delta),
                    optional_text(entry.asset_id.as_deref()),
                    optional_text(entry.pipeline_id.as_deref()),
                    optional_text(entry.hold_id.as_deref()),
                    optional_text(entry.memo.as_deref()),
                    time(entry.created_at),
                ],
            )
            .await?;
        if inserted > 0 {
            return Ok(AppendOutcome::Appended);
        }
        let account = self
            .first::<CountRow>("SELECT COUNT(*) AS total FROM accounts WHERE id = ?1", &[text(&entry.account_id)])
            .await?;
        Ok(if account.is_some_and(|row| row.total > 0) {
            AppendOutcome::WouldOverdraw
        } else {
            AppendOutcome::NoAccount
        })
    }

    async fn balance(&self, account_id: &str) -> Result<Balance, StoreError> {
        let row = self
            .first::<BalanceRow>(
                "SELECT COALESCE(SUM(CASE WHEN type IN ('hold', 'release') THEN 0 ELSE delta END), 0) AS balance, \
                        COALESCE(-SUM(CASE WHEN type IN ('hold', 'release') THEN delta ELSE 0 END), 0) AS reserved \
                 FROM ledger_entries WHERE account_id = ?1",
                &[text(account_id)],
            )
            .await?
            .unwrap_or(BalanceRow { balance: 0, reserved: 0 });
        Ok(Balance { balance: row.balance, reserved: row.reserved, available: row.balance - row.reserved })
    }

    async fn history(&self, account_id: &str, page: Page) -> Result<Listed<LedgerRecord>, StoreError> {
        let listed = self
            .page::<LedgerRow>(
                "SELECT id, account_id, type, delta, asset_id, pipeline_id, hold_id, memo, created_at FROM ledger_entries \
                 WHERE account_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3",
                "SELECT COUNT(*) AS total FROM ledger_entries WHERE account_id = ?1",
                &[text(account_id)],
                page,
            )
            .await?;
        listed.try_map(TryInto::try_into)
    }
}
