//! `make bench`, after the media bench: how well cut planning keeps what a speaker meant to say.
//! A corpus is generated in code — espeak-ng words of scripted takes, joined with fillers,
//! abandoned takes, off-topic asides and pauses at known places — so the true kept spans are known
//! by construction. Each planning mode (signal only, transcript only, transcript + script) is
//! scored on what it removes and what it loses, and signal-only planning is compared with the
//! classic silence-cutter recipe (ffmpeg `silencedetect` with the same threshold, minimum silence
//! and margins) in the same run.
//!
//! The corpus goes to target/bench-media/cut-quality/, named by a content hash of its recording
//! plan; each distinct word is synthesised once and cached.

mod random;

use random::Rng;
use roughcut_tests::speech::{RATE, TRIM_LEVEL, VOICE, clips, wav_bytes};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use roughcut_engine::Limits;
use roughcut_engine::analyze::{EnergyVad, analyse};
use roughcut_engine::plan::{CutOptions, CutPlan, PlanInput, Script, plan};
use roughcut_engine::source::FileSource;
use roughcut_engine::transcript::{Transcript, Word};

const RUNS: usize = 3;
/// The corpus seed; `CUT_QUALITY_SEED` picks another corpus of the same recipe.
const SEED: u64 = 0x5eed_2024_c07a_11e5;
/// Room tone: uniform noise in ±45, about −62 dBFS RMS, so silence is never digital zero.
const ROOM_TONE: i64 = 45;
/// Pauses at least this long are dead air.
const DEAD_AIR: u64 = 1_500;
/// Silence before the first word and after the last.
const LEAD: u64 = 600;
/// The settings both silence cutters share in the equal-settings comparison.
const THRESHOLD_DB: f64 = -40.0;
const MIN_SILENCE_SECONDS: f64 = 0.5;
const MARGIN_SECONDS: f64 = 0.15;
const MARGIN: u64 = 150;
/// A word counts as removed when at least this share of it is.
const REMOVED_SHARE: f64 = 0.8;
/// A segment boundary closer than this to a word's edge is not a cut inside it.
const WORD_EDGE: u64 = 10;

/// The reference script: what the speaker meant to say.
const SCRIPT: [&str; 40] = [
    "Welcome back to the channel, today we're looking at our spring release.",
    "We're shipping 3 features this quarter.",
    "The first one is a faster editor for long recordings.",
    "It opens a two hour interview in under a second.",
    "You can scrub through the whole timeline without waiting for thumbnails or previews to load.",
    "The second feature is automatic captions in twelve languages.",
    "Captions follow the cut, so they never drift out of sync.",
    "Let's look at how that works in practice.",
    "I recorded a short clip on my phone this morning.",
    "The audio is noisy, but the words still line up.",
    "Each caption can be edited right on the timeline.",
    "When you change a word, the cut updates with it.",
    "The third feature is the one I'm most excited about.",
    "Rough cuts are now planned from the script you wrote.",
    "Paste your script, upload the recording, and press plan.",
    "Retakes are found and only the best take is kept.",
    "Asides, false starts and long pauses simply disappear from the edit before you even open it.",
    "Nothing is deleted, so you can always bring a take back.",
    "Export goes straight to your editor of choice.",
    "We support Final Cut, Premiere and DaVinci Resolve timelines.",
    "Pricing stays exactly the same.",
    "Teams on the free tier get 10 hours each month.",
    "That should be plenty for a weekly show.",
    "A few people asked about privacy after the last video, so let me be clear.",
    "Your media never leaves the region you choose.",
    "Audio analysis even runs locally inside your browser.",
    "Only the transcript is sent to the speech service.",
    "You can also bring your own transcript from any tool.",
    "Now for some numbers from the beta.",
    "Editors saved about 4 hours on every long interview.",
    "Most of that time used to go into removing pauses and the little noises between sentences.",
    "The rest went into finding the good take of each line.",
    "We heard your feedback about the export dialog.",
    "It was confusing, and it's been rebuilt from scratch.",
    "Presets now remember the frame rate of your project.",
    "Keyboard shortcuts work everywhere, including the caption editor.",
    "There's one known issue with very old project files.",
    "If an import fails, send us the file and we'll fix it.",
    "That's everything for this release.",
    "Thanks for watching, and we can't wait to show you what's next.",
];

