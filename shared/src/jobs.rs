//! The media container's protocol: the job the worker hands it, the heartbeats it sends while it
//! works, and the outcome it posts back. The container holds no storage credentials: it reads its
//! input and writes its outputs only through the job's signed worker URLs (`JobLinks`), the same
//! locally and in production.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assets::AssetMedia;
use crate::renders::RenderFormat;

/// A job as operators see it (`GET /admin/v1/jobs?subject_id=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct JobInfo {
    pub id: String,
    /// `process_asset`, `process_audio_proxy`, `transcribe_asset`.
    pub kind: String,
    /// The asset (or render) the job is about.
    pub subject_id: String,
    /// `queued`, `running`, `succeeded`, `failed`, `cancelled`.
    pub state: String,
    /// Attempts started so far.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The last attempt's failure, if it failed.
    pub error_code: Option<String>,
    pub created_at: String,
}

/// One attempt of one job, as `POST /jobs` on the container receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaJob {
    pub job_id: String,
    /// 1 for the first attempt; a retry is a new attempt with new links.
    pub attempt: u32,
    pub task: MediaTask,
    pub links: JobLinks,
}

/// Where the container talks to the worker about this attempt. Every URL carries the attempt's
/// signature in its query; the worker refuses them once the attempt has ended (finished,
/// cancelled or superseded by a retry), so they are as short-lived as the attempt itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLinks {
    /// `GET` (with `Range`) the job's input bytes.
    pub input: String,
    /// `PUT` an output: replace `{name}` (letters, digits, `.`, `-`, `_`) by the output's name.
    pub output: String,
    /// `POST` a `Heartbeat`; the answer is a `HeartbeatReply`.
    pub heartbeat: String,
    /// `POST` the `JobOutcome`, once.
    pub result: String,
}

/// The placeholder of `JobLinks::output`.
pub const OUTPUT_NAME_PLACEHOLDER: &str = "{name}";

/// What the job is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MediaTask {
    /// Probe an uploaded file, analyse its audio, and — when `speech` is set — write the audio as
    /// speech chunks for a transcriber.
    ProcessAsset {
        /// `input` holds `input_size` bytes.
        input_size: u64,
        speech: Option<SpeechFormat>,
    },
    /// Apply a cut (or none) to the input and encode the deliverable: the output is `render`.
    Render {
        /// `input` holds `input_size` bytes.
        input_size: u64,
        spec: RenderSpec,
    },
}

/// What a render encodes, fully resolved by the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderSpec {
    pub format: RenderFormat,
    /// Kept spans `[start, end)` in ms of the source, in order; empty for the whole source.
    pub segments: Vec<(u64, u64)>,
    /// Picture size (even numbers) for video formats.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub video_bitrate_kbps: Option<u32>,
    pub audio_bitrate_kbps: u32,
    /// The expected duration of the output, in ms (for progress and the check of the result).
    pub duration_ms: u64,
    /// The output may carry the source's own H.264 where whole GOPs are kept (smart rendering):
    /// same codec, same picture size, and no bitrate below the source's was asked.
    #[serde(default)]
    pub copy_video: bool,
    /// The output may carry the source's own AAC packets (M4A from an AAC source, no bitrate asked
    /// below the source's).
    #[serde(default)]
    pub copy_audio: bool,
}

/// The output name of a render.
pub const RENDER_OUTPUT: &str = "render";

/// How transcribers want their audio: 16-bit PCM WAV, mono, at `sample_rate`, in chunks of at
/// most `max_chunk_seconds` (OpenAI-compatible servers take ≤ 25 MB a request: 10 minutes at
/// 16 kHz is 19.2 MB), split in the quietest moment of each chunk's last `split_window_seconds`
/// so that no word is cut in two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeechFormat {
    pub sample_rate: u32,
    pub max_chunk_seconds: u32,
    pub split_window_seconds: u32,
}

