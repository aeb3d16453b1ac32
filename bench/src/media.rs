//! `make bench`: the engine's media work against ffmpeg on the same generated inputs in the same
//! run, printed as ratios (machines here are noisy; only ratios within one run mean anything).
//!
//! Inputs (generated once into target/bench-media): a 10-minute 1080p H.264+AAC mp4 and a
//! 60-minute speech-like AAC m4a (`BENCH_VIDEO_SECONDS` / `BENCH_AUDIO_SECONDS` shorten them).
//! Measured: AAC extraction (engine vs `ffmpeg -vn -c:a copy`), decode + envelope (engine vs
//! ffmpeg's `silencedetect`; the engine's wasm in Node vs native), an m4a packet-copy render and an
//! mp3 render of the same kept spans (engine vs ffmpeg), and the peak memory of analysing a
//! 3-hour recording (`BENCH_LONG_SECONDS`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod inputs;
mod peak;
use inputs::{SPEECH, ffmpeg, input, root, run, speech_m4a};
use peak::peak_rss_mib;

use roughcut_engine::analyze::{EnergyVad, analyse};
use roughcut_engine::media::extract::extract_aac;
use roughcut_engine::media::render::{KeptSpan, render_aac_copy, render_mp3};
use roughcut_engine::source::FileSource;
use roughcut_engine::{Limits, probe};

const RUNS: usize = 3;

