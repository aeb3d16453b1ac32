//! The clock and the log of a Worker.

use crate::domain::ports::{Clock, Log};
use crate::domain::time::Timestamp;

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
