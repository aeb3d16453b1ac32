//! Processing through the real stack: files ffmpeg generates here are uploaded, the worker's queue
//! hands them to the media container process, which probes and analyses them; the fake
//! OpenAI-compatible server transcribes; the asset is charged once and becomes `ready` — or
//! `pending_payment`, or `failed` uncharged. Probes are checked against ffprobe's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ureq::http::Method;

use roughcut_tests::client::Account;
use roughcut_tests::stack::Stack;
use roughcut_tests::transcriber::SpokenWord;

use crate::Test;

pub fn tests() -> Vec<Test> {
    vec![
        ("processing::formats_reach_ready_with_ffprobes_figures", formats_reach_ready_with_ffprobes_figures),
        ("processing::a_browser_recording_states_no_length_and_is_measured", a_browser_recording_is_measured),
        ("processing::garbage_fails_uncharged", garbage_fails_uncharged),
        ("processing::the_type_is_known_from_the_first_chunk", the_type_is_known_from_the_first_chunk),
        ("processing::ninety_seconds_cost_two_credits_once", ninety_seconds_cost_two_credits_once),
        ("processing::unpaid_assets_wait_for_a_top_up_oldest_first", unpaid_assets_wait_for_a_top_up_oldest_first),
        (
            "processing::a_video_longer_than_its_proxy_waits_for_the_difference",
            a_video_longer_than_its_proxy_waits_for_the_difference,
        ),
        ("processing::users_bring_their_own_transcript", users_bring_their_own_transcript),
        ("processing::deleted_while_processed_then_restored", deleted_while_processed_then_restored_reaches_ready),
    ]
}

