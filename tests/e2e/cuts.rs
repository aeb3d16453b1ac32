//! Cuts through the real stack: a talking-head video made here — espeak-ng words laid out at known
//! times, with long pauses, filler words and one abandoned take, over a test picture — is uploaded
//! and processed; its transcript comes from the user, or from the OpenAI-compatible transcriber;
//! the cut must drop the pauses, the fillers and the abandoned take and keep every other word; its
//! editor exports are read back by OpenTimelineIO's adapters and its captions are re-timed.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ureq::http::Method;

use roughcut_tests::client::Account;
use roughcut_tests::speech::{RATE, clips, wav_bytes};
use roughcut_tests::stack::{Stack, repo_root};
use roughcut_tests::transcriber::SpokenWord;

use crate::Test;

pub fn tests() -> Vec<Test> {
    vec![
        ("cuts::a_users_transcript_cuts_pauses_fillers_and_the_abandoned_take", with_users_transcript),
        ("cuts::a_transcribed_recording_cuts_the_same", with_transcriber),
        ("cuts::idempotency_gates_validation_and_isolation", idempotency_gates_validation_and_isolation),
        ("cuts::identical_requests_racing_make_one_cut_and_one_render", identical_requests_racing_make_one),
        ("cuts::a_test_tone_standing_in_for_a_voice_is_cut_as_one", tones_standing_in_for_a_voice),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Keep,
    Filler,
    Restart,
}

#[derive(Debug, Clone)]
struct TrueWord {
    text: &'static str,
    label: Label,
    start: u64,
    end: u64,
}

/// The talk: (gap before in ms, word, label).
const TALK: &[(u64, &str, Label)] = &[
    (600, "today", Label::Restart),
    (120, "we", Label::Restart),
    (900, "today", Label::Keep),
    (120, "we", Label::Keep),
    (120, "look", Label::Keep),
    (120, "at", Label::Keep),
    (120, "rough", Label::Keep),
    (120, "cuts", Label::Keep),
    (2_600, "so", Label::Keep),
    (200, "um", Label::Filler),
    (200, "the", Label::Keep),
    (120, "editor", Label::Keep),
    (120, "keeps", Label::Keep),
    (120, "every", Label::Keep),
    (120, "good", Label::Keep),
    (120, "word", Label::Keep),
    (2_800, "and", Label::Keep),
    (200, "uh", Label::Filler),
    (200, "drops", Label::Keep),
    (120, "the", Label::Keep),
    (120, "rest", Label::Keep),
];
const TAIL_MS: u64 = 900;

pub struct Talk {
    pub video: PathBuf,
    words: Vec<TrueWord>,
    /// Of the mp4, as ffprobe reads it.
    pub duration_ms: u64,
    /// Of the speech alone (what the transcriber hears, give or take the AAC encoder's padding);
    /// `-shortest` lets the picture run a little longer.
    pub speech_ms: u64,
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("roughcut-e2e-cuts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// The talk, made once for every test here (they run in parallel; espeak-ng's cache is shared).
pub fn talk() -> &'static Talk {
    static TALK_MADE: std::sync::OnceLock<Talk> = std::sync::OnceLock::new();
    TALK_MADE.get_or_init(|| make_talk("talk"))
}

/// The talk as an mp4 (H.264 + AAC), its words where they are.
fn make_talk(name: &str) -> Talk {
    let distinct: BTreeSet<String> = TALK.iter().map(|(_, word, _)| (*word).to_owned()).collect();
    let words_dir = repo_root().join("target/e2e-speech");
    std::fs::create_dir_all(&words_dir).expect("speech cache");
    let clips = clips(&words_dir, &distinct);
    let ms = |samples: usize| samples as u64 * 1000 / RATE;
    let mut samples: Vec<i16> = Vec::new();
    let mut words = Vec::new();
    for (gap, word, label) in TALK {
        samples.resize(samples.len() + (gap * RATE / 1000) as usize, 0);
        let start = ms(samples.len());
        samples.extend_from_slice(&clips[*word]);
        words.push(TrueWord { text: word, label: *label, start, end: ms(samples.len()) });
    }
    samples.resize(samples.len() + (TAIL_MS * RATE / 1000) as usize, 0);
    // room tone, so that silence is never digital zero
    for (i, sample) in samples.iter_mut().enumerate() {
        *sample = sample.saturating_add(((i as u64).wrapping_mul(2_654_435_761) % 61) as i16 - 30);
    }
    let wav = scratch(&format!("{name}.wav"));
    std::fs::write(&wav, wav_bytes(&samples)).expect("speech WAV");
    let video = scratch(&format!("{name}.mp4"));
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-i"])
        .arg(&wav)
        // a key frame every half second, as cameras do, so that renders of its cuts copy GOPs
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
    let speech_ms = ms(samples.len());
    Talk { video, words, duration_ms: (seconds * 1000.0).round() as u64, speech_ms }
}

pub fn wait_for(what: &str, mut check: impl FnMut() -> Option<Value>) -> Value {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "{what} did not happen in 90 s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub fn ready(account: &Account, asset_id: &str) -> Value {
    wait_for("processing", || {
        let asset = account.api.get(&format!("/v1/assets/{asset_id}")).expect(200).json();
        matches!(asset["state"].as_str(), Some("ready" | "failed" | "pending_payment")).then_some(asset)
    })
}

pub fn completed(account: &Account, cut_id: &str) -> Value {
    wait_for("planning", || {
        let cut = account.api.get(&format!("/v1/cuts/{cut_id}")).expect(200).json();
        matches!(cut["state"].as_str(), Some("completed" | "failed")).then_some(cut)
    })
}

fn spans(value: &Value) -> Vec<(f64, f64)> {
    value
        .as_array()
        .expect("spans")
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

/// The cut keeps every kept word whole and drops ≥ 80% of every filler and abandoned word, and
/// most of each long pause.
fn assert_cuts_the_talk(cut: &Value, talk: &Talk) {
    assert_eq!(cut["state"], "completed", "{cut}");
    let segments = spans(&cut["segments"]);
    for word in &talk.words {
        let share = kept_share(&segments, word.start, word.end);
        match word.label {
            Label::Keep => {
                assert!(share > 0.99, "{} at {} ms is cut ({share:.2} kept): {segments:?}", word.text, word.start)
            }
            Label::Filler | Label::Restart => {
                assert!(
                    share < 0.2,
                    "{} ({:?}) at {} ms is kept ({share:.2}): {segments:?}",
                    word.text,
                    word.label,
                    word.start
                )
            }
        }
    }
    for pair in talk.words.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        if after.start - before.end >= 2_000 {
            let share = kept_share(&segments, before.end, after.start);
            assert!(share < 0.3, "the pause {}–{} ms is kept ({share:.2})", before.end, after.start);
        }
    }
    let reasons: BTreeSet<&str> =
        cut["removed"].as_array().expect("removed").iter().filter_map(|r| r["reason"].as_str()).collect();
    for reason in ["silence", "filler", "restart"] {
        assert!(reasons.contains(reason), "no {reason} removal: {reasons:?}");
    }
    let source: f64 = cut["source_duration_seconds"].as_str().and_then(|s| s.parse().ok()).expect("source duration");
    assert!(
        (source - talk.duration_ms as f64 / 1000.0).abs() <= 0.05,
        "source {source} s, ffprobe {} ms",
        talk.duration_ms
    );
}

/// Reads an export back with OpenTimelineIO's adapter and compares it with the cut's segments.
fn assert_export_reads_back(account: &Account, cut: &Value, format: &str, adapter: &str) {
    let id = cut["id"].as_str().expect("id");
    let (status, headers, body) =
        account.api.send_for_bytes(Method::GET, &format!("/v1/cuts/{id}/export?format={format}"), &[]);
    assert_eq!(status, 200, "{format}: {}", String::from_utf8_lossy(&body));
    let disposition = headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.starts_with("attachment;"), "{format}: {disposition}");
    let path = scratch(&format!("{id}.{format}"));
    std::fs::write(&path, &body).expect("export file");
    assert_timeline_reads_back(&path, cut, format, adapter);
}

/// The timeline file at `path`, read by OpenTimelineIO's `adapter`, has one clip per segment of
/// `cut`, each where the segment is.
pub fn assert_timeline_reads_back(path: &std::path::Path, cut: &Value, format: &str, adapter: &str) {
    let python = std::env::var("TEST_PYTHON").expect("TEST_PYTHON (scripts/env.sh) names the OTIO venv");
    let script = repo_root().join("wasm-engine/tests/otio/read_timeline.py");
    let mut command = Command::new(python);
    command.arg(script).arg(path).arg(adapter);
    if format == "edl" {
        command.args(["--rate", "30"]);
    }
    let output = command.output().expect("python");
    assert!(output.status.success(), "{format}: {}", String::from_utf8_lossy(&output.stderr));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON from read_timeline.py");
    let segments = spans(&cut["segments"]);
    // one frame at 30 fps, and OTIO's FCPXML reader's own frame of slack (see the engine's test)
    let slack = if format == "fcpxml" { 2.0 / 30.0 + 1e-6 } else { 1.0 / 30.0 + 1e-6 };
    for track in document["tracks"].as_array().expect("tracks") {
        let clips = track["clips"].as_array().expect("clips");
        assert_eq!(clips.len(), segments.len(), "{format}: one clip per segment");
        for (clip, (start, end)) in clips.iter().zip(&segments) {
            let rate = clip["rate"].as_f64().expect("rate");
            let clip_start = clip["source_start"].as_f64().expect("start") / rate;
            let clip_duration = clip["duration"].as_f64().expect("duration") / rate;
            assert!((clip_start - start).abs() <= slack, "{format}: clip at {clip_start} for {start}");
            assert!(
                (clip_duration - (end - start)).abs() <= slack,
                "{format}: clip of {clip_duration} for {start}–{end}"
            );
        }
    }
}

/// The captions: the kept words only, on the cut's timeline (starting near zero, ending within its
/// kept duration).
fn assert_captions_retimed(account: &Account, cut: &Value) {
    let id = cut["id"].as_str().expect("id");
    let (status, _, body) =
        account.api.send_for_bytes(Method::GET, &format!("/v1/cuts/{id}/subtitle/export?format=srt"), &[]);
    assert_eq!(status, 200);
    let srt = String::from_utf8(body).expect("utf-8");
    for word in ["today", "rough", "editor", "drops", "rest"] {
        assert!(srt.contains(word), "{word} in {srt}");
    }
    assert!(!srt.contains(" um") && !srt.contains("uh "), "fillers are not captioned: {srt}");
    let seconds = |stamp: &str| {
        let (hms, millis) = stamp.trim().split_once(',').expect("SRT time");
        let parts: Vec<f64> = hms.split(':').map(|p| p.parse().expect("number")).collect();
        parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + millis.parse::<f64>().expect("ms") / 1000.0
    };
    let times: Vec<(f64, f64)> = srt
        .lines()
        .filter_map(|line| line.split_once(" --> "))
        .map(|(from, to)| (seconds(from), seconds(to)))
        .collect();
    assert!(!times.is_empty(), "{srt}");
    let kept: f64 = cut["kept_duration_seconds"].as_str().and_then(|s| s.parse().ok()).expect("kept");
    assert!(times[0].0 < 0.5, "the first caption starts with the cut: {srt}");
    assert!(times.last().expect("last").1 <= kept + 0.001, "captions end within the cut's {kept} s: {srt}");
    let (status, headers, _) =
        account.api.send_for_bytes(Method::GET, &format!("/v1/cuts/{id}/subtitle/export?format=vtt"), &[]);
    assert_eq!(status, 200);
    assert!(headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/vtt")));
}

pub fn transcript_json(talk: &Talk) -> Value {
    let words: Vec<Value> = talk
        .words
        .iter()
        .map(|w| json!({ "text": w.text, "start": w.start as f64 / 1000.0, "end": w.end as f64 / 1000.0 }))
        .collect();
    json!({ "words": words })
}

fn with_users_transcript(stack: &Stack) {
    let (account, project) = stack.funded_account("cuts-user", 20);
    let talk = talk();
    let asset_id = account.upload_file(&project, &talk.video);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    account.api.post(&format!("/v1/assets/{asset_id}/transcript"), &transcript_json(talk)).expect(200);
    let created = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201);
    let id = created.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(created.header("location"), Some(format!("/v1/cuts/{id}").as_str()));
    let cut = completed(&account, &id);
    assert_cuts_the_talk(&cut, talk);
    for (format, adapter) in [("otio", "otio_json"), ("fcpxml", "fcpx_xml"), ("xmeml", "fcp_xml"), ("edl", "cmx_3600")]
    {
        assert_export_reads_back(&account, &cut, format, adapter);
    }
    // the media reference names the asset's file, or what the request says
    let (_, _, otio) = account.api.send_for_bytes(Method::GET, &format!("/v1/cuts/{id}/export?format=otio"), &[]);
    assert!(String::from_utf8_lossy(&otio).contains("talk.mp4"));
    let (_, _, otio) = account.api.send_for_bytes(
        Method::GET,
        &format!("/v1/cuts/{id}/export?format=otio&filename=%2FVolumes%2FShoot%2FA001.mp4"),
        &[],
    );
    assert!(String::from_utf8_lossy(&otio).contains("/Volumes/Shoot/A001.mp4"));
    assert_captions_retimed(&account, &cut);
    // the cut's SRT is a CUT_FILE asset on the seed surface
    let files = account.api.get("/api/v1/assets?limit=100").expect(200).json();
    let cut_files: Vec<&Value> =
        files["items"].as_array().expect("items").iter().filter(|a| a["type"] == "CUT_FILE").collect();
    assert_eq!(cut_files.len(), 1, "{files}");
    // the canonical list is of recordings; a cut's file is there when asked for by its type
    let recordings = account.api.get("/v1/assets?limit=100").expect(200).json();
    assert_eq!(recordings["items"].as_array().map(|items| items.iter().all(|a| a["type"] != "cut_file")), Some(true));
    assert_eq!(account.api.get("/v1/assets?type=cut_file").expect(200).json()["total"], 1);
    let counted = account.api.get(&format!("/v1/projects/{project}")).expect(200).json();
    assert_eq!(counted["asset_count"], recordings["total"], "{counted}");
    // a transcript brought afterwards makes the same request a new cut, planned from its words
    let words = json!({ "words": [{ "text": "hello", "start": 0.5, "end": 0.9 }] });
    account.api.post(&format!("/v1/assets/{asset_id}/transcript"), &words).expect(200);
    let again = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json();
    assert_ne!(again["id"].as_str(), Some(id.as_str()));
    let path = format!("/v1/assets/{asset_id}/transcript");
    let malformed = account.api.send(Method::POST, &path, Some("application/json"), b"{\"words\":[".to_vec());
    malformed.expect_error(400, "bad_request");
}

/// What a test harness makes when it has no voice at hand: tone bursts between silences, and a
/// transcript of its own. A tone is sound, not silence: the silences go and the bursts stay, and
/// the person's words over the tone are taken at their word, so the filler among them goes.
fn tones_standing_in_for_a_voice(stack: &Stack) {
    let (account, project) = stack.funded_account("cuts-tones", 10);
    let bursts = "aevalsrc=exprs=0.5*sin(2*PI*440*t)*(between(t\\,0.5\\,2.5)+between(t\\,4.5\\,6.5)):s=48000:d=7";
    let wav = crate::processing::ffmpeg("tone-bursts.wav", &["-f", "lavfi", "-i", bursts, "-c:a", "pcm_s16le"]);
    let asset_id = account.upload_file(&project, &wav);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    let cut = completed(
        &account,
        account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json()["id"].as_str().expect("id"),
    );
    let kept = spans(&cut["segments"]);
    assert_eq!(kept.len(), 2, "{cut}");
    for ((start, end), (burst_start, burst_end)) in kept.iter().zip([(0.5, 2.5), (4.5, 6.5)]) {
        assert!(*start <= burst_start + 0.01 && *end >= burst_end - 0.01, "a burst is cut into: {cut}");
        assert!(end - start <= burst_end - burst_start + 0.31, "a burst kept with its silence: {cut}");
    }
    let words = json!({ "words": [
        { "text": "So", "start": 0.5, "end": 1.2 },
        { "text": "um,", "start": 1.3, "end": 2.0 },
        { "text": "right.", "start": 2.1, "end": 2.5 },
        { "text": "Done.", "start": 4.5, "end": 6.5 },
    ] });
    account.api.post(&format!("/v1/assets/{asset_id}/transcript"), &words).expect(200);
    let cut = completed(
        &account,
        account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json()["id"].as_str().expect("id"),
    );
    let fillers: Vec<(f64, f64)> = cut["removed"]
        .as_array()
        .expect("removed")
        .iter()
        .filter(|r| r["reason"] == "filler")
        .map(|r| (r["start"].as_f64().expect("start"), r["end"].as_f64().expect("end")))
        .collect();
    assert!(fillers.iter().any(|(start, end)| *start <= 1.3 && *end >= 2.0), "the filler stays: {cut}");
    let kept = spans(&cut["segments"]);
    assert!(kept_share(&kept, 500, 1_200) > 0.9 && kept_share(&kept, 4_500, 6_500) > 0.9, "words are lost: {cut}");
    // a tone from end to end has no silence in it at all: nothing is cut
    let steady = crate::processing::ffmpeg("tone.wav", &["-f", "lavfi", "-i", "sine=frequency=440:duration=3"]);
    let asset_id = account.upload_file(&project, &steady);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    let created = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json();
    let cut = completed(&account, created["id"].as_str().expect("id"));
    assert_eq!(spans(&cut["segments"]), [(0.0, 3.0)], "{cut}");
}

/// The talk, with the fake transcriber told what it says: it hears the whole talk as one chunk
/// and answers with the words where they are.
pub fn transcribed_talk(stack: &Stack) -> &'static Talk {
    let talk = talk();
    let spoken = talk
        .words
        .iter()
        .map(|w| SpokenWord { text: w.text.to_owned(), start: w.start as f64 / 1000.0, end: w.end as f64 / 1000.0 })
        .collect();
    stack.transcriber.register(talk.speech_ms.min(talk.duration_ms), spoken);
    talk
}