fn env_seconds(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The median wall time of `RUNS` runs of `work`.
fn time(mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn row(what: &str, ours: Duration, peer_name: &str, peer: Duration) {
    println!(
        "| {what} | {:.3} s | {peer_name} | {:.3} s | {:.2}x |",
        ours.as_secs_f64(),
        peer.as_secs_f64(),
        peer.as_secs_f64() / ours.as_secs_f64()
    );
}

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Peak resident memory (VmHWM) of this process, in MiB.
fn main() {
    // `media analyse-peak FILE`: analyse one file and print this process's peak memory.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("analyse-peak") {
        let source = FileSource::open(Path::new(&args[2])).expect("open");
        let analysis = analyse(&source, &Limits::default(), &EnergyVad::default()).expect("analyse");
        println!("{} {:.1}", analysis.envelope.levels.len(), peak_rss_mib());
        return;
    }

    let video_seconds = env_seconds("BENCH_VIDEO_SECONDS", 600).to_string();
    let audio_seconds = env_seconds("BENCH_AUDIO_SECONDS", 3600).to_string();
    let long_seconds = env_seconds("BENCH_LONG_SECONDS", 3 * 3600).to_string();
    let speech = SPEECH;
    let video = inputs::video_1080p(&video_seconds);
    let audio = speech_m4a(&audio_seconds);
    let long = input(
        &format!("speech-{long_seconds}s.m4a"),
        &["-f", "lavfi", "-i", speech, "-t", &long_seconds, "-ac", "1", "-c:a", "aac", "-b:a", "96k"],
    );
    let scratch = root().join("target/bench-media/out");
    std::fs::create_dir_all(&scratch).expect("scratch");
    let limits = Limits::default();

    let video_info = probe(&FileSource::open(&video).expect("open"), &limits).expect("probe");
    println!(
        "inputs: {} ({:.0} s, {:.0} MB), {} ({:.0} s)",
        video.display(),
        video_info.duration.map_or(0.0, |d| d.seconds()),
        video_info.size_bytes as f64 / 1e6,
        audio.display(),
        audio_seconds.parse::<f64>().unwrap_or(0.0)
    );
    println!();
    println!("| work | roughcut | peer | peer time | peer / roughcut |");
    println!("|---|---|---|---|---|");

    let ours_m4a = scratch.join("extracted.m4a");
    let ours = time(|| {
        let mut out = Vec::new();
        extract_aac(&FileSource::open(&video).expect("open"), &mut out, &limits).expect("extract");
        std::fs::write(&ours_m4a, out).expect("write");
    });
    let peer = time(|| ffmpeg(&["-i", &text(&video), "-vn", "-c:a", "copy", &text(&scratch.join("ffmpeg.m4a"))]));
    row(
        &format!("AAC extraction, {} min 1080p mp4 → m4a (native)", video_seconds.parse::<u64>().unwrap_or(0) / 60),
        ours,
        "ffmpeg -vn -c:a copy",
        peer,
    );

    let ours = time(|| {
        analyse(&FileSource::open(&audio).expect("open"), &limits, &EnergyVad::default()).expect("analyse");
    });
    let peer = time(|| ffmpeg(&["-i", &text(&audio), "-af", "silencedetect=n=-40dB:d=0.5", "-f", "null", "-"]));
    let minutes = audio_seconds.parse::<u64>().unwrap_or(0) / 60;
    row(&format!("decode + envelope + VAD, {minutes} min AAC (native)"), ours, "ffmpeg silencedetect", peer);
    let native_analysis = ours;

    match wasm_analysis_seconds(&audio) {
        Some(wasm) => row(
            &format!("decode + envelope + VAD, {minutes} min AAC (wasm in Node)"),
            Duration::from_secs_f64(wasm),
            "the same, native",
            native_analysis,
        ),
        None => println!("| decode + envelope (wasm in Node) | skipped: run scripts/build-engine-js.sh first | | | |"),
    }

    let spans: Vec<KeptSpan> =
        (0..40).map(|i| KeptSpan { start_ms: i * 60_000 + 5_000, end_ms: i * 60_000 + 50_000 }).collect();
    let spans: Vec<KeptSpan> =
        spans.into_iter().filter(|s| s.end_ms <= audio_seconds.parse::<u64>().unwrap_or(0) * 1000).collect();
    let select: Vec<String> = spans
        .iter()
        .map(|s| format!("between(t\\,{}\\,{})", s.start_ms as f64 / 1000.0, s.end_ms as f64 / 1000.0))
        .collect();
    let filter = format!("aselect='{}',asetpts=N/SR/TB", select.join("+"));
    let concat_list = scratch.join("spans.txt");
    let list: String = spans
        .iter()
        .map(|s| {
            format!(
                "file '{}'\ninpoint {}\noutpoint {}\n",
                text(&audio),
                s.start_ms as f64 / 1000.0,
                s.end_ms as f64 / 1000.0
            )
        })
        .collect();
    std::fs::write(&concat_list, list).expect("concat list");

    let ours = time(|| {
        let mut out = Vec::new();
        render_aac_copy(&FileSource::open(&audio).expect("open"), &spans, &mut out, &limits).expect("render");
        std::fs::write(scratch.join("render.m4a"), out).expect("write");
    });
    let peer = time(|| {
        ffmpeg(&[
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            &text(&concat_list),
            "-c",
            "copy",
            &text(&scratch.join("ffmpeg-render.m4a")),
        ])
    });
    row(&format!("m4a packet-copy render, {} spans (native)", spans.len()), ours, "ffmpeg concat -c copy", peer);

    let ours = time(|| {
        let mut out = Vec::new();
        render_mp3(&FileSource::open(&audio).expect("open"), &spans, 192, &mut out, &limits).expect("render");
        std::fs::write(scratch.join("render.mp3"), out).expect("write");
    });
    let peer = time(|| {
        ffmpeg(&[
            "-i",
            &text(&audio),
            "-af",
            &filter,
            "-c:a",
            "libmp3lame",
            "-b:a",
            "192k",
            &text(&scratch.join("ffmpeg-render.mp3")),
        ])
    });
    row(&format!("mp3 render at 192 kbps, {} spans (native)", spans.len()), ours, "ffmpeg aselect + libmp3lame", peer);

    browser_rows(&video, &audio, &spans);

    let me = std::env::current_exe().expect("exe");
    let peak = run(&text(&me), &["analyse-peak", &text(&long)]);
    let mut fields = peak.split_whitespace();
    let (hops, mib) = (fields.next().unwrap_or("?"), fields.next().unwrap_or("?"));
    println!();
    println!("peak memory analysing {long_seconds} s of AAC ({hops} hops): {mib} MiB (target < 256 MiB)");
}

/// Seconds the wasm build takes for the same analysis in Node, measured by Node itself (median
/// of the same number of runs), or `None` when the browser package is not built.
fn wasm_analysis_seconds(audio: &Path) -> Option<f64> {
    let package = root().join("web-client/engine/roughcut_engine.js");
    if !package.exists() {
        return None;
    }
    let script = format!(
        "const fs = require('node:fs');
         (async () => {{
           const engine = await import({package:?});
           await engine.default({{ module_or_path: fs.readFileSync({wasm:?}) }});
           const bytes = new Uint8Array(fs.readFileSync({audio:?}));
           const times = [];
           for (let i = 0; i < {RUNS}; i++) {{ const t = performance.now(); engine.analyse(bytes); times.push(performance.now() - t); }}
           times.sort((a, b) => a - b);
           console.log(times[Math.floor(times.length / 2)] / 1000);
         }})();",
        package = text(&package),
        wasm = text(&root().join("web-client/engine/roughcut_engine_bg.wasm")),
        audio = text(audio),
    );
    run("node", &["-e", &script]).trim().parse().ok()
}

/// The engine's wasm in a Web Worker of headless Chromium, reading the `File`, against
/// ffmpeg.wasm on the same `File` (bench/browser).
fn browser_rows(video: &Path, audio: &Path, spans: &[KeptSpan]) {
    let spans_json: Vec<serde_json::Value> =
        spans.iter().map(|s| serde_json::json!({ "startMs": s.start_ms, "endMs": s.end_ms })).collect();
    let output = Command::new("node")
        .arg(root().join("bench/browser/browser.mjs"))
        .args([text(video), text(audio), RUNS.to_string()])
        .env("BENCH_SPANS", serde_json::Value::Array(spans_json).to_string())
        .output()
        .expect("node");
    if !output.status.success() {
        println!(
            "| browser rows | failed: {} | | | |",
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
        );
        return;
    }
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("browser result");
    for (key, what, peer) in [
        ("extract", "AAC extraction from a File (wasm, Chromium worker)", "ffmpeg.wasm -vn -c:a copy"),
        ("render-m4a", "m4a packet-copy render from a File (wasm, Chromium)", "ffmpeg.wasm concat -c copy"),
        ("render-mp3", "mp3 render at 192 kbps from a File (wasm, Chromium)", "ffmpeg.wasm aselect + libmp3lame"),
    ] {
        let seconds = |who: &str| Duration::from_secs_f64(result[key][who].as_f64().unwrap_or(f64::NAN));
        row(what, seconds("engine"), peer, seconds("ffmpeg"));
    }
}
