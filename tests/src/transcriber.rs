//! A stand-in for an OpenAI-compatible transcription server (whisper.cpp's server,
//! faster-whisper-server, OpenAI): it speaks `POST /v1/audio/transcriptions` — multipart form in,
//! `verbose_json` with word timestamps out — and answers with the words a test registered for
//! audio of that length (the test generated the speech, so it knows what was said and when).
//! Audio it has no words for gets an empty transcript. Every request is recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One word as the test generated it, in seconds from the start of the audio sent.
#[derive(Debug, Clone, PartialEq)]
pub struct SpokenWord {
    pub text: String,
    pub start: f64,
    pub end: f64,
}

/// What one request carried.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptionRequest {
    pub model: String,
    pub language: Option<String>,
    pub response_format: String,
    /// The verbatim prompt, when one was sent.
    pub prompt: Option<String>,
    /// Of the WAV file sent (16-bit PCM), from its size and header.
    pub duration_ms: u64,
    pub sample_rate: u32,
}

#[derive(Debug, Default)]
struct State {
    requests: Vec<TranscriptionRequest>,
    /// Words by the duration (ms) of the audio they belong to.
    scripts: Vec<(u64, Vec<SpokenWord>)>,
    /// Answer this many requests with 503 first (to exercise retries).
    failures_left: u32,
}

#[derive(Debug, Clone)]
pub struct FakeTranscriber {
    /// The base URL, as `TRANSCRIBER_URL` takes it (`…/v1`).
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeTranscriber {
    pub fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("transcriber: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    if let Err(error) = serve(stream, &state) {
                        eprintln!("fake transcriber: {error}");
                    }
                });
            }
        });
        Ok(Self { url: format!("http://127.0.0.1:{port}/v1"), state })
    }

    /// Words to answer for audio of `duration_ms` (±50 ms).
    pub fn register(&self, duration_ms: u64, words: Vec<SpokenWord>) {
        if let Ok(mut state) = self.state.lock() {
            state.scripts.push((duration_ms, words));
        }
    }

    pub fn requests(&self) -> Vec<TranscriptionRequest> {
        self.state.lock().map(|s| s.requests.clone()).unwrap_or_default()
    }

    pub fn fail_next(&self, count: u32) {
        if let Ok(mut state) = self.state.lock() {
            state.failures_left = count;
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> Result<(), String> {
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).map_err(|e| e.to_string())?;
    let (mut length, mut content_type) = (0usize, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "content-type" => content_type = value.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    let (status, answer) = if !request_line.starts_with("POST /v1/audio/transcriptions ") {
        (404, r#"{"error":{"message":"not found"}}"#.to_owned())
    } else {
        match answer(&content_type, &body, state) {
            Ok(answer) => answer,
            Err(message) => (400, serde_json::json!({ "error": { "message": message } }).to_string()),
        }
    };
    let mut stream = stream;
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )
    .map_err(|e| e.to_string())
}

/// The form's fields and file, as a real server reads them.
fn answer(content_type: &str, body: &[u8], state: &Mutex<State>) -> Result<(u16, String), String> {
    let boundary = content_type.split("boundary=").nth(1).ok_or("no multipart boundary")?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut fields = Vec::new();
    let mut file = None;
    for part in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        let Some(header_end) = find(part, b"\r\n\r\n") else { continue };
        let headers = String::from_utf8_lossy(&part[..header_end]);
        let content = part[header_end + 4..].strip_suffix(b"\r\n").unwrap_or(&part[header_end + 4..]);
        let Some(name) = headers.split("name=\"").nth(1).and_then(|rest| rest.split('"').next()) else { continue };
        if name == "file" {
            file = Some(content.to_vec());
        } else {
            fields.push((name.to_owned(), String::from_utf8_lossy(content).into_owned()));
        }
    }
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let wav = file.ok_or("no file")?;
    if wav.len() < 44 || &wav[..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err("the file is no WAV".into());
    }
    let sample_rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
    let channels = u64::from(u16::from_le_bytes([wav[22], wav[23]]));
    let samples = (wav.len() as u64 - 44) / (2 * channels.max(1));
    let duration_ms = samples * 1000 / u64::from(sample_rate.max(1));
    let request = TranscriptionRequest {
        model: field("model").unwrap_or_default(),
        language: field("language"),
        response_format: field("response_format").unwrap_or_default(),
        prompt: field("prompt"),
        duration_ms,
        sample_rate,
    };
    let mut state = state.lock().map_err(|_| "state poisoned")?;
    state.requests.push(request);
    if state.failures_left > 0 {
        state.failures_left -= 1;
        return Ok((503, r#"{"error":{"message":"overloaded"}}"#.to_owned()));
    }
    let words = state
        .scripts
        .iter()
        .find(|(ms, _)| ms.abs_diff(duration_ms) <= 50)
        .map(|(_, words)| words.clone())
        .unwrap_or_default();
    let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    let words: Vec<_> =
        words.iter().map(|w| serde_json::json!({ "word": w.text, "start": w.start, "end": w.end })).collect();
    let duration = duration_ms as f64 / 1000.0;
    Ok((
        200,
        serde_json::json!({ "task": "transcribe", "duration": duration, "text": text, "words": words }).to_string(),
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}