/// Off-topic asides said between sentences; none is in the script.
const ASIDES: [&str; 8] = [
    "Sorry, hold on, someone is at the door.",
    "Can you hear that truck outside?",
    "Wait, is my microphone still on?",
    "Let me grab a glass of water quickly.",
    "Oh, that light keeps flickering again.",
    "My cat just walked across the keyboard.",
    "Sorry, I lost my place in the notes.",
    "Should we order lunch after this one?",
];

const FILLERS: [&str; 3] = ["um", "uh", "erm"];

/// How a recogniser writes numbers the script writes the other way.
const NUMBERS: [(&str, &str); 5] = [("3", "three"), ("10", "ten"), ("4", "four"), ("two", "2"), ("twelve", "12")];

/// What a spoken word is, in the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Keep,
    Filler,
    Restart,
    Aside,
}

/// One word of the recording plan.
#[derive(Debug, Clone)]
struct Utterance {
    /// As the script writes it ("We're", "3", "release.").
    written: String,
    label: Label,
    /// Silence before it, in ms.
    gap_before: u64,
    starts_sentence: bool,
    ends_sentence: bool,
    /// The last word of an abandoned take.
    broken_off: bool,
}

/// The speaker's session: 30% of sentences first get an abandoned take (their first 2–5 words,
/// then a 0.4–0.9 s break), 30% of full takes hold a filler, the asides fall between sentences,
/// and a quarter of the pauses between sentences are dead air.
fn recording_plan(rng: &mut Rng) -> Vec<Utterance> {
    let aside_before = distinct(rng, ASIDES.len(), 1);
    let restarted = distinct(rng, SCRIPT.len() * 3 / 10, 0);
    let with_filler = distinct(rng, SCRIPT.len() * 3 / 10, 0);
    let mut asides = ASIDES.iter();
    let mut out = Vec::new();
    let mut gap = LEAD;
    for (index, sentence) in SCRIPT.iter().enumerate() {
        if aside_before.contains(&index)
            && let Some(aside) = asides.next()
        {
            let words: Vec<&str> = aside.split_whitespace().collect();
            take(&mut out, &words, Label::Aside, gap, false, rng);
            gap = sentence_pause(rng);
        }
        let words: Vec<&str> = sentence.split_whitespace().collect();
        if restarted.contains(&index) {
            let length = (rng.range(2, 5) as usize).min(words.len() - 2);
            take(&mut out, &words[..length], Label::Restart, gap, false, rng);
            gap = rng.range(400, 900);
        }
        take(&mut out, &words, Label::Keep, gap, with_filler.contains(&index), rng);
        gap = sentence_pause(rng);
    }
    out
}

/// `count` distinct sentence indices, none below `first`.
fn distinct(rng: &mut Rng, count: usize, first: usize) -> BTreeSet<usize> {
    let mut chosen = BTreeSet::new();
    while chosen.len() < count {
        chosen.insert(rng.range(first as u64, SCRIPT.len() as u64 - 1) as usize);
    }
    chosen
}

fn sentence_pause(rng: &mut Rng) -> u64 {
    if rng.chance(0.25) { rng.range(DEAD_AIR, 3_500) } else { rng.range(350, 600) }
}

/// One take of `words`: 60–140 ms between words, or 150–300 ms either side of a filler.
fn take(out: &mut Vec<Utterance>, words: &[&str], label: Label, first_gap: u64, filler: bool, rng: &mut Rng) {
    let filler_after = filler.then(|| rng.range(0, words.len() as u64 - 2) as usize);
    let complete = label != Label::Restart;
    for (i, word) in words.iter().enumerate() {
        let gap = match i {
            0 => first_gap,
            _ if filler_after == Some(i - 1) => rng.range(150, 300),
            _ => rng.range(60, 140),
        };
        out.push(Utterance {
            written: (*word).to_owned(),
            label,
            gap_before: gap,
            starts_sentence: i == 0,
            ends_sentence: complete && i + 1 == words.len(),
            broken_off: !complete && i + 1 == words.len(),
        });
        if filler_after == Some(i) {
            out.push(Utterance {
                written: FILLERS[rng.range(0, FILLERS.len() as u64 - 1) as usize].to_owned(),
                label: Label::Filler,
                gap_before: rng.range(150, 300),
                starts_sentence: false,
                ends_sentence: false,
                broken_off: false,
            });
        }
    }
}

