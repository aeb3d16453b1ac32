//! Transcription by the real local Whisper (scripts/local-transcriber.py, as `make dev` runs it),
//! on a stack of its own: an espeak-ng talk over a test picture — an abandoned take, fillers, long
//! pauses — is uploaded, recognised for real (so words may be wrong: most, not all, must be there),
//! and cut; the captions of the cut carry the recognised words.
//!
//! Whisper base on this talk (measured): every phrase is recognised, "the editor" as "there did
//! our" or the like; espeak's lone "um" and "uh" are written as fillers, with or without the
//! verbatim prompt; the abandoned "today we" is written before the full take. Which words the
//! recogniser writes is not ours to fix, so the filler and restart removals are asserted only when
//! the transcript holds those words, and the rest only from the signal and the spoken phrases.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::{Value, json};
use ureq::http::Method;

use roughcut_tests::client::Account;
use roughcut_tests::speech::{RATE, clips, wav_bytes};
use roughcut_tests::stack::{Stack, repo_root};

use crate::Test;
use crate::cuts::{completed, ready, scratch};
use crate::processing::ffmpeg;

pub fn exclusive_tests() -> Vec<Test> {
    // alone: a second stack, and Whisper takes both cores while it transcribes
    vec![("transcription::a_real_whisper_transcribes_and_the_cut_captions_it", real_whisper)]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Keep,
    Filler,
    Restart,
}

/// The talk, phrase by phrase (espeak-ng says each whole, as a person would): (gap before in ms,
/// phrase, part).
const TALK: &[(u64, &str, Part)] = &[
    (600, "today we", Part::Restart),
    (900, "today we look at rough cuts", Part::Keep),
    (2_600, "so", Part::Keep),
    (200, "um", Part::Filler),
    (200, "the editor keeps every good word", Part::Keep),
    (2_800, "and", Part::Keep),
    (200, "uh", Part::Filler),
    (200, "drops the rest", Part::Keep),
    (1_500, "the captions follow the words we keep", Part::Keep),
];
const TAIL_MS: u64 = 900;
/// The words a recogniser cannot mistake for a filler or a restart, which the transcript and the
/// captions must mostly hold.
const CONTENT: &[&str] = &[
    "look", "rough", "cuts", "keeps", "every", "good", "word", "drops", "rest", "captions", "follow", "words", "keep",
];

struct Phrase {
    text: &'static str,
    part: Part,
    start: u64,
    end: u64,
}

/// The talk as an mp4 (H.264 + AAC): its phrases where they are, and ffprobe's duration (ms).
fn make_talk() -> (std::path::PathBuf, Vec<Phrase>, u64) {
    let distinct: BTreeSet<String> = TALK.iter().map(|(_, text, _)| (*text).to_owned()).collect();
    let cache = repo_root().join("target/e2e-speech");
    std::fs::create_dir_all(&cache).expect("speech cache");
    let clips = clips(&cache, &distinct);
    let ms = |samples: usize| samples as u64 * 1000 / RATE;
    let mut samples: Vec<i16> = Vec::new();
    let mut phrases = Vec::new();
    for (gap, text, part) in TALK {
        samples.resize(samples.len() + (gap * RATE / 1000) as usize, 0);
        let start = ms(samples.len());
        samples.extend_from_slice(&clips[*text]);
        phrases.push(Phrase { text, part: *part, start, end: ms(samples.len()) });
    }
    samples.resize(samples.len() + (TAIL_MS * RATE / 1000) as usize, 0);
    // room tone, so that silence is never digital zero
    for (i, sample) in samples.iter_mut().enumerate() {
        *sample = sample.saturating_add(((i as u64).wrapping_mul(2_654_435_761) % 61) as i16 - 30);
    }
    let wav = scratch("whisper-talk.wav");
    std::fs::write(&wav, wav_bytes(&samples)).expect("speech WAV");
    let video = scratch("whisper-talk.mp4");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-i"])
        .arg(&wav)
        .args(["-shortest", "-c:v", "libx264", "-g", "15", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000"])
        .arg(&video)
        .status()
        .expect("ffmpeg");
    assert!(status.success(), "muxing the talk");
    let probed = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(&video)
        .output()
        .expect("ffprobe");
    let seconds: f64 = String::from_utf8_lossy(&probed.stdout).trim().parse().expect("ffprobe duration");
    (video, phrases, (seconds * 1000.0).round() as u64)
}

/// A caption: its span in seconds and its words, lowercased without punctuation.
#[derive(Debug)]
struct Cue {
    start: f64,
    end: f64,
    words: Vec<String>,
}

fn srt_cues(srt: &str) -> Vec<Cue> {
    let seconds = |stamp: &str| {
        let (hms, millis) = stamp.trim().split_once(',').expect("SRT time");
        let parts: Vec<f64> = hms.split(':').map(|p| p.parse().expect("number")).collect();
        parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + millis.parse::<f64>().expect("ms") / 1000.0
    };
    srt.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(|block| {
            let mut lines = block.lines().skip_while(|l| !l.contains(" --> "));
            let (from, to) = lines.next()?.split_once(" --> ")?;
            let words = lines
                .flat_map(|line| line.split_whitespace())
                .map(|w| w.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect::<String>().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            Some(Cue { start: seconds(from), end: seconds(to), words })
        })
        .collect()
}

fn captions(account: &Account, cut_id: &str) -> Vec<Cue> {
    let (status, _, body) =
        account.api.send_for_bytes(Method::GET, &format!("/v1/cuts/{cut_id}/subtitle/export?format=srt"), &[]);
    let srt = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, 200, "{srt}");
    let cues = srt_cues(&srt);
    assert!(!cues.is_empty(), "no captions: {srt}");
    cues
}

fn cut(account: &Account, asset_id: &str, options: Value) -> Value {
    let created = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id, "options": options })).expect(201);
    let cut = completed(account, created.json()["id"].as_str().expect("id"));
    assert_eq!(cut["state"], "completed", "{cut}");
    cut
}

