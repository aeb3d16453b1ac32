//! `make bench`: the local Whisper transcriber (scripts/local-transcriber.py, Whisper base on CPU)
//! on a 10-minute talk (`BENCH_TRANSCRIPTION_SECONDS` to change it), as a multiple of real time.
//! Target: at most 0.2 on 2 cores, so that `make dev` transcribes a recording in a fifth of its
//! length. The peer, in the same run: ffmpeg extracting the same talk's speech from AAC to the
//! 16-kHz WAV the worker sends (the media container's step before transcription).

use std::time::{Duration, Instant};

mod inputs;
mod whisper;

/// Real prose that every Debian machine has (base-files): the GPL's terms, read by espeak-ng.
const TEXT: &str = "/usr/share/common-licenses/GPL-3";

/// The talk: espeak-ng reading `TEXT` from its terms on, cut to `seconds`, as AAC in M4A (what an
/// upload's audio is) and as 16-kHz mono WAV (what the worker sends the transcriber).
fn talk(seconds: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = inputs::root().join("target/bench-media");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let m4a = dir.join(format!("gpl-talk-{seconds}s.m4a"));
    if !m4a.exists() {
        eprintln!("synthesising the talk with espeak-ng …");
        let text = std::fs::read_to_string(TEXT).unwrap_or_else(|e| panic!("{TEXT}: {e}"));
        let terms = text.find("  0. Definitions.").map_or(text.as_str(), |at| &text[at..]);
        let script = dir.join("gpl-talk.txt");
        std::fs::write(&script, terms).expect("script");
        let spoken = dir.join("gpl-talk-espeak.wav");
        let (script, spoken_arg) = (script.to_string_lossy().into_owned(), spoken.to_string_lossy().into_owned());
        inputs::run("espeak-ng", &["-v", "en-us", "-s", "165", "-f", &script, "-w", &spoken_arg]);
        let partial = dir.join(format!("partial-gpl-talk-{seconds}s.m4a"));
        let target = partial.to_string_lossy().into_owned();
        inputs::ffmpeg(&["-i", &spoken_arg, "-t", seconds, "-ar", "48000", "-c:a", "aac", "-b:a", "96k", &target]);
        std::fs::rename(&partial, &m4a).expect("rename");
        let _ = std::fs::remove_file(&spoken);
    }
    (m4a.clone(), dir.join(format!("gpl-talk-{seconds}s-16k.wav")))
}

/// ffmpeg's extraction of 16-kHz mono speech, as the container runs it; its time.
fn extract(m4a: &std::path::Path, wav: &std::path::Path) -> Duration {
    let started = Instant::now();
    let (m4a, wav) = (m4a.to_string_lossy().into_owned(), wav.to_string_lossy().into_owned());
    inputs::ffmpeg(&["-i", &m4a, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", &wav]);
    started.elapsed()
}

fn main() {
    let seconds = std::env::var("BENCH_TRANSCRIPTION_SECONDS").unwrap_or_else(|_| "600".into());
    let audio_seconds: f64 = seconds.parse().expect("BENCH_TRANSCRIPTION_SECONDS");
    let (m4a, wav) = talk(&seconds);
    let extraction = extract(&m4a, &wav);
    let wav_bytes = std::fs::read(&wav).expect("speech WAV");
    let transcriber = whisper::LocalWhisper::start();
    let started = Instant::now();
    let words = transcriber.transcribe(&wav_bytes);
    let transcription = started.elapsed();
    drop(transcriber);
    // Whisper may end a 30-s window early and skip the rest of it: the longest stretch without a
    // word says whether it did (the talk's own pauses are under a second).
    let longest_gap = words.windows(2).map(|w| w[1].start.saturating_sub(w[0].end)).max().unwrap_or(0);
    let realtime = |d: Duration| d.as_secs_f64() / audio_seconds;
    println!("Transcription of a {audio_seconds:.0}-s espeak-ng talk (Whisper base, int8, 2 threads, beam 5)");
    println!("| what | seconds | × real time |");
    println!("|---|---|---|");
    println!(
        "| local transcriber (POST /v1/audio/transcriptions) | {:.1} | {:.3} |",
        transcription.as_secs_f64(),
        realtime(transcription)
    );
    println!("| peer: ffmpeg AAC → 16-kHz WAV | {:.2} | {:.4} |", extraction.as_secs_f64(), realtime(extraction));
    println!(
        "transcription / extraction: {:.0}×; target ≤ 0.2× real time: {}",
        transcription.as_secs_f64() / extraction.as_secs_f64().max(1e-9),
        if realtime(transcription) <= 0.2 { "met" } else { "missed" }
    );
    println!(
        "{} words ({:.0} a minute); longest stretch without a word: {:.1} s",
        words.len(),
        words.len() as f64 * 60.0 / audio_seconds,
        longest_gap as f64 / 1000.0
    );
}