/// What espeak-ng is asked to say for a written word.
fn spoken(written: &str) -> String {
    written.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect::<String>().to_lowercase()
}

/// A spoken word of the corpus with its true time, in ms.
#[derive(Debug, Clone)]
struct TrueWord {
    text: String,
    label: Label,
    start: u64,
    end: u64,
}

#[derive(Debug)]
struct Corpus {
    wav: PathBuf,
    duration: u64,
    words: Vec<TrueWord>,
    /// Pauses of at least `DEAD_AIR`, in ms.
    dead_air: Vec<(u64, u64)>,
}

fn seed() -> u64 {
    std::env::var("CUT_QUALITY_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(SEED)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn output(program: &str, args: &[&str]) -> std::process::Output {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

/// FNV-1a: the corpus file is named by the hash of everything that makes it.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

fn ms(samples: u64) -> u64 {
    (samples * 1000 + RATE / 2) / RATE
}

fn build_corpus() -> Corpus {
    let utterances = recording_plan(&mut Rng(seed()));
    let espeak = String::from_utf8_lossy(&output("espeak-ng", &["--version"]).stdout).into_owned();
    let voice = format!("{espeak}{VOICE:?}{TRIM_LEVEL}");
    let dir = root().join("target/bench-media/cut-quality");
    let words_dir = dir.join(format!("words-{:016x}", fnv(&voice)));
    std::fs::create_dir_all(&words_dir).expect("corpus dir");
    let distinct: BTreeSet<String> = utterances.iter().map(|u| spoken(&u.written)).collect();
    let clips = clips(&words_dir, &distinct);

    let mut samples: Vec<i16> = Vec::new();
    let mut words = Vec::new();
    let mut dead_air = Vec::new();
    for utterance in &utterances {
        let gap_start = samples.len() as u64;
        samples.resize(samples.len() + (utterance.gap_before * RATE / 1000) as usize, 0);
        let start = samples.len() as u64;
        samples.extend_from_slice(&clips[&spoken(&utterance.written)]);
        if utterance.gap_before >= DEAD_AIR {
            dead_air.push((ms(gap_start), ms(start)));
        }
        words.push(TrueWord {
            text: utterance.written.clone(),
            label: utterance.label,
            start: ms(start),
            end: ms(samples.len() as u64),
        });
    }
    samples.resize(samples.len() + (LEAD * RATE / 1000) as usize, 0);
    let duration = samples.len() as u64 * 1000 / RATE;

    let wav = dir.join(format!("corpus-{:016x}.wav", fnv(&format!("{voice}{utterances:?}{ROOM_TONE}{}", seed()))));
    if !wav.exists() {
        let mut noise = Rng(seed() ^ 0x0a1b_2c3d);
        for sample in &mut samples {
            let tone = noise.range(0, 2 * ROOM_TONE as u64) as i64 - ROOM_TONE;
            *sample = (i64::from(*sample) + tone).clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
        }
        let partial = dir.join("partial-corpus.wav");
        std::fs::write(&partial, wav_bytes(&samples)).expect("write corpus");
        std::fs::rename(&partial, &wav).expect("rename corpus");
    }
    Corpus { wav, duration, words, dead_air }
}

/// The words as a recogniser writes them: times jittered by ±20 ms, sentences capitalised and
/// closed, numbers written the other way from the script, about 5% of longer words misspelt by
/// one letter, fillers as "um,"/"uh", half the abandoned takes ending in a dash.
fn recognised(corpus: &Corpus, utterances: &[Utterance], rng: &mut Rng) -> Transcript {
    let mut words = Vec::with_capacity(corpus.words.len());
    let mut previous_end = 0;
    for (truth, utterance) in corpus.words.iter().zip(utterances) {
        let text = match truth.label {
            Label::Filler if truth.text == "uh" => "uh".to_owned(),
            Label::Filler => format!("{},", truth.text),
            _ => written_by_recogniser(utterance, rng),
        };
        let mut jitter = || rng.range(0, 40) as i64 - 20;
        let start = (truth.start as i64 + jitter()).max(previous_end as i64) as u64;
        let end = ((truth.end as i64 + jitter()) as u64).max(start + 1).min(corpus.duration);
        previous_end = end;
        words.push(Word { text, start, end, confidence: None });
    }
    Transcript::new(words, Some(corpus.duration)).expect("a valid transcript")
}

fn written_by_recogniser(utterance: &Utterance, rng: &mut Rng) -> String {
    let written = &utterance.written;
    let core: String = written.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect();
    let mut text = match NUMBERS.iter().find(|(script, _)| script.eq_ignore_ascii_case(&core)) {
        Some((_, other_way)) => (*other_way).to_owned(),
        None => core.to_lowercase(),
    };
    if text.len() >= 4 && text.bytes().all(|b| b.is_ascii_lowercase()) && rng.chance(0.05) {
        let mut bytes = text.into_bytes();
        let at = rng.range(1, bytes.len() as u64 - 2) as usize;
        bytes[at] = b'a' + (bytes[at] - b'a' + rng.range(1, 25) as u8) % 26;
        text = String::from_utf8(bytes).expect("ascii");
    }
    if utterance.starts_sentence || core == "I" || core.starts_with("I'") {
        text = text[..1].to_uppercase() + &text[1..];
    }
    if utterance.ends_sentence {
        text.push(if written.ends_with('?') { '?' } else { '.' });
    } else if written.ends_with(',') {
        text.push(',');
    }
    if utterance.broken_off && rng.chance(0.5) {
        text.push('—');
    }
    text
}

/// Kept spans in ms, the engine's plan when it made them, and the median wall time of making them.
#[derive(Debug)]
struct Run {
    segments: Vec<(u64, u64)>,
    plan: Option<CutPlan>,
    time: Duration,
}

fn timed(mut work: impl FnMut() -> (Vec<(u64, u64)>, Option<CutPlan>)) -> Run {
    let mut result = (Vec::new(), None);
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            result = work();
            start.elapsed()
        })
        .collect();
    times.sort();
    Run { segments: result.0, plan: result.1, time: times[RUNS / 2] }
}

