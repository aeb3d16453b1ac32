//! SQLite as the `Sql` port, for the native tests of the stores: an in-memory database with the
//! schema of `migrations/` applied in order and foreign keys enforced, as D1 enforces them.

use std::cell::RefCell;

use async_trait::async_trait;
use rusqlite::types::{Value as Column, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value};

use super::sql::{Answer, Sql, SqlValue, Statement};
use crate::domain::StoreError;

/// The migrations, in the order D1 applies them.
const MIGRATIONS: [&str; 8] = [
    include_str!("../../migrations/0001_initial.sql"),
    include_str!("../../migrations/0002_processing.sql"),
    include_str!("../../migrations/0003_cuts.sql"),
    include_str!("../../migrations/0004_one_live_per_signature.sql"),
    include_str!("../../migrations/0005_pipelines.sql"),
    include_str!("../../migrations/0006_pipeline_events_repeat.sql"),
    include_str!("../../migrations/0007_webhooks.sql"),
    include_str!("../../migrations/0008_idempotency_keys.sql"),
];

#[derive(Debug)]
pub struct Sqlite(RefCell<Connection>);

impl Sqlite {
    pub fn migrated() -> Self {
        let connection = Connection::open_in_memory().expect("an in-memory SQLite");
        connection.pragma_update(None, "foreign_keys", true).expect("foreign keys on");
        for migration in MIGRATIONS {
            connection.execute_batch(migration).expect("a migration applies");
        }
        Self(RefCell::new(connection))
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
        let mut connection = self.0.borrow_mut();
        let transaction = connection.transaction().map_err(sqlite_error)?;
        let answers = statements.iter().map(|statement| run(&transaction, statement)).collect::<Result<Vec<_>, _>>()?;
        transaction.commit().map_err(sqlite_error)?;
        Ok(answers)
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
