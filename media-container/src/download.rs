//! Fetching an attempt's input into its work directory: streamed to disk (uploads go up to
//! 50 GiB), resumed with `Range: bytes=N-` after a transient error, and held to the size the
//! worker announced, so a short or swapped object is never probed as if it were the upload.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::thread;
use std::time::Duration;

use ureq::Agent;

use crate::control::Control;
use crate::halt::Halt;

/// Consecutive transient failures tolerated; a round that made progress resets the count, so a
/// long download survives several unrelated hiccups but not a link that keeps failing.
const RETRIES: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(500);
const BUFFER_BYTES: usize = 256 * 1024;
/// The share of the attempt's progress the download stands for.
const PROGRESS_SHARE: f64 = 0.3;

/// Why a round (one GET) ended before the last byte.
#[derive(Debug)]
enum Stop {
    /// Worth resuming: a network error, a 5xx, a body cut short.
    Transient(String),
    /// Retrying cannot help: the link is refused or the object is not what was announced.
    Unavailable(String),
    /// Our side failed (the disk).
    Local(std::io::Error),
    Cancelled,
}

fn unavailable() -> Halt {
    Halt::failed("input_unavailable", "The uploaded file could not be read.", true)
}

/// Downloads `url` into `file` (empty, just created) until it holds exactly `expected` bytes.
pub fn download(agent: &Agent, url: &str, file: &mut File, expected: u64, control: &Control) -> Result<(), Halt> {
    let mut have = 0;
    let mut failures = 0;
    let mut buffer = vec![0; BUFFER_BYTES];
    loop {
        let before = have;
        let stop = match round(agent, url, file, &mut have, expected, &mut buffer, control) {
            Ok(()) => return Ok(()),
            Err(stop) => stop,
        };
        match stop {
            Stop::Cancelled => return Err(Halt::Cancelled),
            Stop::Local(err) => return Err(Halt::internal(control, "cannot write the input", err)),
            Stop::Unavailable(detail) => {
                if control.is_cancelled() {
                    return Err(Halt::Cancelled);
                }
                control.log(format_args!("input unavailable: {detail}"));
                return Err(unavailable());
            }
            Stop::Transient(detail) => {
                failures = if have > before { 1 } else { failures + 1 };
                control.log(format_args!("input download interrupted at byte {have}: {detail}"));
                if failures > RETRIES {
                    return Err(unavailable());
                }
                thread::sleep(BACKOFF * failures);
                if control.is_cancelled() {
                    return Err(Halt::Cancelled);
                }
            }
        }
    }
}

/// One GET from byte `have` to the end of the body.
fn round(
    agent: &Agent,
    url: &str,
    file: &mut File,
    have: &mut u64,
    expected: u64,
    buffer: &mut [u8],
    control: &Control,
) -> Result<(), Stop> {
    let mut request = agent.get(url);
    if *have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let response = request.call().map_err(|err| Stop::Transient(format!("request failed: {err}")))?;
    match response.status().as_u16() {
        200 if *have > 0 => {
            // The server ignored the range and sends the whole object again: start over.
            file.set_len(0).map_err(Stop::Local)?;
            file.seek(SeekFrom::Start(0)).map_err(Stop::Local)?;
            *have = 0;
        }
        200 => {}
        206 => {
            let start =
                response.headers().get("Content-Range").and_then(|value| value.to_str().ok()).and_then(range_start);
            if start != Some(*have) {
                return Err(Stop::Unavailable(format!("asked for bytes from {have}, got range {start:?}")));
            }
        }
        status @ (429 | 500..=599) => return Err(Stop::Transient(format!("input answered {status}"))),
        status => return Err(Stop::Unavailable(format!("input answered {status}"))),
    }
    let mut body = response.into_body().into_reader();
    loop {
        if control.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        let read = match body.read(buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(Stop::Transient(format!("read failed: {err}"))),
        };
        if *have + read as u64 > expected {
            return Err(Stop::Unavailable(format!("more than the announced {expected} bytes")));
        }
        file.write_all(&buffer[..read]).map_err(Stop::Local)?;
        *have += read as u64;
        control.set_progress(PROGRESS_SHARE * *have as f64 / expected as f64, "downloading");
    }
    if *have < expected {
        return Err(Stop::Transient(format!("the body ended at byte {have} of {expected}")));
    }
    Ok(())
}

/// The first byte of a `Content-Range: bytes START-END/TOTAL` answer.
fn range_start(value: &str) -> Option<u64> {
    value.strip_prefix("bytes ")?.split_once('-')?.0.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_give_their_start() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes 0-0/*"), Some(0));
        assert_eq!(range_start("bytes */200"), None);
        assert_eq!(range_start("items 1-2/3"), None);
    }
}