/// Tests that kill a part of the stack run alone.
pub fn exclusive_tests() -> Vec<Test> {
    vec![("processing::a_killed_container_is_retried", a_killed_container_is_retried)]
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("roughcut-e2e-media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// Runs ffmpeg with `args` writing `name`; returns its path.
pub fn ffmpeg(name: &str, args: &[&str]) -> PathBuf {
    let out = scratch(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?}");
    out
}

pub fn sine(seconds: u32) -> String {
    format!("sine=frequency=440:sample_rate=48000:duration={seconds}")
}

fn ffprobe(path: &Path) -> Value {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    serde_json::from_slice(&output.stdout).expect("ffprobe JSON")
}

/// Polls the asset until it leaves `pending_upload`/`processing` (running the sweep meanwhile
/// when `sweep` is set, as the cron would); panics after `patience`.
pub fn settled(stack: &Stack, account: &Account, asset_id: &str, patience: Duration, sweep: bool) -> Value {
    let started = Instant::now();
    loop {
        let asset = account.api.get(&format!("/v1/assets/{asset_id}")).expect(200).json();
        let state = asset["state"].as_str().unwrap_or_default().to_owned();
        if state != "pending_upload" && state != "processing" {
            return asset;
        }
        assert!(started.elapsed() < patience, "{asset_id} still {state} after {patience:?}: {asset}");
        if sweep {
            stack.run_cron().expect("cron");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn consumed(account: &Account) -> Vec<Value> {
    let history = account.api.get("/v1/credits/history?limit=100").expect(200).json();
    history["items"].as_array().expect("items").iter().filter(|e| e["type"] == "consume_asset").cloned().collect()
}

fn jobs_of(stack: &Stack, asset_id: &str) -> Vec<Value> {
    let jobs = stack.admin().get(&format!("/admin/v1/jobs?subject_id={asset_id}")).expect(200).json();
    jobs.as_array().expect("jobs").clone()
}

fn stream<'a>(probe: &'a Value, kind: &str) -> Option<&'a Value> {
    probe["streams"].as_array()?.iter().find(|s| s["codec_type"] == kind)
}

fn number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// API.md: an asset's `type` is known from its first chunk, long before the upload ends.
fn the_type_is_known_from_the_first_chunk(stack: &Stack) {
    let (account, project) = stack.funded_account("first chunk", 10);
    let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "2", "-c:v", "libx264", "-pix_fmt"];
    let bytes = std::fs::read(ffmpeg("first-chunk.mp4", &[&video[..], &["yuv420p"]].concat())).expect("mp4");
    let body = json!({ "project_id": project, "size_bytes": bytes.len(), "filename": "first-chunk.mp4" });
    let created = account.api.post("/v1/assets", &body).expect(201);
    let (url, id) = (created.header("location").expect("Location").to_owned(), created.json()["id"].clone());
    let id = id.as_str().expect("id");
    assert_eq!(account.api.get(&format!("/v1/assets/{id}")).expect(200).json()["type"], Value::Null);
    let half = bytes.len() / 2;
    for (offset, chunk) in [(0, &bytes[..half]), (half, &bytes[half..])] {
        let at = offset.to_string();
        let headers = [
            ("tus-resumable", "1.0.0"),
            ("upload-offset", at.as_str()),
            ("content-type", "application/offset+octet-stream"),
        ];
        account.api.send_with(Method::PATCH, &url, &headers, chunk.to_vec()).expect(204);
        let asset = account.api.get(&format!("/v1/assets/{id}")).expect(200).json();
        assert_eq!(asset["type"], "video", "after the chunk at {offset}: {asset}");
    }
}

fn formats_reach_ready_with_ffprobes_figures(stack: &Stack) {
    let (account, project) = stack.funded_account("formats", 100);
    let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-f", "lavfi", "-i"];
    let mut files = vec![
        ffmpeg(
            "clip.mp4",
            &[&video[..], &[&sine(4), "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]].concat(),
        ),
        ffmpeg(
            "clip.mov",
            &[
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=360x640:rate=30000/1001",
                "-f",
                "lavfi",
                "-i",
                &sine(3),
                "-t",
                "3",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
            ],
        ),
        // what OBS records, and what a browser's MediaRecorder does
        ffmpeg("clip.mkv", &[&video[..], &[&sine(4), "-t", "4", "-c:v", "libx264", "-c:a", "aac"]].concat()),
        ffmpeg("clip.webm", &[&video[..], &[&sine(3), "-t", "3", "-c:v", "libvpx", "-c:a", "libopus"]].concat()),
        ffmpeg("voice.m4a", &["-f", "lavfi", "-i", &sine(5), "-ac", "2", "-c:a", "aac"]),
        ffmpeg("voice.mp3", &["-f", "lavfi", "-i", &sine(5), "-c:a", "libmp3lame", "-b:a", "128k"]),
        ffmpeg("voice.wav", &["-f", "lavfi", "-i", &sine(5), "-ac", "1", "-c:a", "pcm_s16le"]),
        // a voice note, and what a browser's MediaRecorder writes for audio
        ffmpeg("voice.opus", &["-f", "lavfi", "-i", &sine(5), "-ac", "1", "-c:a", "libopus"]),
        ffmpeg("voice.webm", &["-f", "lavfi", "-i", &sine(5), "-ac", "2", "-c:a", "libopus"]),
        // a camera's PCM in a MOV, and 5.1 sound: decoded by ffmpeg for the analysis
        ffmpeg("camera.mov", &[&video[..], &[&sine(3), "-t", "3", "-c:v", "libx264", "-c:a", "pcm_s24le"]].concat()),
        ffmpeg("surround.m4a", &["-f", "lavfi", "-i", &sine(4), "-ac", "6", "-c:a", "aac"]),
    ];
    // a phone's portrait recording: coded on its side, with a display matrix
    let coded = files[0].to_str().expect("path").to_owned();
    files.push(ffmpeg("portrait.mp4", &["-i", &coded, "-c", "copy", "-metadata:s:v:0", "rotate=90"]));
    // what Safari's MediaRecorder and OBS write: a fragmented MP4
    let fragments = ["-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof"];
    files.push(ffmpeg("fragmented.mp4", &[&["-i", coded.as_str()][..], &fragments[..]].concat()));
    let assets: Vec<(PathBuf, String)> = files.iter().map(|f| (f.clone(), account.upload_file(&project, f))).collect();
    for (file, asset_id) in &assets {
        let asset = settled(stack, &account, asset_id, Duration::from_secs(90), false);
        let name = file.display();
        assert_eq!(
            (asset["state"].as_str(), asset["cuttable"].as_bool()),
            (Some("ready"), Some(true)),
            "{name}: {asset}"
        );
        let theirs = ffprobe(file);
        let duration: f64 = asset["duration_seconds"].as_str().and_then(|d| d.parse().ok()).expect("duration");
        let expected: f64 =
            theirs["format"]["duration"].as_str().and_then(|d| d.parse().ok()).expect("ffprobe duration");
        assert!((duration - expected).abs() <= 0.05, "{name}: {duration} s against ffprobe's {expected} s");
        let media = &asset["media"];
        // a fragmented MP4 is measured on its remux, where AAC's priming may count: within 1 %
        let fragmented = name.to_string().ends_with("fragmented.mp4");
        let same_bitrate = |ours: &Value, theirs: u64, what: &str| {
            let ours = ours.as_u64().expect("a bitrate");
            let slack = if fragmented { theirs / 100 } else { 0 };
            assert!(ours.abs_diff(theirs) <= slack, "{name}: {what} bitrate {ours} against ffprobe's {theirs}");
        };
        match stream(&theirs, "video") {
            Some(v) => {
                assert_eq!(asset["type"], "video", "{name}");
                let ours = &media["video"];
                assert_eq!(ours["codec"], v["codec_name"], "{name}");
                assert_eq!(
                    (ours["width"].as_u64(), ours["height"].as_u64()),
                    (number(&v["width"]), number(&v["height"])),
                    "{name}"
                );
                assert_eq!(ours["frame_rate"], v["r_frame_rate"], "{name}");
                // ffprobe gives the display matrix's counter-clockwise angle; the API clockwise
                let turned = v["side_data_list"].as_array().and_then(|l| l.iter().find_map(|d| d["rotation"].as_i64()));
                assert_eq!(ours["rotation"].as_i64(), Some((-turned.unwrap_or(0)).rem_euclid(360)), "{name}");
                if let Some(bitrate) = number(&v["bit_rate"]) {
                    same_bitrate(&ours["bitrate"], bitrate, "video");
                }
            }
            None => assert_eq!((asset["type"].as_str(), media["video"].is_null()), (Some("audio"), true), "{name}"),
        }
        let a = stream(&theirs, "audio").expect("every file here has audio");
        let ours = &media["audio"];
        assert_eq!(ours["codec"], a["codec_name"], "{name}");
        assert_eq!(ours["sample_rate"].as_u64(), number(&a["sample_rate"]), "{name}");
        assert_eq!(ours["channels"].as_u64(), number(&a["channels"]), "{name}");
        if let Some(bitrate) = number(&a["bit_rate"]) {
            same_bitrate(&ours["bitrate"], bitrate, "audio");
        }
    }
    // each file is under a minute: one credit each, one entry each
    let charges = consumed(&account);
    assert_eq!(charges.len(), files.len());
    assert!(charges.iter().all(|c| c["delta"] == -1), "{charges:?}");
    assert_eq!(account.api.get("/v1/credits/balance").expect(200).json()["balance"], 100 - files.len() as i64);
}

fn a_browser_recording_is_measured(stack: &Stack) {
    // what MediaRecorder writes: VP8 and Opus in a live WebM, with no Duration and no Cues
    let (account, project) = stack.funded_account("recorded", 10);
    let inputs = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=5", "-f", "lavfi", "-i", &sine(5)];
    let codecs = ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", "-live", "1"];
    let file = ffmpeg("recorded.webm", &[&inputs[..], &codecs[..]].concat());
    assert!(ffprobe(&file)["format"].get("duration").is_none(), "the file states its length");
    let asset_id = account.upload_file(&project, &file);
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(60), false);
    assert_eq!((asset["state"].as_str(), asset["type"].as_str()), (Some("ready"), Some("video")), "{asset}");
    let duration: f64 = asset["duration_seconds"].as_str().and_then(|d| d.parse().ok()).expect("duration");
    assert!((duration - 5.0).abs() <= 0.05, "{duration} s");
    let media = &asset["media"];
    assert_eq!((media["video"]["codec"].as_str(), media["audio"]["codec"].as_str()), (Some("vp8"), Some("opus")));
    assert_eq!((media["video"]["width"].as_u64(), media["video"]["frame_rate"].as_str()), (Some(320), Some("30/1")));
    assert_eq!(consumed(&account).len(), 1, "charged once");
}

fn garbage_fails_uncharged(stack: &Stack) {
    let (account, project) = stack.funded_account("garbage", 10);
    // an MP4 file type box (so the upload's sniff accepts it) and then nothing an MP4 holds
    let mut bytes = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    bytes.extend((0..40_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let path = scratch("garbage.mp4");
    std::fs::write(&path, bytes).expect("garbage file");
    let asset_id = account.upload_file(&project, &path);
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(60), false);
    assert_eq!(
        (asset["state"].as_str(), asset["error_code"].as_str()),
        (Some("failed"), Some("unsupported_media")),
        "{asset}"
    );
    assert_eq!(asset["cuttable"], false);
    assert!(consumed(&account).is_empty(), "a file that cannot be processed is never charged");
    assert_eq!(account.api.get("/v1/credits/balance").expect(200).json()["balance"], 10);
    let jobs = jobs_of(stack, &asset_id);
    assert_eq!(jobs.len(), 1, "bad input is not retried: {jobs:?}");
    assert_eq!((jobs[0]["state"].as_str(), jobs[0]["attempt"].as_u64()), (Some("failed"), Some(1)));
}

fn ninety_seconds_cost_two_credits_once(stack: &Stack) {
    let (account, project) = stack.funded_account("ninety", 10);
    // 90 s of tone, the middle of it "spoken" (the fake transcriber answers for 90 s of audio)
    let file = ffmpeg("ninety.m4a", &["-f", "lavfi", "-i", &sine(90), "-ac", "1", "-c:a", "aac", "-b:a", "64k"]);
    let words = ["ninety", "seconds", "of", "tone"];
    let spoken: Vec<SpokenWord> = words
        .iter()
        .enumerate()
        .map(|(i, w)| SpokenWord { text: (*w).to_owned(), start: 10.0 + i as f64, end: 10.6 + i as f64 })
        .collect();
    stack.transcriber.register(90_000, spoken);
    let asset_id = account.upload_file(&project, &file);
    // the job's message delivered again while it runs …
    let job = jobs_of(stack, &asset_id).into_iter().find(|j| j["kind"] == "process_asset").expect("processing job");
    let job_id = job["id"].as_str().expect("job id").to_owned();
    stack.admin().post(&format!("/admin/v1/jobs/{job_id}/redeliver"), &json!({})).expect(202);
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(90), false);
    assert_eq!(asset["state"], "ready", "{asset}");
    // … and once more after it finished
    stack.admin().post(&format!("/admin/v1/jobs/{job_id}/redeliver"), &json!({})).expect(202);
    std::thread::sleep(Duration::from_secs(3));
    let charges = consumed(&account);
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!((charges[0]["delta"].as_i64(), charges[0]["asset_id"].as_str()), (Some(-2), Some(asset_id.as_str())));
    assert_eq!(account.api.get("/v1/credits/balance").expect(200).json()["balance"], 8);
    let jobs = jobs_of(stack, &asset_id);
    let processing = jobs.iter().find(|j| j["kind"] == "process_asset").expect("job");
    assert_eq!(
        (processing["state"].as_str(), processing["attempt"].as_u64()),
        (Some("succeeded"), Some(1)),
        "{jobs:?}"
    );
    let transcription = jobs.iter().find(|j| j["kind"] == "transcribe_asset").expect("transcription job");
    assert_eq!(transcription["state"], "succeeded", "{jobs:?}");
    // the speech went to the transcriber once, as 16 kHz WAV, with the model configured and the
    // verbatim prompt (the asset has no language: English)
    let requests: Vec<_> =
        stack.transcriber.requests().into_iter().filter(|r| r.duration_ms.abs_diff(90_000) <= 50).collect();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!((requests[0].model.as_str(), requests[0].response_format.as_str()), ("whisper-test", "verbose_json"));
    assert_eq!(requests[0].sample_rate, 16_000);
    let disfluent = |p: &str| p.starts_with("Um, uh, I- I mean");
    assert!(requests[0].prompt.as_deref().is_some_and(disfluent), "{requests:?}");
}

fn unpaid_assets_wait_for_a_top_up_oldest_first(stack: &Stack) {
    let (account, project) = stack.funded_account("unpaid", 1);
    let older = ffmpeg("unpaid-a.m4a", &["-f", "lavfi", "-i", &sine(61), "-ac", "1", "-c:a", "aac", "-b:a", "32k"]);
    let newer = ffmpeg("unpaid-b.m4a", &["-f", "lavfi", "-i", &sine(62), "-ac", "1", "-c:a", "aac", "-b:a", "32k"]);
    // both created while one credit is available; each costs two
    let first = account.upload_file(&project, &older);
    std::thread::sleep(Duration::from_millis(20));
    let second = account.upload_file(&project, &newer);
    for id in [&first, &second] {
        let asset = settled(stack, &account, id, Duration::from_secs(90), false);
        assert_eq!(
            (asset["state"].as_str(), asset["cuttable"].as_bool()),
            (Some("pending_payment"), Some(false)),
            "{asset}"
        );
    }
    assert!(consumed(&account).is_empty());
    // two more credits: three available, enough for the older only (the newer does not jump it)
    stack.grant(&account.id, 2, "topup").expect(201);
    let state = |id: &str| account.api.get(&format!("/v1/assets/{id}")).expect(200).json()["state"].clone();
    assert_eq!((state(&first), state(&second)), (json!("ready"), json!("pending_payment")));
    stack.grant(&account.id, 1, "topup").expect(201);
    assert_eq!(state(&second), "ready");
    let balance = account.api.get("/v1/credits/balance").expect(200).json();
    assert_eq!(balance["balance"], 0, "{balance}");
    assert_eq!(consumed(&account).len(), 2);
}

/// The proxy's 61 s were charged 2 credits; the video is 125 s and costs 3. With no credit left
/// the video is not `ready` on the proxy's payment: it waits for the third credit. One proxy only.
fn a_video_longer_than_its_proxy_waits_for_the_difference(stack: &Stack) {
    let (account, project) = stack.funded_account("proxy correction", 2);
    let video = ffmpeg(
        "longer.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=5:duration=125",
            "-f",
            "lavfi",
            "-i",
            &sine(125),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-b:a",
            "24k",
            "-shortest",
        ],
    );
    let proxy = ffmpeg("shorter.m4a", &["-f", "lavfi", "-i", &sine(61), "-ac", "1", "-c:a", "aac", "-b:a", "24k"]);
    let (video, proxy) = (std::fs::read(video).expect("video"), std::fs::read(proxy).expect("proxy"));
    let body = json!({ "project_id": project, "size_bytes": video.len(), "filename": "longer.mp4" });
    let created = account.api.post("/v1/assets", &body).expect(201);
    let video_url = created.header("location").expect("Location").to_owned();
    let id = created.json()["id"].as_str().expect("id").to_owned();
    let proxy_path = format!("/v1/assets/{id}/audio-proxy");
    let proxy_url = account
        .api
        .post(&proxy_path, &json!({ "size_bytes": proxy.len() }))
        .expect(201)
        .header("location")
        .expect("Location")
        .to_owned();
    let patch = |url: &str, bytes: Vec<u8>| {
        let headers =
            [("tus-resumable", "1.0.0"), ("upload-offset", "0"), ("content-type", "application/offset+octet-stream")];
        account.api.send_with(Method::PATCH, url, &headers, bytes).expect(204);
    };
    patch(&proxy_url, proxy);
    let started = Instant::now();
    while account.api.get(&format!("/v1/assets/{id}")).expect(200).json()["cuttable"] != true {
        assert!(started.elapsed() < Duration::from_secs(60), "the proxy never made {id} cuttable");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(account.api.get("/v1/credits/balance").expect(200).json()["balance"], 0, "the proxy's 2 credits");
    account.api.post(&proxy_path, &json!({ "size_bytes": 3_000 })).expect_error(409, "conflict");

    patch(&video_url, video);
    let asset = settled(stack, &account, &id, Duration::from_secs(120), false);
    assert_eq!(asset["state"], "pending_payment", "the video's third minute is unpaid: {asset}");
    stack.grant(&account.id, 1, "topup").expect(201);
    let asset = account.api.get(&format!("/v1/assets/{id}")).expect(200).json();
    assert_eq!(
        (
            asset["state"].as_str(),
            asset["duration_seconds"].as_str().and_then(|d| d.parse::<f64>().ok()).map(f64::round)
        ),
        (Some("ready"), Some(125.0))
    );
    let history = account.api.get("/v1/credits/history?limit=100").expect(200).json();
    let adjustments: Vec<_> =
        history["items"].as_array().expect("items").iter().filter(|e| e["type"] == "adjustment").collect();
    assert_eq!(adjustments.len(), 1, "{history}");
    assert_eq!(adjustments[0]["delta"], -1);
    assert_eq!(
        (consumed(&account).len(), account.api.get("/v1/credits/balance").expect(200).json()["balance"].clone()),
        (1, json!(0))
    );
}

/// Deleted the moment its last byte lands, while it is processed: its results are refused while it
/// is deleted. Restored, it is processed (again, if its job had ended) and becomes `ready`.
fn deleted_while_processed_then_restored_reaches_ready(stack: &Stack) {
    let (account, project) = stack.funded_account("deleted while processed", 10);
    let file = ffmpeg("deleted.m4a", &["-f", "lavfi", "-i", &sine(90), "-ac", "1", "-c:a", "aac", "-b:a", "32k"]);
    let id = account.upload_file(&project, &file);
    account.api.delete(&format!("/v1/assets/{id}")).expect(204);
    let started = Instant::now();
    while jobs_of(stack, &id).iter().any(|j| j["state"] == "queued" || j["state"] == "running") {
        assert!(started.elapsed() < Duration::from_secs(60), "the job never ended: {:?}", jobs_of(stack, &id));
        std::thread::sleep(Duration::from_millis(300));
    }
    let restored = account.api.post(&format!("/v1/assets/{id}/restore"), &json!({})).expect(200).json();
    assert_eq!(restored["state"], "processing", "{restored}");
    let asset = settled(stack, &account, &id, Duration::from_secs(60), false);
    assert_eq!(asset["state"], "ready", "{asset}");
    assert_eq!(consumed(&account).len(), 1, "charged once");
}

fn a_killed_container_is_retried(stack: &Stack) {
    let (account, project) = stack.funded_account("killed", 100);
    // long enough that the container is still at it when it is killed
    let file = ffmpeg(
        "long.m4a",
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=16000:duration=1500",
            "-ac",
            "1",
            "-c:a",
            "aac",
            "-b:a",
            "24k",
        ],
    );
    let asset_id = account.upload_file(&project, &file);
    let started = Instant::now();
    loop {
        let jobs = jobs_of(stack, &asset_id);
        if jobs.iter().any(|j| j["kind"] == "process_asset" && j["state"] == "running") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the job never ran: {jobs:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    stack.kill_and_restart_media().expect("media container restarts");
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(120), true);
    assert_eq!(asset["state"], "ready", "{asset}");
    let jobs = jobs_of(stack, &asset_id);
    let job = jobs.iter().find(|j| j["kind"] == "process_asset").expect("job");
    assert_eq!(job["state"], "succeeded", "{jobs:?}");
    assert!(job["attempt"].as_u64() >= Some(2), "the killed attempt was retried: {jobs:?}");
    let charges = consumed(&account);
    assert_eq!(charges.len(), 1, "{charges:?}");
    assert_eq!(charges[0]["delta"], -25, "25 minutes");
}

fn users_bring_their_own_transcript(stack: &Stack) {
    let (account, project) = stack.funded_account("own-transcript", 10);
    let file = ffmpeg("own-transcript.wav", &["-f", "lavfi", "-i", &sine(4), "-ac", "1", "-c:a", "pcm_s16le"]);
    let asset_id = account.upload_file(&project, &file);
    let asset = settled(stack, &account, &asset_id, Duration::from_secs(60), false);
    assert_eq!(asset["state"], "ready");
    let path = format!("/v1/assets/{asset_id}/transcript");
    let srt = "1\n00:00:00,500 --> 00:00:01,500\nhello there\n\n2\n00:00:02,000 --> 00:00:03,000\ngeneral kenobi\n";
    let accepted =
        account.api.send(Method::POST, &path, Some("application/x-subrip"), srt.as_bytes().to_vec()).expect(200).json();
    assert_eq!(accepted, json!({ "asset_id": asset_id, "words": 4, "source": "user" }));
    let vtt = "WEBVTT\n\n00:00:00.500 --> 00:00:01.000\nhi\n";
    account.api.send(Method::POST, &path, Some("text/vtt"), vtt.as_bytes().to_vec()).expect(200);
    let words = json!({ "words": [{ "text": "hi", "start": 0.5, "end": 0.9, "confidence": 0.9 }] });
    account.api.post(&path, &words).expect(200);
    // words past the end of the 4-second file, or out of order, are refused with their field
    let late = json!({ "words": [{ "text": "late", "start": 3.5, "end": 4.5 }] });
    let error = account.api.post(&path, &late).expect_error(422, "validation_error");
    assert_eq!(error["error"]["fields"][0]["field"], "body.words[0].end", "{error}");
    let unordered =
        json!({ "words": [{ "text": "b", "start": 2, "end": 3 }, { "text": "a", "start": 1, "end": 1.5 }] });
    let error = account.api.post(&path, &unordered).expect_error(422, "validation_error");
    assert_eq!(error["error"]["fields"][0]["field"], "body.words[1].start", "{error}");
    account
        .api
        .send(Method::POST, &path, Some("text/plain"), b"hello".to_vec())
        .expect_error(415, "unsupported_media_type");
    let stranger = stack.new_account("stranger");
    stranger.api.post(&path, &words).expect_error(404, "not_found");
}
