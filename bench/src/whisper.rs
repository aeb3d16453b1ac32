//! The local Whisper transcriber (scripts/local-transcriber.py) as the benches use it: started in
//! its own process group, asked exactly as the worker asks (edge-worker's `openai_request`), and
//! stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use roughcut_engine::transcript::Word;
use roughcut_engine::transcript::providers::{parse_whisper, verbatim_prompt};
use roughcut_tests::stack::local_whisper_command;

/// The running server and a client of it.
pub struct LocalWhisper {
    server: Child,
    url: String,
    agent: ureq::Agent,
}

impl LocalWhisper {
    /// Starts the server and waits until it answers `/health`.
    pub fn start() -> Self {
        use std::os::unix::process::CommandExt;
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(3600)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let (mut command, url) = local_whisper_command().unwrap_or_else(|e| panic!("the local transcriber: {e}"));
        let server = command.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0).spawn().expect("python");
        let whisper = Self { server, url, agent };
        let started = Instant::now();
        while !whisper.agent.get(&format!("{}/health", whisper.url)).call().is_ok_and(|r| r.status() == 200) {
            assert!(started.elapsed() < Duration::from_secs(60), "the transcriber did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        whisper
    }

    /// The words of a 16-kHz WAV, transcribed in English with the verbatim prompt.
    pub fn transcribe(&self, wav: &[u8]) -> Vec<Word> {
        let (body, content_type) = request(wav);
        let mut response = self
            .agent
            .post(&format!("{}/v1/audio/transcriptions", self.url))
            .header("content-type", &content_type)
            .send(&body[..])
            .expect("transcription request");
        let status = response.status();
        let answer = response.body_mut().with_config().limit(64 << 20).read_to_string().expect("answer");
        assert_eq!(status, 200, "{answer}");
        parse_whisper(&answer).expect("a Whisper answer")
    }
}

impl Drop for LocalWhisper {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-s", "TERM", "--", &format!("-{}", self.server.id())]).status();
        let _ = self.server.wait();
    }
}

/// The request the worker sends (edge-worker's `openai_request`): verbose JSON, word times, the
/// English verbatim prompt.
fn request(wav: &[u8]) -> (Vec<u8>, String) {
    let boundary = "roughcut-bench";
    let mut body = Vec::with_capacity(wav.len() + 1024);
    let mut fields = vec![
        ("model", "whisper-1"),
        ("response_format", "verbose_json"),
        ("timestamp_granularities[]", "word"),
        ("timestamp_granularities[]", "segment"),
        ("language", "en"),
    ];
    fields.extend(verbatim_prompt(Some("en")).map(|prompt| ("prompt", prompt)));
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.wav\"\r\n\
             Content-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(wav);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}
