//! SQLite as the `Sql` port, for the native tests of the stores and the domain: an in-memory
//! database with the schema of `migrations/` applied in order and foreign keys enforced, as D1
//! enforces them, so the tests run the Worker's own statements.

use std::cell::RefCell;

use async_trait::async_trait;
use rusqlite::types::{Value as Column, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value};

use super::SqlStore;
use super::sql::{Answer, Sql, SqlValue, Statement, number, optional_text, size, text, time};
use crate::domain::StoreError;
use crate::domain::ports::AssetRecord;
use crate::domain::ports::jobs::JobRecord;
use crate::domain::ports::processing::EventRecord;
use roughcut_shared::assets::AssetType;

/// The migrations, in the order D1 applies them.
const MIGRATIONS: [&str; 9] = [
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_processing.sql"),
    include_str!("../../migrations/0003_cuts.sql"),
    include_str!("../../migrations/0004_one_live_per_signature.sql"),
    include_str!("../../migrations/0005_pipelines.sql"),
    include_str!("../../migrations/0006_pipeline_events_repeat.sql"),
    include_str!("../../migrations/0007_webhooks.sql"),
    include_str!("../../migrations/0008_idempotency_keys.sql"),
    include_str!("../../migrations/0009_idempotency_headers.sql"),
];

#[derive(Debug)]
pub struct Sqlite {
    connection: RefCell<Connection>,
    /// When set, every batch fails with this cause (to test how internal errors surface).
    failure: RefCell<Option<String>>,
}

impl Sqlite {
    pub fn migrated() -> Self {
        let connection = Connection::open_in_memory().expect("an in-memory SQLite");
        connection.pragma_update(None, "foreign_keys", true).expect("foreign keys on");
        for migration in MIGRATIONS {
            connection.execute_batch(migration).expect("a migration applies");
        }
        Self { connection: RefCell::new(connection), failure: RefCell::new(None) }
    }
}

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    // D1 words constraint failures as SQLite does ("FOREIGN KEY constraint failed", …)
    StoreError(format!("SQLite: {error}"))
}

fn bind(value: &SqlValue) -> Column {
    match value {
        SqlValue::Null => Column::Null,
        SqlValue::Text(text) => Column::Text(text.clone()),
        SqlValue::Integer(number) => Column::Integer(*number),
        SqlValue::Real(number) => Column::Real(*number),
    }
}

/// A column as D1 answers it in JSON: numbers, text, or null.
fn json(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(number) => Value::from(number),
        ValueRef::Real(number) => Value::from(number),
        ValueRef::Text(text) => Value::from(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => Value::from(bytes.to_vec()),
    }
}

fn run(connection: &Connection, statement: &Statement) -> Result<Answer, StoreError> {
    let mut prepared = connection.prepare(&statement.sql).map_err(sqlite_error)?;
    let names: Vec<String> = prepared.column_names().map(str::to_owned).collect();
    let writes = !prepared.readonly();
    let mut rows = prepared.query(params_from_iter(statement.binds.iter().map(bind))).map_err(sqlite_error)?;
    let mut answer = Answer::default();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        let mut object = Map::new();
        for (index, name) in names.iter().enumerate() {
            object.insert(name.clone(), json(row.get_ref(index).map_err(sqlite_error)?));
        }
        answer.rows.push(object);
    }
    drop(rows);
    // what D1's `meta.changes` says: the rows this statement wrote, triggers not counted
    answer.changes = if writes { usize::try_from(connection.changes()).unwrap_or(0) } else { 0 };
    Ok(answer)
}

#[async_trait(?Send)]
impl Sql for Sqlite {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Answer>, StoreError> {
        if let Some(cause) = &*self.failure.borrow() {
            return Err(StoreError(cause.clone()));
        }
        let mut connection = self.connection.borrow_mut();
        let transaction = connection.transaction().map_err(sqlite_error)?;
        let answers = statements.iter().map(|statement| run(&transaction, statement)).collect::<Result<Vec<_>, _>>()?;
        transaction.commit().map_err(sqlite_error)?;
        Ok(answers)
    }
}

