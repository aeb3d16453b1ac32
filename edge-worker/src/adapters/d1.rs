//! The Worker's D1 binding as a `Sql` database (binds become JavaScript values, a batch is D1's
//! `batch()`, a transaction, and rows come back by column name), and the stores over it.

use async_trait::async_trait;
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Delay};

use super::platform::WorkerClock;
use crate::domain::StoreError;
use crate::domain::ports::jobs::JobQueue;
use crate::domain::ports::key_cache::KeyCache;
use crate::domain::ports::objects::Objects;
use crate::domain::ports::pipelines::PipelineStreams;
use crate::domain::ports::webhooks::DeliveryQueue;
use crate::domain::ports::{Log, Ports};
use crate::sql_store::SqlStore;
use crate::sql_store::retry;
use crate::sql_store::sql::{Answer, Sql, SqlValue, Statement};

/// The stores over the Worker's D1 binding.
pub type D1Store = SqlStore<D1Database>;

thread_local! {
    /// One per isolate, living as long as it: requests of the isolate share it.
    static KEY_CACHE: &'static KeyCache = Box::leak(Box::default());
}

/// This isolate's cache of verified keys.
pub fn isolate_key_cache() -> &'static KeyCache {
    KEY_CACHE.with(|cache| *cache)
}

/// The domain's ports over `store`, `queue` (of jobs and webhook deliveries), `objects`, the pipelines' `streams`, the Worker's
/// clock and `log`.
pub fn ports<'a, Q: JobQueue + DeliveryQueue>(
    store: &'a D1Store,
    queue: &'a Q,
    objects: &'a dyn Objects,
    streams: &'a dyn PipelineStreams,
    log: &'a dyn Log,
) -> Ports<'a> {
    Ports {
        accounts: store,
        keys: store,
        projects: store,
        ledger: store,
        assets: store,
        processing: store,
        jobs: store,
        queue,
        objects,
        cuts: store,
        renders: store,
        pipelines: store,
        streams,
        webhooks: store,
        deliveries: queue,
        idempotency: store,
        clock: &WorkerClock,
        log,
        key_cache: isolate_key_cache(),
    }
}

fn d1_error(error: worker::Error) -> StoreError {
    StoreError(format!("D1: {error}"))
}

fn js(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Text(text) => JsValue::from_str(text),
        // exact below 2^53 (see `SqlValue`)
        SqlValue::Integer(number) => JsValue::from_f64(*number as f64),
        SqlValue::Real(number) => JsValue::from_f64(*number),
    }
}

fn prepared(db: &D1Database, statement: &Statement) -> Result<D1PreparedStatement, StoreError> {
    let binds: Vec<JsValue> = statement.binds.iter().map(js).collect();
    db.prepare(&statement.sql).bind(&binds).map_err(d1_error)
}

fn answer(result: &D1Result) -> Result<Answer, StoreError> {
    let rows = result.results::<Map<String, Value>>().map_err(d1_error)?;
    let changes = result.meta().map_err(d1_error)?.and_then(|meta| meta.changes).unwrap_or(0);
    Ok(Answer { rows, changes })
}

/// `attempt` of `statements`, tried again after each of `retry::BACKOFF`'s waits while D1's
/// failure is one worth retrying.
async fn with_retries<T, F>(statements: &[Statement], attempt: impl Fn() -> F) -> Result<T, StoreError>
where
    F: Future<Output = Result<T, StoreError>>,
{
    let mut waits = retry::BACKOFF.iter();
    loop {
        match attempt().await {
            Err(error) if retry::worth_retrying(&error.0, statements) => match waits.next() {
                Some(wait) => Delay::from(*wait).await,
                None => return Err(error),
            },
            outcome => return outcome,
        }
    }
}

#[async_trait(?Send)]
impl Sql for D1Database {
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<Answer>, StoreError> {
        with_retries(&statements, || async {
            let prepared = statements.iter().map(|s| prepared(self, s)).collect::<Result<Vec<_>, _>>()?;
            let results = D1Database::batch(self, prepared).await.map_err(d1_error)?;
            results.iter().map(answer).collect()
        })
        .await
    }

    async fn run(&self, statement: Statement) -> Result<Answer, StoreError> {
        let statements = std::slice::from_ref(&statement);
        with_retries(statements, || async { answer(&prepared(self, &statement)?.all().await.map_err(d1_error)?) }).await
    }
}
