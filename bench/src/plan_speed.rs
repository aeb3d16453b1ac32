//! `make bench`: how long cut planning takes on a 60-minute talk — ~9,000 transcript words, a
//! ~1,000-sentence reference script, retakes, fillers, asides and dead air — natively and as wasm
//! in Node (the browser package, as the upload page runs it when a slider moves). Targets: under
//! 50 ms native, under 100 ms in wasm, script parsing included. The two runs must agree on the
//! plan, which the bench checks.
//!
//! Then a 3-hour talk as the Worker plans a cut (issue: does it fit the Worker's limits, 128 MB
//! and the CPU time of a queue consumer?): the stored analysis decoded, the stored transcript
//! parsed, the script and the plan — natively, and the plan in wasm with the wasm instance's
//! memory after it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use roughcut_engine::analyze::{Analysis, EnergyVad, Envelope, VoiceActivityDetector, noise_floor};
use roughcut_engine::plan::{CutOptions, PlanInput, Script, plan};
use roughcut_engine::transcript::{Transcript, Word, json};

mod peak;
mod random;

use random::Rng;

const RUNS: usize = 15;

struct Talk {
    script: String,
    words: Vec<Word>,
    analysis: Analysis,
    duration: u64,
}

/// A vocabulary of 600 made-up words (syllable pairs), `count` sentences of 4–14 of them (1,000
/// make about an hour).
fn talk(count: usize) -> Talk {
    const SYLLABLES: [&str; 25] = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "da", "ve", "zo", "bu", "fe", "gi", "ha", "ju", "ko", "la",
        "mo", "nu", "pe", "qi", "ro", "si", "tu",
    ];
    let mut random = Rng(7);
    let vocabulary: Vec<String> = (0..600)
        .map(|i| format!("{}{}{}", SYLLABLES[i % 25], SYLLABLES[(i / 25) % 25], SYLLABLES[(i * 7) % 25]))
        .collect();
    let sentences: Vec<Vec<&str>> = (0..count)
        .map(|_| (0..4 + random.range(0, 10)).map(|_| vocabulary[random.range(0, 599) as usize].as_str()).collect())
        .collect();
    let script = sentences.iter().map(|s| s.join(" ") + ".").collect::<Vec<_>>().join("\n");
    let mut words = Vec::new();
    let mut time = 1_000;
    let mut say = |text: &str, time: &mut u64, gap: u64| {
        words.push(Word { text: text.to_owned(), start: *time, end: *time + 240, confidence: None });
        *time += 240 + gap;
    };
    for sentence in &sentences {
        if random.chance(0.20) {
            for word in &sentence[..3.min(sentence.len())] {
                say(word, &mut time, 80);
            }
            time += 500;
        }
        if random.chance(0.05) {
            for _ in 0..6 {
                say("zzaside", &mut time, 80);
            }
        }
        for (index, word) in sentence.iter().enumerate() {
            if index == 2 && random.chance(0.15) {
                say("um", &mut time, 150);
            }
            say(word, &mut time, 80);
        }
        time += if random.chance(0.10) { 2_000 } else { 350 };
    }
    let duration = time + 1_000;
    let mut levels = vec![-6_000i16; (duration / 10) as usize];
    for word in &words {
        levels[(word.start / 10) as usize..(word.end / 10) as usize].fill(-2_000);
    }
    let envelope = Envelope { sample_rate: 48_000, levels };
    let voice = EnergyVad::default().detect(&envelope);
    Talk { script, words, analysis: Analysis { noise_floor: noise_floor(&envelope), voice, envelope }, duration }
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn main() {
    // `plan-speed worker-peak`: the 3-hour worker path in this process alone, its memory printed
    if std::env::args().nth(1).as_deref() == Some("worker-peak") {
        let (stored_analysis, stored_words, script, duration) = {
            let talk = talk(3_000);
            (talk.analysis.encode(), json::write(&talk.words), talk.script, talk.duration)
        };
        let inputs = peak::peak_rss_mib();
        std::hint::black_box(worker_path(&stored_analysis, &stored_words, &script, duration));
        println!("{inputs:.1} {:.1}", peak::peak_rss_mib());
        return;
    }
    hour();
    println!();
    three_hours();
}

/// What the Worker's planning job does with an asset's stored analysis and transcript.
fn worker_path(
    stored_analysis: &[u8],
    stored_words: &str,
    script: &str,
    duration: u64,
) -> roughcut_engine::plan::CutPlan {
    let analysis = Analysis::decode(stored_analysis).expect("stored analysis");
    let words = json::parse(stored_words).expect("stored words");
    let transcript = Transcript::repaired(words, Some(duration)).expect("transcript");
    let script = Script::new(script);
    let input = PlanInput {
        duration,
        analysis: Some(&analysis),
        transcript: Some(&transcript),
        script: Some(&script),
        language: None,
        recognised: true,
    };
    plan(&input, &CutOptions::default())
}