/// Analysis (decode + envelope + VAD) and planning, as the engine does it for an upload.
fn roughcut(corpus: &Corpus, transcript: Option<&Transcript>, script: Option<&str>, options: &CutOptions) -> Run {
    timed(|| {
        let source = FileSource::open(&corpus.wav).expect("open corpus");
        let analysis = analyse(&source, &Limits::default(), &EnergyVad::default()).expect("analyse");
        let script = script.map(Script::new);
        let input = PlanInput {
            duration: corpus.duration,
            analysis: Some(&analysis),
            transcript,
            script: script.as_ref(),
            language: None,
            recognised: true,
        };
        let cut = plan(&input, options);
        (cut.segments.iter().map(|s| (s.start, s.end)).collect(), Some(cut))
    })
}

/// The classic silence cutter: ffmpeg's silencedetect, each silence shrunk by the margin on the
/// sides that border speech, the kept spans its complement.
fn silencedetect(corpus: &Corpus) -> Run {
    let wav = corpus.wav.to_string_lossy().into_owned();
    let filter = format!("silencedetect=noise={THRESHOLD_DB}dB:d={MIN_SILENCE_SECONDS}");
    timed(|| {
        let out = output("ffmpeg", &["-hide_banner", "-nostats", "-i", &wav, "-af", &filter, "-f", "null", "-"]);
        let log = String::from_utf8_lossy(&out.stderr);
        let value = |line: &str, key: &str| {
            line.split(key)
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse::<f64>()
                .ok()
                .map(|s| (s.max(0.0) * 1000.0).round() as u64)
        };
        let mut silences: Vec<(u64, u64)> = Vec::new();
        let mut open = None;
        for line in log.lines() {
            if let Some(start) = value(line, "silence_start:") {
                open = Some(start);
            } else if let (Some(end), Some(start)) = (value(line, "silence_end:"), open.take()) {
                silences.push((start, end.min(corpus.duration)));
            }
        }
        silences.extend(open.map(|start| (start, corpus.duration)));
        let mut kept = Vec::new();
        let mut cursor = 0;
        for (start, end) in silences {
            let start = if start == 0 { 0 } else { start + MARGIN };
            let end = if end >= corpus.duration { corpus.duration } else { end.saturating_sub(MARGIN) };
            if start < end {
                if start > cursor {
                    kept.push((cursor, start));
                }
                cursor = end;
            }
        }
        if cursor < corpus.duration {
            kept.push((cursor, corpus.duration));
        }
        (kept, None)
    })
}

