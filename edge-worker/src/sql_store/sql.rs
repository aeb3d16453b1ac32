//! The little of a SQL database the stores use: statements with positional binds, run alone or as
//! one atomic batch, answering rows and a change count. D1 implements it in the Worker; SQLite does
//! natively, so the stores' SQL is tested against the schema of the migrations (foreign keys on).

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::domain::StoreError;
use crate::domain::time::Timestamp;

/// A bound value. D1 passes numbers to SQLite as JavaScript numbers: integers are exact below
/// 2^53, which covers our millisecond times, sizes, counts and credits.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Text(String),
    Integer(i64),
    Real(f64),
}

pub fn text(value: &str) -> SqlValue {
    SqlValue::Text(value.to_owned())
}

pub fn optional_text(value: Option<&str>) -> SqlValue {
    value.map_or(SqlValue::Null, text)
}

pub const fn number(value: i64) -> SqlValue {
    SqlValue::Integer(value)
}

/// A size or count (far below `i64::MAX`).
pub fn size(value: u64) -> SqlValue {
    number(i64::try_from(value).unwrap_or(i64::MAX))
}

pub const fn real(value: f64) -> SqlValue {
    SqlValue::Real(value)
}

pub const fn time(value: Timestamp) -> SqlValue {
    number(value.0)
}

pub fn optional_time(at: Option<Timestamp>) -> SqlValue {
    at.map_or(SqlValue::Null, time)
}

/// `value` as an SQL string literal, for a condition shared by statements whose binds differ.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A SQL list of the names of `states`, for `state IN …`: `('pending', 'processing')`.
pub fn one_of(states: impl IntoIterator<Item = &'static str>) -> String {
    let quoted: Vec<String> = states.into_iter().map(|state| format!("'{state}'")).collect();
    format!("({})", quoted.join(", "))
}

/// One statement and its binds (`?1`, `?2`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<SqlValue>,
}

impl Statement {
    pub fn new(sql: &str, binds: &[SqlValue]) -> Self {
        Self { sql: sql.to_owned(), binds: binds.to_vec() }
    }
}

/// What a statement answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub rows: Vec<Map<String, Value>>,
    /// Rows an `INSERT`, `UPDATE` or `DELETE` changed.
    pub changes: usize,
}

impl Answer {
    /// The rows as `T`s (by column name).
    pub fn rows<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        self.rows.iter().map(|row| row_as(row)).collect()
    }

    pub fn first<T: DeserializeOwned>(&self) -> Result<Option<T>, StoreError> {
        self.rows.first().map(row_as).transpose()
    }
}

fn row_as<T: DeserializeOwned>(row: &Map<String, Value>) -> Result<T, StoreError> {
    serde_json::from_value(Value::Object(row.clone())).map_err(|e| StoreError(format!("a row: {e}")))
}

#[async_trait(?Send)]
pub trait Sql {
    /// Runs the statements in order in one transaction: all of them or none.
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Answer>, StoreError>;

    async fn run(&self, statement: Statement) -> Result<Answer, StoreError> {
        let mut answers = self.batch(vec![statement]).await?;
        answers.pop().ok_or_else(|| StoreError("a batch of one statement answered nothing".into()))
    }
}