impl Default for SpeechFormat {
    fn default() -> Self {
        Self { sample_rate: 16_000, max_chunk_seconds: 600, split_window_seconds: 60 }
    }
}

/// `POST {heartbeat}`: the container is alive and this far along.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// 0–1.
    pub progress: f64,
    /// What it is doing ("downloading", "analysing", …), for logs.
    pub stage: String,
}

/// The worker's answer to a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatReply {
    /// The attempt is over (cancelled, or no longer the job's current attempt): stop now.
    pub cancel: bool,
}

/// `POST {result}`: how the attempt ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum JobOutcome {
    Succeeded { result: JobResult },
    Failed(JobFailure),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// A stable code: `unsupported_media`, `input_unavailable`, `output_rejected`, `internal`, …
    pub error_code: String,
    /// Safe to show to the asset's owner (no paths, no internals).
    pub error_message: String,
    /// Another attempt may succeed (network, a killed process); `false` for bad input.
    pub retryable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobResult {
    ProcessAsset(ProcessedAsset),
    Render(RenderedFile),
}

/// The file a render wrote (as the output `RENDER_OUTPUT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedFile {
    pub size_bytes: u64,
    /// As probed from the encoded file.
    pub duration_ms: u64,
}

/// What processing found and wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessedAsset {
    /// The probe, as the API shows it.
    pub media: AssetMedia,
    /// Whether the file holds a video track (an MP4 may hold only audio).
    pub has_video: bool,
    pub duration_ms: u64,
    /// The output holding the encoded audio analysis (`roughcut_engine::analyze::stored`), or
    /// `None` when the file has no audio track.
    pub analysis: Option<String>,
    /// The speech chunks written, in order, when asked for.
    pub speech: Vec<SpeechChunk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeechChunk {
    /// The output's name.
    pub name: String,
    /// Where the chunk starts in the source, in ms.
    pub start_ms: u64,
    pub duration_ms: u64,
}

/// Whether `name` may name an output: a short plain file name, nothing a path could hide in.
pub fn is_output_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_are_plain_file_names() {
        for good in ["analysis.bin", "speech-000.wav", "a_b"] {
            assert!(is_output_name(good), "{good}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "a b", &"x".repeat(65)] {
            assert!(!is_output_name(bad), "{bad}");
        }
    }

    #[test]
    fn outcomes_are_tagged_on_the_wire() {
        let failed = JobOutcome::Failed(JobFailure {
            error_code: "unsupported_media".into(),
            error_message: "no".into(),
            retryable: false,
        });
        let json = serde_json::to_value(&failed).expect("json");
        assert_eq!(json["outcome"], "failed");
        assert_eq!(json["error_code"], "unsupported_media");
        let back: JobOutcome = serde_json::from_value(json).expect("back");
        assert_eq!(back, failed);
    }
}

/// Outputs larger than this go up in parts of this size, each one request: well under the
/// request bodies Cloudflare accepts (100 MB), and one of R2's equal multipart parts.
pub const OUTPUT_PART_BYTES: u64 = 64 << 20;

/// An output in parts, through its own output URL: `POST` with `MULTIPART_HEADER: start` begins
/// it (answered `MultipartStarted`); each part is a `PUT` with `UPLOAD_ID_HEADER` and
/// `PART_HEADER` (answered `UploadedPart`); `POST` with `MULTIPART_HEADER: complete`, the upload
/// id and a `CompleteOutput` body ends it. A `PUT` without these headers is a whole output.
pub const MULTIPART_HEADER: &str = "roughcut-multipart";
pub const UPLOAD_ID_HEADER: &str = "roughcut-upload-id";
/// The part's number, 1 to 10,000.
pub const PART_HEADER: &str = "roughcut-part";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultipartStarted {
    pub upload_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedPart {
    pub part: u16,
    pub etag: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteOutput {
    pub parts: Vec<UploadedPart>,
}