fn removed_in(segments: &[(u64, u64)], start: u64, end: u64) -> u64 {
    let kept: u64 = segments.iter().map(|&(s, e)| e.min(end).saturating_sub(s.max(start))).sum();
    (end - start).saturating_sub(kept)
}

fn removed_share(segments: &[(u64, u64)], word: &TrueWord) -> f64 {
    removed_in(segments, word.start, word.end) as f64 / (word.end - word.start).max(1) as f64
}

/// Segment boundaries strictly inside a kept word, more than `WORD_EDGE` from both its edges.
fn cuts_in_words<'c>(segments: &[(u64, u64)], corpus: &'c Corpus) -> Vec<(u64, &'c TrueWord)> {
    let boundaries = segments.iter().flat_map(|&(s, e)| [s, e]).filter(|&t| t != 0 && t != corpus.duration);
    boundaries
        .filter_map(|t| {
            corpus
                .words
                .iter()
                .find(|w| w.label == Label::Keep && t > w.start + WORD_EDGE && t + WORD_EDGE < w.end)
                .map(|w| (t, w))
        })
        .collect()
}

#[derive(Debug)]
struct Score {
    fillers: f64,
    restarts: f64,
    asides: f64,
    dead_air: f64,
    lost: f64,
    cuts: usize,
}

fn score(segments: &[(u64, u64)], corpus: &Corpus) -> Score {
    let removed = |label: Label| {
        let words: Vec<&TrueWord> = corpus.words.iter().filter(|w| w.label == label).collect();
        let gone = words.iter().filter(|w| removed_share(segments, w) >= REMOVED_SHARE).count();
        100.0 * gone as f64 / words.len().max(1) as f64
    };
    let (dead_removed, dead_removable) = corpus.dead_air.iter().fold((0, 0), |(removed, removable), &(s, e)| {
        (removed + removed_in(segments, s, e), removable + (e - s).saturating_sub(2 * MARGIN))
    });
    let keep = corpus.words.iter().filter(|w| w.label == Label::Keep);
    let (lost, speech) =
        keep.fold((0, 0), |(lost, total), w| (lost + removed_in(segments, w.start, w.end), total + w.end - w.start));
    Score {
        fillers: removed(Label::Filler),
        restarts: removed(Label::Restart),
        asides: removed(Label::Aside),
        dead_air: (100.0 * dead_removed as f64 / dead_removable.max(1) as f64).min(100.0),
        lost: 100.0 * lost as f64 / speech.max(1) as f64,
        cuts: cuts_in_words(segments, corpus).len(),
    }
}

/// Dead air left standing beyond the margins, per pause: the worst pause and the sum, in ms. The
/// dead-air share sums over pauses, so a pause cut into its margins can make up for another.
fn dead_air_left(segments: &[(u64, u64)], corpus: &Corpus) -> (u64, u64) {
    let left = corpus
        .dead_air
        .iter()
        .map(|&(s, e)| (e - s).saturating_sub(2 * MARGIN).saturating_sub(removed_in(segments, s, e)));
    left.fold((0, 0), |(worst, total), l| (worst.max(l), total + l))
}