fn hour() {
    let talk = talk(1_000);
    let transcript = Transcript::new(talk.words.clone(), Some(talk.duration)).expect("valid words");
    let options = CutOptions::default();
    let run = || {
        let script = Script::new(&talk.script);
        let input = PlanInput {
            duration: talk.duration,
            analysis: Some(&talk.analysis),
            transcript: Some(&transcript),
            script: Some(&script),
            language: None,
            recognised: true,
        };
        plan(&input, &options)
    };
    let native_plan = run();
    let native = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(run());
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    );
    println!(
        "talk: {:.1} min, {} words, {} script sentences; plan keeps {:.1} min in {} segments",
        talk.duration as f64 / 60_000.0,
        talk.words.len(),
        talk.script.lines().count(),
        native_plan.kept_duration as f64 / 60_000.0,
        native_plan.segments.len()
    );
    println!();
    println!("| planning (script parsed + plan) | time | target | within |");
    println!("|---|---|---|---|");
    println!("| native | {native:.1} ms | 50 ms | {} |", if native < 50.0 { "yes" } else { "NO" });
    match wasm_plan(&talk) {
        Some((wasm, kept, _)) => {
            println!("| wasm in Node | {wasm:.1} ms | 100 ms | {} |", if wasm < 100.0 { "yes" } else { "NO" });
            println!();
            println!("wasm / native: {:.2}x", wasm / native);
            let same = (kept - native_plan.kept_duration as f64 / 1000.0).abs() < 1e-9;
            println!("wasm plan equals the native plan: {}", if same { "yes" } else { "NO" });
            assert!(same, "the wasm build planned {kept} s, native {} ms", native_plan.kept_duration);
        }
        None => println!("| wasm in Node | skipped: run scripts/build-engine-js.sh first | | |"),
    }
}

/// A 3-hour talk planned as the Worker's planning job does it, from the stored forms.
fn three_hours() {
    let talk = talk(3_000);
    let stored_analysis = talk.analysis.encode();
    let stored_words = json::write(&talk.words);
    let run = || worker_path(&stored_analysis, &stored_words, &talk.script, talk.duration);
    let native = median(
        (0..5)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(run());
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    );
    println!(
        "3-hour talk: {:.1} min, {} words, {} script sentences; stored analysis {:.1} MB, transcript {:.1} MB",
        talk.duration as f64 / 60_000.0,
        talk.words.len(),
        talk.script.lines().count(),
        stored_analysis.len() as f64 / 1e6,
        stored_words.len() as f64 / 1e6
    );
    println!();
    println!("| 3-hour planning | time | memory |");
    println!("|---|---|---|");
    let peak = Command::new(std::env::current_exe().expect("this binary")).arg("worker-peak").output().expect("child");
    let figures: Vec<f64> =
        String::from_utf8_lossy(&peak.stdout).split_whitespace().filter_map(|f| f.parse().ok()).collect();
    let memory = match figures.as_slice() {
        [inputs, peak] => format!("{:.1} MiB peak RSS ({:.1} MiB over its inputs)", peak, peak - inputs),
        _ => "not measured".to_owned(),
    };
    println!("| native: decode stored analysis + parse transcript + script + plan | {native:.1} ms | {memory} |");
    if let Some((wasm, _, memory)) = wasm_plan(&talk) {
        println!(
            "| wasm in Node: script + plan (the browser facade) | {wasm:.1} ms | {:.1} MiB wasm memory after one plan |",
            memory / 1048576.0
        );
        println!();
        println!("Worker limits: 128 MB memory, 30 s CPU for a queue consumer by default");
    }
}

/// Median milliseconds of `new Planner(…)` + `plan()` in Node, the kept seconds it planned, and
/// the size of the wasm instance's memory afterwards (bytes).
fn wasm_plan(talk: &Talk) -> Option<(f64, f64, f64)> {
    let package = root().join("web-client/engine/roughcut_engine.js");
    if !package.exists() {
        return None;
    }
    let dir = root().join("target/bench-media");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let input = dir.join(format!("plan-speed-input-{}.json", talk.words.len()));
    let document = format!(
        "{{\"durationSeconds\":{},\"script\":{},\"transcript\":{},\"levels\":{},\"voice\":{},\"noiseFloor\":{}}}",
        talk.duration as f64 / 1000.0,
        serde_json::to_string(&talk.script).expect("string"),
        json::write(&talk.words),
        serde_json::to_string(&talk.analysis.envelope.levels).expect("levels"),
        serde_json::to_string(&talk.analysis.voice.iter().map(|&v| u8::from(v)).collect::<Vec<_>>()).expect("voice"),
        talk.analysis.noise_floor,
    );
    std::fs::write(&input, document).expect("input written");
    let text = |path: &Path| path.to_string_lossy().into_owned();
    let script = format!(
        "const fs = require('node:fs');
         (async () => {{
           const engine = await import({package:?});
           const exports = await engine.default({{ module_or_path: fs.readFileSync({wasm:?}) }});
           const input = JSON.parse(fs.readFileSync({input:?}, 'utf8'));
           const analysis = {{ sampleRate: 48000, levels: Int16Array.from(input.levels), voice: Uint8Array.from(input.voice), noiseFloor: input.noiseFloor }};
           const run = () => new engine.Planner({{ durationSeconds: input.durationSeconds, analysis, transcript: input.transcript, script: input.script }}).plan();
           let cut = run();
           const memory = exports.memory.buffer.byteLength;
           const times = [];
           for (let i = 0; i < {RUNS}; i++) {{ const t = performance.now(); cut = run(); times.push(performance.now() - t); }}
           times.sort((a, b) => a - b);
           console.log(times[Math.floor(times.length / 2)], cut.kept_duration_seconds, memory);
         }})();",
        package = text(&package),
        wasm = text(&root().join("web-client/engine/roughcut_engine_bg.wasm")),
        input = text(&input),
    );
    let output = Command::new("node").args(["-e", &script]).output().expect("node");
    assert!(output.status.success(), "node: {}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut fields = stdout.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some((fields.next()??, fields.next()??, fields.next()??))
}