fn with_transcriber(stack: &Stack) {
    let (account, project) = stack.funded_account("cuts-asr", 20);
    let talk = transcribed_talk(stack);
    let asset_id = account.upload_file(&project, &talk.video);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    let id = account.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect(201).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cut = completed(&account, &id);
    assert_cuts_the_talk(&cut, talk);
    assert_export_reads_back(&account, &cut, "otio", "otio_json");
    assert_captions_retimed(&account, &cut);
}

fn idempotency_gates_validation_and_isolation(stack: &Stack) {
    let (account, project) = stack.funded_account("cuts-rules", 20);
    let talk = talk();
    let asset_id = account.upload_file(&project, &talk.video);
    // not cuttable yet: 409 asset_processing with Retry-After (or, if processing was that quick,
    // the cut is made — the gate is asserted on an asset still uploading below)
    let pending = account
        .api
        .post("/v1/assets", &json!({ "project_id": project, "size_bytes": 1_000, "filename": "later.mp4" }))
        .expect(201)
        .json();
    let refused = account.api.post("/v1/cuts", &json!({ "asset_id": pending["id"] }));
    assert_eq!(refused.header("retry-after"), Some("5"));
    refused.expect_error(409, "asset_processing");
    assert_eq!(ready(&account, &asset_id)["state"], "ready");

    let body = json!({ "asset_id": asset_id, "options": { "remove_fillers": false } });
    let first = account.api.post("/v1/cuts", &body).expect(201).json();
    let again = account.api.post("/v1/cuts", &body).expect(200).json();
    assert_eq!(first["id"], again["id"], "the same request is the same cut");
    assert_eq!(again["options"]["remove_fillers"], false);
    assert_eq!(again["options"]["min_silence_seconds"], 0.5, "defaults filled in");
    let scripted = account
        .api
        .post("/v1/cuts", &json!({ "asset_id": asset_id, "script": "Today we look at rough cuts." }))
        .expect(201)
        .json();
    assert_ne!(scripted["id"], first["id"]);
    // just created, it waits for the queue (batches wait up to a second): not completed yet
    let scripted_id = scripted["id"].as_str().expect("id");
    if scripted["state"] == "pending" {
        account.api.get(&format!("/v1/cuts/{scripted_id}/export?format=otio")).expect_error(409, "modifier_not_ready");
    }

    let long = "word ".repeat(20_001);
    let error = account
        .api
        .post("/v1/cuts", &json!({ "asset_id": asset_id, "script": long }))
        .expect_error(422, "validation_error");
    assert_eq!(error["error"]["fields"][0]["field"], "body.script");
    let error = account
        .api
        .post("/v1/cuts", &json!({ "asset_id": asset_id, "options": { "margin_seconds": 3 } }))
        .expect_error(422, "validation_error");
    assert_eq!(error["error"]["fields"][0]["field"], "body.options.margin_seconds");
    account
        .api
        .post("/v1/cuts", &json!({ "asset_id": asset_id, "options": { "shorter": true } }))
        .expect_error(422, "validation_error");
    account.api.post("/v1/cuts", &json!({ "asset_id": "ast_nope" })).expect_error(404, "not_found");

    // an unpaid asset and a failed one
    let (poor, poor_project) = stack.funded_account("cuts-poor", 1);
    let minute = scratch("minute.m4a");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=61", "-c:a", "aac"])
        .arg(&minute)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let unpaid = poor.upload_file(&poor_project, &minute);
    assert_eq!(ready(&poor, &unpaid)["state"], "pending_payment");
    poor.api.post("/v1/cuts", &json!({ "asset_id": unpaid })).expect_error(409, "asset_payment_required");
    let garbage = scratch("garbage.mp4");
    let mut bytes = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    bytes.extend((0..5_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(&garbage, bytes).expect("garbage");
    let failed = account.upload_file(&project, &garbage);
    assert_eq!(ready(&account, &failed)["state"], "failed");
    account.api.post("/v1/cuts", &json!({ "asset_id": failed })).expect_error(409, "asset_failed");

    // lists, filters, pagination
    let id = first["id"].as_str().expect("id");
    completed(&account, id);
    completed(&account, scripted["id"].as_str().expect("id"));
    let listed = account.api.get(&format!("/v1/cuts?asset_id={asset_id}&limit=1")).expect(200).json();
    assert_eq!((listed["total"].as_u64(), listed["items"].as_array().map(Vec::len)), (Some(2), Some(1)));
    assert_eq!(listed["items"][0]["id"], scripted["id"], "newest first");
    assert_eq!(account.api.get("/v1/cuts?state=completed").expect(200).json()["total"], 2);
    assert_eq!(account.api.get(&format!("/v1/cuts?project_id={project}")).expect(200).json()["total"], 2);
    account.api.get("/v1/cuts?state=done").expect_error(400, "bad_request");
    account.api.get(&format!("/v1/cuts/{id}/export?format=mov")).expect_error(400, "bad_request");

    // another account sees nothing
    let stranger = stack.new_account("cuts-stranger");
    stranger.api.get(&format!("/v1/cuts/{id}")).expect_error(404, "not_found");
    stranger.api.get(&format!("/v1/cuts/{id}/export?format=otio")).expect_error(404, "not_found");
    stranger.api.delete(&format!("/v1/cuts/{id}")).expect_error(404, "not_found");
    assert_eq!(stranger.api.get("/v1/cuts").expect(200).json()["total"], 0);
    stranger.api.post("/v1/cuts", &json!({ "asset_id": asset_id })).expect_error(404, "not_found");

    // a sine tone has no words: no captions (the provider heard nothing)
    let tone = account.upload_file(&project, &minute);
    assert_eq!(ready(&account, &tone)["state"], "ready");
    let wordless = account.api.post("/v1/cuts", &json!({ "asset_id": tone })).expect(201).json();
    let wordless_id = wordless["id"].as_str().expect("id");
    completed(&account, wordless_id);
    account
        .api
        .get(&format!("/v1/cuts/{wordless_id}/subtitle/export?format=srt"))
        .expect_error(409, "unsupported_format");

    // deleting the cut, and the asset's deletion takes its cuts with it (restore brings them back)
    account.api.delete(&format!("/v1/cuts/{id}")).expect(204);
    account.api.get(&format!("/v1/cuts/{id}")).expect_error(404, "not_found");
    account.api.delete(&format!("/v1/assets/{asset_id}")).expect(204);
    account.api.get(&format!("/v1/cuts/{scripted_id}")).expect_error(404, "not_found");
    account.api.post(&format!("/v1/assets/{asset_id}/restore"), &json!({})).expect(200);
    account.api.get(&format!("/v1/cuts/{scripted_id}")).expect(200);
}

/// Twenty identical `POST /v1/cuts` (and `/v1/renders`) at once make one resource. The local stack
/// runs D1 one statement at a time, so the schema's own guarantee is checked too: a second live
/// row with the same signature is refused by D1 itself, as production D1 (which gives concurrent
/// requests no order) must refuse it.
fn identical_requests_racing_make_one(stack: &Stack) {
    let (account, project) = stack.funded_account("racing requests", 5);
    let file = scratch("racing.m4a");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=5", "-c:a", "aac"])
        .arg(&file)
        .status()
        .expect("ffmpeg");
    assert!(status.success());
    let asset_id = account.upload_file(&project, &file);
    assert_eq!(ready(&account, &asset_id)["state"], "ready");
    let race = |path: &str, body: &Value| -> BTreeSet<(u16, String)> {
        std::thread::scope(|scope| {
            let requests: Vec<_> = (0..20)
                .map(|_| {
                    scope.spawn(|| {
                        let reply = account.api.post(path, body);
                        (reply.status, reply.json()["id"].as_str().unwrap_or_default().to_owned())
                    })
                })
                .collect();
            requests.into_iter().map(|r| r.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        })
    };
    for (path, body, table) in [
        ("/v1/cuts", json!({ "asset_id": asset_id }), "cuts"),
        ("/v1/renders", json!({ "asset_id": asset_id, "output": { "format": "m4a" } }), "renders"),
    ] {
        let replies = race(path, &body);
        let ids: BTreeSet<&str> = replies.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(ids.len(), 1, "{path}: one resource for twenty identical requests: {replies:?}");
        assert!(replies.iter().all(|(status, _)| *status == 200 || *status == 201), "{replies:?}");
        let id = ids.into_iter().next().unwrap_or_default();
        let twin = match table {
            "cuts" => format!(
                "INSERT INTO cuts (id, account_id, asset_id, signature, state, options_json, created_at) \
                 SELECT 'cut_twin', account_id, asset_id, signature, 'pending', options_json, created_at \
                 FROM cuts WHERE id = '{id}'"
            ),
            _ => format!(
                "INSERT INTO renders (id, account_id, asset_id, signature, state, output_json, created_at) \
                 SELECT 'rnd_twin', account_id, asset_id, signature, 'pending', output_json, created_at \
                 FROM renders WHERE id = '{id}'"
            ),
        };
        let refused = stack.d1_execute(&twin).expect_err("D1 refuses a second live row with the signature");
        assert!(refused.contains("UNIQUE constraint failed"), "{table}: {refused}");
    }
}
