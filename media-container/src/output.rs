//! Outputs up to the worker through an attempt's output link: small ones in one `PUT`, larger
//! ones (a render) in parts of `OUTPUT_PART_BYTES` through the multipart protocol of
//! `roughcut_shared::jobs` — one request each, under the request bodies Cloudflare accepts, and
//! with no limit on the whole. A refusal (4xx) is final, since the same request would be refused
//! again; a failed transfer of a part is tried again.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::thread;
use std::time::Duration;

use roughcut_shared::jobs::{
    CompleteOutput, MULTIPART_HEADER, MultipartStarted, OUTPUT_PART_BYTES, PART_HEADER, UPLOAD_ID_HEADER, UploadedPart,
};
use ureq::http::Response;
use ureq::{Agent, Body, SendBody};

/// Tries of a part after the first, when its transfer fails.
const PART_RETRIES: u32 = 2;
const PART_BACKOFF: Duration = Duration::from_secs(1);

/// Why an output did not go up.
#[derive(Debug, PartialEq, Eq)]
pub enum PutError {
    /// The worker answered this 4xx: the same request would be refused again (409 and 410 say the
    /// attempt is over).
    Refused(u16),
    /// The transfer broke or the worker failed (5xx): worth another attempt.
    Failed(String),
}

fn answer(response: Result<Response<Body>, ureq::Error>, what: &str) -> Result<Response<Body>, PutError> {
    let response = response.map_err(|err| PutError::Failed(format!("{what}: {err}")))?;
    match response.status().as_u16() {
        200..=299 => Ok(response),
        status @ 400..=499 => Err(PutError::Refused(status)),
        status => Err(PutError::Failed(format!("{what} answered {status}"))),
    }
}

/// PUTs the `len` bytes of `body` to `url` in one request.
pub fn put(
    agent: &Agent,
    url: &str,
    content_type: &str,
    len: u64,
    body: impl Read + Send + 'static,
) -> Result<(), PutError> {
    let sent = agent
        .put(url)
        .header("Content-Type", content_type)
        .header("Content-Length", len.to_string())
        .send(SendBody::from_owned_reader(body));
    answer(sent, "the upload").map(drop)
}

/// Sends the file at `path` (`len` bytes): in one request up to `OUTPUT_PART_BYTES`, else in parts.
pub fn put_file(agent: &Agent, url: &str, content_type: &str, path: &Path, len: u64) -> Result<(), PutError> {
    let open = || File::open(path).map_err(|err| PutError::Failed(format!("opening the output: {err}")));
    if len <= OUTPUT_PART_BYTES {
        return put(agent, url, content_type, len, open()?);
    }
    let started = agent.post(url).header(MULTIPART_HEADER, "start").send_empty();
    let started: MultipartStarted = answer(started, "starting the parts")?
        .body_mut()
        .read_json()
        .map_err(|err| PutError::Failed(format!("the start's answer: {err}")))?;
    let mut parts = Vec::new();
    for (index, offset) in (0..len).step_by(OUTPUT_PART_BYTES as usize).enumerate() {
        let number = u16::try_from(index + 1).map_err(|_| PutError::Failed("more than 65,535 parts".into()))?;
        let size = OUTPUT_PART_BYTES.min(len - offset);
        let mut tries = 0;
        let uploaded = loop {
            let mut file = open()?;
            file.seek(SeekFrom::Start(offset)).map_err(|err| PutError::Failed(format!("seeking the output: {err}")))?;
            let sent = agent
                .put(url)
                .header(UPLOAD_ID_HEADER, &started.upload_id)
                .header(PART_HEADER, number.to_string())
                .header("Content-Length", size.to_string())
                .send(SendBody::from_owned_reader(file.take(size)));
            let result = answer(sent, &format!("part {number}")).and_then(|mut response| {
                response
                    .body_mut()
                    .read_json::<UploadedPart>()
                    .map_err(|err| PutError::Failed(format!("part {number}'s answer: {err}")))
            });
            match result {
                Err(PutError::Failed(_)) if tries < PART_RETRIES => {
                    tries += 1;
                    thread::sleep(PART_BACKOFF * tries);
                }
                other => break other?,
            }
        };
        parts.push(uploaded);
    }
    let completed = agent
        .post(url)
        .header(MULTIPART_HEADER, "complete")
        .header(UPLOAD_ID_HEADER, &started.upload_id)
        .send_json(&CompleteOutput { parts });
    answer(completed, "completing the parts").map(drop)
}
