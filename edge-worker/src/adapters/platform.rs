//! The clock, the log and the settings of a Worker.

use worker::Env;

use crate::domain::ports::{Clock, Log};
use crate::domain::time::Timestamp;
use crate::domain::uploads::tus::UPLOAD_TTL_MS;

/// How long uploads live after their last PATCH: `UPLOAD_TTL_SECONDS` when set (the tests
/// shorten it), else TUS's 24 hours.
pub fn upload_ttl_ms(env: &Env) -> i64 {
    env.var("UPLOAD_TTL_SECONDS")
        .ok()
        .and_then(|value| value.to_string().parse::<i64>().ok())
        .filter(|seconds| *seconds > 0)
        .map_or(UPLOAD_TTL_MS, |seconds| seconds * 1000)
}

#[derive(Debug, Default, Clone, Copy)]
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now(&self) -> Timestamp {
        // Date.now() is a whole number of milliseconds below 2^53.
        Timestamp(worker::Date::now().as_millis() as i64)
    }
}

/// `console.error`, which Workers Logs and `wrangler tail` collect.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConsoleLog;

impl Log for ConsoleLog {
    fn error(&self, request_id: &str, message: &str) {
        worker::console_error!("[{request_id}] {message}");
    }
}
