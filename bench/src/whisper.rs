//! The local Whisper transcriber (scripts/local-transcriber.py) as the benches use it: started in
//! its own process group, asked exactly as the worker asks (the engine's `openai_request`), and
//! stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use roughcut_engine::transcript::Word;
use roughcut_engine::transcript::providers::{openai_request, parse_whisper};
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
        let (body, content_type) = openai_request(wav, "whisper-1", Some("en"), "roughcut-bench");
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