/// The first few things a plan got wrong: labelled runs of words it kept, kept words it cut into.
fn misses(mode: &str, run: &Run, corpus: &Corpus, with_asides: bool) {
    let segments = &run.segments;
    const SHOWN: usize = 5;
    let seconds = |t: u64| t as f64 / 1000.0;
    let mut lines = Vec::new();
    let labels: &[(Label, &str)] = if with_asides {
        &[(Label::Filler, "filler"), (Label::Restart, "restart"), (Label::Aside, "aside")]
    } else {
        &[(Label::Filler, "filler"), (Label::Restart, "restart")]
    };
    for &(label, name) in labels {
        let mut runs: Vec<Vec<&TrueWord>> = Vec::new();
        let mut previous: Option<Label> = None;
        for word in &corpus.words {
            if word.label == label {
                if previous != Some(label) {
                    runs.push(Vec::new());
                }
                runs.last_mut().expect("a run").push(word);
            }
            previous = Some(word.label);
        }
        let missed: Vec<_> =
            runs.iter().filter(|run| run.iter().any(|w| removed_share(segments, w) < REMOVED_SHARE)).collect();
        for run in missed.iter().take(SHOWN) {
            let text: Vec<&str> = run.iter().map(|w| w.text.as_str()).collect();
            let shares: Vec<String> =
                run.iter().map(|w| format!("{:.0}", 100.0 * removed_share(segments, w))).collect();
            lines.push(format!(
                "{name} \"{}\" {:.2}–{:.2} s kept (removed % per word: {})",
                text.join(" "),
                seconds(run[0].start),
                seconds(run[run.len() - 1].end),
                shares.join(" ")
            ));
        }
        if missed.len() > SHOWN {
            lines.push(format!("… {} more {name} runs", missed.len() - SHOWN));
        }
    }
    let lost: Vec<&TrueWord> = corpus
        .words
        .iter()
        .filter(|w| w.label == Label::Keep && removed_in(segments, w.start, w.end) > WORD_EDGE)
        .collect();
    for word in lost.iter().take(SHOWN) {
        let gone = removed_in(segments, word.start, word.end);
        let reasons: BTreeSet<String> = run
            .plan
            .iter()
            .flat_map(|p| &p.removed)
            .filter(|r| r.start < word.end && r.end > word.start)
            .map(|r| serde_json::to_value(r.reason).map(|v| v.as_str().unwrap_or("?").to_owned()).unwrap_or_default())
            .collect();
        let reasons: Vec<String> = reasons.into_iter().collect();
        lines.push(format!(
            "kept word \"{}\" {:.2}–{:.2} s lost {gone} ms (removed as {})",
            word.text,
            seconds(word.start),
            seconds(word.end),
            reasons.join(", ")
        ));
    }
    for (t, word) in cuts_in_words(segments, corpus).iter().take(SHOWN) {
        lines.push(format!(
            "cut at {:.2} s inside \"{}\" {:.2}–{:.2} s",
            seconds(*t),
            word.text,
            seconds(word.start),
            seconds(word.end)
        ));
    }
    if !lines.is_empty() {
        println!();
        println!("{mode}, first misses:");
        lines.iter().for_each(|l| println!("- {l}"));
    }
}

/// Ground truth, the transcript and every plan, for looking into a miss.
fn dump(corpus: &Corpus, transcript: &Transcript, rows: &[(&str, Run)]) -> PathBuf {
    let truth: Vec<serde_json::Value> = corpus
        .words
        .iter()
        .zip(transcript.words())
        .map(|(t, w)| {
            serde_json::json!({
                "label": format!("{:?}", t.label).to_lowercase(), "said": t.text, "start": t.start, "end": t.end,
                "written": w.text, "written_start": w.start, "written_end": w.end,
            })
        })
        .collect();
    let plans: Vec<serde_json::Value> = rows
        .iter()
        .map(|(mode, run)| serde_json::json!({ "mode": mode, "segments": run.segments, "plan": run.plan }))
        .collect();
    let path = corpus.wav.with_extension("last-run.json");
    let json = serde_json::json!({ "words": truth, "dead_air": corpus.dead_air, "plans": plans });
    std::fs::write(&path, serde_json::to_vec_pretty(&json).expect("json")).expect("write details");
    path
}