impl Default for SqlStore<Sqlite> {
    fn default() -> Self {
        Self::new(Sqlite::migrated())
    }
}

/// What tests do to the store beyond its ports: fail it, read every row, and put records in the
/// states other flows would.
impl SqlStore<Sqlite> {
    pub fn fail_with(&self, cause: &str) {
        *self.sql.failure.borrow_mut() = Some(cause.to_owned());
    }

    /// Ends `fail_with`: the store answers again.
    pub fn recover(&self) {
        *self.sql.failure.borrow_mut() = None;
    }

    /// Every row of every table, as text: for asserting what must never be stored.
    pub fn dump(&self) -> String {
        let connection = self.sql.connection.borrow();
        let tables = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut names| names.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>())
            .expect("the tables");
        let mut dump = String::new();
        for table in tables {
            let answer = run(&connection, &Statement::new(&format!("SELECT * FROM \"{table}\""), &[])).expect("rows");
            dump.push_str(&format!("{table}: {:?}\n", answer.rows));
        }
        dump
    }

    /// Accounts named by tests, without the first key a sign-up mints.
    pub fn add_accounts(&self, ids: &[&str]) {
        for id in ids {
            let statement =
                Statement::new("INSERT INTO accounts (id, name, created_at) VALUES (?1, ?1, 0)", &[text(id)]);
            futures_executor::block_on(self.sql.run(statement)).expect("account");
        }
    }

    /// Every job row, in the order they were stored.
    pub fn jobs(&self) -> Vec<JobRecord> {
        futures_executor::block_on(self.jobs_where("1 ORDER BY rowid", &[])).expect("the jobs")
    }

    /// Overwrites what an asset's record says of its state, media, project and error.
    pub fn replace_asset(&self, asset: &AssetRecord) {
        let media = asset.media.as_ref().map(|media| serde_json::to_string(media).expect("media"));
        let statement = Statement::new(
            "UPDATE assets SET state = ?2, cuttable = ?3, type = ?4, duration_ms = ?5, media_json = ?6, \
             language = ?7, project_id = ?8, error_code = ?9 WHERE id = ?1",
            &[
                text(&asset.id),
                text(asset.state.as_str()),
                number(i64::from(asset.cuttable)),
                optional_text(asset.asset_type.map(AssetType::as_str)),
                asset.duration_ms.map_or(SqlValue::Null, size),
                optional_text(media.as_deref()),
                optional_text(asset.language.as_deref()),
                optional_text(asset.project_id.as_deref()),
                optional_text(asset.error_code.as_deref()),
            ],
        );
        assert_eq!(futures_executor::block_on(self.sql.run(statement)).expect("update").changes, 1, "{}", asset.id);
    }

    /// Records a terminal event as the stores of assets, cuts and renders do: once per id.
    pub fn record_terminal_event(&self, event: &EventRecord) {
        let statement = Statement::new(
            "INSERT OR IGNORE INTO events (id, account_id, type, entity_id, asset_id, data_json, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, json_object('entity_id', ?4, 'asset_id', ?5), ?6)",
            &[
                text(&event.id),
                text(&event.account_id),
                text(&event.event_type),
                text(&event.entity_id),
                optional_text(event.asset_id.as_deref()),
                time(event.created_at),
            ],
        );
        futures_executor::block_on(self.sql.run(statement)).expect("event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration added without its line above would leave the contract testing an old schema.
    #[test]
    fn every_migration_is_applied() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let files = std::fs::read_dir(dir).expect("migrations").filter_map(Result::ok);
        let sql = files.filter(|f| f.path().extension().is_some_and(|e| e == "sql")).count();
        assert_eq!(
            sql,
            MIGRATIONS.len(),
            "edge-worker/migrations has {sql} files, the SQLite schema applies {}",
            MIGRATIONS.len()
        );
    }
}
