//! `make bench`: real human speech through the default path of `make dev`. A recorded conversation
//! (two speakers, 30 s, the sample the pinned `pyannote.audio` wheel ships: see
//! scripts/bench-corpora.sh) is transcribed by the local Whisper transcriber with the verbatim
//! prompt, analysed by the engine and planned with the default options, as the worker does it.
//! Every removal is listed with what is said there, then the transcript with the removed words
//! struck through, so a reader can check each one against the recording. The peer, in the same
//! run: the same plan without the words (the audio alone decides, as with `TRANSCRIBER=none`).
//! `REAL_SPEECH_DIR` names the corpus's directory; without it the bench says so and stops.

use std::path::PathBuf;
use std::time::Instant;

use roughcut_engine::Limits;
use roughcut_engine::analyze::{EnergyVad, HOPS_PER_SECOND, analyse};
use roughcut_engine::plan::{CutOptions, CutPlan, PlanInput, Reason, Removal, plan};
use roughcut_engine::source::FileSource;
use roughcut_engine::transcript::{Millis, Transcript, Word};

mod inputs;
mod whisper;

fn main() {
    let recording = std::env::var_os("REAL_SPEECH_DIR").map(|dir| PathBuf::from(dir).join("sample.wav"));
    let Some(recording) = recording.filter(|path| path.exists()) else {
        println!("real speech: no recording in REAL_SPEECH_DIR (scripts/bench-corpora.sh conversation); skipped");
        return;
    };
    // 16-kHz mono PCM, as the media container sends speech to the transcriber
    let wav = inputs::root().join("target/bench-media/real-conversation-16k.wav");
    std::fs::create_dir_all(wav.parent().expect("a directory")).expect("bench dir");
    let (from, to) = (recording.to_string_lossy().into_owned(), wav.to_string_lossy().into_owned());
    inputs::ffmpeg(&["-i", &from, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", &to]);

    let analysis =
        analyse(&FileSource::open(&wav).expect("open"), &Limits::default(), &EnergyVad::default()).expect("analyse");
    let duration = analysis.envelope.levels.len() as Millis * 1000 / Millis::from(HOPS_PER_SECOND);
    let transcriber = whisper::LocalWhisper::start();
    let started = Instant::now();
    let words = transcriber.transcribe(&std::fs::read(&wav).expect("the WAV"));
    let transcription = started.elapsed();
    drop(transcriber);
    // as the worker takes a recogniser's words: overlaps and words past the end mended
    let transcript = Transcript::repaired(words, Some(duration)).expect("a valid transcript");
    let words = transcript.words();

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
    let ours = planned(Some(&transcript));
    let peer = planned(None);

    let seconds = |ms: Millis| ms as f64 / 1000.0;
    println!(
        "\nA real conversation ({:.1} s, 2 speakers), local Whisper with the verbatim prompt: {} words in {:.1} s ({:.2}x real time)\n",
        seconds(duration),
        words.len(),
        transcription.as_secs_f64(),
        transcription.as_secs_f64() / seconds(duration)
    );
    println!("| plan | kept | silence | filler | restart | other |");
    println!("|---|---|---|---|---|---|");
    println!("{}", row("roughcut, default options, with the words", &ours));
    println!("{}", row("peer: the audio alone (TRANSCRIBER=none)", &peer));
    println!("\nRemovals of the default plan, with what is said there:");
    for removal in ours.removed.iter().filter(|r| r.reason != Reason::Silence) {
        println!("- {}", described(removal, words));
    }
    println!("\nThe transcript, removed words ~~struck~~:\n\n{}", struck(words, &ours));
}

/// Removals of each kind, and the share of the recording kept.
fn row(name: &str, plan: &CutPlan) -> String {
    let count = |reason: Reason| plan.removed.iter().filter(|r| r.reason == reason).count();
    let other = plan.removed.iter().filter(|r| !matches!(r.reason, Reason::Silence | Reason::Filler | Reason::Restart));
    format!(
        "| {name} | {:.1}% | {} | {} | {} | {} |",
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