fn segments(cut: &Value) -> Vec<(f64, f64)> {
    cut["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| (s["start"].as_f64().expect("start"), s["end"].as_f64().expect("end")))
        .collect()
}

/// The share of `[start, end)` (ms) inside the kept segments.
fn kept_share(segments: &[(f64, f64)], start: u64, end: u64) -> f64 {
    let (start, end) = (start as f64 / 1000.0, end as f64 / 1000.0);
    let kept: f64 = segments.iter().map(|(s, e)| (e.min(end) - s.max(start)).max(0.0)).sum();
    kept / (end - start)
}

fn real_whisper(_shared: &Stack) {
    let stack = Stack::start_with_local_whisper().unwrap_or_else(|e| panic!("the stack with local Whisper: {e}"));
    let (video, phrases, duration_ms) = make_talk();
    let (account, project) = stack.funded_account("whisper", 20);
    let asset_id = account.upload_file(&project, &video);
    let asset = ready(&account, &asset_id);
    assert_eq!(asset["state"], "ready", "{asset}\n{}", stack.log_text("transcriber"));
    assert!(
        stack.log_text("transcriber").contains("\"POST /v1/audio/transcriptions HTTP/1.1\" 200"),
        "the worker did not transcribe through the local server:\n{}",
        stack.log_text("transcriber")
    );

    // The stored transcript, read back as the captions of a cut that removes nothing (API.md has no
    // GET of a transcript): its times are the source's.
    let everything = json!({ "remove_silence": false, "remove_fillers": false, "remove_restarts": false, "remove_untranscribed_speech": false });
    let whole = cut(&account, &asset_id, everything);
    let source = duration_ms as f64 / 1000.0;
    assert_eq!(segments(&whole).len(), 1, "{whole}");
    let transcript = captions(&account, whole["id"].as_str().expect("id"));
    let heard: Vec<&str> = transcript.iter().flat_map(|c| c.words.iter().map(String::as_str)).collect();
    eprintln!("whisper heard: {}", heard.join(" "));
    let found: Vec<&str> = CONTENT.iter().copied().filter(|w| heard.contains(w)).collect();
    assert!(found.len() * 10 >= CONTENT.len() * 7, "too few of {CONTENT:?} recognised: {heard:?}");
    // each recognised content word is captioned where (±1 s) its phrase was spoken
    for word in &found {
        let phrase = phrases.iter().find(|p| p.text.split(' ').any(|w| w == *word)).expect("a phrase");
        let (from, to) = (phrase.start as f64 / 1000.0 - 1.0, phrase.end as f64 / 1000.0 + 1.0);
        assert!(
            transcript.iter().any(|c| c.words.iter().any(|w| w == word) && c.start < to && c.end > from),
            "{word} is not captioned near {}–{} ms: {transcript:?}",
            phrase.start,
            phrase.end
        );
    }
    assert!(transcript.iter().all(|c| c.start <= c.end && c.end <= source + 0.001), "{transcript:?}");

    // The rough cut: the long pauses go (from the signal, whatever was recognised), the spoken
    // phrases stay; fillers and the abandoned take go when the recogniser wrote them.
    let rough = cut(&account, &asset_id, json!({}));
    let kept = segments(&rough);
    let reasons: BTreeSet<&str> =
        rough["removed"].as_array().expect("removed").iter().filter_map(|r| r["reason"].as_str()).collect();
    for phrase in phrases.iter().filter(|p| p.part == Part::Keep && p.text.contains(' ')) {
        let share = kept_share(&kept, phrase.start, phrase.end);
        assert!(share > 0.9, "{:?} at {} ms is cut ({share:.2} kept): {rough}", phrase.text, phrase.start);
    }
    for pair in phrases.windows(2) {
        if pair[1].start - pair[0].end >= 2_000 {
            let share = kept_share(&kept, pair[0].end, pair[1].start);
            assert!(share < 0.5, "the pause {}–{} ms is kept ({share:.2}): {rough}", pair[0].end, pair[1].start);
        }
    }
    assert!(reasons.contains("silence"), "{reasons:?}");
    let fillers_heard = heard.iter().any(|w| matches!(*w, "um" | "umm" | "uh"));
    let takes_heard = heard.iter().filter(|w| **w == "today").count();
    for phrase in &phrases {
        let removable = match phrase.part {
            Part::Filler => fillers_heard,
            Part::Restart => takes_heard >= 2,
            Part::Keep => false,
        };
        if removable {
            let share = kept_share(&kept, phrase.start, phrase.end);
            assert!(share < 0.5, "{:?} at {} ms is kept ({share:.2}): {rough}", phrase.text, phrase.start);
        }
    }
    if fillers_heard {
        assert!(reasons.contains("filler"), "{reasons:?}");
    }
    if takes_heard >= 2 {
        assert!(reasons.contains("restart"), "{reasons:?}");
    }
    eprintln!("whisper: fillers transcribed: {fillers_heard}; takes of \"today\" transcribed: {takes_heard}");

    // its captions: the recognised words, on the cut's shorter timeline
    let cues = captions(&account, rough["id"].as_str().expect("id"));
    let captioned: Vec<&str> = cues.iter().flat_map(|c| c.words.iter().map(String::as_str)).collect();
    for word in &found {
        assert!(captioned.contains(word), "{word} is not captioned: {captioned:?}");
    }
    let kept_seconds: f64 = rough["kept_duration_seconds"].as_str().and_then(|s| s.parse().ok()).expect("kept");
    assert!(kept_seconds < source - 4.0, "the pauses were not cut: {kept_seconds} of {source} s");
    assert!(cues.iter().all(|c| c.end <= kept_seconds + 0.001), "captions beyond the cut's {kept_seconds} s: {cues:?}");
    if fillers_heard {
        assert!(!captioned.iter().any(|w| matches!(*w, "um" | "umm" | "uh")), "fillers captioned: {captioned:?}");
    }

    // Three seconds of silence, which Whisper may fill with words nobody said (it wrote "I -I -I"
    // into two), and two seconds of a test tone between silences, over which it wrote "Okay,
    // here's what I'm, like,". The silence is cut, and the tone is kept whole: it is sound, not
    // silence, and no filler either. Neither is captioned.
    let silence = ffmpeg(
        "whisper-silence.wav",
        &["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "3", "-c:a", "pcm_s16le"],
    );
    let tone = ffmpeg(
        "whisper-tone.wav",
        &["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=16000:duration=2", "-af", "adelay=1000,apad=pad_dur=1"],
    );
    for (what, file, sounding) in [("silence", &silence, None), ("a tone", &tone, Some((1.0, 3.0)))] {
        let id = account.upload_file(&project, file);
        assert_eq!(ready(&account, &id)["state"], "ready", "{what}");
        let quiet = cut(&account, &id, json!({}));
        let reasons: BTreeSet<&str> =
            quiet["removed"].as_array().expect("removed").iter().filter_map(|r| r["reason"].as_str()).collect();
        assert!(reasons.iter().all(|r| matches!(*r, "silence" | "too_short")), "{what}: {quiet}");
        let kept = segments(&quiet);
        match sounding {
            None => assert!(kept.is_empty(), "{what} kept: {quiet}"),
            Some((start, end)) => {
                assert_eq!(kept.len(), 1, "{what}: {quiet}");
                assert!(kept[0].0 <= start + 0.02 && kept[0].1 >= end - 0.02, "{what} not kept whole: {quiet}");
                assert!(kept[0].1 - kept[0].0 < end - start + 0.5, "{what} kept with its silences: {quiet}");
            }
        }
        let quiet_id = quiet["id"].as_str().expect("id");
        let (status, _, body) =
            account.api.send_for_bytes(Method::GET, &format!("/v1/cuts/{quiet_id}/subtitle/export?format=srt"), &[]);
        let srt = String::from_utf8_lossy(&body);
        assert!(status == 409 || srt_cues(&srt).is_empty(), "captions of {what} ({status}): {srt}");
    }
}
