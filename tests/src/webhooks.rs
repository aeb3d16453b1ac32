//! A webhook receiver for the end-to-end tests and the benchmarks: tests/clients/
//! webhook-receiver.mjs in a process of its own (killed when dropped), reporting each request it
//! received as JSON (`{path, method, headers, body, received_at_ms}`); and the API's RFC 3339
//! times as Unix milliseconds, to compare with its arrival times.

use std::io::BufRead;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::stack::repo_root;

#[derive(Debug)]
pub struct WebhookReceiver {
    child: Child,
    /// Held open: the receiver also exits when its stdin closes, should this process die without
    /// dropping it.
    _stdin: Option<ChildStdin>,
    port: u16,
    lines: mpsc::Receiver<Value>,
}

impl WebhookReceiver {
    pub fn start() -> Self {
        let mut child = Command::new("node")
            .arg(repo_root().join("tests/clients/webhook-receiver.mjs"))
            .current_dir(repo_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        // made before the port is read, so that the child is killed if it never tells
        let mut receiver = Self { child, _stdin: stdin, port: 0, lines };
        let first = receiver.lines.recv_timeout(Duration::from_secs(20)).expect("the receiver's port within 20 s");
        receiver.port = first["port"]
            .as_u64()
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or_else(|| panic!("not the port line: {first}"));
        receiver
    }

    /// The URL of `path` on this receiver: `/ok/…` answers 200, `/unavailable-twice/…` 503 with
    /// `Retry-After: 1` to the first two requests of each `webhook-id`, `/fail/…` 500, `/gone/…` 410.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next request received, waiting until `deadline`; `None` when none came by then.
    pub fn next_before(&self, deadline: Instant) -> Option<Value> {
        match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(request) => Some(request),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the webhook receiver exited"),
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Unix milliseconds of the API's RFC 3339 UTC times (`2026-12-06T07:33:57.123Z`).
pub fn unix_ms(rfc3339: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| rfc3339.get(range)?.parse::<i64>().ok();
    if !rfc3339.ends_with('Z') {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let millis = if rfc3339.get(19..20) == Some(".") { number(20..23)? } else { 0 };
    // days from the civil date (Howard Hinnant's algorithm)
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_apis_times() {
        assert_eq!(super::unix_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(super::unix_ms("2026-12-06T07:33:57.123Z"), Some(1_796_542_437_123));
        assert_eq!(super::unix_ms("2000-03-01T00:00:01Z"), Some(951_868_801_000));
        assert_eq!(super::unix_ms("2026-12-06T07:33:57+01:00"), None);
    }
}