fn main() {
    let started = Instant::now();
    let corpus = build_corpus();
    let utterances = recording_plan(&mut Rng(seed()));
    let transcript = recognised(&corpus, &utterances, &mut Rng(seed() ^ 0x7ec0_9a15));
    let script = SCRIPT.join("\n");
    let count = |label: Label| corpus.words.iter().filter(|w| w.label == label).count();
    let takes = |label: Label| {
        corpus.words.windows(2).filter(|p| p[1].label == label && p[0].label != label).count()
            + usize::from(corpus.words.first().is_some_and(|w| w.label == label))
    };
    println!(
        "corpus: {} ({}:{:02} of espeak-ng speech, 22.05 kHz), {} words: {} kept, {} fillers, {} restart \
         words in {} abandoned takes, {} aside words in {} asides, {} dead-air pauses ({:.1} s)",
        corpus.wav.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        corpus.duration / 60_000,
        corpus.duration % 60_000 / 1000,
        corpus.words.len(),
        count(Label::Keep),
        count(Label::Filler),
        count(Label::Restart),
        takes(Label::Restart),
        count(Label::Aside),
        takes(Label::Aside),
        corpus.dead_air.len(),
        corpus.dead_air.iter().map(|(s, e)| e - s).sum::<u64>() as f64 / 1000.0,
    );
    println!();

    let equal = CutOptions {
        silence_threshold_db: Some(THRESHOLD_DB),
        min_silence_seconds: MIN_SILENCE_SECONDS,
        margin_seconds: MARGIN_SECONDS,
        ..CutOptions::default()
    };
    let rows = [
        ("ffmpeg silencedetect recipe (−40 dB, 0.5 s, 0.15 s)", silencedetect(&corpus)),
        ("roughcut signal-only (−40 dB, 0.5 s, 0.15 s)", roughcut(&corpus, None, None, &equal)),
        ("roughcut signal-only (default, relative threshold)", roughcut(&corpus, None, None, &CutOptions::default())),
        ("roughcut transcript-only", roughcut(&corpus, Some(&transcript), None, &CutOptions::default())),
        (
            "roughcut transcript + script (strict)",
            roughcut(&corpus, Some(&transcript), Some(&script), &CutOptions::default()),
        ),
    ];
    println!("| mode | fillers % | restarts % | asides % | dead air % | speech lost % | cuts in words | time |");
    println!("|---|---|---|---|---|---|---|---|");
    for (mode, run) in &rows {
        let s = score(&run.segments, &corpus);
        println!(
            "| {mode} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {} | {:.3} s |",
            s.fillers,
            s.restarts,
            s.asides,
            s.dead_air,
            s.lost,
            s.cuts,
            run.time.as_secs_f64()
        );
    }
    let (peer, ours) = (&rows[0].1, &rows[1].1);
    println!();
    println!(
        "signal-only at equal settings: {:.2}x the speed of the silencedetect recipe; targets with transcript + \
         script: ≥ 95% of fillers, restarts and asides removed, ≤ 1% speech lost, 0 cuts in words",
        peer.time.as_secs_f64() / ours.time.as_secs_f64()
    );
    let left: Vec<String> = ["silencedetect", "roughcut −40 dB", "roughcut default"]
        .iter()
        .zip(&rows)
        .map(|(name, (_, run))| {
            let (worst, total) = dead_air_left(&run.segments, &corpus);
            format!("{name} {total} ms (worst pause {worst} ms)")
        })
        .collect();
    println!("dead air left beyond the margins, signal-only: {}", left.join(", "));
    misses(rows[3].0, &rows[3].1, &corpus, false);
    misses(rows[4].0, &rows[4].1, &corpus, true);
    let details = dump(&corpus, &transcript, &rows);
    println!();
    println!(
        "cut-quality bench: {:.1} s; truth, transcript and plans in {}",
        started.elapsed().as_secs_f64(),
        details.display()
    );
}
